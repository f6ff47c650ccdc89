"""Where sohoa may send requests a user chose (webhook URLs): public addresses only, unless an operator allows
a network (`SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS`, e.g. the one-stop system's internal subnet).

Checked twice: when a URL is registered (`check_url`: scheme, no credentials, the host written as a name or a
canonical address, every address it resolves to allowed; a name that does not resolve yet is taken, the request
checks it) and again on every request (`post`: the name is resolved
once, the address checked, and the connection made to that very address with the name kept for `Host` and TLS),
so that a name re-pointed at 127.0.0.1 or 169.254.169.254 after registration (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Hosts made of digits, dots and hex: "2130706433", "0x7f000001", "0177.0.0.1", "127.1" are 127.0.0.1 to the
# system resolver. Only the canonical dotted-decimal form of an address is taken, so that a check sees what
# the connection will use.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*\.?$", re.IGNORECASE)


class EgressSettings(BaseSettings):
    """`SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS`: networks webhooks may reach besides public addresses (CIDRs, a JSON
    list: '["10.20.0.0/16"]'), beside the other webhook settings (`SOHOA_INGEST_WEBHOOK_TIMEOUT_SECONDS`)."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_INGEST_WEBHOOK_", extra="ignore")

    allowed_networks: list[str] = []


@lru_cache(maxsize=1)
def egress_settings() -> EgressSettings:
    return EgressSettings()


class RefusedTarget(ValueError):
    """The URL or the address it leads to is not one sohoa sends requests to; the message says why."""


@dataclass(frozen=True)
class Target:
    """A URL whose host resolved to an allowed address: connect to `address`, present `host`."""

    url: httpx.URL
    host: str
    address: Address


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(address: Address, allowed: Iterable[Network] = ()) -> bool:
    """A public unicast address, or one inside a network the operator allowed."""
    if any(address.version == net.version and address in net for net in allowed):
        return True
    inner = _embedded_ipv4(address)
    if inner is not None and not address_allowed(inner, allowed):
        return False
    return address.is_global and not address.is_multicast


def allowed_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if _NUMERIC_HOST.fullmatch(host):
            raise RefusedTarget(
                f"the host {host[:60]!r} is an address in an unusual notation: write it as a name or in dotted-decimal"
            ) from None
        return None


class Unresolved(RefusedTarget):
    """The host name does not resolve (now)."""


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolved(f"the host {host[:60]!r} cannot be resolved") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def resolve_target(url: str, allowed: Iterable[Network] = ()) -> Target:
    """Parse, resolve and check `url`; the first allowed address to connect to, or RefusedTarget."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise RefusedTarget("the URL cannot be parsed") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RefusedTarget("a webhook URL starts with https:// (or http://) and names a host")
    if parsed.userinfo:
        raise RefusedTarget("a webhook URL carries no user name or password")
    networks = tuple(allowed)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    literal = _literal(parsed.host)
    addresses = [literal] if literal is not None else _resolve(parsed.host, port)
    refused = [a for a in addresses if not address_allowed(a, networks)]
    if refused or not addresses:
        raise RefusedTarget(
            f"the host {parsed.host[:60]!r} leads to a loopback, private, link-local or reserved address; "
            "sohoa sends webhooks to public addresses only (an operator may allow a network with "
            "SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS)"
        )
    return Target(parsed, parsed.host, addresses[0])


def check_url(url: str, allowed: Iterable[Network] = ()) -> None:
    """Refuse (RefusedTarget) a URL sohoa would not send requests to (a name that does not resolve yet passes:
    every request checks again)."""
    try:
        resolve_target(url, allowed)
    except Unresolved:
        return


def post(
    url: str, *, content: bytes, headers: Mapping[str, str], timeout: float, allowed: Iterable[Network] = ()
) -> httpx.Response:
    """POST to `url` at the address checked just now (no redirects); RefusedTarget if it is not allowed."""
    target = resolve_target(url, allowed)
    pinned = target.url.copy_with(host=str(target.address))
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    host_header = target.host if target.url.port is None else f"{target.host}:{target.url.port}"
    if ":" in target.host:  # an IPv6 literal
        host_header = f"[{target.host}]" if target.url.port is None else f"[{target.host}]:{target.url.port}"
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        request = client.build_request(
            "POST", pinned, content=content, headers={**headers, "Host": host_header}, extensions=extensions
        )
        return client.send(request)
