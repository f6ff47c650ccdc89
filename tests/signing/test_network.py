"""Network behaviour: a TSA that fails once (503) is retried; a TSA that never answers times out."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.errors import TimestampUnavailableError
from signing.identity import load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.support.pki import RunningPki


class FlakyTsa(ThreadingHTTPServer):
    """Answers the first POST with 503, then forwards requests to the real TSA."""

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.posts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/tsa"


class _Handler(BaseHTTPRequestHandler):
    server: FlakyTsa

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.posts += 1
        if self.server.posts == 1:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = urllib.request.Request(
            self.server.upstream, data=body, headers={"Content-Type": "application/timestamp-query"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            payload = answer.read()
            kind = answer.headers["Content-Type"]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def flaky_tsa(pki: RunningPki) -> Iterator[FlakyTsa]:
    server = FlakyTsa(pki.tsa_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_tsa_failure_is_retried(
    flaky_tsa: FlakyTsa, pki: RunningPki, settings: SigningSettings, trust: TrustSettings
) -> None:
    identity = load_pkcs12(pki.identity("officer").p12, pki.password)
    with DocumentSigner(identity, settings, tsa_url=flaky_tsa.url, trust=trust) as signer:
        signed = signer.sign(sample_pdf(1), level=SignatureLevel.B_T)
    assert flaky_tsa.posts >= 2, "the 503 answer must have been retried"
    report = validate_pdf(signed, trust, settings)
    assert report.verdict is Verdict.TOTAL_PASSED
    assert report.signatures[0].pades_level is SignatureLevel.B_T


class SilentTsa(ThreadingHTTPServer):
    """Accepts connections and never answers in time."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Silent)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/tsa"


class _Silent(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        time.sleep(30)

    def log_message(self, format: str, *args: object) -> None:
        return


def test_silent_tsa_times_out(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> None:
    server = SilentTsa()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    quick = settings.model_copy(update={"network_timeout": 0.5, "network_retries": 1, "retry_backoff": 0.1})
    identity = load_pkcs12(pki.identity("officer").p12, pki.password)
    started = time.monotonic()
    try:
        with (
            DocumentSigner(identity, quick, tsa_url=server.url, trust=trust) as signer,
            pytest.raises(TimestampUnavailableError),
        ):
            signer.sign(sample_pdf(1), level=SignatureLevel.B_T)
    finally:
        server.shutdown()
        server.server_close()
    assert time.monotonic() - started < 10, "two attempts of 0.5 s each, not the server's 30 s"
