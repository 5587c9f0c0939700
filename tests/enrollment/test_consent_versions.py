"""Consent-form versions and re-consent (issue 18): the pure rules, the services (flag,
to-do item, blocked entry except safety reports, the setting), pages, API, the
`consents` dataset, site scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from dosing import services as dosing
from enrollment import consent, consent_services
from enrollment.consent_rules import (
    Consent,
    Version,
    consent_version_problem,
    current_version,
    reconsent_needed,
)
from enrollment.models import ParticipantConsent
from notifications.models import Reminder
from reports.exports import DATASETS, dictionary_rows
from safety import services as safety
from tests.conftest import pass_second_factor
from tests.datamanagement.helpers import followed, record
from tests.dosing.helpers import started
from tests.enrollment.factories import screen
from tests.safety.helpers import ae_input

D = dt.date
V1 = Version("v1", D(2025, 1, 1))
V2 = Version("v2", D(2026, 3, 1))
V2_NO = Version("v2-admin", D(2026, 3, 1), requires_reconsent=False)
V3_PAR = Version("v3-par", D(2026, 4, 1), site_ids=frozenset({2}))


# --- pure rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("versions", "consents", "site", "today", "active", "expected"),
    [
        ([V1], [Consent(V1, D(2025, 6, 1))], 1, D(2026, 5, 1), True, None),
        ([V1, V2], [Consent(V1, D(2025, 6, 1))], 1, D(2026, 2, 28), True, None),  # not yet
        ([V1, V2], [Consent(V1, D(2025, 6, 1))], 1, D(2026, 3, 1), True, V2),
        (
            [V1, V2],
            [Consent(V1, D(2025, 6, 1)), Consent(V2, D(2026, 3, 5))],
            1,
            D(2026, 5, 1),
            True,
            None,
        ),
        ([V1, V2_NO], [Consent(V1, D(2025, 6, 1))], 1, D(2026, 5, 1), True, None),
        ([V1, V3_PAR], [Consent(V1, D(2025, 6, 1))], 1, D(2026, 5, 1), True, None),  # other site
        ([V1, V3_PAR], [Consent(V1, D(2025, 6, 1))], 2, D(2026, 5, 1), True, V3_PAR),
        ([V1, V2], [Consent(V1, D(2025, 6, 1))], 1, D(2026, 5, 1), False, None),  # withdrawn
        ([V2], [Consent(None, D(2026, 1, 1))], 1, D(2026, 5, 1), True, V2),  # unknown, before
        ([V2], [Consent(None, D(2026, 3, 2))], 1, D(2026, 5, 1), True, None),  # unknown, after
        ([V1, V2], [], 1, D(2026, 5, 1), True, None),
    ],
    ids=[
        "current",
        "new-version-not-yet-effective",
        "new-version-effective",
        "re-consented",
        "no-reconsent-required",
        "other-sites-version",
        "this-sites-version",
        "not-active",
        "unknown-version-before",
        "unknown-version-after",
        "no-consent",
    ],
)
def test_reconsent_needed_table(versions, consents, site, today, active, expected):
    found = reconsent_needed(
        versions=versions, consents=consents, site_id=site, today=today, active=active
    )
    assert found == expected


@pytest.mark.parametrize(
    ("version", "site", "on", "ok"),
    [
        (V2, 1, D(2026, 3, 1), True),
        (V2, 1, D(2026, 2, 28), False),
        (V3_PAR, 1, D(2026, 5, 1), False),
        (V3_PAR, 2, D(2026, 5, 1), True),
    ],
    ids=["effective", "before-effective", "other-site", "own-site"],
)
def test_consent_version_problem_table(version, site, on, ok):
    assert (consent_version_problem(version, site, on) == "") is ok


versions_strategy = st.lists(
    st.builds(
        Version,
        label=st.text("abc123", min_size=1, max_size=4),
        effective_on=st.dates(D(2024, 1, 1), D(2027, 1, 1)),
        requires_reconsent=st.booleans(),
        site_ids=st.frozensets(st.integers(1, 3), max_size=2),
    ),
    max_size=5,
)


@given(
    versions=versions_strategy, today=st.dates(D(2024, 1, 1), D(2027, 1, 1)), site=st.integers(1, 3)
)
def test_consenting_on_the_version_asked_for_clears_the_flag(versions, today, site):
    first = Consent(None, D(2023, 12, 1))
    needed = reconsent_needed(versions=versions, consents=[first], site_id=site, today=today)
    if needed is None:
        return
    assert needed.applies_to(site) and needed.effective_on <= today and needed.requires_reconsent
    again = Consent(needed, today)
    assert (
        reconsent_needed(versions=versions, consents=[first, again], site_id=site, today=today)
        is None
    )
    current = current_version(versions, site, today)
    assert current is not None and current.effective_on >= needed.effective_on


# --- services ------------------------------------------------------------------------------


def _today(site):
    return timezone.localdate(timezone=site.tz)


def _define(admin, label, effective_on, **kw):
    return consent_services.consent_version_create(
        user=admin,
        label=label,
        effective_on=effective_on,
        irb_approved_on=kw.pop("irb_approved_on", effective_on - dt.timedelta(days=10)),
        document=kw.pop("document", f"ICF {label}.pdf"),
        **kw,
    )


@pytest.fixture
def versions(site_a, trial_admin):
    """v1.0 (the factory's version) long ago; v2.0 effective yesterday, re-consent."""
    v1 = _define(trial_admin, "v1.0", D(2025, 1, 1))
    v2 = _define(trial_admin, "v2.0", _today(site_a) - dt.timedelta(days=1))
    return v1, v2


def test_only_the_admin_defines_versions_and_errors_name_the_field(
    site_a, trial_admin, coordinator_a
):
    with pytest.raises(PermissionDenied):
        _define(coordinator_a, "v1", D(2025, 1, 1))
    _define(trial_admin, "v1", D(2025, 1, 1))
    for kw, field in (
        ({"label": "v1"}, "label"),
        ({"label": " "}, "label"),
        ({"label": "v9", "document": ""}, "document"),
        ({"label": "v9", "irb_approved_on": D(2025, 2, 1)}, "effective_on"),
    ):
        label = kw.pop("label")
        with pytest.raises(ValidationError) as err:
            _define(trial_admin, label, D(2025, 1, 1), **kw)
        assert field in err.value.message_dict


def test_new_version_flags_blocks_entry_but_not_safety_until_reconsent(
    site_a, coordinator_a, investigator_a, trial_admin
):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    assert consent.reconsent_version(participant) is None
    dosing.npo_set(participant=participant, user=coordinator_a, npo=True, reason="Ileus")
    _define(trial_admin, "v1.0", D(2025, 1, 1))
    v2 = _define(trial_admin, "v2.0", _today(site_a) - dt.timedelta(days=1))
    assert consent.reconsent_version(participant).label == "v2.0"  # type: ignore[union-attr]
    # The coordinator's to-do item, once (a second sweep adds nothing).
    todo = Reminder.objects.filter(kind="reconsent", user=coordinator_a)
    assert todo.count() == 1 and "v2.0" in todo.get().message
    consent_services.reconsent_reminders_raise()
    assert todo.count() == 1
    # Data entry is refused, naming the field; nothing written.
    before = participant.history.count()
    with pytest.raises(ValidationError) as err:
        dosing.npo_set(participant=participant, user=coordinator_a, npo=False, reason="Eating")
    assert "re-consent" in err.value.message_dict["npo"][0]
    assert participant.history.count() == before
    # A safety report is not.
    ae = safety.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    assert ae.pk
    # Re-consent by a legally authorised representative: the relationship is required.
    with pytest.raises(ValidationError) as err:
        consent_services.consent_record(
            participant=participant,
            user=coordinator_a,
            version=v2,
            consented_on=_today(site_a),
            obtained_by="Dr Consent",
            signer="representative",
        )
    assert "representative_relationship" in err.value.message_dict
    consent_services.consent_record(
        participant=participant,
        user=coordinator_a,
        version=v2,
        consented_on=_today(site_a),
        obtained_by="Dr Consent",
        signer="representative",
        representative_relationship="Spouse",
    )
    assert consent.reconsent_version(participant) is None
    assert todo.get().status == Reminder.Status.CLOSED
    dosing.npo_set(participant=participant, user=coordinator_a, npo=False, reason="Eating")


def test_the_setting_off_only_warns(settings, site_a, coordinator_a, trial_admin, versions):
    settings.TRIAL_REQUIRE_CURRENT_CONSENT = False
    participant = followed(site_a, coordinator_a)
    assert consent.reconsent_version(participant).label == "v2.0"  # type: ignore[union-attr]
    visit = record(participant, coordinator_a, "day7")
    assert visit.completed_on is not None
    settings.TRIAL_REQUIRE_CURRENT_CONSENT = True
    with pytest.raises(ValidationError, match="re-consent"):
        record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))


