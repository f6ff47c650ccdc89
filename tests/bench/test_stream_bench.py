"""`bench.stream_bench`'s own arithmetic and its raw client: the time to a reply's first byte is taken when the
head arrives, and its median per read is printed beside the whole read's (issue #17: what comes before the body)."""

from __future__ import annotations

import socket
import threading
import time

from bench.stream_bench import RawClient, summary

BODY = b"%PDF-1.7\n" + bytes(300_000)


def _serve_once(listener: socket.socket, delay: float) -> None:
    """Answer one GET: the head, then the body after `delay` seconds, in two writes."""
    connection, _ = listener.accept()
    with connection:
        request = b""
        while b"\r\n\r\n" not in request:
            request += connection.recv(4096)
        connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(BODY)}\r\n\r\n".encode())
        time.sleep(delay)
        connection.sendall(BODY)


def test_raw_client_times_the_first_byte_apart_from_the_whole_reply() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        server = threading.Thread(target=_serve_once, args=(listener, 0.05))
        server.start()
        client = RawClient(f"http://127.0.0.1:{listener.getsockname()[1]}", {"X-Test": "1"})
        try:
            started = time.perf_counter()
            assert client.get("/api/v1/documents/x/content") == len(BODY)
            whole = time.perf_counter() - started
        finally:
            client.close()
            server.join()
    assert 0 < client.first_byte_s < 0.05 <= whole  # the head came before the body's delay; the read waited for it


def _round(
    store_s: float, raw_s: float, first_s: float, reads: int = 4, size: int = 1_000_000
) -> dict[str, list[float]]:
    total = reads * size
    return {
        "store": [total, store_s],
        "raw": [total, raw_s],
        "httpx": [total, raw_s * 1.5],
        "first_byte": [0, first_s],
        "range": [reads * 5, 0.01],
        "range_full": [reads, store_s],
        "cpu_store": [0, 0.004],
        "cpu_server": [0, 0.006],
        "cpu_client": [0, 0.001],
    }


def test_summary_prints_the_first_byte_per_read_beside_the_ratios() -> None:
    rounds = [_round(0.008, 0.010, 0.006), _round(0.008, 0.012, 0.008), _round(0.010, 0.010, 0.007)]
    result = summary("local", rounds, 1_000_000)
    assert result["raw_first_byte_ms"] == 1.75  # median of 1.5, 2.0, 1.75 ms per read
    assert result["raw_read_ms"] == 2.5  # median of the rounds' 2.5, 3.0, 2.5 ms per read
    assert "first_byte_mb_s" not in result  # a time, not a rate
    assert result["raw_ratio"] == round(result["raw_mb_s"] / result["store_mb_s"], 2)
