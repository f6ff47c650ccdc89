"""`sohoa token` mints development JWTs; `sohoa upload` sends a scanned batch from a station, `sohoa status` shows it
later; `sohoa choose` answers for a paper scanned again, `sohoa rescan` replaces a page in place.

`sohoa serve` (the API on the configured world) is in `runtime.cli`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from core.types import Role

if TYPE_CHECKING:
    from api.client import StationClient


def token(
    role: Annotated[Role, typer.Option(help="station, handler, citizen, portal or admin")],
    sub: Annotated[str, typer.Option(help="Subject: station id, officer id, citizen id, portal id")],
    agency: Annotated[str | None, typer.Option(help="Agency code (stations and handlers)")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner id (citizens)")] = None,
    hours: Annotated[float, typer.Option(help="Lifetime in hours")] = 8.0,
    name: Annotated[str | None, typer.Option(help="Display name (`name` claim): an officer's certificate CN")] = None,
) -> None:
    """Print a development bearer token that the embedded default accepts."""
    import datetime as dt

    from api.settings import api_settings
    from api.tokens import TokenError, mint_development_token
    from core.settings import core_settings

    try:
        minted = mint_development_token(
            api_settings(),
            core_settings(),
            role=role,
            subject=sub,
            agency_code=agency,
            owner_id=owner,
            lifetime=dt.timedelta(hours=hours),
            name=name,
        )
    except TokenError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(minted)


CHOICES = ("reuse", "new_version", "new_document")


def local_server(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """The `sohoa serve` of this machine: loopback on `SOHOA_API_PORT` (the port `sohoa serve` listens on), 8000
    when that is unset or not a port number."""
    port = environ.get("SOHOA_API_PORT", "").strip()
    return f"http://127.0.0.1:{port if port.isdigit() and 0 < int(port) < 65536 else 8000}"


# The station commands' shared options (`upload`, `status`, `choose`; the server also for `sign-agent`).
DEFAULT_SERVER = local_server()
Server = Annotated[str, typer.Option(envvar="SOHOA_SERVER", help="Địa chỉ máy chủ sohoa (sohoa server URL)")]
StationToken = Annotated[
    str | None, typer.Option(envvar="SOHOA_TOKEN", help="Mã truy cập của trạm quét (station bearer token)")
]
Follow = Annotated[bool, typer.Option(help="Theo dõi lô đến khi xong (follow the batch until it is done)")]


def _quiet_http() -> None:
    """No "HTTP Request:" line per call on the officer's terminal."""
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def status(
    batch: Annotated[str, typer.Argument(help="Mã lô, do `sohoa upload` in ra (the batch id)")],
    server: Server = DEFAULT_SERVER,
    token: StationToken = None,
    wait: Follow = False,
) -> None:
    """Xem các tài liệu của một lô; mã thoát như upload, 5 khi lô còn chạy (a batch's documents; exit 5: running)."""
    _quiet_http()
    _station_call(server, token, lambda client: client.follow(batch) if wait else client.batch(batch))


def choose(
    batch: Annotated[str, typer.Argument(help="Mã lô (the batch id)")],
    number: Annotated[int, typer.Argument(min=1, help="Số thứ tự của tài liệu trong lô: 1, 2, … (its number)")],
    choice: Annotated[
        str, typer.Argument(help="reuse (dùng lại), new_version (phiên bản mới) hoặc new_document (giấy tờ mới)")
    ],
    server: Server = DEFAULT_SERVER,
    token: StationToken = None,
    wait: Follow = True,
) -> None:
    """Giấy tờ đã có trong kho được quét lại: dùng lại, phiên bản mới hay giấy tờ mới (a paper scanned again)."""
    _quiet_http()
    if choice not in CHOICES:
        typer.echo(f"error: {choice!r} is not a choice: reuse, new_version or new_document", err=True)
        raise typer.Exit(2)

    def chosen(client: StationClient) -> dict[str, Any]:
        state = client.choose(batch, number - 1, choice)
        return client.follow(batch) if wait else state

    _station_call(server, token, chosen)


def rescan(
    document: Annotated[str, typer.Argument(help="Mã tài liệu, do `sohoa upload` in ra (the document id)")],
    page: Annotated[int, typer.Argument(min=1, help="Số trang cần thay: 1, 2, … (the page number)")],
    scan: Annotated[Path, typer.Argument(help="Bản quét mới của trang đó (the new scan of that page)")],
    server: Server = DEFAULT_SERVER,
    token: StationToken = None,
    wait: Follow = True,
) -> None:
    """Thay một trang cần quét lại bằng bản quét mới: phiên bản mới của tài liệu (replace a page in place)."""
    _quiet_http()
    from api.station_files import StationFileError, page_files

    try:
        if scan.is_dir():
            raise StationFileError(f"{scan} là thư mục: cho một tệp trang quét (one page file, not a folder)")
        page_files([scan])
    except StationFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    def replaced(client: StationClient) -> dict[str, Any]:
        accepted = client.replace_page(document, page, scan)
        typer.echo(f"batch {accepted['batch_id']} accepted for dossier {accepted['dossier_code']}")
        return client.follow(accepted["batch_id"]) if wait else client.batch(accepted["batch_id"])

    _station_call(server, token, replaced)