def test_consent_record_checks(site_a, coordinator_a, pharmacist_a, trial_admin, versions):
    v1, v2 = versions
    participant = followed(site_a, coordinator_a)
    future = _define(trial_admin, "v3.0", _today(site_a) + dt.timedelta(days=30))
    for kw, field in (
        ({"version": future}, "version"),  # not effective on the date
        ({"consented_on": _today(site_a) + dt.timedelta(days=1)}, "consented_on"),
        ({"obtained_by": " "}, "obtained_by"),
        ({"signer": "friend"}, "signer"),
        ({"version": v1}, "version"),  # already consented on v1.0? no: recorded below
    ):
        if field == "version" and kw["version"] is v1:
            consent_services.consent_record(
                participant=participant,
                user=coordinator_a,
                version=v1,  # type: ignore[arg-type]
                consented_on=_today(site_a),
                obtained_by="Dr C",
            )
        values = {
            "version": v2,
            "consented_on": _today(site_a),
            "obtained_by": "Dr C",
            "signer": "participant",
            **kw,
        }
        with pytest.raises(ValidationError) as err:
            consent_services.consent_record(participant=participant, user=coordinator_a, **values)
        assert field in err.value.message_dict


def test_enrolment_records_the_version_in_effect(site_a, coordinator_a, trial_admin, versions):
    now = timezone.now()
    from enrollment import services

    with pytest.raises(ValidationError) as err:
        services.participant_enrol(
            screening=screen(site_a, coordinator_a),
            user=coordinator_a,
            consent_at=now,
            consent_form_version="v1.0",
            consent_obtained_by="Dr Consent",
        )
    assert "v2.0" in err.value.message_dict["consent_form_version"][0]
    participant = services.participant_enrol(
        screening=screen(site_a, coordinator_a),
        user=coordinator_a,
        consent_at=now,
        consent_form_version="v2.0",
        consent_obtained_by="Dr Consent",
    )
    row = ParticipantConsent.objects.get(participant=participant)
    assert (row.version.label, row.kind, row.obtained_by) == ("v2.0", "initial", "Dr Consent")
    assert consent.reconsent_version(participant) is None


