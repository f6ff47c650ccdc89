"""Signing benchmark: documents/s per PAdES level for a 10-page PDF, validation time, and sohoa's overhead
over the best bare pyHanko script (key parsed once, font prepared once, TSA client and context reused).

Run: `.venv/bin/python -m bench.signing_bench [--docs N]` (starts the test PKI from tests/support on loopback).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from bench.signing_sample import sample_pdf

LEVELS = ("B-B", "B-B+stamp", "B-T", "B-LT", "B-LTA")


class AnchorSigner:
    """The bare pyHanko anchor: everything expensive prepared once, one event loop, one HTTP session."""

    def __init__(self, p12: Path, password: str, tsa_url: str, root: Path, font: Path) -> None:
        import aiohttp
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from pyhanko.keys import load_cert_from_pemder
        from pyhanko.sign import signers
        from pyhanko.sign.general import get_pyca_cryptography_hash
        from pyhanko.sign.timestamps import HTTPTimeStamper
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

        plain = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=password.encode())
        key = serialization.load_der_private_key(plain.signing_key.dump(), password=None)
        assert isinstance(key, RSAPrivateKey)
        rsa_key: RSAPrivateKey = key

        class KeyOnce(signers.SimpleSigner):
            def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
                return rsa_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

        self.signer = KeyOnce(plain.signing_cert, plain.signing_key, plain.cert_registry)
        self.loop = asyncio.new_event_loop()

        async def make_session() -> aiohttp.ClientSession:
            return aiohttp.ClientSession()

        self.session = self.loop.run_until_complete(make_session())
        self.stamper = HTTPTimeStamper(tsa_url, timeout=10, session=self.session)
        self.context = ValidationContext(
            trust_roots=[load_cert_from_pemder(str(root))],
            allow_fetching=True,
            fetcher_backend=AIOHttpFetcherBackend(session=self.session, per_request_timeout=10),
        )
        self.font = font

    def style(self) -> Any:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.stamp import TextStampStyle

        return TextStampStyle(
            stamp_text="Người số hóa:\nNguyễn Thị Hồng Nhung\nThời gian số hóa: %(ts)s",
            text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(self.font), font_size=10), font_size=10),
            timestamp_format="%Y-%m-%dT%H:%M:%S%z",
        )

    def sign(self, pdf: bytes, level: str) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        visible = level == "B-B+stamp"
        meta = signers.PdfSignatureMetadata(
            field_name="Sig1",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=level in ("B-LT", "B-LTA"),
            use_pades_lta=level == "B-LTA",
            validation_context=self.context if level in ("B-LT", "B-LTA") else None,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            self.signer,
            timestamper=self.stamper if level in ("B-T", "B-LT", "B-LTA") else None,
            stamp_style=self.style() if visible else None,
            new_field_spec=fields.SigFieldSpec("Sig1", on_page=0, box=(28, 754, 218, 814) if visible else None),
        )
        out = BytesIO()
        self.loop.run_until_complete(
            pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf), strict=False), output=out)
        )
        return out.getvalue()

    def close(self) -> None:
        self.loop.run_until_complete(self.session.close())
        self.loop.close()


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _interleaved(a: Callable[[], object], b: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median ms of a and b, run alternately so machine noise hits both alike."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(runs):
        for fn, acc in ((a, ta), (b, tb)):
            start = time.perf_counter()
            fn()
            acc.append((time.perf_counter() - start) * 1000)
    return statistics.median(ta), statistics.median(tb)


def run(docs: int) -> list[dict[str, Any]]:
    from core.types import SignatureLevel
    from signing.identity import load_pkcs12
    from signing.settings import SigningSettings
    from signing.sign import DocumentSigner
    from signing.stamps import officer_stamp
    from signing.trust import TrustSettings
    from signing.validate import validate_pdf
    from tests.support.pki import start_pki

    work = Path(tempfile.mkdtemp(prefix="sohoa-signing-bench-"))
    pki = start_pki(work / "pki")
    rows: list[dict[str, Any]] = []
    try:
        settings = SigningSettings(tsa_url=pki.tsa_url, trust_dir=pki.trust_dir, font_cache_dir=work / "fonts")
        trust = TrustSettings(anchors=(pki.root_cert,), use_configured=False)
        officer = pki.identity("officer")
        sohoa = DocumentSigner(load_pkcs12(officer.p12, pki.password), settings, trust=trust)
        anchor = AnchorSigner(officer.p12, pki.password, pki.tsa_url, pki.root_cert, sohoa.font_path())
        pdf = sample_pdf(10)
        scan = dt.datetime.now(dt.UTC)
        try:
            for label in LEVELS:
                level = SignatureLevel(label.split("+")[0])
                stamp = officer_stamp("Nguyễn Thị Hồng Nhung", scan) if "stamp" in label else None

                def ours(level: SignatureLevel = level, stamp: Any = stamp) -> bytes:
                    return sohoa.sign(pdf, level=level, stamp=stamp)

                def theirs(label: str = label) -> bytes:
                    return anchor.sign(pdf, label)

                ours(), theirs()  # warm-up: revocation check, font, connections
                ours_ms, anchor_ms = _interleaved(ours, theirs, docs)
                signed = ours()

                def check(signed: bytes = signed) -> object:
                    return validate_pdf(signed, trust, settings)

                validate_ms = _median_ms(check, max(3, docs // 3))
                rows.append(
                    {
                        "level": label,
                        "sohoa_ms": ours_ms,
                        "anchor_ms": anchor_ms,
                        "docs_per_s": 1000 / ours_ms,
                        "overhead": ours_ms / anchor_ms - 1,
                        "validate_ms": validate_ms,
                    }
                )
        finally:
            anchor.close()
            sohoa.close()
    finally:
        pki.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20, help="documents signed per level and per signer")
    args = parser.parse_args()
    rows = run(args.docs)
    print(f"10-page PDF, {args.docs} documents per level, median per document (interleaved sohoa/anchor runs)")
    print(f"{'level':<10} {'sohoa ms':>9} {'docs/s':>7} {'anchor ms':>10} {'overhead':>9} {'validate ms':>12}")
    for row in rows:
        print(
            f"{row['level']:<10} {row['sohoa_ms']:>9.1f} {row['docs_per_s']:>7.1f} {row['anchor_ms']:>10.1f}"
            f" {row['overhead']:>+8.1%} {row['validate_ms']:>12.1f}"
        )
    worst = max(row["overhead"] for row in rows)
    print(f"worst overhead {worst:+.1%} (target <= +10%)")


if __name__ == "__main__":
    main()
