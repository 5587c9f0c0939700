"""The `administrations` dataset (issue 19): rows, de-identification, dictionary, R loader."""

from __future__ import annotations

import csv
import io

import pytest

from dosing import services
from dosing.models import Order
from reports.csvstream import csv_lines
from reports.datasets import DATASETS
from reports.exports import dictionary_csv
from reports.r_loader import r_script
from tests.dosing.helpers import started
from tests.dosing.test_administrations import given_entries, yesterday

pytestmark = pytest.mark.django_db


def rows(site, deidentify=False):
    text = "".join(
        csv_lines(DATASETS["administrations"], [site.pk], None, None, deidentify=deidentify)
    )
    return list(csv.DictReader(io.StringIO(text)))


def test_administrations_dataset(site_a, site_b, coordinator_a, coordinator_b):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    other, _ = started(site_b, coordinator_b, days_ago=3)
    day = yesterday(participant)
    entries = given_entries(participant, day)
    entries[1] = services.AdministrationInput(
        order_id=entries[1].order_id, number=2, status="held", reason="=HYPERLINK(1)"
    )
    services.administrations_record(
        participant=participant, user=coordinator_a, date=day, entries=entries
    )
    services.administrations_record(
        participant=other,
        user=coordinator_b,
        date=yesterday(other),
        entries=given_entries(other, yesterday(other)),
    )
    found = rows(site_a)
    assert [(r["study_id"], r["number"], r["status"]) for r in found] == [
        (participant.study_id, "1", "given"),
        (participant.study_id, "2", "held"),
    ]
    order = Order.objects.get(participant=participant, date=day)
    assert found[0]["ordered_dose_mg"] == "175.0" and found[0]["dose_mg"] == "175.0"
    assert found[0]["date"] == day.isoformat() and found[0]["day"] == str(order.day)
    assert found[1]["dose_mg"] == "NA_NOT_APPLICABLE"
    assert found[1]["reason"] == "'=HYPERLINK(1)"  # CSV injection neutralised
    deidentified = rows(site_a, deidentify=True)
    assert "reason" not in deidentified[0] and "given_by" not in deidentified[0]
    assert deidentified[0]["date_studyday"] == str(order.day)


def test_dictionary_and_r_loader_list_the_dataset():
    assert ",administrations," in dictionary_csv()
    assert "administrations" in r_script()
