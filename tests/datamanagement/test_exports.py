"""The `queries` and `sdv` datasets (reports/datasets.py declarations): rows, scope,
de-identification, the data dictionary, and a constant number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from datamanagement import services
from reports.exports import DATASETS, dictionary_rows
from tests.datamanagement.helpers import followed, monitor, record, visit

pytestmark = pytest.mark.django_db


def rows(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_queries_and_sdv_datasets(
    login, site_a, site_b, coordinator_a, coordinator_b, statistician
):
    mine = followed(site_a, coordinator_a)
    record(mine, coordinator_a, "day7")
    theirs = followed(site_b, coordinator_b)
    for p in (mine, theirs):
        services.query_open(
            participant=p,
            user=statistician,
            form="participant",
            record_id=p.pk,
            field="weight_kg",
            text="Weight at 2026-01-05 looks off",
        )
    services.query_open(
        participant=mine,
        user=monitor(site_a),
        form="visit",
        record_id=visit(mine, "day7").pk,
        field="eosinophil_count",
        text="Check",
    )
    services.sdv_refresh(participant=mine)
    client = login(statistician)
    queries = rows(client, "/reports/exports/queries.csv")
    assert len(queries) == 3
    assert {q["site"] for q in queries} == {site_a.code, site_b.code}
    assert {q["status"] for q in queries} == {"open"}
    assert queries[-1]["answered_at"] == "NA_NOT_APPLICABLE"
    sdv = rows(client, "/reports/exports/sdv.csv")
    assert {r["form"] for r in sdv} >= {"consent", "primary_endpoints"}
    assert {r["status"] for r in sdv} <= {"to_verify", "not_required"}
    deid = rows(client, "/reports/exports/queries.csv?deidentify=on")
    assert "text" not in deid[0] and "opened_at_studyday" in deid[0]
    documented = {r[0] for r in dictionary_rows() if r[2] == "queries"}
    assert {"status", "field", "form", "correction_history_id"} <= documented
    with CaptureQueriesContext(connection) as ctx:
        list(DATASETS["queries"].rows([site_a.pk, site_b.pk], None, None))
    few = len(ctx.captured_queries)
    for _ in range(5):
        services.query_open(
            participant=mine,
            user=statistician,
            form="participant",
            record_id=mine.pk,
            field="age",
            text="Age?",
        )
    with CaptureQueriesContext(connection) as ctx:
        list(DATASETS["queries"].rows([site_a.pk, site_b.pk], None, None))
    assert len(ctx.captured_queries) == few
