"""Forms that guide (issue 16 item 2): the screening form marks its required fields and
lists every problem at once; the enrolment form records the baseline labs once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enrollment import services
from enrollment.models import Participant, Screening
from tests.enrollment.factories import form_data, screen

pytestmark = pytest.mark.django_db


def test_required_fields_are_marked(login, coordinator_a, site_a):
    body = login(coordinator_a).get("/participants/screening/new/").content.decode()
    age = body[body.index('id="div_id_age"') : body.index('id="div_id_sex"')]
    assert "asteriskField" in age and " required" in age
    leukocytes = body[body.index('id="div_id_leukocyte_count"') :][:600]
    assert "asteriskField" not in leukocytes
    assert "js/forms.js" in body


def test_every_field_problem_in_one_summary(login, coordinator_a, site_a):
    response = login(coordinator_a).post(
        "/participants/screening/new/",
        form_data(site_a, weight_kg="abc", initials="A1", fever="", age="300"),
    )
    body = response.content.decode()
    summary = body[body.index('data-testid="error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    for field in ("weight_kg", "initials", "fever", "age"):
        assert f'data-error-for="{field}"' in summary, field
    assert Screening.objects.count() == 0


def test_screening_service_names_every_problem(site_a, coordinator_a):
    future = timezone.localdate(timezone=site_a.tz) + dt.timedelta(days=3)
    screen(site_a, coordinator_a)  # a valid one first; the refused one writes nothing
    with pytest.raises(ValidationError) as excinfo:
        services.screening_record(
            site=site_a,
            user=coordinator_a,
            answers=_answers(),
            initials="A1",
            screened_on=future,
        )
    assert {"initials", "screened_on"} <= set(excinfo.value.message_dict)
    assert Screening.objects.count() == 1


def _answers():
    from enrollment.screening_contract import parse_screening_input
    from tests.enrollment.factories import document

    return parse_screening_input(document())


def test_enrol_service_names_every_problem(site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        services.participant_enrol(
            screening=screening,
            user=coordinator_a,
            consent_at=timezone.now() + dt.timedelta(days=1),
            consent_form_version=" ",
            consent_obtained_by="",
        )
    assert set(excinfo.value.message_dict) == {
        "consent_at",
        "consent_form_version",
        "consent_obtained_by",
    }
    assert Participant.objects.count() == 0


def test_enrol_form_prefills_baseline_labs_from_screening(login, site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    body = (
        login(coordinator_a).get(f"/participants/screening/{screening.pk}/enrol/").content.decode()
    )
    assert 'name="baseline_alt"' in body
    eos = body[body.index('name="baseline_eosinophils"') - 300 :][:600]
    assert f'value="{screening.eosinophil_count}' in eos or (
        screening.eosinophil_count is None and "value=" not in eos.split(">")[0]
    )


def test_baseline_labs_recorded_once_at_enrolment(login, site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    yesterday = timezone.localdate(timezone=site_a.tz) - dt.timedelta(days=1)
    response = login(coordinator_a).post(
        f"/participants/screening/{screening.pk}/enrol/",
        {
            "consent_at": f"{yesterday.isoformat()}T08:15",
            "consent_form_version": "v2.1",
            "consent_obtained_by": "Dr Ray",
            "baseline_alt": "410",
            "baseline_ast": "220",
            "baseline_bilirubin": "2.4",
            "baseline_creatinine": "1.6",
            "baseline_eosinophils": "2.1",
        },
    )
    assert response.status_code == 302
    p = Participant.objects.get()
    assert (p.baseline_alt, p.baseline_ast, p.baseline_bilirubin) == (
        Decimal("410.0"),
        Decimal("220.0"),
        Decimal("2.40"),
    )
    assert (p.baseline_creatinine, p.baseline_eosinophils) == (Decimal("1.60"), Decimal("2.100"))
