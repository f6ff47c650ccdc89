"""Bearer JWT verification (PyJWT; PEM key, JWKS or OIDC discovery) and development token minting.

Development tokens exist only on the embedded default (no broker, no catalogue database, no S3 endpoint
configured): they are signed with an Ed25519 key kept in `<data dir>/secrets/jwt-dev-ed25519.pem`, which the
server uses to verify them. Any other deployment without a token key source is refused at start
(`InsecureConfiguration`), and `sohoa token` refuses to mint there: a data folder is not a trust anchor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.settings import ApiSettings
from core.files import write_atomically
from core.identifiers import InvalidIdentifier, validate_agency_code, validate_owner_id
from core.settings import CoreSettings
from core.types import Actor, Role

DEV_KEY_NAME = "jwt-dev-ed25519.pem"


class TokenError(Exception):
    """A bearer token is missing, malformed, expired, not yet valid, or not for this service."""


class InsecureConfiguration(RuntimeError):
    """The configuration would trust development keys outside the embedded default: the server does not start."""


def embedded_default() -> bool:
    """True when the deployment is the embedded default: no broker, catalogue database or S3 endpoint set."""
    from ingest.settings import ingest_settings
    from vault.settings import vault_settings

    vault = vault_settings()
    return ingest_settings().embedded_broker and not vault.database_url and not vault.s3_endpoint


def development_authentication(api: ApiSettings, embedded: bool | None = None) -> bool:
    """Whether development tokens are the authentication: only with no key source, on the embedded default.

    Raises InsecureConfiguration for a deployment with servers configured but no token key source."""
    if not api.development_keys:
        return False
    if embedded if embedded is not None else embedded_default():
        return True
    raise InsecureConfiguration(
        "no token verifier is configured (SOHOA_API_JWT_PUBLIC_KEY_FILE, SOHOA_API_JWT_JWKS_URL or "
        "SOHOA_API_OIDC_DISCOVERY_URL) while a broker, catalogue database or S3 endpoint is set: development "
        "tokens are accepted only on the embedded default; configure the single sign-on's keys"
    )


def _development_private_key(core: CoreSettings) -> Ed25519PrivateKey:
    path = core.path("secrets", DEV_KEY_NAME)
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs is kept
            write_atomically(path, pem, replace=False)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def mint_development_token(
    api: ApiSettings,
    core: CoreSettings,
    *,
    role: Role,
    subject: str,
    agency_code: str | None = None,
    owner_id: str | None = None,
    lifetime: dt.timedelta = dt.timedelta(hours=8),
    name: str | None = None,
) -> str:
    """A signed JWT the embedded default accepts; refused when production keys are configured or the
    deployment is not the embedded default."""
    try:
        development = development_authentication(api)
    except InsecureConfiguration as exc:
        raise TokenError(f"development tokens are only minted on the embedded default: {exc}") from exc
    if not development:
        raise TokenError("development tokens are only minted on the embedded default (no JWT keys configured)")
    return sign_token(
        _development_private_key(core),
        api,
        role=role,
        subject=subject,
        agency_code=agency_code,
        owner_id=owner_id,
        lifetime=lifetime,
        name=name,
    )


def sign_token(
    key: Any,
    api: ApiSettings,
    *,
    role: Role,
    subject: str,
    agency_code: str | None = None,
    owner_id: str | None = None,
    lifetime: dt.timedelta = dt.timedelta(hours=8),
    algorithm: str = "EdDSA",
    name: str | None = None,
) -> str:
    """A JWT with sohoa's claims signed with `key` (the development key, or a test issuer's)."""
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "iss": api.jwt_issuer,
        "aud": api.jwt_audience,
        "sub": subject,
        "role": role.value,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    if agency_code:
        claims["agency"] = agency_code
    if owner_id:
        claims["owner"] = owner_id
    if name:
        claims["name"] = name
    return jwt.encode(claims, key, algorithm=algorithm)


@dataclass
class TokenVerifier:
    """Verifies signature, `iss`, `aud`, `exp` and `nbf`, then turns the claims into an `Actor`.

    Built at start: raises InsecureConfiguration when no key source is set outside the embedded default
    (`embedded` None: read from the settings)."""

    api: ApiSettings
    core: CoreSettings
    embedded: bool | None = None

    @cached_property
    def _jwks_client(self) -> jwt.PyJWKClient | None:
        url = self.api.jwt_jwks_url
        if self.api.oidc_discovery_url:
            response = httpx.get(self.api.oidc_discovery_url, timeout=self.api.http_timeout_seconds)
            response.raise_for_status()
            url = response.json()["jwks_uri"]
        if url is None:
            return None
        return jwt.PyJWKClient(url, cache_keys=True, timeout=int(self.api.http_timeout_seconds))

    @cached_property
    def _static_key(self) -> Any:
        if self.api.jwt_public_key_file:
            return serialization.load_pem_public_key(self.api.jwt_public_key_file.read_bytes())
        if self._development:
            return _development_private_key(self.core).public_key()
        return None

    @property
    def fetches_keys(self) -> bool:
        """Keys come from a JWKS or OIDC end point (verification may wait on the network)."""
        return bool(self.api.jwt_jwks_url or self.api.oidc_discovery_url)

    def _key_for(self, token: str) -> Any:
        client = self._jwks_client
        if client is not None:
            return client.get_signing_key_from_jwt(token).key
        return self._static_key

    def verify(self, token: str) -> Actor:
        """The token's caller. A token seen before is not verified again (its signature, issuer and audience
        cannot have changed), but its validity period is checked on every use."""
        actor, not_before, expires = self._verified(token)
        now, leeway = time.time(), self.api.jwt_leeway_seconds
        if now >= expires + leeway:
            raise TokenError("invalid bearer token: Signature has expired")
        if now < not_before - leeway:
            raise TokenError("invalid bearer token: The token is not yet valid (nbf)")
        return actor

    def __post_init__(self) -> None:
        self._development = development_authentication(self.api, self.embedded)
        self._verified = functools.lru_cache(maxsize=4096)(self._verify_signature)

    def _verify_signature(self, token: str) -> tuple[Actor, float, float]:
        try:
            claims = jwt.decode(
                token,
                self._key_for(token),
                algorithms=self.api.jwt_algorithms,
                audience=self.api.jwt_audience,
                issuer=self.api.jwt_issuer,
                leeway=self.api.jwt_leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, httpx.HTTPError, KeyError, ValueError) as exc:
            raise TokenError(f"invalid bearer token: {exc}") from exc
        return actor_from_claims(claims), float(claims.get("nbf", 0)), float(claims["exp"])


def actor_from_claims(claims: dict[str, Any]) -> Actor:
    """Map token claims to an Actor; stations and handlers need an agency, citizens an owner id."""
    try:
        role = Role(claims.get("role", ""))
    except ValueError as exc:
        raise TokenError("token has no known `role` claim") from exc
    agency, owner = claims.get("agency"), claims.get("owner")
    if role in (Role.STATION, Role.HANDLER) and not agency:
        raise TokenError(f"a {role.value} token must carry an `agency` claim")
    if role is Role.CITIZEN and not owner:
        raise TokenError("a citizen token must carry an `owner` claim")
    try:  # the same ASCII, canonical identifiers as everywhere: a look-alike claim opens no other vault
        agency = None if agency is None else validate_agency_code(agency)
        owner = None if owner is None else validate_owner_id(owner)
    except InvalidIdentifier as exc:
        raise TokenError(f"token claim is not a valid identifier: {exc}") from exc
    claimed_name = claims.get("name")
    name = (claimed_name.strip()[:255] or None) if isinstance(claimed_name, str) else None
    return Actor(subject=str(claims["sub"]), role=role, agency_code=agency, owner_id=owner, name=name)
