"""Independent OCR benchmark corpora, each made by different means, in a tuning and a check split that differ in
seeds, seed texts and agencies: tune on `tuning` only, quote `check`.

- `project`: the project's own generator (`bench/synthetic.py`), on the split's texts;
- `augraphy`: `bench/docgen.py` pages (fonts, headings, seals, signatures) degraded by a seeded augraphy pipeline;
- `scanner`: docgen pages with pen marks, degraded by skew, turns, borders, shadows, noise and blur;
- `photo`: docgen pages photographed by a phone: perspective, on a desk, uneven light, blur, sensor noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from bench.docgen import AGENCIES, FONTS, Rendered, pen_marks, pen_signature, render_document, seal
from bench.synthetic import SEEDS_DIR, Degradation, SyntheticPage, blank_page, degrade, generate_pages, seed_paragraphs


@dataclass(frozen=True)
class Split:
    name: str
    seed: int
    texts: tuple[str, ...]  # seed files under tests/data/seeds


SPLITS = {
    "tuning": Split(
        "tuning", 1101, ("000_f1a7099f7d227fb2.txt", "001_81b70b1eb4231bf0.txt", "002_174d8091ce018e29.txt")
    ),
    "check": Split("check", 2903, ("003_de25c89472d1a0ca.txt", "004_96315ee2db2e05c0.txt")),
}
DPI = 300


def _document(rng: np.random.Generator, split: Split, index: int, paragraphs: list[str]) -> Rendered:
    """A docgen page: font by index, text from a random place of the split's texts, seal and pen signature."""
    family = sorted(FONTS)[index % len(FONTS)]
    agencies = AGENCIES[split.name]
    agency = agencies[int(rng.integers(0, len(agencies)))]
    start = int(rng.integers(0, len(paragraphs) - 30))
    rendered = render_document(rng, paragraphs[start : start + 30], agency, family=family, first_page=index % 3 != 2)
    image = rendered.image
    if rendered.signature_box is not None:
        x0, y0, x1, y1 = rendered.signature_box
        image = pen_signature(image, rng, rendered.signature_box)
        if index % 4 != 3:  # most signed pages carry the seal over the signature, as issued documents do
            centre = (int((x0 + x1) / 2 - (x1 - x0) * rng.uniform(0.05, 0.25)), int((y0 + y1) / 2))
            image = seal(image, rng, centre, DPI, f"{agency.parent} {agency.name}")
    return Rendered(image, rendered.truth, rendered.signature_box)


def _blank(rng: np.random.Generator, paragraphs: list[str]) -> np.ndarray:
    return blank_page(rng, paragraphs[:30], dpi=DPI, width_mm=210.0, height_mm=297.0)


def augraphy_pipeline(seed: int):  # type: ignore[no-untyped-def]
    """A scan-like augraphy pipeline (ink, paper and post phases), deterministic from `seed`."""
    import augraphy as ag

    ink = [
        ag.InkBleed(intensity_range=(0.3, 0.6), kernel_size=(3, 3), severity=(0.2, 0.4), p=0.6),
        ag.LowInkRandomLines(count_range=(3, 12), use_consistent_lines=False, p=0.5),
    ]
    paper = [
        ag.ColorPaper(hue_range=(10, 40), saturation_range=(8, 30), p=0.5),
        ag.NoiseTexturize(sigma_range=(3, 8), turbulence_range=(2, 4), p=0.6),
    ]
    post = [
        ag.DirtyDrum(line_width_range=(1, 4), line_concentration=0.2, noise_intensity=0.3, p=0.4),
        ag.SubtleNoise(subtle_range=12, p=0.8),
        ag.Brightness(brightness_range=(0.85, 1.1), p=0.6),
        ag.ShadowCast(
            shadow_side="random", shadow_opacity_range=(0.3, 0.6), shadow_blur_kernel_range=(301, 401), p=0.5
        ),
        ag.Jpeg(quality_range=(55, 85), p=1.0),
    ]
    return ag.AugraphyPipeline(ink_phase=ink, paper_phase=paper, post_phase=post, random_seed=seed)


def _augraphy(split: Split, count: int) -> list[SyntheticPage]:
    paragraphs = seed_paragraphs(SEEDS_DIR, split.texts)
    pages = []
    for index in range(count):
        rng = np.random.default_rng([split.seed, 1, index])
        blank = index == count - 1 and count >= 4
        clean, truth = (_blank(rng, paragraphs), "") if blank else _pair(_document(rng, split, index, paragraphs))
        bgr = augraphy_pipeline(split.seed * 100 + index)(np.ascontiguousarray(clean[..., ::-1]))
        degraded = np.ascontiguousarray(bgr[..., ::-1])
        skew = float(np.round(rng.uniform(-2.5, 2.5), 2))
        rotation = 90 if index == 1 else 0
        degraded = degrade(degraded, Degradation(rotation=rotation, skew=skew), rng, DPI)
        pages.append(SyntheticPage(index, truth, clean, degraded, DPI, Degradation(rotation, skew, jpeg_quality=85)))
    return pages


