"""A validation report in Vietnamese for the person at the counter: a badge, who signed, when, the issuer, the
level and timestamp, whether the document changed after signing, and what to do next (ETSI codes stay in the JSON).
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from core.timezone import to_vn
from core.types import Verdict

if TYPE_CHECKING:
    from signing.report import DocumentTimestampReport, SignatureReport, ValidationReport


class BadgeKind(StrEnum):
    VALID = "valid"
    VALID_DEVELOPMENT = "valid_development"
    INDETERMINATE = "indeterminate"
    INVALID = "invalid"


BADGE_LABEL = {
    BadgeKind.VALID: "Hợp lệ",
    BadgeKind.VALID_DEVELOPMENT: "Hợp lệ — chứng thư thử nghiệm, không có giá trị pháp lý",
    BadgeKind.INDETERMINATE: "Chưa xác định được tính hợp lệ",
    BadgeKind.INVALID: "Không hợp lệ",
}
LEVEL_TEXT = {
    "B-B": "PAdES B-B (cơ bản, không có dấu thời gian)",
    "B-T": "PAdES B-T (có dấu thời gian)",
    "B-LT": "PAdES B-LT (có dữ liệu kiểm tra chứng thư)",
    "B-LTA": "PAdES B-LTA (lưu trữ dài hạn)",
}
CHANGES_TEXT = {
    "none": "Tài liệu không bị thay đổi sau khi ký.",
    "lta_updates": "Tài liệu không bị thay đổi sau khi ký (chỉ bổ sung dữ liệu lưu trữ dài hạn).",
    "form_filling": "Sau khi ký chỉ có thêm chữ ký hoặc điền biểu mẫu (được phép).",
    "annotations": "Sau khi ký có thêm chú thích vào tài liệu.",
    "other": "Nội dung tài liệu đã bị thay đổi sau khi ký.",
}
TRUST_HELP = (
    "Thêm chứng thư gốc và trung gian của tổ chức chứng thực (ví dụ Root CA quốc gia, Ban Cơ yếu Chính phủ) "
    "vào thư mục tin cậy (SOHOA_SIGNING_TRUST_DIR) rồi kiểm tra lại."
)
DO_NOT_USE = "Không sử dụng tài liệu này; đối chiếu với bản lưu trong kho hoặc yêu cầu bản ký lại."
# sub-indication → (what is wrong, what to do next)
PROBLEMS: dict[str, tuple[str, str]] = {
    "NO_SIGNATURE_FOUND": ("Tài liệu không có chữ ký số.", "Yêu cầu bản điện tử có chữ ký số."),
    "NO_CERTIFICATE_CHAIN_FOUND": ("Chứng thư của người ký không thuộc tổ chức chứng thực được tin cậy.", TRUST_HELP),
    "HASH_FAILURE": ("Dữ liệu đã ký bị sửa đổi sau khi ký.", DO_NOT_USE),
    "SIG_CRYPTO_FAILURE": ("Chữ ký số không khớp với dữ liệu.", DO_NOT_USE),
    "SIG_CONSTRAINTS_FAILURE": ("Tài liệu bị sửa sau khi ký theo cách chữ ký không cho phép.", DO_NOT_USE),
    "FORMAT_FAILURE": ("Chữ ký bị lỗi định dạng, không đọc được.", DO_NOT_USE),
    "REVOKED": ("Chứng thư của người ký đã bị thu hồi trước khi ký.", "Liên hệ người ký hoặc cơ quan ban hành."),
    "REVOKED_NO_POE": (
        "Chứng thư của người ký đã bị thu hồi; không có dấu thời gian chứng minh chữ ký có trước đó.",
        "Liên hệ người ký hoặc cơ quan ban hành.",
    ),
    "EXPIRED": ("Chứng thư của người ký đã hết hạn.", "Yêu cầu bản ký lại bằng chứng thư còn hiệu lực."),
    "OUT_OF_BOUNDS_NO_POE": (
        "Chứng thư của người ký đã hết hạn và không có dấu thời gian chứng minh chữ ký có trước đó.",
        "Yêu cầu bản ký lại bằng chứng thư còn hiệu lực.",
    ),
    "NOT_YET_VALID": ("Chứng thư của người ký chưa có hiệu lực tại thời điểm ký.", DO_NOT_USE),
    "TRY_LATER": (
        "Chưa kiểm tra được tình trạng thu hồi chứng thư (máy chủ OCSP/CRL không trả lời).",
        "Kiểm tra lại sau ít phút.",
    ),
}
# a B-B signature raised to B-LTA whose certificate expired since, and whose past validation (EN 319 102-1 § 5.6.2.4)
# could not pass: a document timestamp proves it was made while the certificate was valid, but no revocation data
# from before the expiry is in the file (always so for sohoa's development CA, which publishes none)
EXPIRED_LABEL = "Chưa xác định được — chứng thư đã hết hạn sau khi ký"
EXPIRED_AFTER_SIGNING = (
    "Dấu thời gian lưu trữ chứng minh chữ ký được tạo khi chứng thư còn hiệu lực, nhưng chứng thư nay đã hết hạn và "
    "tài liệu không có dữ liệu thu hồi (OCSP/CRL) từ trước ngày hết hạn, nên không xác nhận được chứng thư chưa bị "
    "thu hồi lúc ký.",
    "Đối chiếu với bản lưu trong kho hoặc đề nghị cơ quan ban hành xác nhận; nếu cần dùng chính thức, yêu cầu bản "
    "ký lại.",
)
EXPIRED_DEVELOPMENT = (
    "Ký bằng chứng thư thử nghiệm của sohoa, nay đã hết hạn: dấu thời gian lưu trữ chứng minh chữ ký được tạo khi "
    "chứng thư còn hiệu lực, nhưng chứng thư thử nghiệm không có dữ liệu thu hồi nên không xác nhận được.",
    "Trước khi dùng chính thức, ký lại bằng chứng thư số của cán bộ do tổ chức chứng thực cấp.",
)
BELOW_LEVEL = re.compile(r"ký ở mức (B-[A-Z]+) thay vì (B-[A-Z]+)", re.IGNORECASE)
BELOW_TEXT = "Tài liệu được ký ở mức {reached}, thấp hơn mức {requested} yêu cầu (chưa có dấu thời gian lúc ký)."


class SignerSummary(BaseModel):
    """One signature in plain Vietnamese."""

    field_name: str
    badge: BadgeKind
    label: str
    signer: str
    organisation: str | None = None
    issuer: str | None = None
    signed_at: str | None = Field(None, description="dd/MM/yyyy HH:mm:ss, Vietnam time")
    signed_at_source: str | None = Field(None, description="theo dấu thời gian | do người ký khai")
    level: str | None = None
    timestamp: str | None = None
    changed_after_signing: bool | None = None
    changes: str
    below_requested_level: str | None = None
    problem: str | None = None
    next_step: str


class SignatureSummary(BaseModel):
    """The whole document: one badge (the worst signature's), a headline, each signature, and the next step."""

    badge: BadgeKind
    label: str
    headline: str
    signatures: list[SignerSummary] = Field(default_factory=list)
    archive_timestamps: list[str] = Field(default_factory=list)
    next_step: str

    def lines(self) -> list[str]:
        """The summary as printable lines (what `sohoa verify` shows)."""
        out = [f"{self.label}: {self.headline}"]
        for sig in self.signatures:
            out.append(f"- Chữ ký {sig.field_name}: {sig.label}")
            who = sig.signer + (f" ({sig.organisation})" if sig.organisation else "")
            out.append(f"  Người ký: {who}")
            if sig.signed_at:
                out.append(f"  Thời gian ký: {sig.signed_at} ({sig.signed_at_source})")
            if sig.issuer:
                out.append(f"  Tổ chức cấp chứng thư: {sig.issuer}")
            out.append(f"  Mức chữ ký: {sig.level or 'không xác định'}")
            out.append(f"  Dấu thời gian: {sig.timestamp or 'không có'}")
            out.append(f"  Thay đổi sau khi ký: {sig.changes}")
            if sig.below_requested_level:
                out.append(f"  Lưu ý: {sig.below_requested_level}")
            if sig.problem:
                out.append(f"  Vấn đề: {sig.problem}")
        out.extend(f"- Dấu thời gian lưu trữ: {line}" for line in self.archive_timestamps)
        out.append(f"Việc cần làm: {self.next_step}")
        return out


def when(moment: dt.datetime | None) -> str | None:
    return to_vn(moment).strftime("%d/%m/%Y %H:%M:%S") if moment is not None else None


def _badge(sig: SignatureReport) -> BadgeKind:
    if sig.verdict is Verdict.TOTAL_PASSED:
        return BadgeKind.VALID_DEVELOPMENT if sig.development else BadgeKind.VALID
    if sig.verdict is Verdict.TOTAL_FAILED:
        return BadgeKind.INVALID
    return BadgeKind.INDETERMINATE


def _expired_after_signing(sig: SignatureReport) -> bool:
    """Indeterminate, the certificate expired, and a document timestamp proves the signature existed before that."""
    proven, expires = sig.proven_at, sig.certificate_expires
    return (
        sig.verdict is Verdict.INDETERMINATE
        and proven is not None
        and expires is not None
        and proven <= expires < dt.datetime.now(dt.UTC)
    )


def _changed(sig: SignatureReport) -> tuple[bool | None, str]:
    if not sig.intact:
        return True, "Dữ liệu đã ký bị sửa đổi sau khi ký."
    if sig.sub_indication == "SIG_CONSTRAINTS_FAILURE" or sig.modification_level == "other":
        return True, CHANGES_TEXT["other"]
    if sig.modification_level is None:
        return None, "Không xác định được."
    changed = sig.modification_level not in ("none", "lta_updates")
    return changed, CHANGES_TEXT.get(sig.modification_level, sig.changes_after_signing)


def _signer(sig: SignatureReport) -> SignerSummary:
    badge = _badge(sig)
    changed, changes = _changed(sig)
    below = BELOW_LEVEL.search(sig.reason or "")
    below_text = BELOW_TEXT.format(reached=below.group(1), requested=below.group(2)) if below else None
    problem, next_step = None, "Có thể sử dụng; không cần làm gì thêm."
    if badge is BadgeKind.VALID_DEVELOPMENT:
        problem = "Ký bằng chứng thư thử nghiệm của sohoa: chỉ dùng để thử nghiệm."
        next_step = "Trước khi dùng chính thức, ký lại bằng chứng thư số của cán bộ do tổ chức chứng thực cấp."
    elif _expired_after_signing(sig):
        problem, next_step = EXPIRED_DEVELOPMENT if sig.development else EXPIRED_AFTER_SIGNING
    elif badge is not BadgeKind.VALID:
        problem, next_step = PROBLEMS.get(
            sig.sub_indication or "", (sig.message or "Không xác định được.", "Kiểm tra lại hoặc liên hệ quản trị.")
        )
    elif below_text:
        next_step = "Nâng cấp chữ ký (dấu thời gian, dữ liệu lưu trữ dài hạn) khi máy chủ dấu thời gian hoạt động."
    ts = sig.timestamp
    timestamp = f"{when(ts.time)}, do {ts.tsa} cấp" if ts is not None and ts.time is not None else None
    return SignerSummary(
        field_name=sig.field_name,
        badge=badge,
        label=EXPIRED_LABEL if _expired_after_signing(sig) else BADGE_LABEL[badge],
        signer=sig.signer_name or sig.signer_subject,
        organisation=sig.signer_organisation,
        issuer=sig.issuer_name,
        signed_at=when(sig.best_signature_time if ts is not None else sig.signing_time) or when(sig.signing_time),
        signed_at_source="theo dấu thời gian" if ts is not None else "do người ký khai",
        level=LEVEL_TEXT.get(str(sig.pades_level)) if sig.pades_level else None,
        timestamp=timestamp,
        changed_after_signing=changed,
        changes=changes,
        below_requested_level=below_text,
        problem=problem,
        next_step=next_step,
    )


def _archive(ts: DocumentTimestampReport) -> str:
    state = "hợp lệ" if ts.verdict is Verdict.TOTAL_PASSED else BADGE_LABEL[BadgeKind.INDETERMINATE].lower()
    if ts.verdict is Verdict.TOTAL_FAILED:
        state = "không hợp lệ"
    return f"{when(ts.timestamp.time) or '-'} ({state})"


ORDER = (BadgeKind.INVALID, BadgeKind.INDETERMINATE, BadgeKind.VALID_DEVELOPMENT, BadgeKind.VALID)


def summarise(report: ValidationReport) -> SignatureSummary:
    """The Vietnamese summary of a validation report."""
    signers = [_signer(sig) for sig in report.signatures]
    if not signers:
        problem, step = PROBLEMS["NO_SIGNATURE_FOUND"]
        badge = BadgeKind.INDETERMINATE
        return SignatureSummary(badge=badge, label=BADGE_LABEL[badge], headline=problem, next_step=step)
    badge = next(b for b in ORDER if any(s.badge is b for s in signers))
    worst = next(s for s in signers if s.badge is badge)
    names = ", ".join(dict.fromkeys(s.signer for s in signers))
    headline = f"{len(signers)} chữ ký ({names})"
    if worst.problem and badge is not BadgeKind.VALID:
        headline += f". {worst.problem}"
    below = next((s for s in signers if s.below_requested_level), None)
    next_step = worst.next_step if badge is not BadgeKind.VALID or below is None else below.next_step
    return SignatureSummary(
        badge=badge,
        label=worst.label,
        headline=headline,
        signatures=signers,
        archive_timestamps=[_archive(ts) for ts in report.document_timestamps],
        next_step=next_step,
    )


def report_json(report: ValidationReport) -> dict[str, Any]:
    """The report as `verify --json` and the validation API answer it: the ETSI details and the Vietnamese summary."""
    return {**report.model_dump(mode="json"), "summary": summarise(report).model_dump(mode="json")}


summary_vi = summarise  # the name web pages were promised: `summary_vi(report) -> SignatureSummary`
