"""Splitting a batch into documents: manifest ranges, real QR cover sheets found by OpenCV, blank separators."""

from __future__ import annotations

import re

import numpy as np
import pytest
import qrcode
from numpy.typing import NDArray

from core.types import DocumentKind
from ingest.manifest import ManifestDocument
from ingest.split import (
    SplitDocument,
    SplitError,
    is_blank_page,
    parse_page_ranges,
    split_by_blank,
    split_by_cover_sheets,
    split_by_manifest,
    split_pages_by_qr,
)
from issuing.coversheet import make_cover_sheet, render_cover_sheet
from issuing.qr import CoverSheetPayload
from tests.issuing.paperwork_support import blank_page, render_pages, scan_like, text_pages

DOSSIER = "000.00.00.H30-261122-0001"


def _doc(pages: str | None, type_code: str = "GKS", name: str = "Giấy khai sinh") -> ManifestDocument:
    return ManifestDocument(type_code=type_code, name=name, pages=pages)


# --- manifest ranges ---------------------------------------------------------------------------------------


def test_ranges_are_parsed_to_zero_based_pages_in_written_order() -> None:
    assert parse_page_ranges("1-2", 9) == [0, 1]
    assert parse_page_ranges("3", 9) == [2]
    assert parse_page_ranges("4-7,9", 9) == [3, 4, 5, 6, 8]
    assert parse_page_ranges(" 9, 4 - 5 ", 9) == [8, 3, 4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "numbered from 1"),
        ("5-3", "runs backwards"),
        ("8-10", "page 10 is beyond the batch's 9 pages"),
        ("1,2,1", "page 1 is listed twice"),
        ("1-3,2", "page 2 is listed twice"),
        ("a", "not a page number"),
        ("1;2", "not a page number"),
    ],
)
def test_bad_ranges_name_the_document(text: str, message: str) -> None:
    with pytest.raises(SplitError, match=message) as caught:
        parse_page_ranges(text, 9, document_index=2)
    assert str(caught.value).startswith("documents[2].pages:")
    assert caught.value.document_index == 2


def test_manifest_split_keeps_each_documents_metadata() -> None:
    result_doc = ManifestDocument(type_code="KQ", name="Quyết định", pages="8-9", kind=DocumentKind.RESULT)
    result = split_by_manifest(9, [_doc("1-2"), _doc("3", "CCCD", "Căn cước"), _doc("4-7"), result_doc])
    assert [doc.pages for doc in result.documents] == [(0, 1), (2,), (3, 4, 5, 6), (7, 8)]
    assert result.documents[1] == SplitDocument((2,), "CCCD", "Căn cước")
    assert result.documents[3].kind is DocumentKind.RESULT
    assert result.left_out == ()


def test_overlapping_ranges_name_both_documents() -> None:
    with pytest.raises(SplitError, match=r"documents\[2\]\.pages: page 4 is already in documents\[1\]") as caught:
        split_by_manifest(9, [_doc("1-2"), _doc("3-5"), _doc("4,6-9")])
    assert caught.value.document_index == 2


def test_a_range_beyond_the_batch_is_refused() -> None:
    with pytest.raises(SplitError, match=r"documents\[1\]\.pages: page 10 is beyond"):
        split_by_manifest(9, [_doc("1-2"), _doc("3-10")])


def test_uncovered_pages_are_an_error_unless_allowed() -> None:
    with pytest.raises(SplitError, match=r"page\(s\) 4, 9 are in no document"):
        split_by_manifest(9, [_doc("1-3"), _doc("5-8")])
    result = split_by_manifest(9, [_doc("1-3"), _doc("5-8")], allow_uncovered=True)
    assert result.left_out == (3, 8)


def test_a_document_without_pages_is_refused() -> None:
    with pytest.raises(SplitError, match=r"documents\[0\]\.pages: missing"):
        split_by_manifest(3, [_doc(None)])


# --- QR cover sheets, real renders -------------------------------------------------------------------------

