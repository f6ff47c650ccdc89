"""Split-signing benchmark: server time per document (prepare + finish: stamp, placeholder, signed attributes,
CMS embedding, signature timestamp) beside one-step signing of the same PDF at the same level, in one run.

Run: `.venv/bin/python -m bench.split_bench [--docs N] [--level B-T]` (starts the test PKI on loopback). The
officer's token is simulated in-process with the officer's key; its signing time is not server time and is
excluded from the split figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path


def run(docs: int, level_name: str) -> dict[str, object]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from pyhanko.keys import load_cert_from_pemder

    from bench.signing_sample import sample_pdf
    from core.types import SignatureLevel
    from signing.identity import load_pkcs12
    from signing.settings import SigningSettings
    from signing.sign import DocumentSigner
    from signing.split import SplitSigner
    from signing.stamps import officer_stamp
    from signing.trust import TrustSettings
    from tests.support.pki import start_pki

    level = SignatureLevel(level_name)
    work = Path(tempfile.mkdtemp(prefix="split-bench-"))
    pki = start_pki(work / "pki")
    try:
        settings = SigningSettings(tsa_url=pki.tsa_url, trust_dir=pki.trust_dir, font_cache_dir=work / "fonts")
        trust = TrustSettings(anchors=(pki.root_cert,), use_configured=False)
        officer = pki.identity("officer")
        key = serialization.load_pem_private_key(officer.key_pem.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        cert = load_cert_from_pemder(str(officer.cert_pem))
        chain = [load_cert_from_pemder(str(pki.intermediate_cert))]
        pdf = sample_pdf(10)
        one: list[float] = []
        split: list[float] = []
        with (
            DocumentSigner(load_pkcs12(officer.p12, pki.password), settings, trust=trust) as single,
            SplitSigner(cert, chain, settings, trust=trust) as two,
        ):
            for n in range(docs + 2):  # the first two warm up (font, session, revocation check)
                stamp = officer_stamp("Nguyễn Thị Hồng Nhung", dt.datetime.now(dt.UTC), unit="UBND xã Hải Lăng")
                start = time.perf_counter()
                single.sign(pdf, level=level, stamp=stamp)
                one_ms = (time.perf_counter() - start) * 1000
                start = time.perf_counter()
                pending = two.prepare(pdf, level=level, stamp=stamp)
                prepared = time.perf_counter()
                value = key.sign(pending.to_be_signed, padding.PKCS1v15(), hashes.SHA256())  # the officer's PC
                resumed = time.perf_counter()
                two.finish(pending, value)
                split_ms = ((prepared - start) + (time.perf_counter() - resumed)) * 1000
                if n >= 2:
                    one.append(one_ms)
                    split.append(split_ms)
    finally:
        pki.stop()
    one_med, split_med = statistics.median(one), statistics.median(split)
    return {
        "level": level_name,
        "docs": docs,
        "one_step_ms": round(one_med, 1),
        "split_server_ms": round(split_med, 1),
        "added_ms": round(split_med - one_med, 1),
        "target_added_ms": 50,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--level", default="B-T")
    args = parser.parse_args()
    print(json.dumps(run(args.docs, args.level)))


if __name__ == "__main__":
    main()
