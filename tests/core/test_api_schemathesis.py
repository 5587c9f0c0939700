"""Schemathesis over the OpenAPI schema: every operation, generated requests, a valid token.

Each operation is called with the token of the role that uses it, on an object of that
user's own site (path ids point at a real participant), with request bodies and query
strings generated from the schema, valid and invalid. Asserted for every call: no
server error, a JSON content type as documented, and a body matching the documented
response schema.

DRESSDB_API_FUZZ_EXAMPLES bounds the examples per operation (default 25).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.api_tokens import api_key
from tests.core.test_access_matrix import (  # noqa: F401  (the matrix's fixtures)
    A,
    C,
    I,
    P,
    S,
    monitor_a,
    monitor_row,
    world,
    world_rows,
)
from tests.module_data import *  # noqa: F403  (the world's personas, shared by the module)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("DRESSDB_API_FUZZ_EXAMPLES", "25"))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()

# Which role calls which operation (the others are refused, as the access matrix shows).
PERSONA_BY_OPERATION = {
    "/api/v1/screenings/": C,
    "/api/v1/participants/{id}/randomize": C,
    "/api/v1/participants/{id}/orders": C,
    "/api/v1/participants/{id}/assessments": I,
    "/api/v1/participants/{id}/visits": C,
    "/api/v1/participants/{id}/visits/{visit}/endpoints": C,
    "/api/v1/exports/{dataset}.csv": S,
    "/api/v1/exports/odm.xml": S,
    # API parity routes (tests/api/test_api_parity.py)
    "/api/v1/screenings/{id}/enrol": C,
    "/api/v1/screenings/{id}/not-consented": C,
    "/api/v1/participants/{id}/renal-impairment": I,
    "/api/v1/participants/{id}/withdraw": C,
    "/api/v1/participants/{id}/relapse": I,
    "/api/v1/participants/{id}/npo": C,
    "/api/v1/participants/{id}/weight": C,
    "/api/v1/protocol-preview": P,
    "/api/v1/participants/{id}/hospital-course": C,
    "/api/v1/participants/{id}/visits/{visit}/missed": C,
    "/api/v1/participants/{id}/adverse-events": C,
    "/api/v1/participants/{id}/concomitant-medications": C,
    "/api/v1/participants/{id}/adverse-events/{ae_pk}": C,
    "/api/v1/participants/{id}/adverse-events/{ae_pk}/sign": I,
    "/api/v1/participants/{id}/adverse-events/{ae_pk}/death-report": C,
    "/api/v1/participants/{id}/concomitant-medications/{conmed_pk}": C,
    "/api/v1/participants/{id}/deviations": C,
    "/api/v1/participants/{id}/deviations/{dev_pk}": C,
    "/api/v1/participants/{id}/deviations/{dev_pk}/decide": C,
    "/api/v1/participants/{id}/deviations/{dev_pk}/sign": I,
    "/api/v1/participants/{id}/visits/{visit}/unlock": I,
    "/api/v1/participants/{id}/visits/{visit}/sign-off": I,
    # Administrations (issue 19)
    "/api/v1/participants/{id}/administrations": C,
    "/api/v1/participants/{id}/verify": P,
    # Training records (issue 21): the admin records; site staff read their sites' people
    "/api/v1/people/{id}/training": A,
    # Data management (issue 18)
    "/api/v1/participants/{id}/queries": S,
    "/api/v1/queries/{query_pk}/answer": C,
    "/api/v1/queries/{query_pk}/close": S,
    "/api/v1/participants/{id}/sdv": "monitor_a",
    "/api/v1/participants/{id}/casebook/sign": I,
    "/api/v1/participants/{id}/freeze": S,
    "/api/v1/participants/{id}/unfreeze": S,
    "/api/v1/study/freeze": S,
    "/api/v1/study/unfreeze": S,
    "/api/v1/database-lock": A,
    "/api/v1/database-lock/unlock-request": A,
    "/api/v1/database-lock/unlock-approve": A,
    "/api/v1/consent-versions": A,
    "/api/v1/participants/{id}/consents": C,
}


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Keep the test's database connection open across in-process WSGI requests.

    Django's own test client does the same: a request's end must not close the
    connection that holds the test transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_has_a_persona():
    operations = {result.ok().path for result in schema.get_all_operations()}  # type: ignore[union-attr]
    assert operations == set(PERSONA_BY_OPERATION)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case: Any, request: pytest.FixtureRequest, world, in_process_requests):  # noqa: F811
    persona = PERSONA_BY_OPERATION[case.operation.path]
    user = request.getfixturevalue(persona)
    token = api_key(user)
    if case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = world["participant"][0]
    if case.path_parameters and "query_pk" in case.path_parameters:
        case.path_parameters["query_pk"] = world["query"][0]
    for name, key in (("ae_pk", "ae"), ("conmed_pk", "conmed"), ("dev_pk", "deviation")):
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = world[key][0]
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )


# --- Hostile value classes (issue 14, defect 5) -------------------------------------------
# Schemathesis draws values that fit the schema's types; the sweep's classes are set here
# explicitly, one field at a time, into every body field and query parameter of every
# operation: NUL, lone surrogates, huge integers, far dates, hostile URLs. Asserted: no
# server error, a JSON answer when refused, and the field named for NUL/surrogates.

RAW_SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
NUL_VALUES: list[Any] = ["\x00", "SITEA\x00", "\ud800", "a\udfffb"]
HOSTILE_VALUES: list[Any] = [
    *NUL_VALUES,
    2**31,
    -(2**31) - 1,
    2**63,
    10**300,
    1e308,
    "2147483648",
    "9" * 400,
    "9999-12-31",
    "0001-01-01",
    "99999-01-01",
    "https://evil.example/",
    "//evil.example/",
    "x" * 5000,
]
# Reasons of 101..500 characters (they once overflowed the history's varchar(100) reason
# column: issue 14 defect 5), sent into every reason field by test_long_reasons_in_api_fields.
LONG_REASONS = ["r" * 101, "r" * 500]


def _resolve(node: dict[str, Any] | None) -> dict[str, Any]:
    while node and "$ref" in node:
        node = RAW_SCHEMA["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node or {}


def _fields() -> list[tuple[str, str, str, str]]:
    """(path, method, 'body' or 'query', field name) for every operation's inputs."""
    out = []
    for path, item in RAW_SCHEMA["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            body = _resolve(
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            out += [(path, method, "body", name) for name in body.get("properties", {})]
            out += [
                (path, method, "query", p["name"])
                for p in operation.get("parameters", [])
                if p.get("in") == "query"
            ]
    return out


# Operations get a persona in PERSONA_BY_OPERATION (test_every_operation_has_a_persona
# fails until a new one has); from then on their fields are fuzzed here too.
FIELDS = [f for f in _fields() if f[0] in PERSONA_BY_OPERATION]


def _call(client: Any, path: str, method: str, where: str, name: str, value: Any) -> Any:
    from urllib.parse import quote

    if where == "query":
        raw = str(value).encode("utf-8", "surrogatepass")
        return getattr(client, method)(f"{path}?{quote(name)}={quote(raw)}")
    body = json.dumps({name: value})
    return getattr(client, method)(path, body, content_type="application/json")


def _url(path: str, the_world: Any) -> str:
    return (
        path.replace("{id}", str(the_world["participant"][0]))
        .replace("{visit}", "day7")
        .replace("{dataset}", "visits")
        .replace("{query_pk}", str(the_world["query"][0]))
        .replace("{ae_pk}", str(the_world["ae"][0]))
        .replace("{conmed_pk}", str(the_world["conmed"][0]))
        .replace("{dev_pk}", str(the_world["deviation"][0]))
    )


def test_every_operation_has_fields_to_fuzz():
    assert {p for p, *_ in FIELDS} >= {"/api/v1/screenings/", "/api/v1/exports/{dataset}.csv"}


@pytest.mark.parametrize(
    ("path", "method", "where", "name"), FIELDS, ids=[f"{m} {p} {w}:{n}" for p, m, w, n in FIELDS]
)
def test_hostile_values_in_every_api_field(request, world, path, method, where, name):  # noqa: F811
    from rest_framework.test import APIClient

    client = APIClient()
    user = request.getfixturevalue(PERSONA_BY_OPERATION[path])
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    for value in HOSTILE_VALUES:
        response = _call(client, _url(path, world), method, where, name, value)
        assert response.status_code < 500, (name, value)
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json"), (name, value)
        if value in NUL_VALUES and (where == "body" or "\x00" in value):
            assert response.status_code == 400, (name, value)
            assert name in response.json(), (name, value, response.json())


REASON_FIELDS = [f for f in FIELDS if "reason" in f[3]]


@pytest.mark.parametrize(
    ("path", "method", "where", "name"),
    REASON_FIELDS,
    ids=[f"{m} {p} {w}:{n}" for p, m, w, n in REASON_FIELDS],
)
def test_long_reasons_in_api_fields(request, world, path, method, where, name):  # noqa: F811
    from rest_framework.test import APIClient

    client = APIClient()
    user = request.getfixturevalue(PERSONA_BY_OPERATION[path])
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    for value in LONG_REASONS:
        response = _call(client, _url(path, world), method, where, name, value)
        assert response.status_code < 500, (name, len(value))
