"""A real test PKI for signing tests: keys, a certomancer config, its animator serving OCSP, CRLs, timestamps.

Root → intermediate → officer, agency, revoked and expired signers; an OCSP responder (ocsp_no_check) and a
TSA (critical timeStamping) with CRL repositories, all served over HTTP on a free loopback port.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signing.identity import load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings

ARCH = "sohoa-test"
P12_PASSWORD = "sohoa-test-password"
SIGNER_LABELS = ("officer", "officer2", "agency", "revoked", "expired", "brief")
# the "brief" signer's certificate ends this long after the PKI is built: sign with it, then see it expire
BRIEF_LIFETIME = dt.timedelta(seconds=45)
KEY_LABELS = ("root", "interm", "interm-ocsp", "tsa", *SIGNER_LABELS)

SUBJECTS: dict[str, dict[str, str]] = {
    "root": {"common-name": "Sohoa Test Root CA"},
    "interm": {"common-name": "Sohoa Test Issuing CA"},
    "interm-ocsp": {"common-name": "Sohoa Test OCSP Responder"},
    "tsa": {"common-name": "Sohoa Test Time Stamping Authority"},
    "officer": {"organizational-unit-name": "Bộ phận Một cửa", "common-name": "Nguyễn Thị Hồng Nhung"},
    "officer2": {"organizational-unit-name": "Bộ phận Một cửa", "common-name": "Trần Văn Bình"},
    "agency": {"organizational-unit-name": "Văn phòng", "common-name": "Ủy ban nhân dân tỉnh Quảng Trị"},
    "revoked": {"organizational-unit-name": "Bộ phận Một cửa", "common-name": "Trần Văn Bị Thu Hồi"},
    "expired": {"organizational-unit-name": "Bộ phận Một cửa", "common-name": "Lê Văn Hết Hạn"},
    "brief": {"organizational-unit-name": "Bộ phận Một cửa", "common-name": "Phạm Thị Ngắn Hạn"},
}


@dataclass(frozen=True)
class PkiIdentity:
    """One signer of the test PKI: PKCS#12 file (password `P12_PASSWORD`), key and certificate PEM files."""

    label: str
    p12: Path
    key_pem: Path
    cert_pem: Path
    common_name: str


