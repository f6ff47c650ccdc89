"""What the citizen's access log says was done to her paper (every action the vault records, in Vietnamese), and
the English of the words the walk of Chị Lan's and Bà Hoa's first steps added to the pages (`web/i18n.py`).
"""

from __future__ import annotations

from core.types import DocumentStatus

ACTION_VI = {
    "read": "Đọc",
    "view": "Xem",
    "check": "Kiểm tra có trong kho (không mở giấy tờ)",
    "write": "Lưu",
    "store": "Lưu vào kho",
    "grant": "Cấp quyền",
    "revoke": "Thu hồi quyền",
    "revoke_grant": "Thu hồi quyền",
    "new_version": "Lưu phiên bản mới",
    "reuse": "Dùng lại trong hồ sơ",
    "list": "Xem danh sách",
    "match": "Đối chiếu với bản quét mới (không mở giấy tờ)",
    "search": "Tìm thấy khi tìm kiếm",
    "integrity_error": "Phát hiện tệp bị hỏng khi đọc",
    "legal_hold:set": "Giữ lại để phục vụ giải quyết tranh chấp, khiếu nại",
    "legal_hold:clear": "Bỏ giữ lại",
    f"status:{DocumentStatus.VALID}": "Khôi phục hiệu lực",
    f"status:{DocumentStatus.SUPERSEDED}": "Thay bằng giấy tờ khác",
    f"status:{DocumentStatus.REVOKED}": "Thu hồi giấy tờ",
    f"status:{DocumentStatus.EXPIRED}": "Hết hiệu lực",
    f"status:{DocumentStatus.CANCELLED}": "Hủy giấy tờ",
}

VAULT_EN: dict[str, str] = {
    "Kiểm tra có trong kho (không mở giấy tờ)": "Checked it is in the vault (not opened)",
    "Thu hồi quyền": "Access revoked",
    "Đối chiếu với bản quét mới (không mở giấy tờ)": "Compared with a new scan (not opened)",
    "Tìm thấy khi tìm kiếm": "Found by a search",
    "Phát hiện tệp bị hỏng khi đọc": "Found damaged when read",
    "Giữ lại để phục vụ giải quyết tranh chấp, khiếu nại": "Held for a dispute or complaint",
    "Bỏ giữ lại": "Hold released",
    "Khôi phục hiệu lực": "Put back in force",
    "Thay bằng giấy tờ khác": "Replaced by another paper",
    "Thu hồi giấy tờ": "Paper revoked",
    "Hết hiệu lực": "Expired",
    "Hủy giấy tờ": "Paper cancelled",
    "tái sử dụng từ kho": "reused from the vault",
    "Rút hồ sơ thì cơ quan dừng giải quyết; muốn giải quyết lại phải nộp hồ sơ mới.": (
        "Withdrawn, the dossier is no longer handled; to have it handled again, apply anew."
    ),
    "Xác nhận rút hồ sơ": "Yes, withdraw the dossier",
    "Cơ quan đang giải quyết hồ sơ. Ngày hẹn trả kết quả ghi trên giấy tiếp nhận.": (
        "The agency is handling the dossier. The date to collect the result is on the receipt."
    ),
    "Xem hồ sơ và giấy tờ của bạn: đăng nhập kho dữ liệu": "See your dossiers and papers: sign in to your vault",
    "Tra cứu mã hồ sơ khác": "Look up another dossier code",
    "kết quả của": "a result of",
    "kết quả điện tử của": "an electronic result of",
    "hết hạn ngày": "expired on",
    "có trong kho nhưng đã hết hạn, cần giấy mới": "in the vault but expired: a new paper is needed",
    "có trong kho nhưng đã bị hủy, cần giấy mới": "in the vault but cancelled: a new paper is needed",
    "có trong kho nhưng đã bị thu hồi, cần giấy mới": "in the vault but revoked: a new paper is needed",
    "có trong kho nhưng đã được thay thế, cần giấy mới": "in the vault but replaced: a new paper is needed",
    "cơ quan cấp": "issued by",
    "ngày cấp": "issued on",
    "bản quét, số hóa ngày": "a scan, digitised on",
    "hiệu lực đến": "valid until",
    "không thời hạn": "no end date",
    "không ghi thời hạn": "no end date given",
    "Không xin dùng lại": "Not asked for",
    "kho không có giấy tờ loại này để dùng lại": "the vault holds no paper of this type to reuse",
    "Giấy tờ này cần quét hoặc nộp bản giấy.": "Scan these papers or take them on paper.",
}


def action_words(action: str) -> str:
    """The Vietnamese of one access-log action; an action this table does not know yet is shown as it is."""
    return ACTION_VI.get(action, action)
