"""Field extraction from OCR text: identifiers validated, dates in both Vietnamese forms, number/symbol."""

from __future__ import annotations

from ocr.fields import extract_fields

TEXT = """ỦY BAN NHÂN DÂN TỈNH TÂY NINH
Số: 35 /2022/QĐ-UBND
Tây Ninh, ngày 31 tháng 10 năm 2022
Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ;
Ông Nguyễn Văn A, số định danh cá nhân 079203001234, mã số thuế 0100109106-001.
Hồ sơ 000.00.12.H30-221031-0001 tiếp nhận ngày 31/10/2022.
Số sai: 123456789012, 0100109107, 000.00.12.H30-221399-0001, ngày 31/02/2022."""


def test_fields_found_and_validated() -> None:
    fields = extract_fields(TEXT)
    assert fields["personal_ids"] == ["079203001234"]  # 123456789012 has no province 123
    assert fields["tax_codes"] == ["0100109106-001"]  # 0100109107 fails the check digit
    assert fields["dossier_codes"] == ["000.00.12.H30-221031-0001"]  # month 13 is no date
    assert fields["dates"] == ["2022-10-31", "2018-04-23"]  # 31/02 does not exist
    assert fields["document_numbers"][:2] == ["35/2022/QĐ-UBND", "61/2018/NĐ-CP"]


def test_decomposed_input_is_normalised() -> None:
    import unicodedata

    fields = extract_fields(unicodedata.normalize("NFD", "Số: 12/2023/QĐ-UBND"))
    assert fields["document_numbers"] == ["12/2023/QĐ-UBND"]
