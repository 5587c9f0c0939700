"""The safety datasets (declared at the end of reports/datasets.py): rows, de-identified
free text, versions from the history, the data dictionary and the R loader, query count."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.csvstream import csv_lines
from reports.datasets import DATASETS
from reports.exports import dictionary_csv
from reports.r_loader import r_script
from safety import services
from tests.safety.helpers import ae_input, recent_participant

pytestmark = pytest.mark.django_db
NAMES = ("adverse_events", "ae_versions", "concomitant_medications", "deviations")


def rows(name: str, site_ids: list[int], deidentify: bool = False) -> list[dict[str, str]]:
    text = "".join(csv_lines(DATASETS[name], site_ids, None, None, deidentify=deidentify))
    return list(csv.DictReader(io.StringIO(text)))


def test_adverse_events_and_their_versions(site_a, site_b, coordinator_a, coordinator_b):
    participant = recent_participant(site_a, coordinator_a)
    ae = services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    services.ae_update(
        adverse_event=ae,
        user=coordinator_a,
        data=ae_input(participant, outcome="recovering"),
        reason="Day 3",
        follow_up=True,
    )
    other = recent_participant(site_b, coordinator_b)
    services.ae_create(participant=other, user=coordinator_b, data=ae_input(other))
    current = rows("adverse_events", [site_a.pk])
    assert len(current) == 1
    row = current[0]
    assert row["study_id"] == participant.study_id and row["term"] == "hepatic_failure"
    assert row["serious"] == "true" and row["susar"] == "true" and row["version"] == "1"
    assert row["report_due_at"].endswith("Z") and row["outcome"] == "recovering"
    versions = rows("ae_versions", [site_a.pk])
    assert [v["version"] for v in versions] == ["0", "1"]
    assert versions[1]["history_change_reason"] == "Follow-up report 1: Day 3"
    deidentified = rows("ae_versions", [site_a.pk], deidentify=True)
    assert "history_change_reason" not in deidentified[0]
    assert "term_other" not in deidentified[0] and "onset_date_studyday" in deidentified[0]


def test_constant_queries(site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    with CaptureQueriesContext(connection) as one:
        rows("adverse_events", [site_a.pk])
    for _ in range(5):
        services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    with CaptureQueriesContext(connection) as six:
        assert len(rows("adverse_events", [site_a.pk])) == 6
    assert len(six) == len(one)


def test_dictionary_and_r_loader_name_the_safety_datasets():
    dictionary = dictionary_csv()
    script = r_script()
    for name in NAMES:
        assert name in dictionary and name in script
