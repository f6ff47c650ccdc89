"""Split-signing benchmark: server time per document of the real flow (the pipeline's prepare step: stamp,
placeholder, signed attributes, the pending file in staging and the request row; the API's check of the
returned value and its row update; the continuation: CMS embedding, signature timestamp, B-LT/B-LTA completion,
signed.pdf written) beside the pipeline's one-step signing of the same PDF at the same level, in one run.

Run: `.venv/bin/python -m bench.split_bench [--docs N] [--level B-T]` (starts the test PKI on loopback, a private
SQLite catalogue). The officer's token is simulated in-process with the officer's key; its signing time is not
server time and is excluded from the split figure.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _catalogue(work: Path, docs: int) -> Any:
    from ingest import batches
    from tests.support.jobs import catalogue_with_batch

    planned = [batches.PlannedDocument(f"Giấy tờ {n}", "GT", "component", [0]) for n in range(docs)]
    staging = str(work / "staging")
    return catalogue_with_batch(work, planned, batch_id="bench", submitted_by="nhung", staging_dir=staging)


def _job(work: Path, index: int, pdf: bytes) -> Any:
    from ingest.staging import FolderBatch
    from tests.support.jobs import document_job

    staged = FolderBatch(work / "staging")
    name = f"Giấy tờ {index}"
    job = document_job(staged, batch_id="bench", index=index, name=name, type_code="GT", submitted_by="nhung")
    job.write("ocr.pdf", pdf)
    summary = {"page_count": 10, "text": "", "fields": {}, "issues": []}
    job.write("ocr.json", json.dumps(summary).encode())
    return job


def run(docs: int, level_name: str) -> dict[str, object]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from pyhanko.keys import load_cert_from_pemder

    from bench.signing_sample import sample_pdf
    from core.types import SignatureLevel
    from ingest import signature_requests as requests
    from ingest.awaiting import AwaitingSignature, run_split_signing
    from ingest.pipeline import run_signing
    from signing.identity import load_pkcs12
    from signing.settings import SigningSettings
    from signing.sign import DocumentSigner
    from signing.split import SplitSigner, signature_value_problem
    from signing.trust import TrustSettings
    from tests.support.pki import start_pki

    level = SignatureLevel(level_name)
    work = Path(tempfile.mkdtemp(prefix="split-bench-"))
    (work / "staging").mkdir()
    pki = start_pki(work / "pki")
    name, ttl = "Nguyễn Thị Hồng Nhung", dt.timedelta(hours=1)
    try:
        settings = SigningSettings(tsa_url=pki.tsa_url, trust_dir=pki.trust_dir, font_cache_dir=work / "fonts")
        trust = TrustSettings(anchors=(pki.root_cert,), use_configured=False)
        officer = pki.identity("officer")
        key = serialization.load_pem_private_key(officer.key_pem.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        cert = load_cert_from_pemder(str(officer.cert_pem))
        chain = [load_cert_from_pemder(str(pki.intermediate_cert))]
        pdf = sample_pdf(10)
        sessions = _catalogue(work, 2 * (docs + 2))
        one: list[float] = []
        split: list[float] = []
        answer: list[float] = []
        with (
            DocumentSigner(load_pkcs12(officer.p12, pki.password), settings, trust=trust) as single,
            SplitSigner(cert, chain, settings, trust=trust) as two,
        ):
            for n in range(docs + 2):  # the first two warm up (font, session, revocation check)
                job_one, job_split = _job(work, 2 * n, pdf), _job(work, 2 * n + 1, pdf)
                start = time.perf_counter()
                run_signing(job_one, single, level, name, unit="UBND xã Hải Lăng")
                one_ms = (time.perf_counter() - start) * 1000
                start = time.perf_counter()
                with contextlib.suppress(AwaitingSignature):  # prepared: waits for the officer's token
                    run_split_signing(job_split, two, level, name, sessions, ttl, unit="UBND xã Hải Lăng")
                prepared = time.perf_counter()
                with sessions() as session:
                    [waiting] = [r for r in requests.list_for(session, "nhung") if r.index == job_split.index]
                value = key.sign(waiting.to_be_signed, padding.PKCS1v15(), hashes.SHA256())  # the officer's PC
                resumed = time.perf_counter()
                with sessions.begin() as session:  # the API's answer: value checked, row updated
                    row = requests.own(session, waiting.id, "nhung")
                    assert row is not None
                    requests.submit(session, row, value, signature_value_problem)
                answered = time.perf_counter()
                run_split_signing(job_split, two, level, name, sessions, ttl, unit="UBND xã Hải Lăng")
                split_ms = ((prepared - start) + (time.perf_counter() - resumed)) * 1000
                if n >= 2:
                    one.append(one_ms)
                    split.append(split_ms)
                    answer.append((answered - resumed) * 1000)
    finally:
        pki.stop()
    one_med, split_med = statistics.median(one), statistics.median(split)
    return {
        "level": level_name,
        "docs": docs,
        "one_step_ms": round(one_med, 1),
        "split_server_ms": round(split_med, 1),
        "added_ms": round(split_med - one_med, 1),
        "api_answer_ms": round(statistics.median(answer), 1),  # value check + one commit, part of the split figure
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
