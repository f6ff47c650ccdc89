"""What the document pages show: page thumbnails (poppler's pdftoppm, cached by content hash in the data folder)
and the signature badge with its Vietnamese summary, from the ETSI validation report.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import CoreSettings
from signing.summary import BadgeKind, SignatureSummary
from web.i18n import translator
from web.signing_words import timestamp_words

NO_SIGNATURE = ("Chưa ký", "Tài liệu chưa có chữ ký số.")
KIND_VI = {  # a document's kind, as the vault and dossier pages name it
    "component": "Thành phần hồ sơ",
    "result": "Kết quả giải quyết",
    "certified_copy": "Bản sao chứng thực",
    "citizen_upload": "Công dân nộp",
    "notice": "Phiếu thông báo",
}


@dataclass
class Badge:
    """What the pages show of `signing.summary.SignatureSummary`: `level` is its badge kind (valid,
    valid_development, indeterminate, invalid), or "none" when the document carries no signature."""

    level: str
    label: str
    advice: str
    facts: list[tuple[str, str]] = field(default_factory=list)


def clock_first(signed_at: str | None, *, seconds: bool = True) -> str:
    """The summary's "dd/mm/yyyy HH:MM:SS" (Vietnam time) as the pages say a moment: "HH:MM dd/mm/yyyy"."""
    if not signed_at:
        return "—"
    try:
        moment = dt.datetime.strptime(signed_at, "%d/%m/%Y %H:%M:%S")
    except ValueError:
        return signed_at
    return moment.strftime("%H:%M:%S %d/%m/%Y" if seconds else "%H:%M %d/%m/%Y")


def report_badge(report: dict[str, Any], lang: str = "vi") -> Badge:
    """The badge from a validation report as `GET .../validation` answers it, from its Vietnamese `summary`, in the
    page's language (`web.i18n`; the Vietnamese as the summary says it)."""
    t = translator(lang)
    summary = SignatureSummary.model_validate(report["summary"])
    if not summary.signatures:
        return Badge("none", t(NO_SIGNATURE[0]), t(NO_SIGNATURE[1]))
    first = summary.signatures[0]
    label = f"{t(summary.label)} — {t('ký bởi')} {first.signer}, {clock_first(first.signed_at, seconds=False)}"
    badge = Badge(summary.badge.value, label, _advice(summary, lang))
    for sig in summary.signatures:
        when = f"{clock_first(sig.signed_at)} ({t(sig.signed_at_source or '')})" if sig.signed_at else "—"
        badge.facts += [
            (t("Người ký"), sig.signer + (f" ({sig.organisation})" if sig.organisation else "")),
            (t("Thời điểm ký"), when),
            (t("Tổ chức cấp chứng thư"), sig.issuer or "—"),
            (t("Mức chữ ký"), t(sig.level) if sig.level else "—"),
            (t("Dấu thời gian"), timestamp_words(sig.timestamp, lang) if sig.timestamp else t("Không có")),
            (t("Thay đổi sau khi ký"), t(sig.changes)),
            (t("Kết luận"), t(sig.label) + (f": {t(sig.problem)}" if sig.problem else "")),
        ]
        if sig.below_requested_level:
            badge.facts.append((t("Lưu ý"), t(sig.below_requested_level)))
    return badge


def _advice(summary: SignatureSummary, lang: str) -> str:
    """The summary's headline ("n chữ ký (names). problem") and next step; in English each part translated."""
    if lang != "en":
        return f"{summary.headline.rstrip('.')}. {summary.next_step}"
    t = translator(lang)
    names = ", ".join(dict.fromkeys(sig.signer for sig in summary.signatures))
    parts = [f"{len(summary.signatures)} {t('chữ ký')} ({names})"]
    worst = next(sig for sig in summary.signatures if sig.badge is summary.badge)
    if worst.problem and summary.badge is not BadgeKind.VALID:
        parts.append(t(worst.problem).rstrip("."))
    return f"{'. '.join(parts)}. {t(summary.next_step)}"


def cached_report(core: CoreSettings, sha256: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The validation report of these bytes, computed at most once an hour (revocation and trust may change)."""
    target = core.path("web", "reports", f"{sha256}.json")
    if target.exists() and time.time() - target.stat().st_mtime < 3600:
        cached: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
        if "summary" in cached:  # a report cached before the API answered a summary is computed again
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