def test_flags_read_a_constant_number_of_queries(
    site_a, coordinator_a, versions, django_assert_num_queries
):
    from enrollment.models import Participant

    followed(site_a, coordinator_a)
    with django_assert_num_queries(4):
        assert len(consent.reconsent_flags(Participant.objects.all())) == 1
    for _ in range(4):
        followed(site_a, coordinator_a)
    with django_assert_num_queries(4):
        assert len(consent.reconsent_flags(Participant.objects.all())) == 5


# --- pages, API, scope -----------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, user)
    return client


def test_pages(site_a, coordinator_a, coordinator_b, trial_admin, statistician, versions):
    participant = followed(site_a, coordinator_a)
    page = client_for(trial_admin).get("/participants/consent-versions/")
    assert page.status_code == 200 and "v2.0" in page.content.decode()
    response = client_for(trial_admin).post(
        "/participants/consent-versions/",
        {
            "label": "v3.0",
            "irb_approved_on": "2026-01-01",
            "effective_on": "2025-12-01",
            "document": "ICF v3.pdf",
        },
    )
    assert response.status_code == 200 and "IRB approval" in response.content.decode()
    assert (
        client_for(statistician).post("/participants/consent-versions/", {"label": "x"}).status_code
        == 403
    )
    url = f"/participants/{participant.pk}/consents/"
    body = client_for(coordinator_a).get(url).content.decode()
    assert "Re-consent needed" in body and "v2.0" in body
    assert client_for(coordinator_b).get(url).status_code == 404
    response = client_for(coordinator_a).post(
        url,
        {
            "version": versions[1].pk,
            "consented_on": _today(site_a).isoformat(),
            "signer": "participant",
            "obtained_by": "Dr C",
        },
    )
    assert response.status_code == 302
    assert "Re-consent needed" not in client_for(coordinator_a).get(url).content.decode()


