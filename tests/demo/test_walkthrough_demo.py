"""Defects found walking the living demo in a browser (issue 16 items 2, 3, 8): the
participant awaiting a decision today has baseline labs recorded at enrolment, so the
assessment form shows them instead of asking again, and names the block in words."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from demo.seeding import seed_demo_sites_and_users
from demo.story import seed_stories
from dosing.models import Regimen
from dosing.protocol import BLOCK_LABELS, Block, State
from enrollment.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    seed_demo_sites_and_users()
    return seed_stories()


def test_demo_participants_have_their_baseline_labs(demo):
    participants = list(Participant.objects.all())
    assert participants
    for participant in participants:
        for lab in ("alt", "ast", "bilirubin", "creatinine", "eosinophils"):
            assert getattr(participant, f"baseline_{lab}") is not None, (participant, lab)


def test_assessment_form_reads_baselines_and_names_the_block(demo, login):
    regimen = Regimen.objects.select_related("participant").get(
        participant__study_id="USC-002", state=State.AWAITING_DECISION
    )
    body = (
        login(User.objects.get(username="investigator"))
        .get(f"/dosing/participants/{regimen.participant_id}/assess/")
        .content.decode()
    )
    for lab in ("alt", "ast", "bilirubin", "creatinine", "eosinophils"):
        tag = body[body.index(f'name="baseline_{lab}"') :]
        assert "disabled" in tag[: tag.index(">")], lab
    label = BLOCK_LABELS[Block(regimen.current_block)]  # the arm is the live list's
    block = body[body.index('data-testid="current-block"') :]
    assert label in block[: block.index("</strong>")]
    assert f">{regimen.current_block}<" not in body
    assert f"study day {regimen.next_decision_day}: {label}" in body


def test_demo_has_an_open_query_shown_on_the_grid(demo, login):
    from datamanagement.models import Query

    query = Query.objects.get(participant__study_id="USC-005", field="eosinophil_count")
    assert query.status == "open"
    body = login(User.objects.get(username="coordinator")).get("/records/").content.decode()
    assert 'data-state="query_open"' in body


def test_switch_alert_names_the_arm_and_block_in_words(demo):
    from notifications.models import Reminder

    messages = set(
        Reminder.objects.filter(kind="switch", message__startswith="USC-005").values_list(
            "message", flat=True
        )
    )
    assert messages
    for message in messages:
        assert "MP_PULSE" not in message and "CSA_" not in message, message
        assert any(f"({label})" in message for label in BLOCK_LABELS.values()), message
        assert "switched to cyclosporine" in message or "switched to corticosteroids" in message


def test_query_to_answer_names_form_and_field_in_words(demo):
    from notifications.models import Reminder

    messages = set(
        Reminder.objects.filter(kind="query_to_answer").values_list("message", flat=True)
    )
    assert messages == {
        "USC-005, Day 7 visit · Eosinophil count (x10⁹/L): "
        "The source document reads 1.2 x10⁹/L; please check the entry."
    }
