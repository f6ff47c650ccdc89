"""The pages' signature badge is drawn from `signing.summary`'s SignatureSummary (the `summary` the validation
API answers), with no verdict logic of its own."""

from __future__ import annotations

from signing.summary import BADGE_LABEL, BadgeKind, SignatureSummary, SignerSummary
from web.docview import report_badge


def _report(summary: SignatureSummary) -> dict[str, object]:
    return {"verdict": "TOTAL-PASSED", "signatures": [{}], "summary": summary.model_dump(mode="json")}


def test_a_development_signature_shows_the_summarys_badge_and_lines() -> None:
    kind = BadgeKind.VALID_DEVELOPMENT
    signer = SignerSummary(
        field_name="Sig1",
        badge=kind,
        label=BADGE_LABEL[kind],
        signer="Nguyễn Thị Lan",
        signed_at="30/11/2026 13:20:05",
        signed_at_source="theo dấu thời gian",
        changes="Tài liệu không bị thay đổi sau khi ký.",
        problem="Ký bằng chứng thư thử nghiệm của sohoa: chỉ dùng để thử nghiệm.",
        next_step="Trước khi dùng chính thức, ký lại.",
    )
    summary = SignatureSummary(
        badge=kind, label=BADGE_LABEL[kind], headline="1 chữ ký (Nguyễn Thị Lan)", signatures=[signer], next_step="x"
    )
    badge = report_badge(_report(summary))
    assert badge.level == "valid_development"
    assert badge.label.startswith("Hợp lệ — chứng thư thử nghiệm")
    assert badge.label.endswith("— ký bởi Nguyễn Thị Lan, 13:20 30/11/2026")  # as JOURNEYS.md: HH:MM dd/mm/yyyy
    assert ("Người ký", "Nguyễn Thị Lan") in badge.facts
    assert ("Thời điểm ký", "13:20:05 30/11/2026 (theo dấu thời gian)") in badge.facts


def test_a_document_without_signature_is_unsigned() -> None:
    kind = BadgeKind.INDETERMINATE
    summary = SignatureSummary(badge=kind, label=BADGE_LABEL[kind], headline="Không có chữ ký.", next_step="x")
    badge = report_badge(_report(summary))
    assert (badge.level, badge.label) == ("none", "Chưa ký")
