"""A page's print is ImageHash's pHash bit for bit (prints stored before are still compared), computed without
SciPy (its import cost each OCR worker ≈0.15 CPU s).
"""

from __future__ import annotations

import subprocess
import sys

import imagehash
import numpy as np
from PIL import Image

from bench.synthetic import Degradation, make_page
from ocr.prints import HASH_SIZE, page_print


def _images() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    page = make_page(0, Degradation(noise=3), seed=31, height_mm=110)
    colour, grey = page.degraded, np.asarray(Image.fromarray(page.degraded).convert("L"))
    h, w = grey.shape
    crops = [grey[y : y + h // 2, x : x + w // 2] for y, x in rng.integers(0, min(h, w) // 2, (12, 2))]
    noise = [rng.integers(0, 256, (rng.integers(40, 400), rng.integers(40, 400)), dtype=np.uint8) for _ in range(30)]
    flat = [np.full((300, 200), 255, np.uint8), np.zeros((300, 200), np.uint8), np.full((50, 80, 3), 200, np.uint8)]
    return [colour, grey, *crops, *noise, *flat]


def test_page_print_is_imagehash_phash() -> None:
    images = _images()
    expected = [str(imagehash.phash(Image.fromarray(image).convert("L"), hash_size=HASH_SIZE)) for image in images]
    assert [page_print(image) for image in images] == expected
    assert len(set(expected)) > 40  # the images do differ


def test_page_print_does_not_import_scipy() -> None:
    code = "import numpy as np; from ocr.prints import page_print; page_print(np.zeros((64, 64), np.uint8));"
    code += "import sys; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
