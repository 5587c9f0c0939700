"""French pages (issue 16 item 9, the remaining gaps): reminders and alerts in the
reader's language (new rows, and rows stored in English before), the SAE pages' fixed
words, localised dates on the dashboards, the data-management refusals and the dosing
choices in words."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from datamanagement import services as dm_services
from dosing import services as dosing_services
from dressdb.models import UserPreference
from notifications import services as notify
from notifications.models import Reminder
from safety import services as safety_services
from tests.dosing.helpers import started
from tests.notifications.helpers import reminder_sweep
from tests.safety.helpers import ae_input, recent_participant

pytestmark = pytest.mark.django_db

ISO = re.compile(r"(?<![\w/=.-])\d{4}-\d\d-\d\d(?![\w-])")


def _text(html: str) -> str:
    """The page's visible text, roughly: no tags (so no attributes), no scripts."""
    html = re.sub(r"(?s)<script.*?</script>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def french(user):
    UserPreference.objects.update_or_create(user=user, defaults={"language": "fr"})
    return user


# --- Reminders and alerts -----------------------------------------------------------


def test_a_french_coordinator_reads_the_visit_reminder_in_french(login, site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=29)  # today = day 30: due
    reminder_sweep()
    reminder = Reminder.objects.get(kind="visit_due", user=coordinator_a)
    # Stored in English (emails, exports), the French written beside it.
    assert reminder.title == "Visit due today"
    assert reminder.message == f"{participant.study_id}: Day 30 visit is due today."
    assert reminder.translations == {
        "fr": f"{participant.study_id} : la visite J30 est prévue aujourd'hui."
    }

    page = _text(login(french(coordinator_a)).get(reverse("todo_list")).content.decode())
    assert "Visite prévue aujourd'hui" in page
    assert f"{participant.study_id} : la visite J30 est prévue aujourd'hui." in page
    assert "Visit due today" not in page and "is due today" not in page
    home = _text(login(coordinator_a).get(reverse("home")).content.decode())
    assert "la visite J30 est prévue aujourd'hui" in home  # the home page's to-do list


def test_an_english_reader_still_reads_english(login, site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=29)
    reminder_sweep()
    page = _text(login(coordinator_a).get(reverse("todo_list")).content.decode())
    assert f"Visit due today: {participant.study_id}: Day 30 visit is due today." in page


def test_a_reminder_stored_in_english_before_reads_in_french(login, site_a, coordinator_a):
    """A row written before the translations were kept: the title from the catalogue,
    the message as stored."""
    Reminder.objects.create(
        user=coordinator_a,
        site=site_a,
        subject_type=ContentType.objects.get_for_model(site_a),
        subject_id=site_a.pk,
        kind="query_to_answer",
        title="Query to answer",
        due_date=notify.site_today(site_a),
        message="USC-0001, Day 7 visit · ALT: please check",
    )
    page = _text(login(french(coordinator_a)).get(reverse("todo_list")).content.decode())
    assert "Requête à répondre : USC-0001, Day 7 visit · ALT: please check" in page
    assert "Query to answer" not in page


def test_a_title_unknown_to_the_catalogue_is_shown_as_stored(site_a, coordinator_a):
    reminder = Reminder(title="Some older title", message="as stored")
    with translation.override("fr"):
        assert reminder.title_shown == "Some older title"
        assert reminder.message_shown == "as stored"


def test_an_alert_raised_during_a_french_page_is_stored_in_english(site_a, investigator_a):
    """A lazy label made while French is active is still written in English."""
    with translation.override("fr"):
        notify.alert_raise(
            site=site_a,
            subject=None,
            kind="test_alert",
            title=gettext_lazy("Arm switch"),
            message=notify.in_languages(lambda: str(gettext_lazy("Arm switch"))),
            roles=("investigator",),
        )
    reminder = Reminder.objects.get(kind="test_alert", user=investigator_a)
    assert reminder.title == "Arm switch"
    assert reminder.message == "Arm switch"
    assert reminder.translations == {"fr": "Changement de bras"}


def test_the_sae_alert_and_clock_reminder_read_in_french(
    login, site_a, coordinator_a, investigator_a
):
    participant = recent_participant(site_a, coordinator_a)
    ae = safety_services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )
    from safety.reminders import sae_clock_sweep

    sae_clock_sweep()
    page = _text(login(french(investigator_a)).get(reverse("todo_list")).content.decode())
    assert "Événement indésirable grave : déclaration attendue" in page
    assert "Déclaration d'EIG attendue" in page
    assert f"événement indésirable grave {ae.term_name} (grade 3)" in page
    assert "restantes)" in page  # the clock in words ('21 h 59 min restantes')
    assert "report due" not in page
    assert not ISO.search(page), ISO.findall(page)


# --- The SAE pages ----------------------------------------------------------------------


