"""The procedures' papers (issue #18): the shipped list, the operator's file over it (adding procedures and
replacing a listed one's papers, read again when it changes), and a malformed file refused naming the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuing.procedure_papers import PaperListError, load_paper_lists, paper_lists, procedure_papers
from issuing.settings import issuing_settings

SHIPPED = "1.011442.000.00.00.H30"


def test_the_operator_file_adds_and_replaces_procedures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = procedure_papers(SHIPPED)
    assert shipped is not None and [p.type_code for p in shipped] == ["TK", "GKS", "CCCD", "GXNHN"]
    extra = tmp_path / "papers.toml"
    extra.write_text(
        f'[[procedure]]\ncode = "{SHIPPED}"\npaper = [{{ type_code = "GKS", name = "Giấy khai sinh" }}]\n'
        '[[procedure]]\ncode = "1.000999.000.00.00.H30"\n'
        'paper = [{ type_code = "GPLX", name = "Giấy phép lái xe", required = false }]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SOHOA_PAPERWORK_PROCEDURE_PAPERS_FILE", str(extra))
    issuing_settings.cache_clear()
    try:
        replaced = procedure_papers(SHIPPED)
        assert replaced is not None and [(p.type_code, p.required) for p in replaced] == [("GKS", True)]
        added = procedure_papers("1.000999.000.00.00.H30")
        assert added is not None and [(p.name, p.required) for p in added] == [("Giấy phép lái xe", False)]
        assert "1.000001.000.00.00.H30" in paper_lists()  # the shipped procedures the file does not name stay
        extra.write_text(f'[[procedure]]\ncode = "{SHIPPED}"\npaper = [{{ type_code = "TK", name = "Tờ khai" }}]\n')
        again = procedure_papers(SHIPPED)
        assert again is not None and [p.type_code for p in again] == ["TK"]  # the changed file is read again
    finally:
        issuing_settings.cache_clear()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('code = "1.2"\npaper = [{ type_code = "GKS", name = "x" }]', "procedure code"),
        ('code = "1.000999"\npaper = []', "list 1 to 30 papers"),
        ('code = "1.000999"\npaper = [{ type_code = "G K S", name = "x" }]', "paper[0]: type_code"),
        ('code = "1.000999"\npaper = [{ type_code = "GKS", name = " " }]', "paper[0]: name"),
        ('code = "1.000999"\npaper = [{ type_code = "GKS", name = "x", required = "yes" }]', "required"),
        ('code = "1.000999"\npaper = [{ type_code = "GKS", name = "x" }, { type_code = "GKS", name = "y" }]', "twice"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_entry(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "papers.toml"
    path.write_text(f"[[procedure]]\n{body}\n", encoding="utf-8")
    with pytest.raises(PaperListError, match="procedure\\[0\\]") as refused:
        load_paper_lists(path)
    assert reason in str(refused.value) and str(path) in str(refused.value)


def test_a_procedure_listed_twice_or_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "papers.toml"
    entry = '[[procedure]]\ncode = "1.000999"\npaper = [{ type_code = "GKS", name = "x" }]\n'
    path.write_text(entry * 2, encoding="utf-8")
    with pytest.raises(PaperListError, match="listed twice"):
        load_paper_lists(path)
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(PaperListError, match="cannot read the procedure papers"):
        load_paper_lists(path)
