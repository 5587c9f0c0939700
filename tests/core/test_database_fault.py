"""PostgreSQL restarted mid-load (issue 20, faults survived).

A lost database connection is a clear 503 ("nothing was saved, try again", JSON under
/api/), never a 500 page; every other error stays a 500. The last test cuts every
connection of the app to PostgreSQL again and again (pg_terminate_backend, as a restart
does) during a burst of randomizations through the API on a live server: each request is
allocated exactly once or answered 503 with nothing half-written, and a retry succeeds.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from dressdb.views import DATABASE_DOWN
from randomization.models import Allocation, AllocationSlot
from tests.api_tokens import api_key
from tests.factories import ParticipantFactory
from tests.randomization.helpers import live_list


@pytest.mark.urls("tests.core.fault_urls")
@pytest.mark.parametrize("path", ["/fault/database/", "/api/v1/fault/database/"])
def test_a_lost_database_is_a_503_saying_nothing_was_saved(client, path, db):
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if path.startswith("/api/"):
        assert response.json() == {"detail": DATABASE_DOWN}
    else:
        assert b"Nothing of what you sent was saved" in response.content


@pytest.mark.urls("tests.core.fault_urls")
@pytest.mark.parametrize("path", ["/fault/bug/", "/api/v1/fault/bug/"])
def test_any_other_error_stays_a_500(client, path, db):
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 500
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"


def _post(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
        url,
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (local)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body or b"{}")
        except ValueError:
            return error.code, {"raw": body[:200].decode("utf-8", "replace")}


def _cut_connections(
    database: str, results: dict[int, list[int]], stop: threading.Event, cuts: list[int]
) -> None:
    """Once requests succeed, terminate every other backend of the test database three
    times, 0.3 s apart, as a restart does; requests carry on around the cuts."""
    import psycopg

    while not stop.is_set() and not any(201 in got for got in results.values()):
        time.sleep(0.01)
    with psycopg.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"],
        dbname=database,
        autocommit=True,
    ) as admin:
        for _ in range(3):
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            ).fetchall()
            cuts.append(len(rows))
            time.sleep(0.3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_randomizations_survive_the_database_dropping_every_connection(
    live_server, statistician, coordinator_a, site_a
):
    alist = live_list(statistician, slots=80)
    people = [ParticipantFactory.create(site=site_a, created_by=coordinator_a) for _ in range(40)]
    token = api_key(coordinator_a)
    database = connection.settings_dict["NAME"]
    url = live_server.url + "/api/v1/participants/{}/randomize"
    results: dict[int, list[int]] = {p.pk: [] for p in people}
    lock = threading.Lock()
    queue = [p.pk for p in people]

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                pk = queue.pop()
            status, _ = _post(url.format(pk), token)
            with lock:
                results[pk].append(status)

    stop = threading.Event()
    cuts: list[int] = []
    killer = threading.Thread(target=_cut_connections, args=(database, results, stop, cuts))
    killer.start()
    clients = [threading.Thread(target=client) for _ in range(8)]
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    stop.set()
    killer.join()
    connection.close()  # this test's own connection was cut too

    statuses = [s for got in results.values() for s in got]
    assert sum(cuts) > 0, "no connection was cut"
    assert set(statuses) <= {200, 201, 503}, statuses  # never a 500
    assert 503 in statuses and 201 in statuses  # the cuts hit requests; others went through
    # Nothing half-written: whatever was allocated, was allocated once, in slot order.
    allocated = list(Allocation.objects.values_list("participant_id", flat=True))
    assert len(allocated) == len(set(allocated))
    slots = list(Allocation.objects.values_list("slot_id", flat=True))
    assert len(slots) == len(set(slots))
    for stratum in alist.strata.all():
        used = list(
            AllocationSlot.objects.filter(stratum=stratum, allocation__isnull=False)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert used == list(range(1, len(used) + 1)), (stratum.key, used)
    for pk, got in results.items():
        if got[-1] in (200, 201):
            assert pk in allocated
    # The database is back: a retry of every 503 succeeds, and each participant is
    # allocated exactly once (a 503 whose commit had landed answers 200, the repeat).
    for pk, got in results.items():
        if got[-1] == 503:
            status, _ = _post(url.format(pk), token)
            assert status in (200, 201), (pk, status)
    assert Allocation.objects.count() == len(people)
    assert Allocation.objects.values("participant_id").distinct().count() == len(people)
