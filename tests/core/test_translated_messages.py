"""Issue 16 item 9: the messages people read are translated, not built in English.

Service errors (ValidationError) are gettext with named placeholders: the same English
as before, French for a French reader. The scripts (charts, SAE countdown) take their
words from the page (data-* attributes), in the reader's language: no English in them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from datamanagement import services as dm_services
from enrollment import services as enrollment_services
from randomization.services import NoSlotError
from safety import services as safety_services
from tests.conftest import client_for
from tests.datamanagement.helpers import followed
from tests.safety.helpers import ae_input, recent_participant
from trialadmin import services as trialadmin_services

ROOT = Path(__file__).resolve().parents[2]


def fresh(user):
    """The user read again: the memberships cached on the object predate the site's
    new language."""
    return type(user).objects.get(pk=user.pk)


pytestmark = pytest.mark.django_db


def _withdraw_twice(participant, user, language: str) -> str:
    today = timezone.localdate(timezone=participant.site.tz)
    enrollment_services.participant_withdraw(
        participant=participant,
        user=user,
        withdrawn_on=today,
        reason="Moved away",
        kind="treatment",
    )
    participant.refresh_from_db()
    with translation.override(language), pytest.raises(ValidationError) as caught:
        enrollment_services.participant_withdraw(
            participant=participant,
            user=user,
            withdrawn_on=today - dt.timedelta(days=1),
            reason="Earlier date",
            kind="follow_up",
        )
    return caught.value.message_dict["withdrawn_on"][0]


def test_a_service_error_keeps_its_english_and_reads_french(site_a, coordinator_a):
    participant = followed(site_a, coordinator_a, days_ago=5)
    today = timezone.localdate(timezone=site_a.tz)
    english = _withdraw_twice(participant, coordinator_a, "en")
    assert english == f"The date is before the earlier withdrawal ({today})."
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        enrollment_services.participant_withdraw(
            participant=participant,
            user=coordinator_a,
            withdrawn_on=today - dt.timedelta(days=1),
            reason="Earlier date",
            kind="follow_up",
        )
    assert caught.value.message_dict["withdrawn_on"] == [
        f"La date précède le retrait antérieur ({today})."
    ]


def test_casebook_blockers_in_the_readers_language(site_a, coordinator_a):
    participant = followed(site_a, coordinator_a, days_ago=5)
    english = dm_services.casebook_blockers(participant)
    assert "Day 7 visit is not complete." in english
    assert "The hospital course is not recorded." in english
    with translation.override("fr"):
        french = dm_services.casebook_blockers(participant)
    assert "La visite J7 n'est pas terminée." in french
    assert "Le séjour hospitalier n'est pas enregistré." in french


def test_casebook_page_lists_the_blockers_in_french(site_a, coordinator_a):
    participant = followed(site_a, coordinator_a, days_ago=5)
    site_a.language = "fr"
    site_a.save()
    url = reverse("datamanagement:participant_queries", kwargs={"pk": participant.pk})
    page = client_for(coordinator_a).get(url).content.decode()
    assert "La visite J7 n&#x27;est pas terminée." in page


def test_text_length_and_role_messages_name_their_numbers(site_a, trial_admin):
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        dm_services._text("x" * 5000)
    assert caught.value.message_dict["text"] == ["2000 caractères au maximum."]
    with pytest.raises(ValidationError) as caught:
        dm_services._text("x" * 5000)
    assert caught.value.message_dict["text"] == ["At most 2000 characters."]
    site_a.active = False
    site_a.save()
    with pytest.raises(ValidationError) as caught:
        trialadmin_services.site_deactivate(site=site_a, by=trial_admin, reason="Closed")
    assert caught.value.message_dict["reason"] == ["SITEA is already inactive."]


def test_no_slot_message_for_the_page_is_translated():
    error = NoSlotError("SITEA|renal_impairment=no")
    english = (
        "No allocation slot left in stratum SITEA|renal_impairment=no. Nothing was changed; "
        "the trial admins have been alerted to append slots."
    )
    assert str(error) == english and error.user_message() == english
    with translation.override("fr"):
        assert error.user_message().startswith("Plus aucune place d'allocation")
        assert str(error) == english  # the admins' alert stays English


# --- The scripts take their words from the page -------------------------------------------

SCRIPT_ENGLISH = {
    "dosing.js": ["Daily dose (mg/day)", "decisions on days", "Study day", '"mg/day"'],
    "reports.js": ["Randomized", "Target", "Cyclosporine", "Corticosteroids", "Proportion"],
    "safety.js": ["overdue by", '" left"'],
}


@pytest.mark.parametrize("script", sorted(SCRIPT_ENGLISH))
def test_scripts_hold_no_english_words(script):
    text = (ROOT / "static" / "js" / script).read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)  # comments may explain
    for words in SCRIPT_ENGLISH[script]:
        assert words not in code, (script, words)


def test_sae_clock_counts_down_in_the_readers_language(site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    ae = safety_services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )
    url = reverse("safety:ae_detail", kwargs={"pk": participant.pk, "ae_pk": ae.pk})
    english = client_for(coordinator_a).get(url).content.decode()
    assert 'data-text-left="%(time)s left"' in english
    assert re.search(r'sae-clock"[^>]*>\d+ h \d\d min left<', english)
    site_a.language = "fr"
    site_a.save()
    french = client_for(fresh(coordinator_a)).get(url).content.decode()
    assert 'data-text-left="%(time)s restantes"' in french
    assert 'data-text-overdue="en retard de %(time)s"' in french
    assert re.search(r'sae-clock"[^>]*>\d+ h \d\d min restantes<', french)


def test_dashboard_charts_get_their_words_from_the_page(site_a, investigator_a):
    def chart_title(page: str) -> str:
        found = re.search(r'data-chart="cumulative"[^>]*data-title="([^"]+)"', page)
        assert found, page[:500]
        return found.group(1)

    english = client_for(investigator_a).get("/reports/").content.decode()
    assert chart_title(english) == "Participants randomized over time"
    assert 'data-label-target="Target"' in english
    site_a.language = "fr"
    site_a.save()
    french = client_for(fresh(investigator_a)).get("/reports/").content.decode()
    with translation.override("fr"):
        expected = translation.gettext("Participants randomized over time")
    assert expected != "Participants randomized over time"
    assert chart_title(french) == expected
    assert 'data-label-target="Objectif"' in french  # the goal, not a date


def test_out_of_window_visit_error_in_french(site_a, coordinator_a):
    from outcomes import services as outcome_services
    from tests.datamanagement.helpers import DAY7, visit

    participant = followed(site_a, coordinator_a, days_ago=40)
    day7 = visit(participant, "day7")
    late = day7.target_date + dt.timedelta(days=20)
    for language, expected, opens in (
        ("en", "The visit date is outside its window (", f"{day7.window_opens:%Y-%m-%d}"),
        ("fr", "La date de visite est hors de sa fenêtre (du ", f"{day7.window_opens:%d/%m/%Y}"),
    ):
        with translation.override(language), pytest.raises(ValidationError) as caught:
            outcome_services.visit_record(
                visit=day7, user=coordinator_a, completed_on=late, endpoints=dict(DAY7)
            )
        message = caught.value.message_dict["out_of_window_reason"][0]
        assert message.startswith(expected), message
        assert opens in message  # the date in the reader's format


def test_grid_filter_choices_in_french(site_a, coordinator_a):
    site_a.language = "fr"
    site_a.save()
    page = client_for(fresh(coordinator_a)).get("/records/").content.decode()
    assert '<option value="none">Non randomisé</option>' in page
    assert '<option value="cyclosporine">Ciclosporine</option>' in page
    assert ">Not randomized<" not in page


def test_allocation_list_upload_errors_in_french():
    from randomization.services import parse_upload

    text = "site,renal_impairment,position,block,arm\nSITEA,maybe,0,1,placebo\n"
    _, english = parse_upload(text, ["renal_impairment"])
    assert "row 2: renal_impairment must be yes or no" in english
    assert "row 2: arm must be cyclosporine or steroids" in english
    with translation.override("fr"):
        _, french = parse_upload(text, ["renal_impairment"])
    assert "ligne 2 : renal_impairment doit valoir yes ou no" in french
    assert any(e.startswith("ligne 2 : position doit être un nombre entier") for e in french)
