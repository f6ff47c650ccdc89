"""What a scanning station uploads in the tests that go through the API: station QT-01 of the provincial agency,
the birth-registration procedure, one citizen; `station_manifest` is the batch's manifest.
"""

from __future__ import annotations

from typing import Any

STATION = "QT-01"
AGENCY = "000.00.00.H30"
PROCEDURE = "1.011442.000.00.00.H30"
OWNER = "045190001234"
BIRTH_FORM = {"type_code": "TKKS", "name": "Tờ khai đăng ký khai sinh", "pages": "1"}  # a one-page paper


def station_manifest(split: str, *, owner: str = OWNER, **more: Any) -> dict[str, Any]:
    """The manifest of a batch from station QT-01 for `owner` (`split`: qr, manifest …; `more`: documents …)."""
    return {
        "station_id": STATION,
        "agency_code": AGENCY,
        "procedure_code": PROCEDURE,
        "owner_id": owner,
        "split": split,
        **more,
    }