@dataclass
class RunningPki:
    """A running test PKI: folders, URLs, the root as trust anchor, and every signer identity."""

    root_dir: Path
    port: int
    root_cert: Path
    intermediate_cert: Path
    tsa_cert: Path
    identities: dict[str, PkiIdentity] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/{ARCH}/tsa/tsa"

    @property
    def trust_dir(self) -> Path:
        return self.root_cert.parent

    @property
    def password(self) -> str:
        return P12_PASSWORD

    def identity(self, label: str) -> PkiIdentity:
        return self.identities[label]

    def trust(self) -> TrustSettings:
        """Trust in this PKI's root alone (no configured anchors)."""
        return TrustSettings(anchors=(self.root_cert,), use_configured=False)

    def signing_settings(self, font_cache_dir: Path, **more: Any) -> SigningSettings:
        """Signing on this PKI: its TSA and trust folder, a short network timeout (5 s, one retry), and `more`."""
        return SigningSettings(
            tsa_url=self.tsa_url,
            trust_dir=self.trust_dir,
            font_cache_dir=font_cache_dir,
            network_timeout=5.0,
            network_retries=1,
            **more,
        )

    def signer(self, label: str, font_cache_dir: Path) -> DocumentSigner:
        """A DocumentSigner on the identity `label`, with `signing_settings` and `trust`; the caller closes it."""
        identity = load_pkcs12(self.identity(label).p12, self.password)
        return DocumentSigner(identity, self.signing_settings(font_cache_dir), trust=self.trust())

    def start(self, timeout: float = 30.0) -> None:
        """Start the animator (OCSP, CRLs, TSA) on its port, on the keys and config `start_pki` wrote; wait for it."""
        log = (self.root_dir / "animator.log").open("ab")
        command = [certomancer_executable(), "--config", str(self.root_dir / "certomancer.yml")]
        command += ["--key-root", str(self.root_dir / "keys"), "animate", "--port", str(self.port), "--no-web-ui"]
        self.process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root_dir,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        _wait_until_serving(self, timeout)

    def stop(self) -> None:
        """Stop the animator (only the process this object started)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _validity(start: dt.datetime, end: dt.datetime) -> dict[str, str]:
    return {"valid-from": _stamp(start), "valid-to": _stamp(end)}


def _key_usage(*usages: str) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(usages)},
    }


def _crl_dp(repo: str) -> dict[str, Any]:
    return {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}},
    }


def _aia(responder: str) -> dict[str, Any]:
    return {
        "id": "authority_information_access",
        "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": [responder]}},
    }


def _ocsp_validity(period: dt.timedelta | None) -> dict[str, Any]:
    return {"validity-period": {"seconds": period.total_seconds()}} if period else {}


def build_config(
    port: int, now: dt.datetime | None = None, ocsp_validity: dt.timedelta | None = None
) -> dict[str, Any]:
    """The certomancer configuration (as a dict) for a PKI whose services answer on `port`; the "brief" signer's
    certificate expires `BRIEF_LIFETIME` after `now`; OCSP answers stay fresh `ocsp_validity` (certomancer: 10 min)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    year = dt.timedelta(days=365)
    leaf_ext = [_key_usage("digital_signature", "non_repudiation"), _crl_dp("interm"), _aia("interm")]
    ca_ext = [_key_usage("digital_signature", "key_cert_sign", "crl_sign")]
    certs: dict[str, Any] = {
        "root": {
            "subject": "root",
            "subject-key": "root",
            "issuer": "root",
            "authority-key": "root",
            "validity": _validity(now - 2 * year, now + 20 * year),
            "extensions": [{"id": "basic_constraints", "critical": True, "value": {"ca": True}}, *ca_ext],
        },
        "interm": {
            "issuer": "root",
            "validity": _validity(now - 2 * year, now + 10 * year),
            "extensions": [
                {
                    "id": "basic_constraints",
                    "critical": True,
                    "value": {"ca": True, "path-len-constraint": 0},
                },
                *ca_ext,
                _crl_dp("root"),
            ],
        },
        "interm-ocsp": {
            "issuer": "interm",
            "validity": _validity(now - 2 * year, now + 10 * year),
            "extensions": [
                _key_usage("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},
            ],
        },
        "tsa": {
            "issuer": "root",
            "validity": _validity(now - 2 * year, now + 10 * year),
            "extensions": [
                _key_usage("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                _crl_dp("root"),
            ],
        },
        "officer": {
            "issuer": "interm",
            "validity": _validity(now - year, now + 3 * year),
            "extensions": leaf_ext,
        },
        "officer2": {
            "issuer": "interm",
            "validity": _validity(now - year, now + 3 * year),
            "extensions": leaf_ext,
        },
        "agency": {
            "issuer": "interm",
            "validity": _validity(now - year, now + 3 * year),
            "extensions": leaf_ext,
        },
        "revoked": {
            "issuer": "interm",
            "validity": _validity(now - year, now + 3 * year),
            "extensions": leaf_ext,
            "revocation": {"revoked-since": _stamp(now - dt.timedelta(days=30)), "reason": "key_compromise"},
        },
        "expired": {
            "issuer": "interm",
            "validity": _validity(now - 3 * year, now - year),
            "extensions": leaf_ext,
        },
        "brief": {
            "issuer": "interm",
            "validity": _validity(now - dt.timedelta(days=1), now + BRIEF_LIFETIME),
            "extensions": leaf_ext,
        },
    }
    # Serials of their own per PKI: certificates are registered by issuer name and serial, and every test PKI has the
    # same names, so with certomancer's default serials two PKIs in one process (anchors of another, left in a
    # cached setting) would shadow each other's root and fail revocation checks at random (CI, 30 Nov).
    base = secrets.randbits(62) << 8
    for index, spec in enumerate(certs.values()):
        spec["serial"] = base + index
    return {
        "external-url-prefix": f"http://127.0.0.1:{port}",
        "keysets": {ARCH: {"keys": {label: {"path": f"{label}.key.pem"} for label in KEY_LABELS}}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN", "organization-name": "Sohoa Test PKI"},
                "entities": SUBJECTS,
                "certs": certs,
                "services": {
                    "ocsp": {
                        "interm": {
                            "for-issuer": "interm",
                            "responder-cert": "interm-ocsp",
                            "signing-key": "interm-ocsp",
                            **_ocsp_validity(ocsp_validity),
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P90D",
                        },
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P7D",
                        },
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


def write_keys(key_dir: Path) -> None:
    """RSA-2048 keys for every entity, unencrypted PEM (certomancer does not generate keys)."""
    key_dir.mkdir(parents=True, exist_ok=True)
    for label in KEY_LABELS:
        target = key_dir / f"{label}.key.pem"
        if target.exists():
            continue
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        target.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def certomancer_executable() -> str:
    local = Path(sys.executable).parent / "certomancer"
    if local.exists():
        return str(local)
    found = shutil.which("certomancer")
    if found is None:
        raise RuntimeError("certomancer is not installed (pip install 'certomancer[web-api,pkcs11]')")
    return found


def _export_material(pki: RunningPki, config_path: Path, key_dir: Path) -> None:
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig

    arch = CertomancerConfig.from_file(str(config_path), key_search_dir=str(key_dir)).get_pki_arch(ArchLabel(ARCH))
    for label, target in (("root", pki.root_cert), ("interm", pki.intermediate_cert), ("tsa", pki.tsa_cert)):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_pem(arch.get_cert(CertLabel(label)).dump()))
    ident_dir = pki.root_dir / "identities"
    ident_dir.mkdir(parents=True, exist_ok=True)
    for label in SIGNER_LABELS:
        p12 = ident_dir / f"{label}.p12"
        p12.write_bytes(arch.package_pkcs12(CertLabel(label), password=P12_PASSWORD.encode()))
        cert_pem = ident_dir / f"{label}.cert.pem"
        cert_pem.write_bytes(_pem(arch.get_cert(CertLabel(label)).dump()))
        pki.identities[label] = PkiIdentity(
            label=label,
            p12=p12,
            key_pem=key_dir / f"{label}.key.pem",
            cert_pem=cert_pem,
            common_name=SUBJECTS[label]["common-name"],
        )


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return bytes(pem.armor("CERTIFICATE", der))


def _wait_until_serving(pki: RunningPki, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"{pki.base_url}/{ARCH}/crls/interm/latest.crl"
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if pki.process is not None and pki.process.poll() is not None:
            raise RuntimeError(f"certomancer animator exited with code {pki.process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last_error = exc
        time.sleep(0.1)
    pki.stop()
    raise RuntimeError(f"certomancer animator did not answer on {url}: {last_error}")


def pki_fixture(root_dir: Path) -> Iterator[RunningPki]:
    """A PKI started under `root_dir`, for a fixture to yield from; stopped when the fixture is torn down."""
    running = start_pki(root_dir)
    try:
        yield running
    finally:
        running.stop()


def start_pki(
    root_dir: Path, port: int | None = None, timeout: float = 30.0, ocsp_validity: dt.timedelta | None = None
) -> RunningPki:
    """Create keys, config and PKCS#12 files under `root_dir`, start the animator, wait until it answers."""
    port = port or free_port()
    key_dir = root_dir / "keys"
    write_keys(key_dir)
    config_path = root_dir / "certomancer.yml"
    config = build_config(port, ocsp_validity=ocsp_validity)
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    pki = RunningPki(
        root_dir=root_dir,
        port=port,
        root_cert=root_dir / "trust" / "root.pem",
        intermediate_cert=root_dir / "certs" / "intermediate.pem",
        tsa_cert=root_dir / "certs" / "tsa.pem",
    )
    _export_material(pki, config_path, key_dir)
    pki.start(timeout)
    return pki
