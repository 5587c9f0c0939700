"""Missed visits (issue 15 item 1): only once the window has closed, in the site's local
date; earlier only for a reason from the fixed list. Pure rule, service, page and API."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from outcomes import services
from outcomes.models import Visit
from outcomes.schedule import MissedReason, missed_allowed, missed_label
from tests.api_tokens import api_key
from tests.dosing.helpers import started

CLOSES = dt.date(2026, 3, 12)
DAY_BEFORE, CLOSE_DAY, DAY_AFTER = CLOSES - dt.timedelta(days=1), CLOSES, CLOSES + dt.timedelta(1)

# (case, today, reason code, note, allowed?, field refused)
RULE = [
    (
        "window closed, day before close, no code",
        DAY_BEFORE,
        "",
        "forgot",
        False,
        "missed_reason_code",
    ),
    ("window closed, close day, no code", CLOSE_DAY, "", "forgot", False, "missed_reason_code"),
    ("window closed, day after close", DAY_AFTER, "", "forgot", True, ""),
    ("window closed, day after close, no note", DAY_AFTER, "", " ", False, "missed_reason"),
    ("window closed code, close day", CLOSE_DAY, "window_closed", "x", False, "missed_reason_code"),
    ("died, day before close", DAY_BEFORE, "died", "", True, ""),
    ("died, close day", CLOSE_DAY, "died", "", True, ""),
    ("died, day after close", DAY_AFTER, "died", "", True, ""),
    ("withdrew, day before close", DAY_BEFORE, "withdrew", "", True, ""),
    ("withdrew, close day", CLOSE_DAY, "withdrew", "", True, ""),
    ("unreachable with note, day before", DAY_BEFORE, "unreachable", "moved to Ohio", True, ""),
    ("unreachable without note, close day", CLOSE_DAY, "unreachable", "", False, "missed_reason"),
    ("unreachable with note, day after", DAY_AFTER, "unreachable", "no answer", True, ""),
    ("not a listed reason", DAY_AFTER, "holiday", "x", False, "missed_reason_code"),
]


@pytest.mark.parametrize(
    ("today", "code", "note", "ok", "field"), [r[1:] for r in RULE], ids=[r[0] for r in RULE]
)
def test_missed_rule_at_the_window_edges(today, code, note, ok, field):
    check = missed_allowed(window_closes=CLOSES, today=today, reason=code, note=note)
    assert check.ok is ok
    assert check.field == field
    if not ok:
        assert check.message


@pytest.mark.parametrize(
    ("code", "note", "label"),
    [
        ("died", "", "missed (participant died)"),
        ("withdrew", "", "missed (participant withdrew)"),
        ("unreachable", "moved to Ohio", "missed (moved or unreachable: moved to Ohio)"),
        ("window_closed", "transferred", "missed (transferred)"),
        ("", "transferred", "missed (transferred)"),
    ],
)
def test_missed_label(code, note, label):
    assert missed_label(code, note) == label


# --- Through the service and the API, with the clock in site time ---------------------

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def site_instant(day: dt.date, hour: int) -> dt.datetime:
    """A moment at the site (Los Angeles) on `day`; at 20:00 the UTC date is the next day."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LA)


@pytest.fixture
def day30(site_a, coordinator_a):
    """A participant whose day 30 window (+/-3) closes on CLOSES (site date)."""
    day1 = CLOSES - dt.timedelta(days=32)
    with time_machine.travel(site_instant(day1, 9), tick=False):
        participant, _ = started(site_a, coordinator_a, days_ago=0)
    visit = Visit.objects.get(participant=participant, name="day30")
    assert visit.window_closes == CLOSES
    return visit


