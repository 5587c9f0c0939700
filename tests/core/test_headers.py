"""Caching and API documentation access (issue 14, defect 8).

- Every answer to a logged-in session or a token, on every route of the access matrix
  (pages, JSON API, CSV downloads), carries `Cache-Control: no-store` (NoStoreMiddleware).
- The OpenAPI schema and the docs page need a logged-in user.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIClient

from dressdb.middleware import NoStoreMiddleware
from tests.api_tokens import api_key
from tests.conftest import client_for
from tests.core.test_access_matrix import (  # noqa: F401  (the matrix's fixtures)
    MATRIX,
    monitor_a,
    monitor_row,
    url_for,
    world,
    world_rows,
)
from tests.module_data import *  # noqa: F403  (the world's personas, shared by the module)

pytestmark = pytest.mark.django_db


def _request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    if method == "PUT":
        return client.put(url, "{}", content_type="application/json")
    return client.post(url, {})


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_route_answers_no_store(request, world, name):  # noqa: F811
    method, allowed, key, _scoped = MATRIX[name]
    persona = sorted(allowed)[0]
    user = request.getfixturevalue(persona)
    client: Any
    if name.startswith("api-"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    else:
        client = client_for(user)
    response = _request(client, method, url_for(name, key, world, persona, own=True))
    assert response.status_code < 500, name
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, f"{name}: Cache-Control {cache_control!r}"
    assert "public" not in cache_control, name


def test_the_allocation_list_csv_is_no_store(world, statistician):  # noqa: F811
    response = client_for(statistician).get(
        url_for("allocation_list_export", "list", world, "statistician", own=True)
    )
    assert response.status_code == 200
    assert "csv" in response["Content-Type"]
    assert "no-store" in response["Cache-Control"]


def test_a_refused_token_answer_is_no_store(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = client.get("/api/v1/schema/")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_static_files_are_left_cacheable():
    middleware = NoStoreMiddleware(lambda request: HttpResponse("x"))
    request = RequestFactory().get("/static/css/dressdb.css", HTTP_AUTHORIZATION="Token x")
    assert "Cache-Control" not in middleware(request)


# --- API schema and docs ---------------------------------------------------------------


def test_schema_needs_login(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code in (401, 403)
    assert b"openapi" not in response.content


def test_docs_page_sends_anonymous_users_to_log_in(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 302


def test_logged_in_users_read_the_schema_and_docs(coordinator_a):
    client = client_for(coordinator_a)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "<style" not in body  # our CSP has no 'unsafe-inline' for styles
    assert "<script>" not in body  # every script comes from a file
    assert client.get("/api/v1/docs/?script=").status_code == 200


def test_a_token_reads_the_schema(coordinator_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(coordinator_a)}")
    assert client.get("/api/v1/schema/").status_code == 200
