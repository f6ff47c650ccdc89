"""The monthly report of Decision 766 indicators: the month's figures (all units, then each unit of each level of the
agency code), a PDF sealed by the agency and the CSV signed by it (CMS), stored once in the vault for the portal.

`publish_month` is what the Celery beat job and `sohoa stats report --month` call; `portal_payload` is the plain
data the portal sync (outbox) sends for a month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from core.timezone import now_vn
from core.types import Actor, Role
from issuing.agency import agency_lock, seal_report
from issuing.pdfdraw import MM, PdfDocument
from issuing.stats_csv import INDICATOR_NAMES, csv_text
from signing.sign import DocumentSigner
from vault.errors import InvalidInput
from vault.indicators import LEVELS, DigitisationStats
from vault.service import Vault
from vault.stats_store import MONTH_RE

JOB = Actor("sohoa-stats-report", Role.ADMIN)
SEAL_REASON = "Báo cáo chỉ tiêu số hóa theo Quyết định 766/QĐ-TTg"
# A unit's block title by the level of its code; no district since 1 July 2025 (docs/web.md, "Levels").
UNIT_KINDS = {"province": "cấp tỉnh", "district": "đơn vị trực thuộc tỉnh", "commune": "đơn vị cấp dưới"}


@dataclass(frozen=True)
class Published:
    """A month's report in the vault: its figures and each file's version id; `stored` lists what this call wrote
    (empty when the month was already published: a report is written once)."""

    month: str
    figures: list[DigitisationStats]
    files: dict[str, str]
    stored: tuple[str, ...]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of `YYYY-MM`."""
    if not MONTH_RE.fullmatch(month):
        raise InvalidInput("month must be YYYY-MM")
    first = dt.date.fromisoformat(f"{month}-01")
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def previous_month(today: dt.date) -> str:
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def file_names(month: str) -> dict[str, str]:
    base = f"chi-tieu-766-{month}"
    return {"pdf": f"{base}.pdf", "csv": f"{base}.csv.p7m", "json": f"{base}.json"}


def month_figures(vault: Vault, month: str, failed_codes: frozenset[str]) -> list[DigitisationStats]:
    """All agencies together, then every unit of each level of the agency code (the province, the units directly
    under it, the units under those) that received a dossier in the month."""
    start, end = month_bounds(month)
    figures = [vault.digitisation_stats(JOB, None, start, end, failed_codes)]
    for level in LEVELS:
        figures += vault.indicator_rollup(JOB, level, None, start, end, failed_codes)
    return figures


def render_pdf(month: str, figures: list[DigitisationStats], agency_name: str) -> bytes:
    """The report on A4 pages: title, one block per unit (its three indicators and why dossiers were left out),
    the definitions; the top right of page 1 is left for the agency's seal."""
    doc = PdfDocument(title=f"Báo cáo chỉ tiêu số hóa tháng {month}", author=agency_name)
    page = doc.new_page()
    left, width = 20 * MM, 170 * MM
    y = page.height - 20 * MM
    page.text(left, y, agency_name.upper(), "serif-bold", 11)
    y -= 40 * MM
    y = page.paragraph(left, y, f"BÁO CÁO CHỈ TIÊU SỐ HÓA THÁNG {month[5:]}/{month[:4]}", width, "serif-bold", 14)
    y = page.paragraph(left, y, "Theo Quyết định 766/QĐ-TTg; lập tự động lúc " + f"{now_vn():%H:%M %d/%m/%Y}.", width)
    y -= 6
    for stats in figures:
        lines = [(_unit_title(stats), "serif-bold")]
        lines += [(f"Số hồ sơ tiếp nhận: {stats.dossiers_received}", "serif")]
        for name in INDICATOR_NAMES:
            value = getattr(stats, name)
            lines.append(
                (
                    f"{value.label}: {value.numerator}/{value.denominator} = {value.rate * 100:.1f} %,"
                    f" điểm {value.score}/{stats.max_score}",
                    "serif",
                )
            )
            lines += [(f"    – {n.dossiers} hồ sơ {n.label}", "serif-italic") for n in value.not_counted]
        for text, font in lines:
            if y < 25 * MM:
                page, y = doc.new_page(), page.height - 20 * MM
            y = page.paragraph(left, y, text, width, font, 10.5, indent=8 * MM)  # type: ignore[arg-type]
        y -= 6
    if y < 45 * MM:
        page, y = doc.new_page(), page.height - 20 * MM
    y = page.paragraph(left, y - 4, "Định nghĩa các chỉ tiêu", width, "serif-bold", 11)
    for name in INDICATOR_NAMES:
        label, definition = getattr(figures[0], name).label, getattr(figures[0], name).definition
        if y < 35 * MM:
            page, y = doc.new_page(), page.height - 20 * MM
        y = page.paragraph(left, y, f"{label}: {definition} Đạt điểm tối đa khi từ 80% trở lên.", width, "serif", 10)
    return doc.to_bytes()


def _unit_title(stats: DigitisationStats) -> str:
    if stats.agency_code is None:
        return "Toàn bộ các đơn vị"
    kind = UNIT_KINDS.get(stats.level or "", "đơn vị")
    return f"Đơn vị {stats.agency_code} ({kind}, gồm cả các đơn vị trực thuộc)"


def publish_month(
    vault: Vault, signer: DocumentSigner, month: str, failed_codes: frozenset[str], agency_name: str
) -> Published:
    """Compute, seal, sign and store the month's report; a month already published is returned as stored."""
    names = file_names(month)
    stored = {f.name: f for f in vault.stats_report(JOB, month)}
    if all(name in stored for name in names.values()):
        body = json.loads(stored[names["json"]].data)
        figures = [DigitisationStats.model_validate(item) for item in body["figures"]]
        return Published(month, figures, {n: f.version_id for n, f in stored.items()}, ())
    figures = month_figures(vault, month, failed_codes)
    pdf = seal_report(render_pdf(month, figures, agency_name), agency_name, signer, SEAL_REASON)
    with agency_lock:
        signed_csv = signer.sign_data(csv_text(figures).encode()).der
    body = {"format": "sohoa-766-report/1", "month": month, "figures": [f.model_dump(mode="json") for f in figures]}
    blobs = {"pdf": pdf, "csv": signed_csv, "json": json.dumps(body, ensure_ascii=False, indent=1).encode()}
    versions, written = {n: f.version_id for n, f in stored.items()}, []
    for kind in ("pdf", "csv", "json"):  # the JSON last: a month is published once all three are in
        if names[kind] not in stored:
            versions[names[kind]] = vault.store_stats_report(month, names[kind], blobs[kind])
            written.append(names[kind])
    return Published(month, figures, versions, tuple(written))


def portal_payload(vault: Vault, actor: Actor, month: str) -> dict[str, Any] | None:
    """The month's published report as the portal receives it: the figures and, per file, its name, SHA-256 and
    version (None before the month is published). The outbox calls this with the portal's actor."""
    files = vault.stats_report(actor, month)
    names = file_names(month)
    found = {f.name: f for f in files}
    if names["json"] not in found:
        return None
    body = json.loads(found[names["json"]].data)
    return {
        "month": month,
        "figures": body["figures"],
        "files": [
            {"name": f.name, "sha256": hashlib.sha256(f.data).hexdigest(), "version_id": f.version_id} for f in files
        ],
    }
