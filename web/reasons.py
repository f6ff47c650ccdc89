"""Page verdict reasons and the API's refusals in Vietnamese for the counter: the stages word them in English; the
officer reads "mờ, quét lại ở 300 dpi" or what to type instead. Unknown wording is shown as it is.
"""

from __future__ import annotations

import re

from ocr.verdict_words import Rule, first_match, reason_vi

__all__ = ["problem_vi", "reason_vi"]

OWNER_VI = (
    "Số định danh chủ hồ sơ không hợp lệ: cần số định danh cá nhân 12 chữ số, hoặc mã số thuế 10 chữ số "
    "(13 chữ số dạng NNNNNNNNNN-NNN)."
)
_PROBLEMS: tuple[Rule, ...] = (
    (re.compile(r"tax code must be|tax code is not valid|personal ID (must|has|encodes)|owner ID must"), OWNER_VI),
    (re.compile(r"agency code must be"), "Mã cơ quan không đúng dạng (ví dụ 000.00.12.H30)."),
    (re.compile(r"end in the future"), "ngày hết hạn phải sau hôm nay."),
    (re.compile(r"procedure code must look like"), "Mã thủ tục không đúng dạng (ví dụ 1.011442.000.00.00.H30)."),
    (
        re.compile(r"dossier code must be|dossier code has"),
        "Mã hồ sơ không đúng dạng <mã cơ quan>-YYMMDD-XXXX (ví dụ 000.00.00.H30-261130-0001).",
    ),
    (
        re.compile(r"no cover sheet found in the batch"),
        "Không tìm thấy tờ bìa có mã QR trong lô: in tờ bìa cho từng giấy tờ, hoặc chọn «Trang trắng phân cách».",
    ),
    (re.compile(r"page\(s\) ([\d, -]+) come before the first cover sheet"), "Trang {0} nằm trước tờ bìa đầu tiên."),
    (re.compile(r"every page of the batch is blank"), "Mọi trang của lô đều trắng: không có giấy tờ nào."),
    (re.compile(r"the batch has no pages"), "Lô không có trang nào."),
    (
        re.compile(r"(\S+): not a JPEG, PNG, TIFF or PDF scan"),
        "Tệp {0} không phải ảnh quét JPEG, PNG, TIFF hoặc PDF.",
    ),
    # results: the issuing calls' refusals (docs/results.md)
    (re.compile(r"the result carries no signature"), "tệp chưa có chữ ký số của cơ quan giải quyết."),
    (
        re.compile(r"signature (\S+) is TOTAL-FAILED"),
        "chữ ký {0} không hợp lệ (tệp đã bị sửa sau khi ký, hoặc chữ ký hỏng).",
    ),
    (
        re.compile(r"signature (\S+) is INDETERMINATE"),
        "chưa xác minh được chữ ký {0} (chứng thư số không thuộc danh sách tin cậy, hoặc chưa kiểm tra được thu hồi).",
    ),
    (re.compile(r"no signature by the agency (\S+)"), "không có chữ ký của cơ quan {0}."),
    (
        re.compile(r"the agency's own seal does not validate"),
        "dấu của cơ quan không xác minh được: kiểm tra danh sách tin cậy.",
    ),
    (re.compile(r"the document is already cancelled"), "Kết quả này đã được hủy trước đó."),
    (
        re.compile(r"the result is \w+: store a new result instead"),
        "Kết quả không còn hiệu lực: không đính chính được, hãy lưu kết quả mới.",
    ),
    (re.compile(r"only a dossier's result is corrected"), "Chỉ đính chính được kết quả giải quyết của hồ sơ."),
    (re.compile(r"only issued papers"), "Chỉ hủy được giấy tờ do cơ quan cấp (kết quả, bản sao chứng thực)."),
    (re.compile(r"only the issuing agency"), "Chỉ cán bộ của cơ quan đã ban hành mới thay đổi được kết quả này."),
    (re.compile(r"^no (such )?(dossier|document)"), "Không tìm thấy kết quả này trong hồ sơ."),
)


def problem_vi(detail: str) -> str:
    """The API's refusal (a problem's detail) in Vietnamese when its wording is known, else as it is."""
    found = first_match(_PROBLEMS, detail)
    return found[0].format(*found[1]) if found is not None else detail
