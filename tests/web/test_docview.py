"""The pages' signature badge is drawn from `signing.summary`'s SignatureSummary (the `summary` the validation
API answers), with no verdict logic of its own."""

from __future__ import annotations

from signing.summary import (
    BADGE_LABEL,
    CHANGES_TEXT,
    LEVEL_TEXT,
    PROBLEMS,
    BadgeKind,
    SignatureSummary,
    SignerSummary,
)
from web.docview import report_badge
from web.i18n import EN
from web.signing_words import timestamp_words


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


def test_the_english_pages_translate_the_badge_and_its_details_and_the_vietnamese_stays() -> None:
    kind = BadgeKind.VALID
    below = "Tài liệu được ký ở mức B-B, thấp hơn mức B-LTA yêu cầu (chưa có dấu thời gian lúc ký)."
    signer = SignerSummary(
        field_name="Sig1",
        badge=kind,
        label=BADGE_LABEL[kind],
        signer="Nguyễn Thị Lan",
        issuer="sohoa test CA",
        signed_at="30/11/2026 13:20:05",
        signed_at_source="do người ký khai",
        level="PAdES B-B (cơ bản, không có dấu thời gian)",
        changes="Tài liệu không bị thay đổi sau khi ký.",
        below_requested_level=below,
        next_step="Nâng cấp chữ ký (dấu thời gian, dữ liệu lưu trữ dài hạn) khi máy chủ dấu thời gian hoạt động.",
    )
    summary = SignatureSummary(
        badge=kind,
        label=BADGE_LABEL[kind],
        headline="1 chữ ký (Nguyễn Thị Lan)",
        signatures=[signer],
        next_step=signer.next_step,
    )
    english = report_badge(_report(summary), "en")
    assert english.label == "Valid — signed by Nguyễn Thị Lan, 13:20 30/11/2026"
    assert english.advice == (
        "1 signature(s) (Nguyễn Thị Lan). Upgrade the signature (timestamp, long-term archive data) when the "
        "timestamp server works again."
    )
    assert english.facts == [
        ("Signer", "Nguyễn Thị Lan"),
        ("Signed at", "13:20:05 30/11/2026 (as the signer declared)"),
        ("Certificate issuer", "sohoa test CA"),
        ("Signature level", "PAdES B-B (basic, no timestamp)"),
        ("Timestamp", "None"),
        ("Changes after signing", "The document was not changed after signing."),
        ("Conclusion", "Valid"),
        ("Note", "The document was signed at B-B, below the B-LTA required (no timestamp at signing)."),
    ]
    vietnamese = report_badge(_report(summary))
    assert vietnamese.label == "Hợp lệ — ký bởi Nguyễn Thị Lan, 13:20 30/11/2026"
    assert vietnamese.advice == f"1 chữ ký (Nguyễn Thị Lan). {signer.next_step}"
    assert ("Lưu ý", below) in vietnamese.facts and ("Dấu thời gian", "Không có") in vietnamese.facts
    assert report_badge(_report(SignatureSummary(badge=kind, label="", headline="", next_step="")), "en").label == (
        "Not signed"
    )


def test_every_sentence_the_summary_writes_from_its_tables_has_english_words() -> None:
    written = [
        *BADGE_LABEL.values(),
        *LEVEL_TEXT.values(),
        *CHANGES_TEXT.values(),
        *(text for pair in PROBLEMS.values() for text in pair),
    ]
    assert [text for text in written if text not in EN] == []
    assert timestamp_words("30/11/2026 13:20:05, do sohoa TSA cấp", "en") == "30/11/2026 13:20:05, issued by sohoa TSA"
    assert timestamp_words("30/11/2026 13:20:05, do sohoa TSA cấp", "vi") == "30/11/2026 13:20:05, do sohoa TSA cấp"


def test_the_extracted_fields_labels_have_english_words_and_the_page_looks_them_up() -> None:
    """The English document page showed "Ngày tháng" (walk of 2026-11-30): every label has English words."""
    from pathlib import Path

    from web.docview import FIELD_LABELS

    assert [label for label in FIELD_LABELS.values() if label not in EN] == []
    assert EN["Ngày tháng"] == "Dates"
    page = (Path(__file__).parents[2] / "web" / "templates" / "document.html").read_text(encoding="utf-8")
    assert '<th scope="row">{{ t(k) }}</th>' in page