def _station_call(server: str, token: str | None, call: Callable[[StationClient], dict[str, Any]]) -> NoReturn:
    """One station request (token checked first), its batch printed; exits with `sohoa upload`'s codes, 2 when the
    server cannot be reached or refuses."""
    from api.client import ApiError, StationClient, Unreachable
    from api.station_files import station_error

    if not token:
        typer.echo("error: a station token is needed (--token or SOHOA_TOKEN)", err=True)
        raise typer.Exit(2)
    client = StationClient(server, token)
    try:
        state = call(client)
    except (Unreachable, ApiError) as exc:
        typer.echo(f"error: {station_error(exc)}", err=True)
        raise typer.Exit(2) from None
    finally:
        client.close()
    from api.station_outcome import print_outcome

    raise typer.Exit(print_outcome(state))


def upload(
    paths: Annotated[
        list[Path], typer.Argument(help="Các tệp trang theo thứ tự, hoặc một tệp zip có manifest.json (page files)")
    ],
    owner: Annotated[
        str | None, typer.Option(help="Số định danh cá nhân hoặc mã số thuế của chủ hồ sơ (owner's ID or tax code)")
    ] = None,
    dossier: Annotated[str | None, typer.Option(help="Mã hồ sơ; để trống: hồ sơ mới (dossier code)")] = None,
    split: Annotated[
        str, typer.Option(help="Cách tách tài liệu: qr (tờ bìa), blank (trang trắng), manifest (how to split)")
    ] = "qr",
    manifest: Annotated[
        Path | None, typer.Option(help="Tệp manifest JSON, thay cho các tùy chọn (a manifest JSON file)")
    ] = None,
    agency: Annotated[str | None, typer.Option(envvar="SOHOA_STATION_AGENCY", help="Mã cơ quan (agency code)")] = None,
    procedure: Annotated[
        str | None, typer.Option(envvar="SOHOA_STATION_PROCEDURE", help="Mã thủ tục (procedure code)")
    ] = None,
    station: Annotated[str, typer.Option(envvar="SOHOA_STATION_ID", help="Mã trạm quét (station id)")] = "station",
    server: Server = DEFAULT_SERVER,
    token: StationToken = None,
    wait: Follow = True,
) -> None:
    """Tải lô trang quét lên, theo dõi, in từng tài liệu; mã thoát 3: cần quét lại (upload a scanned batch)."""
    import json

    from rich.progress import Progress

    from api.client import ApiError, Event, StationClient, Unreachable
    from api.station_files import StationFileError, lost_while_following, page_files, station_error

    _quiet_http()

    if not token:
        typer.echo(
            "error: a station token is needed (--token or SOHOA_TOKEN; `sohoa token --role station`)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        paths = page_files(paths)
    except StationFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    body: dict[str, object] | None
    if manifest is not None:
        try:
            body = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            typer.echo(f"error: {manifest}: not a readable JSON manifest ({exc})", err=True)
            raise typer.Exit(2) from exc
    elif len(paths) == 1 and paths[0].suffix.lower() == ".zip":
        body = None
    else:
        if not (owner and agency and procedure):
            typer.echo("error: --owner, --agency and --procedure are needed without --manifest", err=True)
            raise typer.Exit(2)
        body = {
            "station_id": station,
            "agency_code": agency,
            "procedure_code": procedure,
            "dossier_code": dossier,
            "owner_id": owner,
            "split": split,
        }
    client = StationClient(server, token)
    accepted: dict[str, Any] = {}
    try:
        accepted = client.upload(paths, body)
        typer.echo(f"batch {accepted['batch_id']} accepted for dossier {accepted['dossier_code']}")
        if not wait:
            typer.echo(f"sohoa status {accepted['batch_id']} --wait   # to follow it")
            return
        start = client.batch(accepted["batch_id"])
        pages = {int(d["index"]): int(d["pages"]) for d in start["documents"]}
        done = {index: 0 for index in pages}
        with Progress(transient=True) as progress:
            bar = progress.add_task("pages", total=sum(pages.values()) or None)

            def update(event: Event) -> None:
                index = int(event.data.get("index", -1))
                if event.kind == "page" and index in done:
                    done[index] = max(done[index], int(event.data["done"]))
                elif event.kind == "document" and event.data.get("status") in ("done", "failed") and index in done:
                    done[index] = pages[index]
                step = event.data.get("step") or event.data.get("status") or ""
                progress.update(bar, completed=sum(done.values()), description=f"pages ({step})")

            final = client.follow(accepted["batch_id"], update)
    except Unreachable as exc:
        if accepted:  # the pages are on the server: uploading again would store them twice
            typer.echo(f"error: {lost_while_following(accepted['batch_id'], exc)}", err=True)
            raise typer.Exit(5) from None
        typer.echo(f"error: {station_error(exc)}", err=True)
        raise typer.Exit(2) from None
    except ApiError as exc:
        typer.echo(f"error: {station_error(exc)}", err=True)
        raise typer.Exit(2) from exc
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        client.close()
    from api.station_outcome import print_outcome

    raise typer.Exit(print_outcome(final))


def _pin(pin_file: Path | None) -> str:
    import os
    import sys

    if pin_file is not None:
        try:
            return pin_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise _fail(f"PIN file {pin_file}: {exc.strerror}") from exc
    if os.environ.get("SOHOA_PKCS11_PIN"):
        return os.environ["SOHOA_PKCS11_PIN"]
    if not sys.stdin.isatty():
        raise _fail("the token's PIN is needed: --pin-file, SOHOA_PKCS11_PIN, or run it in a terminal")
    return str(typer.prompt("Mã PIN của thiết bị ký", hide_input=True))


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def sign_agent(
    pkcs11_lib: Annotated[
        Path,
        typer.Option(envvar="SOHOA_AGENT_PKCS11_LIB", help="Thư viện PKCS#11 của thiết bị ký (the PKCS#11 module)"),
    ],
    token_label: Annotated[
        str, typer.Option("--token-label", envvar="SOHOA_AGENT_TOKEN_LABEL", help="Nhãn thiết bị ký (token label)")
    ],
    key: Annotated[
        str | None, typer.Option(help="Nhãn khóa trên thiết bị; để trống: khóa duy nhất (key label on the token)")
    ] = None,
    pin_file: Annotated[
        Path | None,
        typer.Option(help="Tệp chứa mã PIN; nếu không có: SOHOA_PKCS11_PIN, hoặc hỏi (file holding the PIN)"),
    ] = None,
    server: Server = DEFAULT_SERVER,
    token: Annotated[
        str | None, typer.Option(envvar="SOHOA_TOKEN", help="Mã truy cập của cán bộ (the officer's bearer token)")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Ký mọi yêu cầu đang chờ, không hỏi (sign every request without asking)")
    ] = False,
    reject: Annotated[
        str | None, typer.Option(help="Từ chối yêu cầu có mã này thay vì ký (reject this request id)")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Lý do từ chối, đi kèm --reject (why it is rejected)")] = None,
) -> None:
    """Trên máy cán bộ: xác nhận và ký từng yêu cầu bằng thiết bị ký USB, hoặc từ chối (sign with the USB token)."""
    import sys

    from api.agent import AgentClient, ask_vi, sign_pending
    from api.client import ApiError
    from signing.errors import SigningError
    from signing.token import open_token

    _quiet_http()
    if not token:
        raise _fail("the officer's token is needed (--token or SOHOA_TOKEN)")
    if reject is not None and not (reason and reason.strip()):
        raise _fail("--reject needs --reason")
    if reject is None and not yes and not sys.stdin.isatty():
        raise _fail("no terminal to ask in: add --yes to sign every pending request")
    client = AgentClient(server, token)
    try:
        if reject is not None:
            answer = client.reject(reject, str(reason).strip())
            typer.echo(f"Đã từ chối ký: {answer['document_name']} (hồ sơ {answer['dossier_code']})")
            return
        requests = client.pending()
        if not requests:
            typer.echo("Không có yêu cầu ký nào đang chờ.")
            return
        opened = open_token(pkcs11_lib, token_label, key, _pin(pin_file))
        try:
            typer.echo(f"Người ký: {opened.officer_name} — {len(requests)} yêu cầu đang chờ\n")

            def confirm(request: dict[str, object]) -> bool:
                return yes or ask_vi("Ký tài liệu này?")

            run = sign_pending(client, requests, opened.sign, confirm, typer.echo)
        finally:
            opened.close()
        typer.echo(f"Đã ký {run.signed}, bỏ qua {run.skipped}.")
    except (ApiError, SigningError, OSError) as exc:
        raise _fail(_agent_error(exc)) from None
    finally:
        client.close()


def _agent_error(exc: Exception) -> str:
    """The officer's reading first, in Vietnamese, then the detail in English in brackets (docs/cli.md)."""
    from api.client import Unreachable
    from signing.errors import TokenNotFoundError, WrongPinError

    said = {
        TokenNotFoundError: "không thấy thiết bị ký: cắm thiết bị ký USB vào máy rồi chạy lại",
        WrongPinError: "thiết bị ký không nhận mã PIN: kiểm tra lại (sai nhiều lần thiết bị sẽ bị khóa)",
        Unreachable: "không kết nối được máy chủ sohoa: kiểm tra mạng hoặc địa chỉ --server; các tài liệu vẫn chờ ký",
    }
    words = next((text for kind, text in said.items() if isinstance(exc, kind)), None)
    return f"{words} ({exc})" if words else str(exc)


def register(app: typer.Typer) -> None:
    app.command()(token)
    app.command()(upload)
    app.command()(status)
    app.command()(choose)
    app.command()(rescan)
    app.command("sign-agent")(sign_agent)
