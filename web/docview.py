"""What the document pages show: page thumbnails (poppler's pdftoppm, cached by content hash in the data folder)
and the signature badge with its Vietnamese summary, from the ETSI validation report.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import CoreSettings

BADGE_LABELS = {
    "valid": "Hợp lệ",
    "valid_dev": "Hợp lệ (chứng thư thử nghiệm)",
    "indeterminate": "Chưa xác định",
    "invalid": "Không hợp lệ",
    "none": "Chưa ký",
}
STORED = {"TOTAL-PASSED": "valid", "INDETERMINATE": "indeterminate", "TOTAL-FAILED": "invalid"}
ADVICE = {
    "valid": "Có thể sử dụng tài liệu này.",
    "valid_dev": "Chữ ký đúng nhưng chứng thư chỉ dùng để thử nghiệm: không có giá trị pháp lý.",
    "indeterminate": (
        "Chưa đủ thông tin để kết luận (chuỗi chứng thư, thu hồi hoặc dấu thời gian): "
        "kiểm tra lại sau hoặc đối chiếu bản giấy."
    ),
    "invalid": "Không sử dụng: tài liệu đã bị thay đổi sau khi ký hoặc chữ ký sai. Yêu cầu cung cấp lại bản gốc.",
    "none": "Tài liệu chưa có chữ ký số.",
}


@dataclass
class Badge:
    level: str
    label: str
    advice: str
    facts: list[tuple[str, str]] = field(default_factory=list)


def _when(value: Any) -> str:
    return value.strftime("%H:%M %d/%m/%Y") if value is not None else "—"


def report_badge(report: dict[str, Any]) -> Badge:
    """The badge from a validation report (as `GET .../validation` answers): the file's verdict, and whether the
    signer's chain ends at sohoa's development CA."""
    signatures = report.get("signatures") or []
    level = STORED.get(str(report.get("verdict")), "none") if signatures else "none"
    names = " ".join(f"{s.get('signer_subject')} {' '.join(s.get('chain') or [])}" for s in signatures)
    sound = all(s.get("intact") and s.get("valid") for s in signatures)
    # sohoa's development CA is trusted only where configured: a sound signature under it is "valid (development)".
    if signatures and sound and level in ("valid", "indeterminate") and "DEVELOPMENT ONLY" in names:
        level = "valid_dev"
    badge = Badge(level, BADGE_LABELS[level], ADVICE[level])
    if signatures:
        first = signatures[0]
        badge.label += f" — ký bởi {first.get('signer_name') or first.get('signer_subject')}, {_when_iso(first)}"
    for sig in signatures:
        stamp = sig.get("timestamp") or {}
        chain = sig.get("chain") or []
        badge.facts += [
            ("Người ký", str(sig.get("signer_name") or sig.get("signer_subject"))),
            ("Thời điểm ký", _when_iso(sig)),
            ("Tổ chức cấp chứng thư", chain[1] if len(chain) > 1 else str(sig.get("trust_anchor") or "—")),
            ("Mức chữ ký", str(sig.get("pades_level") or "—")),
            ("Dấu thời gian", f"{stamp.get('tsa') or '—'} ({_iso(stamp.get('time'))})" if stamp else "Không có"),
            ("Thay đổi sau khi ký", _changes(sig)),
            ("Kết luận", f"{sig.get('verdict')} {sig.get('sub_indication') or ''}".strip()),
        ]
    return badge


def _iso(value: Any) -> str:
    import datetime as dt

    if not value:
        return "—"
    return _when(dt.datetime.fromisoformat(str(value)))


def _when_iso(sig: dict[str, Any]) -> str:
    return _iso(sig.get("best_signature_time") or sig.get("signing_time"))


def _changes(sig: dict[str, Any]) -> str:
    level = sig.get("modification_level") or "none"
    return "Không" if level in ("none", "lta_updates") else f"Có ({level})"


def cached_report(core: CoreSettings, sha256: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The validation report of these bytes, computed at most once an hour (revocation and trust may change)."""
    target = core.path("web", "reports", f"{sha256}.json")
    if target.exists() and time.time() - target.stat().st_mtime < 3600:
        cached: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
        return cached
    report = compute()
    partial = target.with_suffix(".tmp")
    partial.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    partial.replace(target)
    return report


def thumbnail_path(core: CoreSettings, sha256: str, page_number: int, width: int) -> Path:
    return core.path("web", "thumbs", sha256[:2], f"{sha256}-{page_number}-{width}.png")


FIELD_LABELS = {
    "personal_ids": "Số định danh cá nhân",
    "tax_codes": "Mã số thuế",
    "dossier_codes": "Mã hồ sơ",
    "dates": "Ngày tháng",
    "document_numbers": "Số, ký hiệu",
}


def field_rows(record: Any) -> list[tuple[str, str]]:
    """The extracted fields as (Vietnamese label, one value) rows, a list field giving one row per value."""
    rows = []
    for name, value in (record.extracted_fields or {}).items():
        values = value if isinstance(value, list) else [value]
        rows += [(FIELD_LABELS.get(name, name), str(v)) for v in values if v not in (None, "")]
    return rows


def render_thumbnail(pdf: bytes, page_number: int, target: Path, width: int = 240) -> None:
    """Page `page_number` (1-based) of `pdf` as a PNG `width` pixels wide, written atomically to `target`."""
    with tempfile.TemporaryDirectory(prefix="sohoa-thumb-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        out = Path(tmp) / "page"
        subprocess.run(
            [
                *("pdftoppm", "-png", "-singlefile", "-f", str(page_number), "-l", str(page_number)),
                *("-scale-to-x", str(width), "-scale-to-y", "-1", str(source), str(out)),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        partial = target.with_suffix(".tmp")
        partial.write_bytes((Path(tmp) / "page.png").read_bytes())
        partial.replace(target)
