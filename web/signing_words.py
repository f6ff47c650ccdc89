"""The signature badge's words in English, keyed by the Vietnamese that `signing.summary` writes (its constants,
so the Vietnamese stays as the CLI prints it); `web.i18n` merges them into its catalogue.
"""

from __future__ import annotations

import re

from signing.summary import (
    BADGE_LABEL,
    BELOW_TEXT,
    CHANGES_TEXT,
    DO_NOT_USE,
    EXPIRED_AFTER_SIGNING,
    EXPIRED_DEVELOPMENT,
    EXPIRED_LABEL,
    LEVEL_TEXT,
    PROBLEMS,
    TRUST_HELP,
)

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
TIMESTAMP = re.compile(r"^(?P<at>.+), do (?P<tsa>.+) cấp$")  # `signing.summary._signer`'s timestamp line

_BADGES = {
    BADGE_LABEL[kind]: english
    for kind, english in zip(
        BADGE_LABEL,
        ("Valid", "Valid — test certificate, no legal value", "Validity could not be determined", "Not valid"),
        strict=True,
    )
}
_LEVELS = {
    LEVEL_TEXT["B-B"]: "PAdES B-B (basic, no timestamp)",
    LEVEL_TEXT["B-T"]: "PAdES B-T (timestamped)",
    LEVEL_TEXT["B-LT"]: "PAdES B-LT (with certificate validation data)",
    LEVEL_TEXT["B-LTA"]: "PAdES B-LTA (long-term archive)",
}
_CHANGES = {
    CHANGES_TEXT["none"]: "The document was not changed after signing.",
    CHANGES_TEXT["lta_updates"]: "The document was not changed after signing (only long-term archive data added).",
    CHANGES_TEXT["form_filling"]: "After signing only signatures or form fields were added (allowed).",
    CHANGES_TEXT["annotations"]: "After signing, annotations were added to the document.",
    CHANGES_TEXT["other"]: "The document's content was changed after signing.",
}
_PROBLEMS = {
    "NO_SIGNATURE_FOUND": "The document has no digital signature.",
    "NO_CERTIFICATE_CHAIN_FOUND": "The signer's certificate is not from a trusted certification authority.",
    "HASH_FAILURE": "The signed data was modified after signing.",
    "SIG_CRYPTO_FAILURE": "The digital signature does not match the data.",
    "SIG_CONSTRAINTS_FAILURE": "The document was changed after signing in a way the signature does not allow.",
    "FORMAT_FAILURE": "The signature is malformed and cannot be read.",
    "REVOKED": "The signer's certificate was revoked before signing.",
    "REVOKED_NO_POE": "The signer's certificate was revoked; no timestamp proves the signature came before.",
    "EXPIRED": "The signer's certificate has expired.",
    "OUT_OF_BOUNDS_NO_POE": "The signer's certificate has expired and no timestamp proves the signature came before.",
    "NOT_YET_VALID": "The signer's certificate was not yet valid at signing time.",
    "TRY_LATER": "Certificate revocation could not be checked yet (the OCSP/CRL server did not answer).",
}
_STEPS = {
    "Yêu cầu bản điện tử có chữ ký số.": "Ask for an electronic copy with a digital signature.",
    TRUST_HELP: (
        "Add the certification authority's root and intermediate certificates (e.g. the national Root CA, the "
        "Government Cipher Committee) to the trust folder (SOHOA_SIGNING_TRUST_DIR) and check again."
    ),
    DO_NOT_USE: "Do not use this document; compare it with the copy in the vault or ask for a newly signed one.",
    "Liên hệ người ký hoặc cơ quan ban hành.": "Contact the signer or the issuing agency.",
    "Yêu cầu bản ký lại bằng chứng thư còn hiệu lực.": "Ask for a copy signed again with a valid certificate.",
    "Kiểm tra lại sau ít phút.": "Check again in a few minutes.",
    "Không xác định được.": "Could not be determined.",
    "Kiểm tra lại hoặc liên hệ quản trị.": "Check again or contact the administrator.",
    "Có thể sử dụng; không cần làm gì thêm.": "Can be used; nothing more to do.",
    "Ký bằng chứng thư thử nghiệm của sohoa: chỉ dùng để thử nghiệm.": (
        "Signed with a sohoa test certificate: for testing only."
    ),
    "Trước khi dùng chính thức, ký lại bằng chứng thư số của cán bộ do tổ chức chứng thực cấp.": (
        "Before official use, sign again with the officer's certificate issued by a certification authority."
    ),
    "Nâng cấp chữ ký (dấu thời gian, dữ liệu lưu trữ dài hạn) khi máy chủ dấu thời gian hoạt động.": (
        "Upgrade the signature (timestamp, long-term archive data) when the timestamp server works again."
    ),
}
_EXPIRED = {
    EXPIRED_LABEL: "Validity could not be determined — the certificate expired after signing",
    EXPIRED_AFTER_SIGNING[0]: (
        "An archive timestamp proves the signature was made while the certificate was valid, but the certificate "
        "has since expired and the document holds no revocation data (OCSP/CRL) from before it expired, so it "
        "cannot be confirmed the certificate was not revoked at signing."
    ),
    EXPIRED_AFTER_SIGNING[1]: (
        "Compare it with the copy in the vault or ask the issuing agency to confirm; for official use, ask for a "
        "newly signed copy."
    ),
    EXPIRED_DEVELOPMENT[0]: (
        "Signed with a sohoa test certificate that has since expired: an archive timestamp proves the signature "
        "was made while it was valid, but test certificates have no revocation data, so it cannot be confirmed."
    ),
}
_BELOW = {
    BELOW_TEXT.format(reached=reached, requested=requested): (
        f"The document was signed at {reached}, below the {requested} required (no timestamp at signing)."
    )
    for reached in LEVELS
    for requested in LEVELS
}
_FACTS = {
    "Chưa ký": "Not signed",
    "Tài liệu chưa có chữ ký số.": "The document carries no digital signature.",
    "ký bởi": "signed by",
    "chữ ký": "signature(s)",
    "Chi tiết": "Details",
    "Người ký": "Signer",
    "Thời điểm ký": "Signed at",
    "theo dấu thời gian": "per the timestamp",
    "do người ký khai": "as the signer declared",
    "Tổ chức cấp chứng thư": "Certificate issuer",
    "Mức chữ ký": "Signature level",
    "Dấu thời gian": "Timestamp",
    "Thay đổi sau khi ký": "Changes after signing",
    "Kết luận": "Conclusion",
    "Lưu ý": "Note",
}

SIGNING_EN: dict[str, str] = {
    **_BADGES,
    **_LEVELS,
    **_CHANGES,
    **{PROBLEMS[code][0]: english for code, english in _PROBLEMS.items()},
    **_STEPS,
    **_BELOW,
    **_EXPIRED,
    **_FACTS,
}


def timestamp_words(line: str, lang: str) -> str:
    """The summary's timestamp line ("<when>, do <TSA> cấp") in the page's language; any other line as it is."""
    found = TIMESTAMP.match(line)
    if lang != "en" or found is None:
        return line
    return f"{found['at']}, issued by {found['tsa']}"
