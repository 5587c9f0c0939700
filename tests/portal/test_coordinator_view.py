"""Issue 16 items 3-5: human labels, site times, the audit page, the to-do badge."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from dosing.protocol import (
    BLOCK_LABELS,
    EVENT_TYPE_LABELS,
    OUTCOME_LABELS,
    Block,
    EventType,
    Outcome,
    label_of,
)
from enrollment import services as enrollment_services
from enrollment.audit import AUDIT_PER_PAGE, audit_page, humanize, participant_audit_trail
from enrollment.models import Participant
from notifications.context_processors import todo_badge
from notifications.models import Reminder
from outcomes.schedule import DEFAULT_WINDOWS, visit_label
from randomization.blocks import stratum_key, stratum_label
from tests.enrollment.factories import screen

pytestmark = pytest.mark.django_db


# --- Labels ------------------------------------------------------------------------------


def test_every_block_event_and_outcome_has_a_label():
    assert set(BLOCK_LABELS) == set(Block)
    assert set(EVENT_TYPE_LABELS) == set(EventType)
    assert set(OUTCOME_LABELS) == set(Outcome)
    assert BLOCK_LABELS[Block.MP_PULSE_1] == "Methylprednisolone pulse, days 1–3"
    assert EVENT_TYPE_LABELS[EventType.OFF_PROTOCOL] == "Off protocol"
    assert label_of("NOT_A_BLOCK", BLOCK_LABELS) == "NOT_A_BLOCK"  # old data: shown as is


@pytest.mark.parametrize(
    ("name", "label"), [("day7", "Day 7"), ("day30", "Day 30"), ("day90", "Day 90"), ("x", "x")]
)
def test_visit_labels(name, label):
    assert visit_label(name) == label


def test_every_scheduled_visit_has_a_human_label():
    assert all(visit_label(w.name) == f"Day {w.study_day}" for w in DEFAULT_WINDOWS)


def test_stratum_labels():
    key = stratum_key("USC", {"renal_impairment": "yes"})
    assert stratum_label(key) == "USC, renal impairment: yes"
    assert stratum_label("PAR") == "PAR"


def test_label_filters_in_templates():
    out = Template(
        "{% load dosing_labels outcomes_labels randomization_labels %}"
        "{{ b|block_label }}|{{ e|event_label }}|{{ v|visit_label }}|{{ s|stratum_label }}"
    ).render(
        Context(
            {"b": "MP_PULSE_1", "e": "off_protocol", "v": "day7", "s": "USC|renal_impairment=no"}
        )
    )
    assert out == (
        "Methylprednisolone pulse, days 1–3|Off protocol|Day 7|USC, renal impairment: no"
    )


# --- Time ------------------------------------------------------------------------------


def test_site_time_filters_name_the_zone():
    moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.UTC)
    out = Template(
        "{% load site_time %}{{ m|site_time:'America/Los_Angeles' }}|{{ m|site_clock:z }}|"
        "{{ m|site_date:'Pacific/Auckland' }}|{{ m|utc_time }}|{{ none|site_time:z }}"
    ).render(Context({"m": moment, "z": "America/Los_Angeles", "none": None}))
    assert out == (
        "2026-11-27 10:00 (America/Los_Angeles)|10:00 (America/Los_Angeles)|2026-11-28|"
        "2026-11-27 18:00 UTC|"
    )


def test_consent_entered_in_site_time_is_shown_back_in_site_time(login, site_a, coordinator_a):
    """Today consent entered at 10:00 site time came back as "18:00 UTC"."""
    screening = screen(site_a, coordinator_a)
    client = login(coordinator_a)
    form = client.get(f"/participants/screening/{screening.pk}/enrol/").content.decode()
    assert "Consent signed (date and time at the site, America/Los_Angeles)" in form
    day = timezone.localdate(timezone=site_a.tz) - dt.timedelta(days=1)
    response = client.post(
        f"/participants/screening/{screening.pk}/enrol/",
        {
            "consent_at": f"{day.isoformat()}T10:00",
            "consent_form_version": "v2.1",
            "consent_obtained_by": "Dr Ray",
        },
    )
    assert response.status_code == 302
    participant = Participant.objects.get()
    local = dt.datetime.combine(day, dt.time(10, 0), tzinfo=zoneinfo.ZoneInfo(site_a.time_zone))
    assert participant.consent_at == local
    page = client.get(response["Location"]).content.decode()
    assert f"{day:%Y-%m-%d} 10:00 (America/Los_Angeles)" in page
    assert "18:00 UTC" not in page and "17:00 UTC" not in page


# --- Audit -------------------------------------------------------------------------------


def test_audit_shows_names_and_labels_filters_and_pages(
    login, site_a, coordinator_a, investigator_a
):
    coordinator_a.first_name, coordinator_a.last_name = "Cora", "Ortiz"
    coordinator_a.save()
    screening = screen(site_a, coordinator_a)
    participant = enrollment_services.participant_enrol(
        screening=screening,
        user=coordinator_a,
        consent_at=timezone.now() - dt.timedelta(hours=1),
        consent_form_version="v1",
        consent_obtained_by="Dr Ray",
    )
    entries = humanize(participant_audit_trail(participant))
    whos = {e.who for e in entries}
    assert "Cora Ortiz (coord_a)" in whos
    created_by = [e for e in entries if e.record == "Participant" and e.field == "created by"]
    assert created_by and created_by[0].new == "Cora Ortiz (coord_a)"  # a name, not an id
    sex = [e for e in entries if e.record == "Participant" and e.field == "sex"]
    assert sex and sex[0].new == "Female"  # the choice's label, not "female"

    client = login(coordinator_a)
    url = f"/participants/{participant.pk}/audit/"
    body = client.get(url, {"record": "Screening"}).content.decode()
    assert "Screening #" in body and "Participant #" not in body
    body = client.get(url, {"field": "consent"}).content.decode()
    assert "consent form version" in body and "initials" not in body
    tomorrow = timezone.now().date() + dt.timedelta(days=2)
    body = client.get(url, {"date_from": tomorrow.isoformat()}).content.decode()
    assert "0 changes" in body
    body = client.get(url, {"who": "Nobody"}).content.decode()  # not a choice: no 500
    assert client.get(url, {"date_from": "not-a-date"}).status_code == 200
    form, page = audit_page(participant, {})
    assert page.paginator.per_page == AUDIT_PER_PAGE
    assert page.paginator.count == len(entries)


def test_audit_pages_long_trails(site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    participant = enrollment_services.participant_enrol(
        screening=screening,
        user=coordinator_a,
        consent_at=timezone.now() - dt.timedelta(hours=1),
        consent_form_version="v1",
        consent_obtained_by="Dr Ray",
    )
    for i in range(60):
        enrollment_services.participant_set_renal_impairment(
            participant=participant, user=coordinator_a, override=bool(i % 2), reason=f"r{i}"
        )
    _, first = audit_page(participant, {})
    assert first.paginator.num_pages >= 2 and len(first.object_list) == AUDIT_PER_PAGE
    _, second = audit_page(participant, {"page": "2"})
    assert second.number == 2


# --- To-do badge -----------------------------------------------------------------------


def test_todo_badge_counts_open_items_in_one_query(
    site_a, coordinator_a, participant_a, django_assert_num_queries
):
    from django.contrib.contenttypes.models import ContentType

    subject_type = ContentType.objects.get_for_model(Participant)
    for i, status in enumerate(("open", "open", "closed", "dismissed")):
        Reminder.objects.create(
            user=coordinator_a,
            site=site_a,
            subject_type=subject_type,
            subject_id=participant_a.pk,
            kind="visit_due",
            title="Visit due today",
            due_date=dt.date(2026, 1, 1) + dt.timedelta(days=i),
            message="m",
            status=status,
            url="/visits/participants/1/1/",
        )
    request = RequestFactory().get("/")
    request.user = coordinator_a
    context = todo_badge(request)
    with django_assert_num_queries(1):
        assert context["todo_count"] == 2


def test_badge_is_in_the_navigation(login, coordinator_a):
    body = login(coordinator_a).get("/").content.decode()
    assert 'data-testid="todo-badge"' in body and "/visits/todo/" in body
