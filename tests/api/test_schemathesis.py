"""Property-based API tests generated from the live OpenAPI document (schemathesis): no 5xx, and every
response conforms to the documented status codes, content types and schemas. Run as an admin (who may call
everything) and as a citizen (who is refused most of it, correctly); the portal's routes as the portal."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Role
from tests.api.world import OWNER_A, PURPOSE, build_world, private_app

app = private_app(Path(tempfile.mkdtemp(prefix="sohoa-schemathesis-")))
build_world(app.state.services)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)

TOKENS = {
    "admin": mint_development_token(ApiSettings(), core_settings(), role=Role.ADMIN, subject="root"),
    "citizen": mint_development_token(
        ApiSettings(), core_settings(), role=Role.CITIZEN, subject=OWNER_A, owner_id=OWNER_A
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("who", list(TOKENS))
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_openapi_document(case: schemathesis.Case, who: str) -> None:
    if case.path.endswith("/events"):
        return  # an event stream of a live batch does not end; covered by the end-to-end tests
    headers = {"Authorization": f"Bearer {TOKENS[who]}"}
    if not any(name.lower() == "x-purpose" for name in case.headers or {}):
        headers["X-Purpose"] = quote(PURPOSE)  # the generated case may test the header itself
    # Rules beyond JSON Schema (an expiry in the future, one grant scope, an admin naming the agency) answer a
    # schema-valid request with 422, as RFC 9110 allows: the positive-data-acceptance check is left out.
    if _negative_only_by_a_missing_token(case):  # the harness adds the token back: the request is valid
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance, negative_data_rejection])
    else:
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])


def _negative_only_by_a_missing_token(case: schemathesis.Case) -> bool:
    """A negative case whose headers lack `Authorization` (required by the schema) is made valid by this test,
    which always sends the token; schemathesis would then call the 200 a schema-violating request accepted."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    return meta.is_negative_at(ParameterLocation.HEADER) and not any(
        name.lower() == "authorization" for name in case.headers or {}
    )


PORTAL_TOKEN = mint_development_token(ApiSettings(), core_settings(), role=Role.PORTAL, subject="dvcqg")


@pytest.mark.slow
@schema.include(path_regex="^/api/v1/portal/").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_portal_routes_honour_the_document_as_the_portal_calls_them(case: schemathesis.Case) -> None:
    """The national portal's own routes with its own token and the grants' purpose (the integrator's walk,
    docs/api.md): generated owners, ids and look-ups answer as documented (the granted and revoked papers
    themselves: tests/e2e/test_integrator_walk.py checks those answers against the document)."""
    headers = {"Authorization": f"Bearer {PORTAL_TOKEN}"}
    if not any(name.lower() == "x-purpose" for name in case.headers or {}):
        headers["X-Purpose"] = quote(PURPOSE)
    if _negative_only_by_a_missing_token(case):
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance, negative_data_rejection])
    else:
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
