"""A small message catalogue: pages are written in Vietnamese; English is looked up here by the Vietnamese text.

The language is `?lang=en|vi` (remembered in a cookie), Vietnamese by default.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from web.messages_en import MESSAGES_EN
from web.page_words_en import PAGE_WORDS_EN
from web.signing_words import SIGNING_EN
from web.stats_words import STATS_EN
from web.vault_words import VAULT_EN

LANGUAGES = ("vi", "en")
LANG_COOKIE = "sohoa_lang"

EN: dict[str, str] = {**PAGE_WORDS_EN, **MESSAGES_EN}

EN |= {vietnamese: english for vietnamese, english in (SIGNING_EN | VAULT_EN).items() if vietnamese not in EN}
EN |= STATS_EN


def asked_language(request: Request) -> str | None:
    """`?lang=` of this request (taken out of the query by `LanguageParameter`, so pages need not declare it)."""
    asked = request.scope.get("state", {}).get("lang")
    return asked if asked in LANGUAGES else None


def language(request: Request) -> str:
    chosen = asked_language(request) or request.cookies.get(LANG_COOKIE) or "vi"
    return chosen if chosen in LANGUAGES else "vi"


class LanguageParameter:
    """ASGI middleware: moves `lang` from a page's query string into the request state (the API refuses unknown
    query parameters, and every page accepts this one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"lang=" in scope.get("query_string", b""):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if k != "lang"]
            if len(kept) < len(pairs) and not scope["path"].startswith("/api/"):
                scope = dict(scope)
                scope["state"] = {**scope.get("state", {}), "lang": dict(pairs)["lang"]}
                scope["query_string"] = urlencode(kept).encode("latin-1")
        await self.app(scope, receive, send)


def translator(lang: str) -> Callable[[str], str]:
    def t(text: str) -> str:
        return EN.get(text, text) if lang == "en" else text

    return t