def test_api(site_a, site_b, coordinator_a, coordinator_b, trial_admin, statistician, versions):
    participant = followed(site_a, coordinator_a)
    listed = client_for(coordinator_a).get("/api/v1/consent-versions")
    assert [v["label"] for v in listed.json()] == ["v1.0", "v2.0"]
    bad = client_for(trial_admin).post(
        "/api/v1/consent-versions",
        {
            "label": "v2.0",
            "irb_approved_on": "2026-01-01",
            "effective_on": "2026-01-02",
            "document": "x",
        },
        format="json",
    )
    assert bad.status_code == 400 and "label" in bad.json()
    made = client_for(trial_admin).post(
        "/api/v1/consent-versions",
        {
            "label": "v2.1-PAR",
            "irb_approved_on": "2026-01-01",
            "effective_on": "2026-01-02",
            "document": "ICF v2.1 PAR.pdf",
            "sites": [site_b.code],
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["sites"] == [site_b.code]
    assert (
        client_for(statistician)
        .post("/api/v1/consent-versions", {"label": "x"}, format="json")
        .status_code
        == 403
    )
    url = f"/api/v1/participants/{participant.pk}/consents"
    got = client_for(coordinator_a).get(url)
    assert got.status_code == 200 and got.json()["reconsent_needed"] == "v2.0"
    assert client_for(coordinator_b).get(url).status_code == 404
    assert client_for(coordinator_b).post(url, {}, format="json").status_code == 404
    body = {"version": "v2.0", "consented_on": _today(site_a).isoformat(), "obtained_by": "Dr C"}
    wrong = client_for(coordinator_a).post(url, {**body, "version": "v2.1-PAR"}, format="json")
    assert wrong.status_code == 400 and "version" in wrong.json()
    missing = client_for(coordinator_a).post(url, {**body, "obtained_by": ""}, format="json")
    assert missing.status_code == 400 and "obtained_by" in missing.json()
    assert not ParticipantConsent.objects.filter(participant=participant).exists()
    done = client_for(coordinator_a).post(url, body, format="json")
    assert done.status_code == 201, done.json()
    assert done.json()["reconsent_needed"] is None
    assert [c["version"] for c in done.json()["consents"]] == ["v2.0"]


def test_consents_dataset(site_a, site_b, coordinator_a, coordinator_b, statistician, versions):
    mine = followed(site_a, coordinator_a)
    theirs = followed(site_b, coordinator_b)
    for p, user in ((mine, coordinator_a), (theirs, coordinator_b)):
        consent_services.consent_record(
            participant=p,
            user=user,
            version=versions[1],
            consented_on=_today(p.site),
            obtained_by="Dr C",
            signer="representative",
            representative_relationship="Daughter",
        )
    client = client_for(statistician)
    response = client.get("/reports/exports/consents.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["site"], r["version"], r["signer"]) for r in rows} == {
        (site_a.code, "v2.0", "representative"),
        (site_b.code, "v2.0", "representative"),
    }
    assert rows[0]["representative_relationship"] == "Daughter"
    deid = client.get("/reports/exports/consents.csv?deidentify=on")
    text = b"".join(deid.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    header = next(csv.reader(io.StringIO(text)))
    assert "obtained_by" not in header and "consented_on_studyday" in header
    documented = {r[0] for r in dictionary_rows() if r[2] == "consents"}
    assert {"version", "consented_on", "signer", "representative_relationship"} <= documented
    assert DATASETS["consents"].copyable  # the PostgreSQL COPY path (tests/reports)


def test_participant_page_shows_the_flag(login, site_a, coordinator_a, versions):
    participant = followed(site_a, coordinator_a)
    body = login(coordinator_a).get(f"/participants/{participant.pk}/").content.decode()
    assert 'data-testid="dm-reconsent"' in body and "Re-consent needed (v2.0)" in body
    assert f"/participants/{participant.pk}/consents/" in body