SHEETS = [
    make_cover_sheet(DOSSIER, "GKS", "Giấy khai sinh"),
    make_cover_sheet(DOSSIER, "CCCD", "Căn cước công dân của người yêu cầu"),
    make_cover_sheet(DOSSIER, "KQ", "Quyết định cấp phép", DocumentKind.RESULT),
]


@pytest.fixture(scope="module")
def sheet_images() -> list[NDArray[np.uint8]]:
    return [render_pages(render_cover_sheet(sheet), 200)[0] for sheet in SHEETS]


@pytest.fixture(scope="module")
def content_images() -> list[NDArray[np.uint8]]:
    pdf = text_pages(
        ["TỜ KHAI ĐĂNG KÝ KHAI SINH", "Họ, chữ đệm, tên: Nguyễn Văn An", "Ngày sinh: 01/02/2026"],
        ["Trang 2 của tờ khai", "Nơi sinh: Bệnh viện Đa khoa tỉnh Quảng Trị"],
        ["CĂN CƯỚC CÔNG DÂN", "Số: 045190001234"],
        ["ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ", "QUYẾT ĐỊNH", "Về việc cấp giấy phép"],
        ["Điều 2. Quyết định có hiệu lực kể từ ngày ký."],
    )
    return render_pages(pdf, 200)


def test_three_cover_sheets_give_three_documents_without_the_sheets(
    sheet_images: list[NDArray[np.uint8]], content_images: list[NDArray[np.uint8]]
) -> None:
    s1, s2, s3 = sheet_images
    c1, c2, c3, c4, c5 = content_images
    pages = [
        scan_like(s1, angle=1.5, jpeg_quality=60),
        c1,
        c2,
        scan_like(s2, skew=0.02, noise=6.0),
        c3,
        scan_like(s3, angle=-2.0, jpeg_quality=45, paper=240),
        c4,
        c5,
    ]
    result = split_pages_by_qr(pages, dossier_code=DOSSIER)
    assert result.left_out == (0, 3, 5)
    assert [doc.pages for doc in result.documents] == [(1, 2), (4,), (6, 7)]
    assert [(doc.type_code, doc.name, doc.kind) for doc in result.documents] == [
        ("GKS", "Giấy khai sinh", DocumentKind.COMPONENT),
        ("CCCD", "Căn cước công dân của người yêu cầu", DocumentKind.COMPONENT),
        ("KQ", "Quyết định cấp phép", DocumentKind.RESULT),
    ]
    assert {doc.dossier_code for doc in result.documents} == {DOSSIER}


def test_pages_before_the_first_sheet_are_refused_or_kept_untyped(
    sheet_images: list[NDArray[np.uint8]], content_images: list[NDArray[np.uint8]]
) -> None:
    pages = [content_images[0], content_images[1], sheet_images[0], content_images[2]]
    with pytest.raises(SplitError, match=r"page\(s\) 1, 2 come before the first cover sheet"):
        split_pages_by_qr(pages)
    result = split_pages_by_qr(pages, leading="untyped")
    assert result.documents[0] == SplitDocument((0, 1), None, "Tài liệu 1")
    assert result.documents[1].pages == (3,) and result.documents[1].type_code == "GKS"
    assert result.left_out == (2,)


A = CoverSheetPayload(DOSSIER, "GKS", "Giấy khai sinh")
B = CoverSheetPayload(DOSSIER, "CCCD", "Căn cước")


def test_a_sheet_followed_by_no_page_is_refused() -> None:
    with pytest.raises(SplitError, match=r"cover sheet on page 3 \(documents\[1\]\) is followed by no page"):
        split_by_cover_sheets([A, None, B, A, None])
    with pytest.raises(SplitError, match="cover sheet on page 3"):
        split_by_cover_sheets([A, None, B])


def test_a_sheet_of_another_dossier_is_refused() -> None:
    other = CoverSheetPayload("000.00.00.H30-261122-0002", "GKS", "Giấy khai sinh")
    with pytest.raises(SplitError, match=re.escape("page 3 is for dossier 000.00.00.H30-261122-0002")):
        split_by_cover_sheets([A, None, other, None], dossier_code=DOSSIER)