def _scanner(split: Split, count: int) -> list[SyntheticPage]:
    paragraphs = seed_paragraphs(SEEDS_DIR, split.texts)
    pages = []
    for index in range(count):
        rng = np.random.default_rng([split.seed, 2, index])
        doc = _document(rng, split, index, paragraphs)
        clean = pen_marks(doc.image, rng, DPI)
        deg = Degradation(
            rotation=180 if index == 2 else 0,
            skew=float(np.round(rng.uniform(-3.5, 3.5), 2)),
            noise=float(rng.uniform(4, 10)),
            blur=float(rng.uniform(0.3, 1.0)),
            shadow=float(rng.uniform(0.0, 0.3)),
            border=bool(rng.random() < 0.7),
            jpeg_quality=int(rng.integers(60, 86)),
        )
        pages.append(SyntheticPage(index, doc.truth, clean, degrade(clean, deg, rng, DPI), DPI, deg))
    return pages


def photograph(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The page photographed from above by a phone: on a desk, in perspective, lit unevenly, slightly blurred."""
    h, w = page.shape[:2]
    margin = 0.07
    out_w, out_h = round(w * (1 + 2 * margin)), round(h * (1 + 2 * margin))
    desk = np.array(rng.choice([[92, 70, 52], [60, 62, 66], [130, 110, 85]]), np.float32)
    canvas = np.empty((out_h, out_w, 3), np.float32)
    canvas[:] = desk
    canvas += rng.normal(0, 6, (out_h, out_w, 1)).astype(np.float32)
    jitter = lambda: rng.uniform(-0.045, 0.045) * w  # noqa: E731
    ox, oy = w * margin, h * margin
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    target = np.array(
        [
            [ox + jitter(), oy + jitter()],
            [ox + w + jitter(), oy + jitter()],
            [ox + w + jitter(), oy + h + jitter()],
            [ox + jitter(), oy + h + jitter()],
        ],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(page, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h)) > 127
    canvas[inside] = warped[inside]
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    lx, ly = rng.uniform(0, out_w), rng.uniform(0, out_h)
    dist = np.sqrt((xx - lx) ** 2 + (yy - ly) ** 2) / np.hypot(out_w, out_h)
    light = 1.05 - float(rng.uniform(0.35, 0.55)) * dist  # a lamp to one side
    if rng.random() < 0.6:  # the phone's shadow over part of the page
        sx = rng.uniform(0.2, 0.8) * out_w
        light *= np.where(xx < sx, 1.0, float(rng.uniform(0.7, 0.85)))
        light = cv2.GaussianBlur(light, (0, 0), 60)
    shot = canvas * light[..., None]
    shot = cv2.GaussianBlur(shot, (0, 0), float(rng.uniform(0.6, 1.2)))
    shot += rng.normal(0, 5, shot.shape[:2]).astype(np.float32)[..., None]
    return np.clip(shot, 0, 255).astype(np.uint8)


def _photo(split: Split, count: int) -> list[SyntheticPage]:
    paragraphs = seed_paragraphs(SEEDS_DIR, split.texts)
    pages = []
    for index in range(count):
        rng = np.random.default_rng([split.seed, 3, index])
        doc = _document(rng, split, index, paragraphs)
        deg = Degradation(jpeg_quality=int(rng.integers(75, 92)))
        pages.append(SyntheticPage(index, doc.truth, doc.image, photograph(doc.image, rng), DPI, deg))
    return pages


def _project(split: Split, count: int) -> list[SyntheticPage]:
    paragraphs = seed_paragraphs(SEEDS_DIR, split.texts)
    return generate_pages(count, seed=split.seed, paragraphs=paragraphs, blank_every=6)


def _pair(rendered: Rendered) -> tuple[np.ndarray, str]:
    return rendered.image, rendered.truth


CORPORA: dict[str, Callable[[Split, int], list[SyntheticPage]]] = {
    "project": _project,
    "augraphy": _augraphy,
    "scanner": _scanner,
    "photo": _photo,
}


def make_corpus(name: str, split: str, count: int) -> list[SyntheticPage]:
    """`count` pages of corpus `name` in split `split`, deterministic."""
    return CORPORA[name](SPLITS[split], count)
