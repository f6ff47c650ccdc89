"""The agency's signing identity from the test PKI, for the tests of what the agency signs itself (access-log
checkpoints, monthly reports): a module-scoped PKI with its TSA, and a DocumentSigner on its PKCS#12 identity.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signing.identity import load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from tests.support.pki import RunningPki, pki_fixture


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPki]:
    yield from pki_fixture(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signer(pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocumentSigner]:
    """The agency's PKCS#12 identity, timestamped by the PKI's TSA."""
    settings = SigningSettings(
        tsa_url=pki.tsa_url, trust_dir=pki.trust_dir, font_cache_dir=tmp_path_factory.mktemp("fonts")
    )
    identity = load_pkcs12(pki.identity("agency").p12, pki.password)
    with DocumentSigner(identity, settings, trust=pki.trust()) as s:
        yield s
