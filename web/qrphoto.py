"""A photo of a receipt's QR code, decoded on the server (OpenCV, as the scan splitter does): the dossier code.

It accepts the receipt's payload and the public status URL (`.../tra-cuu/{code}`) that `/api/v1/public/.../qr` holds.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from core.identifiers import InvalidIdentifier, validate_dossier_code
from issuing.qr import PayloadError, decode_receipt, find_qr_codes

_STATUS_URL = re.compile(r"/tra-cuu/([^/?#]+)$")


def dossier_code_from_photo(data: bytes) -> str | None:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        return None
    for hit in find_qr_codes(np.asarray(image, dtype=np.uint8), max_side=1600):
        try:
            return decode_receipt(hit.text).dossier_code
        except PayloadError:
            pass
        match = _STATUS_URL.search(hit.text.strip())
        if match:
            try:
                return validate_dossier_code(match.group(1))
            except InvalidIdentifier:
                pass
    return None
