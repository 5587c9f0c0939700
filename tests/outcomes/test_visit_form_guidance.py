"""Forms that guide (issue 16 item 2): the day-30 visit form shows every problem in one
submit, marks required fields, groups its answers in sections, and branches (viral loads
only after a positive PCR, the autoimmune type only after a yes), on the server too."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from outcomes import services
from outcomes.models import HospitalCourse, Visit
from tests.dosing.helpers import started

pytestmark = pytest.mark.django_db

DAY30 = {
    "organ_resolution": "yes",
    "erythema_resolution": "yes",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "eosinophil_count": "0.4",
    "vital_status": "alive",
    "hhv6_pcr": "negative",
    "hhv7_pcr": "negative",
    "ebv_pcr": "negative",
    "cmv_pcr": "negative",
    "autoimmune_disease": "no",
}


def day30_of(site, user) -> Visit:
    participant, _ = started(site, user, days_ago=29)  # today is study day 30
    participant.enrolled_at = timezone.now() - dt.timedelta(days=31)
    participant.save()
    return Visit.objects.get(participant=participant, name="day30")


def url(visit: Visit) -> str:
    return f"/visits/participants/{visit.participant_id}/{visit.pk}/"


def post(client, visit: Visit, **changes):
    data = {"completed_on": visit.target_date.isoformat(), **DAY30, **changes}
    return client.post(url(visit), {k: v for k, v in data.items() if v is not None})


def field_block(body: str, name: str) -> str:
    """The HTML of one field: from its wrapper to the next field or the section's end."""
    start = body.index(f'<div data-field="{name}">')
    ends = [
        i
        for i in (body.find("<div data-field=", start + 1), body.find("</fieldset>", start))
        if i > 0
    ]
    return body[start : min(ends)]


def field_errors(body: str, name: str) -> list[str]:
    """The messages shown beside one field (crispy's invalid-feedback blocks)."""
    return re.findall(
        r'id="error_\d+_[^"]*"[^>]*>\s*<strong>(.*?)</strong>', field_block(body, name), re.S
    )


