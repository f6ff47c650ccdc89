"""Split signing: the server prepares, a separate process signs with the officer's SoftHSM token (the key never
leaves it), the server embeds the CMS and completes B-LT / B-LTA against the certomancer PKI; a wrong signature
value is refused and the pending signature stays usable; pdfsig and sohoa agree on every file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.errors import SigningError
from signing.settings import SigningSettings
from signing.split import PendingSignature, SplitSigner
from signing.stamps import officer_stamp
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.signing.pdfsig import pdfsig_intact
from tests.support import softhsm
from tests.support.pki import RunningPki

# what a signing agent on the officer's PC does: open the token by label, sign the bytes with SHA-256 + RSA
AGENT = """
import os, sys, pkcs11
from pkcs11 import KeyType, Mechanism, ObjectClass
lib = pkcs11.lib(os.environ["AGENT_MODULE"])
token = lib.get_token(token_label=os.environ["AGENT_TOKEN"])
with token.open(user_pin=os.environ["AGENT_PIN"]) as session:
    key = session.get_key(ObjectClass.PRIVATE_KEY, KeyType.RSA, label=os.environ["AGENT_KEY"])
    sys.stdout.buffer.write(key.sign(sys.stdin.buffer.read(), mechanism=Mechanism.SHA256_RSA_PKCS))
"""


@pytest.fixture(scope="module")
def token(pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> softhsm.SoftHsmToken:
    if not softhsm.available():
        pytest.fail("SoftHSM2 is required (apt-get install softhsm2)")
    # the token lives in its own SoftHSM folder, used only by the agent processes: this process may already have
    # loaded SoftHSM with another module's folder (PKCS#11 libraries initialise once per process)
    before = os.environ.get("SOFTHSM2_CONF")
    try:
        created = softhsm.init_token(tmp_path_factory.mktemp("softhsm-split"), label="officer-usb-token")
        key = pki.identity("officer").key_pem
        args = ["--import", str(key), "--token", created.label, "--label", "officer", "--id", "01"]
        subprocess.run(
            ["softhsm2-util", *args, "--pin", created.pin], check=True, capture_output=True, env=os.environ.copy()
        )
    finally:
        if before is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = before
    return created


def agent_sign(token: softhsm.SoftHsmToken, data: bytes) -> bytes:
    """Sign `data` in a separate process holding the token session (as `sohoa sign-agent` will)."""
    env = {
        **os.environ,
        "SOFTHSM2_CONF": str(token.config),
        "AGENT_MODULE": str(token.module),
        "AGENT_TOKEN": token.label,
        "AGENT_PIN": token.pin,
        "AGENT_KEY": "officer",
    }
    done = subprocess.run([sys.executable, "-c", AGENT], input=data, capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.fixture(scope="module")
def signer(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> Iterator[SplitSigner]:
    officer = load_cert_from_pemder(str(pki.identity("officer").cert_pem))
    chain = [load_cert_from_pemder(str(pki.intermediate_cert))]
    with SplitSigner(officer, chain, settings, trust=trust) as split:
        yield split


@pytest.mark.parametrize("level", [SignatureLevel.B_LT, SignatureLevel.B_LTA])
def test_token_in_another_process_completes_the_level(
    signer: SplitSigner, token: softhsm.SoftHsmToken, trust: TrustSettings, tmp_path: Path, level: SignatureLevel
) -> None:
    stamp = officer_stamp("Nguyễn Thị Hồng Nhung", dt.datetime.now(dt.UTC), unit="UBND xã Hải Lăng")
    pending = signer.prepare(sample_pdf(2), level=level, stamp=stamp, reason="Số hóa từ bản giấy")
    shown = pending.shown_to_officer()
    assert shown["level"] == str(level) and len(shown["document_sha256"]) == 64
    stored = PendingSignature.from_json(pending.to_json())  # waits in a database between the halves
    assert stored == pending
    outcome = signer.finish(stored, agent_sign(token, stored.to_be_signed))
    assert outcome.level is level
    path = tmp_path / "split.pdf"
    path.write_bytes(outcome.pdf)
    report = validate_pdf(outcome.pdf, trust)
    assert report.verdict is Verdict.TOTAL_PASSED, report.model_dump()
    [sig] = report.signatures
    assert sig.pades_level is level and sig.signer_name == "Nguyễn Thị Hồng Nhung"
    assert sig.stamp_text is not None and "Người số hóa: Nguyễn Thị Hồng Nhung" in sig.stamp_text
    assert pdfsig_intact(path) == [True]


def test_a_wrong_signature_is_refused_and_the_request_stays_pending(
    signer: SplitSigner, token: softhsm.SoftHsmToken, trust: TrustSettings, tmp_path: Path
) -> None:
    pending = signer.prepare(sample_pdf(1), level=SignatureLevel.B_T)
    wrong = agent_sign(token, pending.to_be_signed + b"x")  # the token signed something else
    with pytest.raises(SigningError, match="does not match"):
        signer.finish(pending, wrong)
    with pytest.raises(SigningError):
        signer.finish(pending, b"\x00" * 256)
    outcome = signer.finish(pending, agent_sign(token, pending.to_be_signed))
    report = validate_pdf(outcome.pdf, trust)
    assert report.verdict is Verdict.TOTAL_PASSED and report.signatures[0].pades_level is SignatureLevel.B_T
    path = tmp_path / "late.pdf"
    path.write_bytes(outcome.pdf)
    assert pdfsig_intact(path) == [True]
