"""English for the pages' messages, keyed by their Vietnamese: whole sentences of help, notices, answers and
warnings (`web.i18n` merges them with the page words into its catalogue)."""

from __future__ import annotations

MESSAGES_EN: dict[str, str] = {
    "Không có lô nào đang chờ.": "No batch is waiting.",
    "Không có lô nào lỗi trong 24 giờ qua.": "No batch failed in the last 24 hours.",
    "Tệp PDF kết quả đã được cơ quan ký số; chữ ký được kiểm tra trước khi lưu vào kho của công dân.": (
        "The result PDF as the agency signed it; its signatures are checked before it goes to the citizen's vault."
    ),
    "Chỉ dùng khi thử nghiệm: chọn vai trò, cơ quan và tên.": "For test installs only: pick a role, agency and name.",
    "Không tìm thấy hồ sơ với mã này.": "No dossier with this code.",
    "Trang này chỉ hiển thị mã, tình trạng và ngày hẹn trả kết quả của hồ sơ.": (
        "This page shows the dossier's code, state and result date only."
    ),
    "Cơ quan giải quyết đã xin lỗi vì trễ hẹn và hẹn lại ngày này.": (
        "The agency apologised for the delay and set this new date."
    ),
    "Tính lại từ ngày nhận đủ hồ sơ bổ sung.": "Counted again from the day all the missing papers arrived.",
    "Hồ sơ đã quá ngày hẹn: cơ quan giải quyết sẽ gửi phiếu xin lỗi và hẹn lại ngày trả kết quả.": (
        "The dossier is past its date: the agency will send a letter of apology with a new date for the result."
    ),
    "Cơ quan đang giải quyết hồ sơ. Đến ngày hẹn, mang giấy tiếp nhận đến nhận kết quả.": (
        "The agency is handling the dossier. On the date due, bring the receipt to collect the result."
    ),
    "Lô này tạo phiên bản mới của tài liệu đã lưu, với trang quét lại; phiên bản cũ vẫn được lưu giữ.": (
        "This batch makes a new version of the stored document with the rescanned page; the old version is kept."
    ),
    "Điểm neo do cơ quan ký số và đóng dấu thời gian; giữ lại để sau này kiểm tra nhật ký không bị sửa.": (
        "A checkpoint signed by the agency and timestamped; keep it to check later that this log was not rewritten."
    ),
    "Cần ít nhất một mã loại giấy tờ của thủ tục.": "Give at least one document type code of the procedure.",
    "Trang không tồn tại hoặc bạn không có quyền xem.": "This page does not exist or you may not see it.",
    "Công dân đã thu hồi quyền xem giấy tờ này cho mục đích đã nêu, hoặc quyền đó đã hết hạn.": (
        "The citizen withdrew the right to see this paper for the stated purpose, or that right expired."
    ),
    "Trang này dành cho vai trò khác.": "This page is for another role.",
    "Phiên làm việc đã hết hạn, vui lòng thử lại.": "The session expired; please try again.",
    (
        "Hồ sơ chưa có kết quả điện tử còn hiệu lực (chưa lưu, hoặc đã hủy): chỉ trả khi đã có kết quả giấy, hoặc "
        "lưu kết quả mới trước."
    ): (
        "The dossier has no electronic result in force (none stored, or cancelled): return it only with a paper "
        "result, or store a new result first."
    ),
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
    "Để trống: mở hồ sơ mới cho công dân này rồi in; mã hồ sơ in trên tờ bìa, lô quét có tờ bìa tự vào đúng hồ sơ.": (
        "Empty: a new dossier is opened for this citizen first; its code is on the sheets, and a batch with them goes"
        " to it."
    ),
    "Giờ:phút ngày/tháng/năm, ví dụ 14:00 31/12/2026.": "Hour:minute day/month/year, e.g. 14:00 31/12/2026.",
    "Chọn cơ quan trong danh sách (hoặc nhập mã cơ quan).": "Pick the agency from the list (or type its code).",
    "Ngày/tháng/năm, ví dụ 31/12/2026.": "Day/month/year, e.g. 31/12/2026.",
    "Ngày/tháng/năm, ví dụ 31/12/2026; quyền hết hiệu lực cuối ngày đó.": (
        "Day/month/year, e.g. 31/12/2026; the access ends at the end of that day."
    ),
    "Cán bộ tiếp nhận đề nghị dùng lại giấy tờ trong kho của bạn. Nếu đồng ý, đọc mã dưới đây cho cán bộ"
    " (mã dùng một lần, hết hạn sau 15 phút).": (
        "An officer at the counter is asking to reuse papers from your vault. If you agree, read the code below out"
        " to the officer (it works once and expires after 15 minutes)."
    ),
    "Đề nghị công dân mở tài khoản (mục «Yêu cầu dùng lại giấy tờ» trong kho) và đọc mã đồng ý gồm 6 chữ số.": (
        "Ask the citizen to open their account (“Requests to reuse my papers” in their vault) and read out the"
        " 6-digit consent code."
    ),
    "Mã in trên giấy tiếp nhận, ví dụ 000.00.00.H30-261130-0042 (chữ hoa hay thường, có dấu cách đều được).": (
        "The code printed on the receipt, e.g. 000.00.00.H30-261130-0042 (upper or lower case, spaces are fine)."
    ),
    "Cơ quan sẽ xem hồ sơ; tình trạng ở mục «Hồ sơ của tôi» bên dưới, và ở trang tra cứu theo mã hồ sơ.": (
        "The agency will look at it; its state is under «My dossiers» below, and on the look-up page by its code."
    ),
    "Nộp giấy tờ còn thiếu tại bộ phận một cửa của cơ quan; thời hạn giải quyết tính lại từ khi nhận đủ.": (
        "Bring the missing papers to the agency's one-stop counter; the time limit starts again once they are in."
    ),
    "Cơ quan giải quyết đã gửi phiếu yêu cầu bổ sung hồ sơ. Giấy tờ cần bổ sung ghi trên phiếu, cũng có trong kho"
    " dữ liệu của bạn (đăng nhập); nộp bổ sung tại bộ phận một cửa.": (
        "The agency has asked for more papers. They are listed on its request, also in your vault (sign in);"
        " bring them to the one-stop counter."
    ),
}
