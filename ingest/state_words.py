"""The words people read for a batch's state and a document's step (`sohoa status`, `sohoa ops status`, /van-hanh).

A table of words and nothing else: the station's commands print them without importing the catalogue's models.
"""

from __future__ import annotations

STATE_WORDS = {
    "queued": "Chờ xử lý",
    "running": "Đang xử lý",
    "awaiting_signature": "Chờ cán bộ ký",
    "awaiting_choice": "Chờ quầy chọn",
    "failed": "Lỗi",
    "needs_rescan": "Cần quét lại",
    "done": "Xong",
}
STEP_WORDS = {"ocr": "nhận dạng (OCR)", "sign": "ký số", "store": "lưu kho"}
# The failures recorded in words (`error_class`), as the operator reads them; other classes stay as named.
FAILURE_WORDS = {
    "disk_full": "ổ đĩa đầy — giải phóng dung lượng rồi gửi lại lô",
    "timed_out": "quá thời gian cho phép",
    "untrusted_certificate": "chứng thư số của cán bộ không được tin cậy",
}


def step_words(step: str | None) -> str:
    return STEP_WORDS.get(step or "", step or "?")
