"""The one agency-name look-up papers, stamps and pages share: the operator's setting, the shipped list, the code."""

from __future__ import annotations

import pytest

from issuing.agencies import agency_label
from issuing.settings import IssuingSettings, issuing_settings


def test_the_shipped_list_names_an_agency_the_operator_did_not() -> None:
    settings = IssuingSettings(agency_names={"000.00.12.H30": "UBND phường Đông Hà"})
    assert settings.agency_name("000.00.00.H30") == "UBND tỉnh Mẫu (ví dụ)"  # issuing/data/agencies.toml
    assert settings.agency_name("000.00.12.H30") == "UBND phường Đông Hà"  # the operator's name wins
    assert settings.agency_name("000.00.99.H30") == "000.00.99.H30"  # in neither: the code


def test_web_labels_use_the_same_look_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_NAMES", '{"000.00.00.H30": "UBND tỉnh Quảng Trị"}')
    issuing_settings.cache_clear()
    try:
        assert agency_label("000.00.00.H30") == "UBND tỉnh Quảng Trị (000.00.00.H30)"
        assert agency_label("000.00.15.H38") == "UBND xã Mẫu 15 (ví dụ) (000.00.15.H38)"
        assert agency_label("000.00.98.H30") == "000.00.98.H30" and agency_label(None) == "—"
    finally:
        issuing_settings.cache_clear()