def test_the_sae_page_in_french_shows_french_words(login, site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    ae = safety_services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )
    url = reverse("safety:ae_detail", kwargs={"pk": participant.pk, "ae_pk": ae.pk})
    page = _text(login(french(coordinator_a)).get(url).content.decode())
    assert "3 Sévère" in page  # the grade in words
    assert "Hospitalisation ou prolongation d'hospitalisation" in page  # criteria
    assert "Affections hépatobiliaires" in page  # the system organ class
    assert "Déclaration initiale" in page  # the version list's reason
    for english in ("Severe", "Initial report", "Hepatobiliary disorders", "Hospitalisation or"):
        assert english not in page, english
    # The term itself is data (the CTCAE table): shown as stored.
    assert ae.term_name in page

    listing = _text(
        login(coordinator_a)
        .get(reverse("safety:ae_list", kwargs={"pk": participant.pk}))
        .content.decode()
    )
    assert ae.term_name in listing and not ISO.search(listing)


def test_a_follow_up_reason_reads_in_french_around_the_users_words(login, site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    ae = safety_services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )
    safety_services.ae_update(
        adverse_event=ae,
        user=coordinator_a,
        data=ae_input(participant, grade=4),
        reason="worse on day 5",
        follow_up=True,
    )
    url = reverse("safety:ae_detail", kwargs={"pk": participant.pk, "ae_pk": ae.pk})
    page = _text(login(french(coordinator_a)).get(url).content.decode())
    assert "Déclaration de suivi 1 : worse on day 5" in page
    assert "4 Menace le pronostic vital" in page


def test_another_sites_coordinator_gets_404_on_the_pages_touched(
    login, site_a, coordinator_a, coordinator_b
):
    participant = recent_participant(site_a, coordinator_a)
    ae = safety_services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )
    other = login(french(coordinator_b))
    for url in (
        reverse("safety:ae_detail", kwargs={"pk": participant.pk, "ae_pk": ae.pk}),
        reverse("safety:ae_list", kwargs={"pk": participant.pk}),
        reverse("participant_consents", kwargs={"pk": participant.pk}),
        reverse("participant_audit", kwargs={"pk": participant.pk}),
    ):
        assert other.get(url).status_code == 404, url


def test_another_users_reminder_cannot_be_dismissed(login, site_a, coordinator_a, coordinator_b):
    started(site_a, coordinator_a, days_ago=29)
    reminder_sweep()
    reminder = Reminder.objects.get(kind="visit_due", user=coordinator_a)
    login(coordinator_b).post(reverse("todo_dismiss", kwargs={"reminder_pk": reminder.pk}))
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


# --- Dates, refusals, choices -------------------------------------------------------------


def test_the_enrolment_dashboard_shows_french_dates(login, site_a, trial_admin, statistician):
    from demo.synthetic import seed_trial

    seed_trial(sites=[site_a], participants=3, user=trial_admin)
    page = _text(login(french(statistician)).get(reverse("dashboard_home")).content.decode())
    assert re.search(r"\b\d\d/\d\d/\d{4}\b", page)
    assert not ISO.search(page), ISO.findall(page)


def test_the_consent_page_reads_french(login, site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    url = reverse("participant_consents", kwargs={"pk": participant.pk})
    page = _text(login(french(coordinator_a)).get(url).content.decode())
    assert "Consentement : " in page and "À l'inclusion : version" in page
    assert not ISO.search(page), ISO.findall(page)


def test_a_refused_data_management_action_is_in_the_readers_language(site_a, pharmacist_a):
    participant = recent_participant(site_a, pharmacist_a)
    with translation.override("fr"), pytest.raises(PermissionDenied) as refused:
        dm_services.casebook_sign(
            participant=participant, user=pharmacist_a, password="x", meaning="approved"
        )
    assert str(refused.value) == (
        "Votre rôle ne vous permet pas de signer les cahiers d'observation."
    )


def test_the_dosing_answers_are_named_in_words(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=6)
    with translation.override("fr"):
        problems = dosing_services.assessment_problems(
            participant=participant, improvement="bad", labs_trend="sideways"
        )
    improvement = problems["improvement"][0]
    assert improvement.startswith(
        "Choisissez parmi : Résolution complète ou quasi complète de l'atteinte d'organe ; "
    )
    assert "gt25" not in improvement and "le25" not in improvement
    assert problems["labs_trend"] == ["Choisissez parmi : En baisse ; Stable ; En hausse."]
    with translation.override("en-gb"):
        problems = dosing_services.assessment_problems(
            participant=participant, improvement="bad", labs_trend="sideways"
        )
    assert problems["labs_trend"] == ["Choose one of: Down-trending; Flat; Up-trending."]


def test_the_safety_dashboard_and_forms_read_french(login, site_a, coordinator_a, investigator_a):
    participant = recent_participant(site_a, coordinator_a)
    ae = safety_services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )
    client = login(french(investigator_a))
    dashboard = _text(client.get(reverse("safety:dashboard")).content.decode())
    for words in ("Au moins un événement indésirable", "Grade le plus élevé 3", "Néphrotoxicité"):
        assert words in dashboard, words
    assert "Worst grade" not in dashboard and "Nephrotoxicity" not in dashboard
    form = _text(
        client.get(reverse("safety:ae_new", kwargs={"pk": participant.pk})).content.decode()
    )
    assert f"Déclarer un événement indésirable : {participant.study_id}" in form
    assert "3 Sévère" in form  # the grade choices
    sign = _text(
        client.get(
            reverse("safety:ae_sign", kwargs={"pk": participant.pk, "ae_pk": ae.pk})
        ).content.decode()
    )
    assert "Signification de votre signature" in sign and "Sign the review" not in sign
