"""The indicators page's words in English (`/thong-ke`: its forms, tables, print header and the definitions' source),
keyed by the Vietnamese the template writes; `web.i18n` merges them into its catalogue.
"""

from __future__ import annotations

STATS_EN: dict[str, str] = {
    "Theo đơn vị": "By unit",
    "Cấp": "Level",
    "Mã đơn vị": "Agency code",
    "Cấp tỉnh": "Province",
    "Đơn vị trực thuộc tỉnh": "Units under the province",
    "Đơn vị cấp dưới": "Units below those",
    "Từ ngày 01/7/2025 không còn cấp huyện: đơn vị trực thuộc tỉnh là các sở, ngành và các xã, phường; đơn vị cấp"
    " dưới là các đơn vị thuộc những đơn vị đó.": (
        "Since 1 July 2025 there is no district level: the units under the province are its departments, communes"
        " and wards; the units below those belong to one of them."
    ),
    "tháng": "month",
    "Tháng báo cáo": "Report month",
    "Số tháng hiển thị": "Months shown",
    "tháng, đến tháng": "months, up to",
    "Báo cáo tháng": "Report for",
    "in lúc": "printed at",
    "Tải CSV theo tháng": "Download CSV by month",
    "Tải CSV theo đơn vị": "Download CSV by unit",
    "không có hồ sơ để tính": "no dossier to count",
    "Chưa có hồ sơ nào trong tháng": "No dossier in",
    "Đạt điểm tối đa khi từ 80% trở lên; dưới đó điểm = tỷ lệ × điểm tối đa ÷ 80%.": (
        "Full marks at 80% or more; below that, score = rate × full marks ÷ 80%."
    ),
    "Nguồn: Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp ban hành kèm Quyết"
    " định số 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ; công bố hằng tháng (ví dụ Điều 16 khoản 6 Quy chế"
    " ban hành kèm Quyết định số 35/2022/QĐ-UBND tỉnh Tây Ninh). Công thức theo cách Hệ thống giám sát, đo lường"
    " quốc gia tính; một tháng không có hồ sơ nào để tính thì ghi “—”, không ghi 0%.": (
        "Source: the index set for directing, running and assessing service to citizens and businesses, Decision"
        " 766/QĐ-TTg of 23 June 2022 of the Prime Minister; published monthly (e.g. art. 16.6 of the rules issued"
        " with Decision 35/2022/QĐ-UBND of Tây Ninh province). Formulas as the national monitoring system computes"
        " them; a month with no dossier to count shows “—”, not 0%."
    ),
}
