"""Forms that guide (issue 16 item 2): the assessment form says when the decision is due
before anyone types, keeps its suggestion after a validation error, words each marker
plainly, and reads the baseline labs recorded at enrolment instead of asking again."""

from decimal import Decimal

import pytest

from dosing import assessment_rules
from dosing.models import Assessment
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def url(participant) -> str:
    return f"/dosing/participants/{participant.pk}/assess/"


def test_decision_due_day_and_date_shown_before_typing(
    login, site_a, coordinator_a, investigator_a
):
    participant, regimen = started(site_a, coordinator_a)
    body = login(investigator_a).get(url(participant)).content.decode()
    assert (
        f"Decision due on study day <strong>{regimen.next_decision_day}</strong> "
        f"(<strong>{regimen.next_decision_date:%Y-%m-%d}</strong>" in body
    )


def test_suggestion_kept_after_a_validation_error(login, site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    response = login(investigator_a).post(
        url(participant),
        {"improvement": "gt25", "baseline_alt": "400", "alt": "120"},  # no trend, no password
    )
    body = response.content.decode()
    assert response.status_code == 200 and Assessment.objects.count() == 0
    panel = body[body.index('data-testid="suggestion"') :]
    assert "ALT fell 78% of the way back to normal." in panel
    assert "Enter today" not in panel[: panel.index("A suggestion only")]


def test_form_and_rule_errors_in_one_response(login, site_a, coordinator_a, investigator_a):
    """A missing trend (form) and a decision not yet due (rule) show together."""
    participant, regimen = started(site_a, coordinator_a, days_ago=0)
    body = (
        login(investigator_a)
        .post(url(participant), {"improvement": "gt25", "password": TEST_PASSWORD})
        .content.decode()
    )
    assert "This field is required." in body  # labs_trend
    assert f"The decision is due on study day {regimen.next_decision_day}" in body


@pytest.mark.parametrize(
    ("today", "baseline", "words"),
    [
        ("120", "400", "ALT fell 78% of the way back to normal."),
        ("480", "400", "ALT rose 20% above baseline."),
        ("400", "400", "ALT is unchanged since baseline."),
        ("35", "400", "ALT is back to normal (at or below 40)."),
        ("35", "30", "ALT was within normal limits at baseline (not counted)."),
    ],
)
def test_marker_in_plain_words(today, baseline, words):
    assert assessment_rules.marker_note("alt", Decimal(today), Decimal(baseline)) == words


def test_no_excess_gone_wording_in_the_panel(login, site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    body = (
        login(investigator_a)
        .post(
            f"/dosing/participants/{participant.pk}/assess/suggest/",
            {"baseline_alt": "400", "alt": "500"},
        )
        .content.decode()
    )
    assert "ALT rose 25% above baseline." in body and "excess" not in body


def test_baseline_recorded_at_enrolment_is_not_asked_again(
    login, site_a, coordinator_a, investigator_a
):
    participant, _ = started(site_a, coordinator_a, baseline_alt=Decimal("400"))
    client = login(investigator_a)
    page = client.get(url(participant)).content.decode()
    assert "ALT (U/L) at baseline (recorded at enrolment)" in page
    field = page[page.index('name="baseline_alt"') - 200 : page.index('name="baseline_alt"') + 200]
    assert "disabled" in field and 'value="400' in field
    response = client.post(
        url(participant),
        {
            "improvement": "gt25",
            "labs_trend": "down",
            "password": TEST_PASSWORD,
            "baseline_alt": "9999",  # ignored: the recorded baseline is used
            "alt": "120",
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.baseline_alt, assessment.suggested_improvement) == (Decimal("400.0"), "gt25")


def test_relapse_names_every_problem_at_once(site_a, coordinator_a):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from dosing import services

    participant, regimen = started(site_a, coordinator_a)
    regimen.state = "monitoring"
    regimen.save()
    with pytest.raises(ValidationError) as excinfo:
        services.relapse_record(
            participant=participant,
            user=coordinator_a,
            relapse_on=regimen.day1 + dt.timedelta(days=400),  # in the future
            reason="",  # an edit of a saved regimen needs a reason
        )
    assert set(excinfo.value.message_dict) == {"relapse_on", "reason_for_change"}


def test_service_uses_the_recorded_baseline(site_a, coordinator_a, investigator_a):
    """The API path too: a recorded baseline is the baseline, whatever is sent."""
    from dosing import services

    participant, _ = started(site_a, coordinator_a, baseline_alt=Decimal("400"))
    services.assessment_sign(
        participant=participant,
        user=investigator_a,
        password=TEST_PASSWORD,
        improvement="gt25",
        labs_trend="down",
        labs={"alt": Decimal("120")},
        baseline={"alt": Decimal("9999"), "ast": Decimal("300")},
    )
    assessment = Assessment.objects.get()
    assert (assessment.baseline_alt, assessment.baseline_ast) == (
        Decimal("400.0"),
        Decimal("300.0"),
    )
