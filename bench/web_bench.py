"""Page-speed benchmark of the server-rendered pages at catalogue scale: 100,000 documents / 20,000 owners
(`bench.api_bench.prepare_catalogue`), `sohoa serve` on the embedded default, signed in through the development
sign-in. Each page's p95 over sequential requests, printed beside its anchor measured in the same run and
interleaved with it: the JSON API's same read (goal: every page p95 < 100 ms).

`python -m bench.web_bench [--documents 100000 --owners 20000 --requests 300]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.api_bench import AGENCY, PURPOSE, prepare_catalogue
from core.timezone import now_vn

PROCEDURE = "1.011442.000.00.00.H30"
DOSSIERS = 12  # dossiers of real stored PDFs the handler reads (their purposes ride in the session cookie)
PER_DOSSIER = 5


def _real_dossiers(data_dir: Path, owner_ids: list[str]) -> list[str]:
    """Dossiers whose documents are stored PDFs (the generated ones are catalogue rows only): the handler's pages
    validate and show them."""
    import os

    os.environ["SOHOA_DATA_DIR"] = str(data_dir)
    from bench.signing_sample import sample_pdf
    from core.types import Actor, Role
    from runtime import catalogue as runtime
    from vault.records import NewDocument

    vault = runtime.vault()
    station = Actor("bench-station", Role.STATION, agency_code=AGENCY)
    pdf = sample_pdf(2)
    codes = []
    day = (now_vn().date() - dt.timedelta(days=30)).strftime("%y%m%d")  # a day the generated dossiers leave free
    for number, owner in enumerate(owner_ids[:DOSSIERS], start=1):
        code = f"{AGENCY}-{day}-{number:04d}"
        dossier = vault.open_dossier(AGENCY, PROCEDURE, owner, station, code=code)
        for n in range(PER_DOSSIER):
            new = NewDocument(
                owner_id=owner, name=f"Thành phần {n + 1}", source_dossier_code=dossier.code, page_count=2
            )
            vault.store_document(new, pdf, station)
        codes.append(str(dossier.code))
    return codes


def _signed_in(url: str, role: str, **fields: str) -> httpx.Client:
    """A browser-like client signed in through the development sign-in form (its session cookie, its CSRF)."""
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    form = client.get("/dang-nhap").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf, "no CSRF token on the sign-in page"
    answer = client.post("/dang-nhap/phat-trien", data={"csrf": csrf.group(1), "role": role, "name": "Bench", **fields})
    assert answer.status_code == 303, answer.text[:500]
    return client


def _csrf(client: httpx.Client) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert match, "no CSRF token on the home page"
    return match.group(1)


def _p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20)[-1], 1)


def _pair(
    page: tuple[httpx.Client, list[str]], anchor: tuple[httpx.Client, list[str]], requests: int
) -> tuple[float, float]:
    """p95 ms of the page and of its anchor, requests interleaved (same load, same moment)."""
    timings: tuple[list[float], list[float]] = ([], [])
    for n in range(requests):
        for (client, paths), sink in ((page, timings[0]), (anchor, timings[1])):
            path = paths[n % len(paths)]
            start = time.perf_counter()
            answer = client.get(path)
            sink.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return _p95(timings[0]), _p95(timings[1])


def _bearer(url: str, token: str, purpose: bool = False) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} | ({"X-Purpose": PURPOSE} if purpose else {})
    return httpx.Client(base_url=url, timeout=60, headers=headers)


def _cold_indicators(admin: httpx.Client, api: httpx.Client, first: dt.date) -> tuple[float, float]:
    """The indicators counted once, before any cache: the page (six months) and the API for this month (ms)."""
    start = time.perf_counter()
    assert admin.get("/thong-ke").status_code == 200
    page_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    assert api.get(f"/api/v1/stats/digitisation?from={first}&to={now_vn().date()}").status_code == 200
    return round(page_ms), round((time.perf_counter() - start) * 1000)


def run(stack: Any, made: dict[str, Any], real: list[str], requests: int) -> list[tuple[str, float, str, float]]:
    from core.types import Role

    url = stack.url
    owner = made["owner_ids"][0]
    station = _signed_in(url, "station", agency=AGENCY)
    handler = _signed_in(url, "handler", agency=AGENCY)
    citizen = _signed_in(url, "citizen", owner=owner)
    admin = _signed_in(url, "admin", agency=AGENCY)
    public = httpx.Client(base_url=url, timeout=60)
    csrf = _csrf(handler)
    for code in real:  # the purpose, once per dossier, as a handler states it
        stated = handler.post(f"/ho-so/{code}/muc-dich", data={"csrf": csrf, "purpose": "giải quyết hồ sơ"})
        assert stated.status_code == 303, stated.text[:300]
    api_handler = _bearer(url, stack.token(Role.HANDLER, "cb-bench", agency=AGENCY), purpose=True)
    api_citizen = _bearer(url, stack.token(Role.CITIZEN, "cd-bench", owner=owner))
    api_admin = _bearer(url, stack.token(Role.ADMIN, "ad-bench"))
    codes = made["codes"][:: max(1, len(made["codes"]) // 500)]
    first = now_vn().date().replace(day=1)
    last_month = (first - dt.timedelta(days=1)).replace(day=1)
    one_month = f"/api/v1/stats/digitisation?from={last_month}&to={first - dt.timedelta(days=1)}"
    pairs = [
        ("/quay", (station, ["/quay"]), "GET /healthz", (public, ["/healthz"])),
        (
            "/ho-so/{code}",
            (handler, [f"/ho-so/{c}" for c in real]),
            "GET /api/v1/dossiers/{code}",
            (api_handler, [f"/api/v1/dossiers/{c}" for c in real]),
        ),
        ("/kho", (citizen, ["/kho"]), "GET /api/v1/me/documents", (api_citizen, ["/api/v1/me/documents"])),
        (
            "/thong-ke (6 months)",
            (admin, ["/thong-ke"]),
            "GET /api/v1/stats/digitisation (last month)",
            (api_admin, [one_month]),
        ),
        (
            "/tra-cuu/{code}",
            (public, [f"/tra-cuu/{quote(c)}" for c in codes]),
            "GET /api/v1/public/dossiers/{code}/status",
            (public, [f"/api/v1/public/dossiers/{quote(c)}/status" for c in codes]),
        ),
    ]
    cold = _cold_indicators(admin, api_admin, first)
    rows = []
    for name, page, anchor_name, anchor in pairs:
        _pair(page, anchor, 10)  # warm-up, not measured: caches (validation reports), compiled statements, pools
        page_p95, anchor_p95 = _pair(page, anchor, requests)
        rows.append((name, page_p95, anchor_name, anchor_p95))
    print(f"indicators counted cold: page (6 months) {cold[0]} ms, API (this month) {cold[1]} ms")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--owners", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    from tests.support.stack import SohoaStack

    with tempfile.TemporaryDirectory(prefix="sohoa-web-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        started = time.perf_counter()
        made = prepare_catalogue(data_dir, args.owners, args.documents, blobs=0)
        real = _real_dossiers(data_dir, made["owner_ids"])
        print(f"catalogued {args.documents} documents / {args.owners} owners in {time.perf_counter() - started:.0f} s")
        stack = SohoaStack(data_dir, {}, development_sign_in=True)
        stack.start_server()
        try:
            rows = run(stack, made, real, args.requests)
        finally:
            stack.stop()
    print(f"{'page':<24}{'p95 ms':>8}   {'anchor (same run, interleaved)':<48}{'p95 ms':>8}{'ratio':>7}")
    for name, page_p95, anchor_name, anchor_p95 in rows:
        ratio = page_p95 / anchor_p95 if anchor_p95 else float("inf")
        print(f"{name:<24}{page_p95:>8}   {anchor_name:<48}{anchor_p95:>8}{ratio:>7.2f}")
    verdict = "OK" if all(page_p95 < 100 for _, page_p95, _, _ in rows) else "MISSED"
    print(f"goal: every page p95 < 100 ms: {verdict}")
    print(json.dumps({"rows": rows}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