def test_no_sheet_at_all_is_refused_or_one_untyped_document() -> None:
    with pytest.raises(SplitError, match="no cover sheet found"):
        split_by_cover_sheets([None, None])
    assert split_by_cover_sheets([None, None], leading="untyped").documents == (
        SplitDocument((0, 1), None, "Tài liệu 1"),
    )


# --- blank separators --------------------------------------------------------------------------------------


def test_blank_runs_separate_documents_and_are_left_out() -> None:
    result = split_by_blank([True, False, False, True, True, False, True, False, True])
    assert [doc.pages for doc in result.documents] == [(1, 2), (5,), (7,)]
    assert result.left_out == (0, 3, 4, 6, 8)
    assert all(doc.type_code is None for doc in result.documents)
    # Nothing names them: each is named by its place, or the vault would refuse it at the store step.
    assert [doc.name for doc in result.documents] == ["Tài liệu 1", "Tài liệu 2", "Tài liệu 3"]


def test_no_split_gives_a_document_without_a_name() -> None:
    with pytest.raises(ValueError, match="needs a name"):
        SplitDocument((0,), None, " ")


def test_blank_split_takes_names_from_the_manifest_in_order() -> None:
    docs = [_doc(None, "GKS", "Giấy khai sinh"), _doc(None, "CCCD", "Căn cước")]
    result = split_by_blank([False, True, False, False], docs)
    assert [(d.pages, d.type_code) for d in result.documents] == [((0,), "GKS"), ((2, 3), "CCCD")]
    with pytest.raises(SplitError, match=r"give 3 document\(s\) but the manifest lists 2"):
        split_by_blank([False, True, False, True, False], docs)


def test_an_all_blank_batch_is_refused() -> None:
    with pytest.raises(SplitError, match="every page of the batch is blank"):
        split_by_blank([True, True])


def test_the_blank_test_on_rendered_and_scan_like_pages(content_images: list[NDArray[np.uint8]]) -> None:
    white = blank_page()
    assert is_blank_page(white)
    assert is_blank_page(scan_like(white, noise=10.0, jpeg_quality=40, paper=232))
    dusty = scan_like(white, paper=240)
    dusty[500:503, 700:703] = 40  # a speck of dust
    assert is_blank_page(dusty)
    # A page holding one short line of text is not blank.
    assert not is_blank_page(content_images[4])
    assert not is_blank_page(scan_like(content_images[4], noise=10.0, jpeg_quality=40, paper=232))


def test_blank_split_of_real_images(content_images: list[NDArray[np.uint8]]) -> None:
    c1, c2, c3, *_ = content_images
    pages = [c1, c2, scan_like(blank_page(), noise=8.0, jpeg_quality=50), c3]
    result = split_by_blank([is_blank_page(page) for page in pages])
    assert [doc.pages for doc in result.documents] == [(0, 1), (3,)]
    assert result.left_out == (2,)


def _page_with_code(text: str) -> NDArray[np.uint8]:
    code = qrcode.QRCode(border=4, box_size=8)
    code.add_data(text)
    code.make(fit=True)
    image = np.array(code.make_image().convert("L"), dtype=np.uint8)
    page = blank_page()
    page[200 : 200 + image.shape[0], 200 : 200 + image.shape[1]] = image
    return page


def test_an_unusable_sohoa_code_is_an_error_naming_the_page(
    sheet_images: list[NDArray[np.uint8]], content_images: list[NDArray[np.uint8]]
) -> None:
    newer = _page_with_code(f"SOHOA2|C|d={DOSSIER}|t=GKS|n=Giấy khai sinh")
    with pytest.raises(SplitError, match="page 3: the cover sheet code can not be used: unsupported"):
        split_pages_by_qr([sheet_images[0], content_images[0], newer, content_images[1]])
    # Foreign codes on a content page (here a web address) are page content.
    foreign = _page_with_code("https://dichvucong.gov.vn/")
    result = split_pages_by_qr([sheet_images[0], foreign, content_images[1]])
    assert [doc.pages for doc in result.documents] == [(1, 2)]
