"""Issue 16 item 10: a 403 is logged once, at WARNING, without a traceback."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from tests.api_tokens import api_key
from tests.dosing.helpers import started


def _emitting_handlers(record: logging.LogRecord) -> list[logging.Handler]:
    """The configured handlers that write this record (pytest's own capture excluded)."""
    found: list[logging.Handler] = []
    logger: logging.Logger | None = logging.getLogger(record.name)
    while logger is not None:
        for handler in logger.handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue
            if record.levelno >= handler.level and handler.filter(record):
                found.append(handler)
        if not logger.propagate:
            break
        logger = logger.parent
    return found


def _page(login, pharmacist_a, participant):
    return login(pharmacist_a).get("/dosing/decisions/")


def _api(login, pharmacist_a, participant):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(pharmacist_a)}")
    return client.post(f"/api/v1/participants/{participant.pk}/assessments", {}, format="json")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(
    ("request_403", "path"),
    [(_page, "/dosing/decisions/"), (_api, "/api/v1/participants/")],
    ids=["page-require-role", "api-drf-permission"],
)
def test_a_403_is_logged_once_without_traceback(
    request_403, path, debug, settings, site_a, coordinator_a, pharmacist_a, login, caplog
):
    settings.DEBUG = debug
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    caplog.set_level(logging.INFO)
    caplog.clear()
    answer = request_403(login, pharmacist_a, participant)
    assert answer.status_code == 403
    about = [r for r in caplog.records if path in r.getMessage()]
    assert len(about) == 1, [r.getMessage() for r in about]
    (record,) = about
    assert record.levelno == logging.WARNING
    assert record.name == "django.request"
    assert record.getMessage().startswith("Forbidden")
    assert record.exc_info is None and record.exc_text is None
    # One line in the console: not once by Django's own handler and again by the root's.
    assert len(_emitting_handlers(record)) == 1


def test_a_server_error_keeps_its_traceback(caplog):
    """The filter drops tracebacks of client errors only."""
    from dressdb.log_filters import ClientErrorWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        info = sys.exc_info()
    for status, kept in ((500, True), (403, False), (404, False)):
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), info)
        record.status_code = status
        assert ClientErrorWithoutTraceback().filter(record) is True
        assert (record.exc_info is not None) is kept


@pytest.mark.parametrize(
    ("status", "level"),
    [(200, logging.INFO), (302, logging.INFO), (403, logging.INFO), (404, logging.INFO)],
    ids=["ok", "redirect", "forbidden", "not-found"],
)
def test_runserver_access_line_of_a_4xx_is_info(status, level):
    """The development server's access line is not a second WARNING for the same 403."""
    from dressdb.log_filters import ClientErrorAccessAtInfo

    logged = logging.WARNING if 400 <= status < 500 else logging.INFO
    record = logging.LogRecord(
        "django.server", logged, __file__, 1, '"GET / HTTP/1.1" %s', (status,), None
    )
    record.status_code = status
    assert ClientErrorAccessAtInfo().filter(record) is True
    assert record.levelno == level and record.levelname == logging.getLevelName(level)
    server = logging.LogRecord("django.server", logging.ERROR, __file__, 1, "x", (), None)
    server.status_code = 500
    ClientErrorAccessAtInfo().filter(server)
    assert server.levelno == logging.ERROR