SERVICE = [
    # On the close day at 20:00 in Los Angeles, the UTC date is already the day after.
    ("randomization day, no reason", CLOSES - dt.timedelta(days=32), 10, "", "why", False),
    ("day before close", DAY_BEFORE, 20, "", "why", False),
    ("close day, evening (UTC: next day)", CLOSE_DAY, 20, "", "why", False),
    ("day after close, early morning", DAY_AFTER, 1, "", "why", True),
    ("close day with reason died", CLOSE_DAY, 20, "died", "", True),
    ("day before, unreachable with note", DAY_BEFORE, 9, "unreachable", "moved", True),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "hour", "code", "note", "ok"), [r[1:] for r in SERVICE], ids=[r[0] for r in SERVICE]
)
def test_service_applies_the_rule_in_site_time(day30, coordinator_a, day, hour, code, note, ok):
    with time_machine.travel(site_instant(day, hour), tick=False):
        if ok:
            visit = services.visit_mark_missed(
                visit=day30, user=coordinator_a, reason=note, reason_code=code
            )
            assert visit.missed and visit.missed_reason_code == (code or "window_closed")
        else:
            with pytest.raises(ValidationError) as error:
                services.visit_mark_missed(
                    visit=day30, user=coordinator_a, reason=note, reason_code=code
                )
            assert "missed_reason_code" in error.value.message_dict
            day30.refresh_from_db()
            assert not day30.missed  # nothing half-written


@pytest.mark.django_db
def test_unreachable_marks_lost_to_follow_up(day30, coordinator_a):
    with time_machine.travel(site_instant(DAY_BEFORE, 9), tick=False):
        services.visit_mark_missed(
            visit=day30, user=coordinator_a, reason="moved abroad", reason_code="unreachable"
        )
        day30.participant.refresh_from_db()
        status = day30.participant.current_status
    assert day30.participant.lost_to_follow_up_on == day30.target_date
    assert str(status.state) == "lost_to_follow_up"


@pytest.mark.django_db
def test_page_refuses_early_and_names_the_rule(login, day30, coordinator_a):
    participant = day30.participant
    url = f"/visits/participants/{participant.pk}/{day30.pk}/missed/"
    with time_machine.travel(site_instant(DAY_BEFORE, 10), tick=False):
        client = login(coordinator_a)
        page = client.get(f"/visits/participants/{participant.pk}/{day30.pk}/").content.decode()
        assert "The window is open until 2026-03-12" in page
        response = client.post(url, {"reason_code": "window_closed", "missed_reason": "x"})
        assert response.status_code == 400
        assert "only after its window has closed" in response.content.decode()
        response = client.post(url, {"reason_code": "died", "missed_reason": ""})
        assert response.status_code == 302
        detail = client.get(f"/participants/{participant.pk}/").content.decode()
    assert "missed (participant died)" in detail


@pytest.mark.django_db
def test_api_applies_the_same_rule(day30, coordinator_a, pharmacist_a):
    participant = day30.participant
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(coordinator_a)}")
    url = f"/api/v1/participants/{participant.pk}/visits/day30/missed"
    with time_machine.travel(site_instant(CLOSE_DAY, 20), tick=False):
        refused = client.put(url, {"missed_reason": "forgot"}, format="json")
        assert refused.status_code == 400
        assert "missed_reason_code" in refused.json()
        bad = client.put(url, {"reason_code": "holiday"}, format="json")
        assert bad.status_code == 400
    with time_machine.travel(site_instant(DAY_AFTER, 8), tick=False):
        done = client.put(url, {"missed_reason": "forgot"}, format="json")
        assert done.status_code == 200
        body = done.json()
    assert (body["missed"], body["missed_reason_code"], body["missed_label"]) == (
        True,
        "window_closed",
        "missed (forgot)",
    )
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {api_key(pharmacist_a)}")
    assert other.put(url, {"reason_code": "died"}, format="json").status_code == 403


@pytest.mark.django_db
def test_completeness_does_not_count_an_early_refusal(login, day30, coordinator_a, site_a):
    """The reproduction: on the day of randomization, day 30 cannot be marked missed, so
    completeness does not show it done."""
    day1 = CLOSES - dt.timedelta(days=32)
    with time_machine.travel(site_instant(day1, 10), tick=False):
        with pytest.raises(ValidationError):
            services.visit_mark_missed(visit=day30, user=coordinator_a, reason="not coming")
        page = login(coordinator_a).get("/reports/completeness/").content.decode()
    assert "day30" not in page


def test_reasons_are_the_fixed_list():
    assert [str(r) for r in MissedReason] == ["window_closed", "died", "withdrew", "unreachable"]
