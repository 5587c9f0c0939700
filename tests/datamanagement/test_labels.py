"""Issue 16 item 3 on the data-management pages: a query's place and an SDV mark read
"Day 30 visit · Eosinophil count (x10⁹/L)", never "visit · eosinophil_count"; the codes
stay in the CSV exports. Site scope: another site's coordinator gets a 404."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from datamanagement import services
from tests.conftest import client_for
from tests.datamanagement.helpers import followed, monitor, record

pytestmark = pytest.mark.django_db

# "visit · eosinophil_count", a field or SDV code, "participant 12": what a page must not show.
CODES = re.compile(r"(?<!\d )visit · |· [a-z]+_|eosinophil_count|primary_endpoints|participant \d")


def _visible_text(html: str) -> str:
    """The page's text without tags and attribute values (form values keep their codes)."""
    return re.sub(r"<[^>]*>", " ", html)


@pytest.fixture
def queried(site_a: Any, coordinator_a: Any) -> Any:
    participant = followed(site_a, coordinator_a)
    day30 = record(participant, coordinator_a, "day30", eosinophil_count=Decimal("8.00"))
    day7 = record(participant, coordinator_a, "day7")
    mon = monitor(site_a)
    services.query_open(
        participant=participant,
        user=mon,
        form="visit",
        record_id=day30.pk,
        field="eosinophil_count",
        text="Check the lab report.",
    )
    services.query_open(
        participant=participant,
        user=mon,
        form="participant",
        record_id=participant.pk,
        field="npo",
        text="NPO at enrolment?",
    )
    services.sdv_verify(
        participant=participant,
        user=mon,
        form="primary_endpoints",
        record_id=day7.pk,
    )
    participant.mon = mon
    return participant


def test_ageing_list_names_record_and_field_in_words(queried, statistician):
    page = client_for(statistician).get(reverse("datamanagement:ageing")).content.decode()
    assert "Day 30 visit · Eosinophil count (x10⁹/L)" in page
    assert "Enrolment and consent · " in page
    assert not CODES.search(_visible_text(page)), CODES.search(_visible_text(page))
    assert "Open 2" in page  # the status counts in words too


def test_participant_page_queries_and_sdv_in_words(queried):
    url = reverse("datamanagement:participant_queries", kwargs={"pk": queried.pk})
    page = client_for(queried.mon).get(url).content.decode()
    where = re.findall(r'data-testid="query-where">([^<]*)<', page)
    assert "Day 30 visit · Eosinophil count (x10⁹/L)" in where
    sdv = page.split('data-testid="sdv-table"')[1].split("</table>")[0]
    assert "Day 7 visit" in sdv and "Consent" in sdv and "Randomization" in sdv
    # The "raise a query" choices: record · field, in words.
    assert re.search(r">Day 7 visit · Eosinophil count \(x10⁹/L\)</option>", page)
    assert not CODES.search(_visible_text(page)), CODES.search(_visible_text(page))


def test_monitoring_report_in_words(queried, site_a):
    url = reverse("datamanagement:monitoring_report")
    page = client_for(queried.mon).get(url, {"site": str(site_a.pk)}).content.decode()
    verified = page.split('data-testid="report-verified"')[1].split("</table>")[0]
    assert "Primary endpoints" in verified and "Day 7 visit" in verified
    raised = page.split('data-testid="report-queries"')[1].split("</table>")[0]
    assert "Day 30 visit · Eosinophil count (x10⁹/L)" in raised
    assert not CODES.search(_visible_text(page)), CODES.search(_visible_text(page))


def test_freeze_list_names_the_participant_not_its_id(queried, statistician):
    services.freeze(user=statistician, reason="Interim cut-off", participant=queried)
    page = client_for(statistician).get(reverse("datamanagement:freezes")).content.decode()
    assert f"Freeze of {queried.study_id}" in page
    assert f"participant {queried.pk}" not in page


def test_the_to_do_message_names_the_record_and_field(queried, coordinator_a):
    from notifications.models import Reminder

    messages = set(
        Reminder.objects.filter(kind="query_to_answer").values_list("message", flat=True)
    )
    assert f"{queried.study_id}, Day 30 visit · Eosinophil count (x10⁹/L): " in "".join(messages)


def test_french_reader_reads_the_labels_in_french(queried, statistician, site_a):
    site_a.language = "fr"
    site_a.save()
    page = client_for(statistician).get(reverse("datamanagement:ageing")).content.decode()
    assert "Visite J30 · " in page
    assert "Inclusion et consentement · " in page


def test_another_sites_coordinator_gets_404(queried, coordinator_b):
    url = reverse("datamanagement:participant_queries", kwargs={"pk": queried.pk})
    assert client_for(coordinator_b).get(url).status_code == 404
    ageing = client_for(coordinator_b).get(reverse("datamanagement:ageing")).content.decode()
    assert "Day 30 visit" not in ageing
