"""A small message catalogue: pages are written in Vietnamese; English is looked up here by the Vietnamese text.

The language is `?lang=en|vi` (remembered in a cookie), Vietnamese by default.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from web.signing_words import SIGNING_EN
from web.stats_words import STATS_EN
from web.vault_words import VAULT_EN

LANGUAGES = ("vi", "en")
LANG_COOKIE = "sohoa_lang"

EN: dict[str, str] = {
    "Số hóa hồ sơ": "Dossier digitisation",
    "Chuyển sang nội dung chính": "Skip to main content",
    "Đăng nhập": "Sign in",
    "Đăng xuất": "Sign out",
    "Trang chủ": "Home",
    "Tài liệu API": "API documentation",
    "Tra cứu hồ sơ": "Look up a dossier",
    "Quầy tiếp nhận": "Counter",
    "Hồ sơ": "Dossier",
    "Kho dữ liệu của tôi": "My vault",
    "Thống kê": "Indicators",
    "Vận hành": "Operations",
    "những gì đang chờ và vì sao": "what waits and why",
    "Bị kẹt hoặc không phản hồi": "Stuck or not answering",
    "Không có việc nào bị kẹt": "Nothing is stuck",
    "Thành phần": "Components",
    "Lô chưa xong": "Unfinished batches",
    "Lô": "Batch",
    "Không có lô nào đang chờ.": "No batch is waiting.",
    "Đọc lúc": "Read at",
    "bị coi là kẹt sau": "stuck after",
    "Hàng đợi (broker)": "Broker",
    "phản hồi": "answers",
    "không phản hồi": "not answering",
    "việc chờ": "waiting",
    "Worker": "Workers",
    "không worker nào trả lời": "no worker answers",
    "Kho đối tượng (S3)": "Object store (S3)",
    "Đĩa thư mục dữ liệu": "Data folder disk",
    "trống": "free",
    "tối thiểu": "minimum",
    "Cổng Dịch vụ công (outbox)": "National portal (outbox)",
    "chờ gửi": "waiting to be sent",
    "lâu nhất": "oldest",
    "gửi lỗi hẳn": "dead",
    "Lỗi cuối": "Last error",
    "Chữ ký lưu trữ dài hạn": "Long-term signatures",
    "đến hạn nâng cấp/gia hạn": "due for upgrade/renewal",
    "hoãn vì TSA/OCSP": "postponed (TSA/OCSP)",
    "tài liệu chờ TSA": "document(s) waiting for the TSA",
    "tài liệu ở mức B-B": "document(s) at B-B",
    "Staging bỏ lại": "Staging leftovers",
    "không đọc được": "could not be read",
    "Chờ từ": "Waiting since",
    "Tài liệu chưa xong": "Documents not done",
    "bước": "step",
    "lần thử": "attempts",
    "từ": "since",
    "Chờ xử lý": "Queued",
    "Đang xử lý": "Running",
    "Chờ cán bộ ký": "Awaiting the officer's signature",
    "Chờ quầy chọn": "Awaiting the counter's choice",
    "Ngôn ngữ": "Language",
    "Vai trò": "Role",
    "Mã cơ quan": "Agency code",
    "Họ và tên": "Full name",
    "Số định danh cá nhân (công dân)": "Personal ID number (citizens)",
    "Đăng nhập phát triển": "Development sign-in",
    "Lưu kết quả giải quyết": "Store the result",
    "Tệp PDF kết quả đã được cơ quan ký số; chữ ký được kiểm tra trước khi lưu vào kho của công dân.": (
        "The result PDF as the agency signed it; its signatures are checked before it goes to the citizen's vault."
    ),
    "Tệp kết quả (PDF đã ký số)": "Result file (signed PDF)",
    "Số, ký hiệu": "Number and symbol",
    "Ngày ban hành": "Issued on",
    "Có hiệu lực đến (để trống: không thời hạn)": "Valid until (empty: no end)",
    "Phạm vi sử dụng": "Scope of use",
    "Lưu kết quả": "Store the result",
    "Chỉ dùng khi thử nghiệm: chọn vai trò, cơ quan và tên.": "For test installs only: pick a role, agency and name.",
    "Đăng nhập qua cổng xác thực tập trung của tỉnh": "Sign in with the province's single sign-on",
    "Cán bộ một cửa": "Counter officer",
    "Cán bộ xử lý": "Case handler",
    "Công dân": "Citizen",
    "Quản trị / lãnh đạo": "Manager / administrator",
    "Cổng dịch vụ công": "Public service portal",
    "Xin chào": "Hello",
    "Mã hồ sơ": "Dossier code",
    "Số định danh cá nhân": "Personal ID number",
    "Mã số thuế": "Tax code",
    "Ngày tháng": "Dates",
    "Tra cứu": "Look up",
    "Tình trạng": "Status",
    "đang chờ dịch vụ cấp dấu thời gian": "waiting for the timestamp service",
    "Mở hồ sơ không kèm giấy tờ": "Open the dossier without any paper",
    "Không tìm thấy hồ sơ với mã này.": "No dossier with this code.",
    "Trang này chỉ hiển thị mã và tình trạng hồ sơ.": "This page shows the dossier's code and state only.",
    "Tải lên lô hồ sơ": "Upload a batch",
    "Tệp trang quét (ảnh, PDF) hoặc một tệp zip": "Scanned page files (images, PDF) or one zip",
    "Kéo thả tệp vào đây hoặc chọn tệp": "Drop files here or choose files",
    "Số định danh chủ hồ sơ": "Owner's personal ID",
    "Mã thủ tục": "Procedure code",
    "Mã hồ sơ (để trống: hồ sơ mới)": "Dossier code (empty: a new one)",
    "Cách tách tài liệu": "How to split documents",
    "Tờ bìa có mã QR": "QR cover sheets",
    "Trang trắng phân cách": "Blank separator pages",
    "Tải lên": "Upload",
    "Tiến độ": "Progress",
    "trang": "pages",
    "Tài liệu": "Document",
    "Loại": "Kind",
    "Chữ ký": "Signature",
    "Cần quét lại": "Needs a rescan",
    "Đang kiểm tra": "Being checked",
    "nhận dạng chữ": "OCR",
    "ký số": "signing",
    "lưu vào kho": "storing",
    "Chờ cán bộ ký số": "Awaiting the officer's digital signature",
    "Bản quét mới của trang": "New scan of page",
    "Lô này tạo phiên bản mới của tài liệu đã lưu, với trang quét lại; phiên bản cũ vẫn được lưu giữ.": (
        "This batch makes a new version of the stored document with the rescanned page; the old version is kept."
    ),
    "Phiên bản": "Version",
    "Đã thay bằng bản quét mới": "Replaced by a new scan",
    "trước đó": "before",
    "Xem lô thay trang": "See the replacing batch",
    "Đã thay các trang cần quét lại": "The pages to rescan were replaced",
    "Để ký: trên máy tính của cán bộ, cắm thiết bị ký USB và chạy": (
        "To sign: on the officer's PC, plug in the USB token and run"
    ),
    "NHÃN-THIẾT-BỊ-KÝ": "TOKEN-LABEL",
    "(mã truy cập của cán bộ trong biến SOHOA_TOKEN)": "(the officer's access token in SOHOA_TOKEN)",
    "Mới hơn": "Newer",
    "Cũ hơn": "Older",
    "Tất cả đơn vị": "All units",
    "phiên bản trước": "earlier versions",
    "Thay trang": "Replace page",
    "In tờ bìa": "Print cover sheet",
    "In giấy tiếp nhận": "Print receipt",
    "Tên giấy tờ": "Paper name",
    "Mã loại giấy tờ": "Document type code",
    "Mục đích đọc hồ sơ": "Purpose of reading",
    "Xác nhận mục đích": "Confirm purpose",
    "Mở hồ sơ": "Open dossier",
    "hoặc tải ảnh mã QR trên giấy tiếp nhận": "or upload a photo of the receipt's QR code",
    "Ảnh mã QR": "QR photo",
    "Nội dung nhận dạng (OCR)": "Recognised text (OCR)",
    "Trường thông tin": "Fields",
    "Sao chép": "Copy",
    "Đã sao chép": "Copied",
    "lần": "times",
    "Tải xuống": "Download",
    "Xem": "View",
    "Giấy tờ của tôi": "My papers",
    "Hồ sơ của tôi": "My dossiers",
    "Quyền truy cập đã cấp": "Access I granted",
    "Ai đã đọc giấy tờ của tôi": "Who read my papers",
    "Tải điểm neo của nhật ký": "Download the log's checkpoint",
    "Điểm neo do cơ quan ký số và đóng dấu thời gian; giữ lại để sau này kiểm tra nhật ký không bị sửa.": (
        "A checkpoint signed by the agency and timestamped; keep it to check later that this log was not rewritten."
    ),
    "Cấp quyền": "Grant",
    "Thu hồi": "Revoke",
    "Mục đích": "Purpose",
    "Hết hạn": "Expires",
    "Đối tượng được cấp": "Grantee",
    "Tìm kiếm": "Search",
    "Lọc": "Filter",
    "Dùng lại trong hồ sơ": "Reuse in a dossier",
    "Đơn vị": "Unit",
    "Tháng": "Month",
    "Tỷ lệ số hóa": "Digitisation rate",
    "Tỷ lệ trả kết quả điện tử": "Electronic results rate",
    "Tỷ lệ tái sử dụng": "Reuse rate",
    "Tải CSV": "Download CSV",
    "Hồ sơ tiếp nhận": "Dossiers received",
    "Định nghĩa": "Definition",
    "Không tính": "Not counted",
    "Trước khi quét: giấy tờ đã có trong kho": "Before scanning: papers already in the vault",
    "Kiểm tra kho": "Check the vault",
    "Mã loại giấy tờ, cách nhau bởi dấu phẩy (để trống: danh mục giấy tờ của thủ tục)": (
        "Document type codes, comma-separated (empty: the procedure's list of papers)"
    ),
    "Giấy tờ của thủ tục": "Papers of the procedure",
    "Giấy tờ đã hỏi": "Papers asked for",
    "giấy tờ đã có trong kho": "papers already in the vault",
    "cần quét": "to scan",
    "bắt buộc": "required",
    "nếu có": "if any",
    "Mở hồ sơ không cần quét với giấy tờ đã có trong kho": (
        "Open the dossier without scanning, with the papers in the vault"
    ),
    "đã có trong kho, không cần scan lại": "already in the vault, don't rescan",
    "chưa có trong kho, cần scan": "not in the vault: scan it",
    "Cần ít nhất một mã loại giấy tờ của thủ tục.": "Give at least one document type code of the procedure.",
    "lô quét có tài liệu bị lỗi, thành phần chưa vào kho": "its scan batch has a failed document, not in the vault",
    "chưa có thành phần hồ sơ được số hóa": "no component digitised",
    "chưa có kết quả giải quyết điện tử (chỉ tiêu số hóa đòi hỏi cả kết quả điện tử)": (
        "no electronic result yet (digitisation also requires an electronic result)"
    ),
    "không có thành phần nào lấy lại từ kho": "no component reused from the vault",
    "chưa có kết quả giải quyết điện tử": "no electronic result yet",
    "bị từ chối hoặc đã rút, không tính vào mẫu số": "refused or withdrawn, left out of the denominator",
    "Không có": "None",
    "Trang không tồn tại hoặc bạn không có quyền xem.": "This page does not exist or you may not see it.",
    "Trang này dành cho vai trò khác.": "This page is for another role.",
    "Phiên làm việc đã hết hạn, vui lòng thử lại.": "The session expired; please try again.",
    "Có lỗi": "Something went wrong",
    "Phòng giải quyết": "Department",
    "Hạn giải quyết": "Deadline",
    "Hẹn trả kết quả": "Result due",
    "Tạm dừng: chờ công dân bổ sung": "Stopped: waiting for the citizen's papers",
    "Quá hạn": "Overdue",
    "Quá trình giải quyết": "History",
    "Thời gian": "Time",
    "Bước": "Step",
    "Người thực hiện": "By",
    "Ghi chú": "Note",
    "Phiếu đã ký": "Signed notice",
    "Chuyển bước xử lý": "Next step",
    "Chuyển phòng giải quyết": "Assign to a department",
    "Yêu cầu bổ sung, hoàn thiện hồ sơ": "Request a supplement",
    "Nhận đủ hồ sơ bổ sung": "Supplement received",
    "Xin lỗi và hẹn lại ngày trả kết quả": "Apologise with a new date",
    "Có kết quả giải quyết": "Result ready",
    "Trả kết quả cho công dân": "Result returned",
    "Từ chối giải quyết": "Refuse",
    "Rút hồ sơ": "Withdraw",
    "Giấy tờ, nội dung cần bổ sung (mỗi dòng một mục)": "Papers or contents to supplement (one per line)",
    "Ngày hẹn trả kết quả mới": "New date for the result",
    "Lý do": "Reason",
    "Cơ quan": "Agency",
    "Yêu cầu dùng lại giấy tờ": "Requests to reuse my papers",
    "Mã đồng ý": "Consent code",
    "Nộp hồ sơ trực tuyến": "Apply online",
    "Nộp hồ sơ": "Apply",
    "Giấy tờ dùng lại": "Papers reused",
    "Mở hồ sơ không cần quét": "Open a dossier without scanning",
    "Mã loại giấy tờ dùng lại từ kho (cách nhau bởi dấu cách)": "Vault paper type codes to reuse",
    "Xin công dân đồng ý": "Ask the citizen's consent",
    "Chờ chọn: giấy tờ đã có trong kho": "Awaiting a choice: the paper is in the vault already",
    "Giấy tờ này đã có trong kho dữ liệu của công dân": "This paper is in the citizen's vault already",
    "Giấy tờ đã lưu": "Stored paper",
    "lưu ngày": "stored on",
    "Dùng lại giấy tờ đã lưu": "Reuse the stored paper",
    "Lưu thành phiên bản mới": "Store as a new version",
    "Lưu thành giấy tờ mới": "Store as a new paper",
    "Đã chọn": "Chosen",
    "Hạn chọn": "Choose by",
    "quá hạn thì bản quét không được lưu, giấy tờ đã lưu giữ nguyên": (
        "after that the scan is not stored and the stored paper is kept as it is"
    ),
    "Số kết quả": "Result number",
    (
        "Hồ sơ chưa có kết quả điện tử còn hiệu lực (chưa lưu, hoặc đã hủy): chỉ trả khi đã có kết quả giấy, hoặc "
        "lưu kết quả mới trước."
    ): (
        "The dossier has no electronic result in force (none stored, or cancelled): return it only with a paper "
        "result, or store a new result first."
    ),
    "Lịch sử kết quả": "History of result",
    "phiên bản": "version",
    "Ban hành (lưu vào kho)": "Issued (stored in the vault)",
    "Đính chính": "Corrected",
    "Hủy": "Cancelled",
    "Khôi phục hiệu lực": "Restored",
    "Đính chính kết quả": "Correct the result",
    "Hủy kết quả": "Cancel the result",
    "Lý do đính chính": "Reason for the correction",
    "Lý do hủy": "Reason for cancelling",
    "Lưu bản đính chính": "Store the correction",
    "Tệp kết quả đã đính chính (PDF đã ký số)": "Corrected result file (digitally signed PDF)",
    "Chọn lại tệp PDF: trình duyệt không giữ tệp đã chọn.": (
        "Choose the PDF again: the browser does not keep a chosen file."
    ),
    (
        "Bản đính chính thay kết quả này bằng một phiên bản mới cùng số; phiên bản trước vẫn được lưu và đọc được. "
        "Tệp được kiểm tra chữ ký như kết quả mới."
    ): (
        "The correction replaces this result with a new version under the same number; the previous version stays "
        "stored and readable. Its signatures are checked as a new result's are."
    ),
    (
        "Kết quả bị hủy vẫn được lưu và đọc được, nhưng không còn hiệu lực và không được dùng lại cho hồ sơ khác. "
        "Không hoàn tác được."
    ): (
        "A cancelled result stays stored and readable, but is no longer in force and cannot be reused in another "
        "dossier. This cannot be undone."
    ),
    # the vault page: document kinds (web.docview.KIND_VI), what was done (web.routers.citizen.ACTION_VI), forms
    "In tờ bìa cho giấy tờ cần quét": "Print cover sheets for the papers to scan",
    "Để trống: mở hồ sơ mới cho công dân này rồi in; mã hồ sơ in trên tờ bìa, lô quét có tờ bìa tự vào đúng hồ sơ.": (
        "Empty: a new dossier is opened for this citizen first; its code is on the sheets, and a batch with them goes"
        " to it."
    ),
    "Mở hồ sơ mới để in tờ bìa": "Open a new dossier to print cover sheets",
    "Quét giấy tờ vào hồ sơ này": "Scan papers into this dossier",
    "Giờ:phút ngày/tháng/năm, ví dụ 14:00 31/12/2026.": "Hour:minute day/month/year, e.g. 14:00 31/12/2026.",
    "Thành phần hồ sơ": "Dossier component",
    "Kết quả giải quyết": "Result",
    "Bản sao chứng thực": "Certified copy",
    "Công dân nộp": "Uploaded by the citizen",
    "Phiếu thông báo": "Notice",
    "Đọc": "Read",
    "Lưu": "Written",
    "Lưu vào kho": "Stored in the vault",
    "Lưu phiên bản mới": "New version stored",
    "Xem danh sách": "Listed",
    "Thời điểm": "When",
    "Giấy tờ": "Paper",
    "Việc": "What was done",
    "Còn hiệu lực": "Active",
    "Đã thu hồi": "Revoked",
    "Chọn cơ quan trong danh sách (hoặc nhập mã cơ quan).": "Pick the agency from the list (or type its code).",
    "Tiếp nhận hồ sơ": "Receive the dossier",
    "Ngày/tháng/năm, ví dụ 31/12/2026.": "Day/month/year, e.g. 31/12/2026.",
    "Ngày/tháng/năm, ví dụ 31/12/2026; quyền hết hiệu lực cuối ngày đó.": (
        "Day/month/year, e.g. 31/12/2026; the access ends at the end of that day."
    ),
    "Cán bộ tiếp nhận đề nghị dùng lại giấy tờ trong kho của bạn. Nếu đồng ý, đọc mã dưới đây cho cán bộ"
    " (mã dùng một lần, hết hạn sau 15 phút).": (
        "The counter officer asks to reuse papers of your vault. If you agree, read this code out to the officer"
        " (one use, valid for 15 minutes)."
    ),
    "Mã in trên giấy tiếp nhận, ví dụ 000.00.00.H30-261130-0042 (chữ hoa hay thường, có dấu cách đều được).": (
        "The code printed on the receipt, e.g. 000.00.00.H30-261130-0042 (upper or lower case, spaces are fine)."
    ),
    "Giấy tờ không còn trong kho": "A paper no longer in the vault",
    "Mọi giấy tờ loại": "Every paper of type",
    "Mọi giấy tờ": "Every paper",
    "Cổng dịch vụ công quốc gia": "National public service portal",
    "Đã nộp hồ sơ": "Submitted: dossier",
    "Cơ quan sẽ xem hồ sơ; tình trạng ở mục «Hồ sơ của tôi» bên dưới, và ở trang tra cứu theo mã hồ sơ.": (
        "The agency will look at it; its state is under «My dossiers» below, and on the look-up page by its code."
    ),
    "Phiếu yêu cầu bổ sung": "Request for more papers (signed)",
    "Nộp giấy tờ còn thiếu tại bộ phận một cửa của cơ quan; thời hạn giải quyết tính lại từ khi nhận đủ.": (
        "Bring the missing papers to the agency's one-stop counter; the time limit starts again once they are in."
    ),
    "Cơ quan giải quyết đã gửi phiếu yêu cầu bổ sung hồ sơ. Giấy tờ cần bổ sung ghi trên phiếu, cũng có trong kho"
    " dữ liệu của bạn (đăng nhập); nộp bổ sung tại bộ phận một cửa.": (
        "The agency has asked for more papers. They are listed on its request, also in your vault (sign in);"
        " bring them to the one-stop counter."
    ),
}

EN |= {vietnamese: english for vietnamese, english in (SIGNING_EN | VAULT_EN).items() if vietnamese not in EN}
EN |= STATS_EN


def asked_language(request: Request) -> str | None:
    """`?lang=` of this request (taken out of the query by `LanguageParameter`, so pages need not declare it)."""
    asked = request.scope.get("state", {}).get("lang")
    return asked if asked in LANGUAGES else None


def language(request: Request) -> str:
    chosen = asked_language(request) or request.cookies.get(LANG_COOKIE) or "vi"
    return chosen if chosen in LANGUAGES else "vi"


class LanguageParameter:
    """ASGI middleware: moves `lang` from a page's query string into the request state (the API refuses unknown
    query parameters, and every page accepts this one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"lang=" in scope.get("query_string", b""):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if k != "lang"]
            if len(kept) < len(pairs) and not scope["path"].startswith("/api/"):
                scope = dict(scope)
                scope["state"] = {**scope.get("state", {}), "lang": dict(pairs)["lang"]}
                scope["query_string"] = urlencode(kept).encode("latin-1")
        await self.app(scope, receive, send)


def translator(lang: str) -> Callable[[str], str]:
    def t(text: str) -> str:
        return EN.get(text, text) if lang == "en" else text

    return t
