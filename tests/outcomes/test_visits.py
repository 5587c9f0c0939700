"""Visits and endpoints, sign-off and locking, the hospital course; pages and API."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from outcomes import services
from outcomes.models import HospitalCourse, Visit
from tests.api_tokens import api_key
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

DAY7 = {
    "organ_resolution": "no",
    "erythema_resolution": "yes",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "eosinophil_count": "0.8",
    "vital_status": "alive",
}


def day7(participant) -> Visit:
    return Visit.objects.get(participant=participant, name="day7")


def enrolled_days_ago(participant, days):
    participant.enrolled_at = timezone.now() - dt.timedelta(days=days)
    participant.save()


def test_schedule_has_four_visits_with_windows(site_a, coordinator_a):
    participant, regimen = started(site_a, coordinator_a)
    visits = list(Visit.objects.filter(participant=participant).order_by("study_day"))
    assert [(v.name, (v.window_closes - v.window_opens).days) for v in visits] == [
        ("day7", 2),
        ("day30", 6),
        ("day60", 14),
        ("day90", 14),
    ]
    assert visits[0].target_date == regimen.day1 + dt.timedelta(days=6)


def test_record_day7_in_window(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    visit = services.visit_record(
        visit=day7(participant),
        user=coordinator_a,
        completed_on=day7(participant).target_date,
        endpoints=DAY7,
    )
    visit.refresh_from_db()
    assert (visit.fever, str(visit.eosinophil_count), visit.vital_status) == ("no", "0.80", "alive")


def test_missing_endpoint_is_refused(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(
            visit=day7(participant),
            user=coordinator_a,
            completed_on=day7(participant).target_date,
            endpoints={**DAY7, "fever": ""},
        )
    assert "fever" in excinfo.value.message_dict


def test_endpoint_of_another_visit_is_refused(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(
            visit=day7(participant),
            user=coordinator_a,
            completed_on=day7(participant).target_date,
            endpoints={**DAY7, "cmv_pcr": "positive"},
        )
    assert "cmv_pcr" in excinfo.value.message_dict


def test_out_of_window_needs_a_reason(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=20)
    enrolled_days_ago(participant, 21)
    late = day7(participant).window_closes + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(
            visit=day7(participant), user=coordinator_a, completed_on=late, endpoints=DAY7
        )
    assert "out_of_window_reason" in excinfo.value.message_dict
    visit = services.visit_record(
        visit=day7(participant),
        user=coordinator_a,
        completed_on=late,
        endpoints=DAY7,
        out_of_window_reason="Patient in ICU",
    )
    assert visit.out_of_window_reason == "Patient in ICU"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"eosinophil_count": "60"}, "eosinophil_count"),
        ({"fever": "maybe"}, "fever"),
    ],
)
def test_implausible_values_are_refused(site_a, coordinator_a, change, field):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(
            visit=day7(participant),
            user=coordinator_a,
            completed_on=day7(participant).target_date,
            endpoints={**DAY7, **change},
        )
    assert field in excinfo.value.message_dict
    assert Visit.objects.get(pk=day7(participant).pk).completed_on is None


def test_dates_not_in_future_nor_before_enrolment(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 3)
    with pytest.raises(ValidationError, match="before enrolment"):
        services.visit_record(
            visit=day7(participant),
            user=coordinator_a,
            completed_on=timezone.localdate(timezone=site_a.tz) - dt.timedelta(days=5),
            endpoints=DAY7,
            out_of_window_reason="x",
        )
    with pytest.raises(ValidationError, match="future"):
        services.visit_record(
            visit=day7(participant),
            user=coordinator_a,
            completed_on=timezone.localdate(timezone=site_a.tz) + dt.timedelta(days=2),
            endpoints=DAY7,
            out_of_window_reason="x",
        )


def test_edit_needs_reason_and_sign_off_locks(site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    when = day7(participant).target_date
    services.visit_record(
        visit=day7(participant), user=coordinator_a, completed_on=when, endpoints=DAY7
    )
    with pytest.raises(ValidationError, match="reason"):
        services.visit_record(
            visit=day7(participant),
            user=coordinator_a,
            completed_on=when,
            endpoints={**DAY7, "fever": "yes"},
        )
    services.visit_record(
        visit=day7(participant),
        user=coordinator_a,
        completed_on=when,
        endpoints={**DAY7, "fever": "yes"},
        reason="Chart re-read",
    )
    assert day7(participant).history.first().history_change_reason == "Chart re-read"
    services.visit_sign_off(
        visit=day7(participant),
        user=investigator_a,
        password=TEST_PASSWORD,
        meaning="reviewed and approved",
    )
    with pytest.raises(ValidationError, match="locked"):
        services.visit_record(
            visit=day7(participant),
            user=coordinator_a,
            completed_on=when,
            endpoints=DAY7,
            reason="again",
        )
    with pytest.raises(ValidationError):
        services.visit_unlock(visit=day7(participant), user=investigator_a, reason="")
    services.visit_unlock(visit=day7(participant), user=investigator_a, reason="Lab corrected")
    assert day7(participant).locked is False


def test_missed_visit_keeps_its_reason(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=20)
    with pytest.raises(ValidationError):
        services.visit_mark_missed(visit=day7(participant), user=coordinator_a, reason=" ")
    visit = services.visit_mark_missed(
        visit=day7(participant), user=coordinator_a, reason="Transferred to another hospital"
    )
    assert (visit.missed, visit.missed_reason) == (True, "Transferred to another hospital")


def test_hospital_course_rules(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=20)
    enrolled_days_ago(participant, 21)
    today = timezone.localdate(timezone=site_a.tz)
    with pytest.raises(ValidationError) as excinfo:
        services.hospital_course_save(
            participant=participant,
            user=coordinator_a,
            values={
                "admission_date": today - dt.timedelta(days=5),
                "discharge_date": today - dt.timedelta(days=10),
            },
        )
    assert "discharge_date" in excinfo.value.message_dict
    course = services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        values={
            "admission_date": today - dt.timedelta(days=22),
            "discharge_date": today - dt.timedelta(days=8),
        },
    )
    assert course.days_of_hospitalization == 14
    with pytest.raises(ValidationError, match="reason"):
        services.hospital_course_save(
            participant=participant,
            user=coordinator_a,
            values={
                "admission_date": today - dt.timedelta(days=22),
                "discharge_date": today - dt.timedelta(days=8),
                "death_date": today - dt.timedelta(days=1),
                "death_cause": "Sepsis",
            },
        )
    course = services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        reason="Death reported",
        values={
            "admission_date": today - dt.timedelta(days=22),
            "discharge_date": today - dt.timedelta(days=8),
            "death_date": today - dt.timedelta(days=1),
            "death_cause": "Sepsis",
        },
    )
    assert HospitalCourse.objects.get().death_cause == "Sepsis"


def test_death_makes_later_visits_not_expected(login, site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=40)
    enrolled_days_ago(participant, 41)
    today = timezone.localdate(timezone=site_a.tz)
    services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        values={"death_date": today - dt.timedelta(days=35), "death_cause": "Myocarditis"},
    )
    body = login(coordinator_a).get(f"/participants/{participant.pk}/").content.decode()
    # died on study day 6, before every window closed: no visit is owed, none is overdue
    assert body.count(">Not expected<") == 4  # the status's label, not its code
    assert "overdue" not in body


def test_pages_404_for_another_sites_coordinator(login, site_a, coordinator_a, coordinator_b):
    participant, _ = started(site_a, coordinator_a)
    visit = day7(participant)
    client = login(coordinator_b)
    for url in (
        f"/visits/participants/{participant.pk}/{visit.pk}/",
        f"/visits/participants/{participant.pk}/hospital-course/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/visits/participants/{participant.pk}/{visit.pk}/missed/", {"missed_reason": "x"}
        ).status_code
        == 404
    )
    body = client.get("/visits/").content.decode()
    assert participant.study_id not in body


def test_visit_form_shows_only_its_endpoints(login, site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a)
    day60 = Visit.objects.get(participant=participant, name="day60")
    body = (
        login(coordinator_a)
        .get(f"/visits/participants/{participant.pk}/{day60.pk}/")
        .content.decode()
    )
    assert "HHV-6 PCR" in body and "CMV PCR" in body
    assert "erythema" not in body.lower()


def test_visit_form_post(login, site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    visit = day7(participant)
    response = login(coordinator_a).post(
        f"/visits/participants/{participant.pk}/{visit.pk}/",
        {"completed_on": visit.target_date.isoformat(), **DAY7},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert day7(participant).completed_on == visit.target_date


def test_visit_form_bad_input_message(login, site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    visit = day7(participant)
    response = login(coordinator_a).post(
        f"/visits/participants/{participant.pk}/{visit.pk}/",
        {"completed_on": "not-a-date", **DAY7, "eosinophil_count": "abc"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid date" in body and "Enter a number" in body


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def test_api_get_and_put(site_a, coordinator_a, coordinator_b, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    items = api(coordinator_a).get(f"/api/v1/participants/{participant.pk}/visits").json()
    assert [i["visit"] for i in items] == ["day7", "day30", "day60", "day90"]
    assert items[0]["status"] == "open"
    url = f"/api/v1/participants/{participant.pk}/visits/day7/endpoints"
    bad = api(coordinator_a).put(url, {"completed_on": "x", "endpoints": DAY7}, format="json")
    assert bad.status_code == 400 and "completed_on" in bad.json()
    ok = api(coordinator_a).put(
        url,
        {"completed_on": day7(participant).target_date.isoformat(), "endpoints": DAY7},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["status"] == "completed"
    assert (
        api(coordinator_b).get(f"/api/v1/participants/{participant.pk}/visits").status_code == 404
    )
    assert api(pharmacist_a).put(url, {}, format="json").status_code == 403
