"""Schemathesis over the OpenAPI schema: every operation, generated requests, a valid token.

Each operation is called with the token of the role that uses it, on an object of that
user's own site (path ids point at a real participant), with request bodies and query
strings generated from the schema, valid and invalid. Asserted for every call: no
server error, a JSON content type as documented, and a body matching the documented
response schema.

DRESSDB_API_FUZZ_EXAMPLES bounds the examples per operation (default 25).
"""

from __future__ import annotations

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
from tests.core.test_access_matrix import C, I, S, world  # noqa: F401

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
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )
