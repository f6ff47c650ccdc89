"""The station manifest: strict schema, identifiers checked, errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from core.types import DocumentKind
from ingest.manifest import Manifest, SplitRule

GOOD: dict[str, Any] = {
    "station_id": "QT-01",
    "agency_code": "000.00.00.H30",
    "procedure_code": "1.011442.000.00.00.H30",
    "dossier_code": None,
    "owner_id": "045190001234",
    "split": "manifest",
    "documents": [{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1-2"}],
}


def _field_of(exc: ValidationError) -> str:
    return ".".join(str(part) for part in exc.errors()[0]["loc"])


def test_the_issue_example_is_accepted() -> None:
    manifest = Manifest.model_validate(GOOD)
    assert manifest.split is SplitRule.MANIFEST
    assert manifest.documents is not None and manifest.documents[0].kind is DocumentKind.COMPONENT


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner_id": "045190001"}, "owner_id"),
        ({"owner_id": "999190001234"}, "owner_id"),
        ({"agency_code": "h30"}, "agency_code"),
        ({"procedure_code": "1.01"}, "procedure_code"),
        ({"dossier_code": "H30-2611-1"}, "dossier_code"),
        ({"colour": "red"}, "colour"),
        ({"split": "sideways"}, "split"),
        ({"documents": [{"type_code": "GKS", "name": "x", "pages": "1-a"}]}, "documents.0.pages"),
        ({"documents": [{"type_code": "GKS", "name": "x", "pages": "1", "extra": 1}]}, "documents.0.extra"),
        (
            {"documents": [{"type_code": "GKS", "name": "x", "pages": "1", "kind": "poem"}]},
            "documents.0.kind",
        ),
    ],
)
def test_bad_manifests_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Manifest.model_validate({**GOOD, **change})
    assert _field_of(caught.value) == field


def test_split_rules_and_documents() -> None:
    with pytest.raises(ValidationError, match="needs a non-empty documents list"):
        Manifest.model_validate({**GOOD, "documents": None})
    qr = Manifest.model_validate({**GOOD, "split": "qr", "documents": None})
    assert qr.documents is None
    result = Manifest.model_validate(
        {**GOOD, "documents": [{"type_code": "KQ", "name": "Quyết định", "pages": "1", "kind": "result"}]}
    )
    assert result.documents is not None and result.documents[0].kind is DocumentKind.RESULT
    organisation = Manifest.model_validate({**GOOD, "owner_id": "0314409058-002"})
    assert organisation.owner_id == "0314409058-002"


@pytest.mark.parametrize("pages", ["1" * 5000, "1-" + "9" * 5000, "1234567", "١-٢", "１", ",".join(["1"] * 1500)])
def test_page_ranges_are_bounded_and_ascii(pages: str) -> None:
    """Issue #13 item 4: 5,000 digits in a range reached int() and ended in a 500; now a 422 on the field."""
    document = {"type_code": "GKS", "name": "Giấy khai sinh", "pages": pages}
    with pytest.raises(ValidationError) as caught:
        Manifest.model_validate({**GOOD, "documents": [document]})
    assert _field_of(caught.value) == "documents.0.pages"


@pytest.mark.parametrize("owner", ["０４５１９０００１２３４", "٠٤٥١٩٠٠٠١٢٣٤", "0314 409 058"])
def test_look_alike_owner_ids_are_refused(owner: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Manifest.model_validate({**GOOD, "owner_id": owner})
    assert _field_of(caught.value) == "owner_id"