def test_three_errors_in_one_submit(login, site_a, coordinator_a):
    """One field-level error and two rule-level errors: all three in ONE response."""
    visit = day30_of(site_a, coordinator_a)
    response = post(
        login(coordinator_a),
        visit,
        eosinophil_count="abc",  # field level: not a number
        autoimmune_disease="yes",  # rule: the type is then needed
        vital_status="dead",  # rule: the date of death is then needed
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert field_errors(body, "eosinophil_count") == ["Enter a number."]
    assert field_errors(body, "autoimmune_type") == ["Give the type of autoimmune disease."]
    assert field_errors(body, "death_date") == ["Give the date of death."]
    assert Visit.objects.get(pk=visit.pk).completed_on is None  # nothing written


def test_error_summary_lists_every_problem_at_the_top(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    body = post(
        login(coordinator_a),
        visit,
        eosinophil_count="abc",
        autoimmune_disease="yes",
        vital_status="dead",
    ).content.decode()
    summary = body[
        body.index('data-testid="error-summary"') : body.index(
            "</ul>", body.index('data-testid="error-summary"')
        )
    ]
    assert summary.count("<li") == 3
    assert body.index('data-testid="error-summary"') < body.index('data-field="completed_on"')


def test_service_raises_every_rule_at_once(site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    late = visit.window_closes + dt.timedelta(days=1)
    with pytest.raises(services.ValidationError) as excinfo:
        services.visit_record(
            visit=visit,
            user=coordinator_a,
            completed_on=min(late, timezone.localdate(timezone=site_a.tz)),
            endpoints={**DAY30, "fever": "", "autoimmune_disease": "yes", "vital_status": "dead"},
        )
    assert {"fever", "autoimmune_type", "death_date"} <= set(excinfo.value.message_dict)


def test_required_fields_are_marked(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    body = login(coordinator_a).get(url(visit)).content.decode()
    fever = body[
        body.index('<div data-field="fever">') : body.index('<div data-field="lymphadenopathy">')
    ]
    assert "asteriskField" in fever and "required" in fever
    load = body[
        body.index('<div data-field="hhv6_load">') : body.index('<div data-field="hhv7_pcr">')
    ]
    assert "asteriskField" not in load


def test_long_form_in_sections_with_headings(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    body = login(coordinator_a).get(url(visit)).content.decode()
    legends = re.findall(r'<legend class="h5">(.*?)</legend>', body)
    assert legends == [
        "The visit",
        "Skin and organs",
        "Signs and blood count",
        "Vital status",
        "Viral reactivation (PCR)",
        "Autoimmune disease",
    ]


def test_branching_fields_carry_their_condition(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    body = login(coordinator_a).get(url(visit)).content.decode()
    assert re.search(
        r'name="cmv_load"[^>]*data-show-when="cmv_pcr"|data-show-when="cmv_pcr"[^>]*name="cmv_load"',
        body,
    )
    assert 'data-show-values="positive"' in body
    assert re.search(r'data-show-when="autoimmune_disease"', body)
    assert "js/forms.js" in body


def test_load_without_positive_pcr_is_cleared(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    response = post(
        login(coordinator_a),
        visit,
        hhv6_pcr="negative",
        hhv6_load="5000",
        cmv_pcr="positive",
        cmv_load="1200",
    )
    assert response.status_code == 302
    saved = Visit.objects.get(pk=visit.pk)
    assert (saved.hhv6_load, saved.cmv_load) == (None, 1200)


def test_hidden_field_typed_wrong_is_no_error(login, site_a, coordinator_a):
    """A load typed as text before the PCR was set to negative: hidden, so not an error."""
    visit = day30_of(site_a, coordinator_a)
    response = post(login(coordinator_a), visit, ebv_pcr="negative", ebv_load="lots")
    assert response.status_code == 302


def test_autoimmune_type_without_yes_is_cleared_by_the_service(site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    saved = services.visit_record(
        visit=visit,
        user=coordinator_a,
        completed_on=visit.target_date,
        endpoints={**DAY30, "autoimmune_type": "other", "autoimmune_other": "lupus"},
    )
    assert (saved.autoimmune_type, saved.autoimmune_other) == ("", "")


def test_unknown_and_not_assessed_are_answers(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    client = login(coordinator_a)
    body = client.get(url(visit)).content.decode()
    assert 'name="fever" value="unknown"' in body and 'name="fever" value="not_assessed"' in body
    response = post(client, visit, fever="unknown", organ_resolution="not_assessed")
    assert response.status_code == 302
    saved = Visit.objects.get(pk=visit.pk)
    assert (saved.fever, saved.organ_resolution) == ("unknown", "not_assessed")


def test_readmission_details_cleared_without_a_readmission(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=20)
    participant.enrolled_at = timezone.now() - dt.timedelta(days=21)
    participant.save()
    today = timezone.localdate(timezone=site_a.tz)
    services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        values={
            "admission_date": today - dt.timedelta(days=22),
            "discharge_date": today - dt.timedelta(days=8),
            "readmitted_within_30_days": "no",
            "readmission_date": today - dt.timedelta(days=2),
            "readmission_reason": "typed before the answer changed",
        },
    )
    course = HospitalCourse.objects.get(participant=participant)
    assert (course.readmission_date, course.readmission_reason) == (None, "")


def test_readmission_details_show_only_after_yes(login, site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=20)
    body = (
        login(coordinator_a)
        .get(f"/visits/participants/{participant.pk}/hospital-course/")
        .content.decode()
    )
    assert body.count('data-show-when="readmitted_within_30_days"') == 2


def test_unknown_answers_are_left_out_of_the_denominator():
    """An "unknown" or "not assessed" answer has no status: counted beside N, not in it."""
    from reports.analysis import ParticipantRow, endpoints_by_arm

    day = dt.date(2026, 1, 1)
    answers = ["yes", "no", "unknown", "not_assessed"]
    rows = [
        ParticipantRow(
            pk=i,
            study_id=f"A-{i}",
            site="A",
            arm="steroids",
            day1=day,
            randomized_on=day,
            status="enrolled",
            visits={"day7": {"fever": answer}},
        )
        for i, answer in enumerate(answers)
    ]
    fever = next(
        r
        for r in endpoints_by_arm(rows)["binary"]
        if (r["endpoint"], r["visit"]) == ("fever", "day7")
    )
    assert (fever["steroids"]["x"], fever["steroids"]["n"], fever["steroids"]["unknown"]) == (
        1,
        2,
        2,
    )


def test_a_list_where_an_answer_belongs_is_a_field_error(site_a, coordinator_a):
    """Through the API a value may be any JSON: a list for the PCR is refused by name."""
    visit = day30_of(site_a, coordinator_a)
    with pytest.raises(services.ValidationError) as excinfo:
        services.visit_record(
            visit=visit,
            user=coordinator_a,
            completed_on=visit.target_date,
            endpoints={**DAY30, "hhv6_pcr": ["positive"], "autoimmune_disease": {"a": 1}},
        )
    assert {"hhv6_pcr", "autoimmune_disease"} <= set(excinfo.value.message_dict)


def test_an_empty_post_shows_the_form_again(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    response = login(coordinator_a).post(url(visit), {})
    assert response.status_code == 200
    assert Visit.objects.get(pk=visit.pk).completed_on is None
