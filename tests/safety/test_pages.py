"""Safety pages: every route of the "safety" namespace per role and site (403 wrong role,
404 another site), the form (site zone, errors on their fields, nothing written), the
clock on the detail page, signing, the participant panel, the query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safety import services
from safety.models import AdverseEvent, AeTerm
from tests.factories import TEST_PASSWORD
from tests.safety.helpers import ae_input, recent_participant

pytestmark = pytest.mark.django_db

C, I, P, S, A = "coordinator_a", "investigator_a", "pharmacist_a", "statistician", "trial_admin"  # noqa: E741
EVERYONE = {C, I, P, S, A}
# route: (allowed personas, the object in its URL besides the participant)
ROUTES: dict[str, tuple[set[str], str]] = {
    "ae_list": ({C, I, A}, ""),
    "ae_new": ({C, I}, ""),
    "ae_detail": ({C, I, A}, "ae"),
    "ae_edit": ({C, I}, "ae"),
    "ae_sign": ({I}, "ae"),
    "death_report": ({C, I}, "ae"),
    "conmed_list": ({C, I, A}, ""),
    "conmed_new": ({C, I}, ""),
    "conmed_edit": ({C, I}, "conmed"),
    "deviation_list": ({C, I, A}, ""),
    "deviation_new": ({C, I}, ""),
    "deviation_edit": ({C, I}, "deviation"),
    "deviation_sign": ({I}, "deviation"),
}
# POST-only routes, tried apart (a GET answers 405); the dashboard has no participant.
POST_ONLY = {"deviation_decide"}
DASHBOARD = {"dashboard"}


@pytest.fixture
def own(site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    ae = services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    return participant, ae, conmed_for(participant, coordinator_a), deviation_for(participant)


@pytest.fixture
def other(site_b, coordinator_b):
    participant = recent_participant(site_b, coordinator_b)
    ae = services.ae_create(participant=participant, user=coordinator_b, data=ae_input(participant))
    return participant, ae, conmed_for(participant, coordinator_b), deviation_for(participant)


def deviation_for(participant: Any) -> Any:
    """A confirmed (open) deviation, so that the investigator's review page answers."""
    from safety.deviations import Kind, Proposal

    services.deviations_propose(
        participant=participant,
        proposals=[Proposal(Kind.VISIT_OUT_OF_WINDOW, "visit:1", participant.study_day_1, "Late")],
    )
    return services.deviation_decide(
        deviation=participant.deviations.get(),
        user=participant.created_by,
        confirm=True,
        reason="Checked against the visit",
    )


def conmed_for(participant: Any, user: Any) -> Any:
    return services.conmed_save(
        participant=participant,
        user=user,
        data=services.ConmedInput(
            drug="Paracetamol",
            indication="Fever",
            route="po",
            start_date=participant.study_day_1,
            ongoing=True,
        ),
    )


def url(name: str, world: tuple[Any, AdverseEvent, Any, Any]) -> str:
    participant, ae, medication, deviation = world
    kwargs = {"pk": participant.pk}
    kind = ROUTES.get(name, (set(), "deviation"))[1]
    if kind == "deviation":
        kwargs["dev_pk"] = deviation.pk
    if kind == "ae":
        kwargs["ae_pk"] = ae.pk
    if kind == "conmed":
        kwargs["conmed_pk"] = medication.pk
    return reverse(f"safety:{name}", kwargs=kwargs)


def test_every_safety_route_is_in_this_matrix():
    from django.urls import get_resolver

    resolver = get_resolver()
    names = {getattr(p, "name", "") for p in resolver.namespace_dict["safety"][1].url_patterns}
    assert names == set(ROUTES) | POST_ONLY | DASHBOARD


def test_decide_is_for_coordinators_of_the_site(request, login, own, other):
    for persona in sorted(EVERYONE):
        client = login(request.getfixturevalue(persona))
        status = client.post(url("deviation_decide", own), {}).status_code
        assert status == (302 if persona == C else 403), (persona, status)
    client = login(request.getfixturevalue(C))
    assert client.post(url("deviation_decide", other), {}).status_code == 404


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_access(request, login, own, other, name):
    allowed, _ = ROUTES[name]
    for persona in sorted(EVERYONE):
        client = login(request.getfixturevalue(persona))
        status = client.get(url(name, own)).status_code
        if persona in allowed:
            assert status == 200, (name, persona, status)
            if persona != A:
                assert client.get(url(name, other)).status_code == 404, (name, persona)
        else:
            assert status == 403, (name, persona, status)
    from django.test import Client

    assert Client().get(url(name, own)).status_code == 302


def test_an_events_page_of_another_participant_is_404(login, own, other, coordinator_a):
    mixed = reverse("safety:ae_detail", kwargs={"pk": own[0].pk, "ae_pk": other[1].pk})
    assert login(coordinator_a).get(mixed).status_code == 404
    mixed = reverse("safety:conmed_edit", kwargs={"pk": own[0].pk, "conmed_pk": other[2].pk})
    assert login(coordinator_a).get(mixed).status_code == 404


def form_data(participant: Any, **over: Any) -> dict[str, Any]:
    tz = participant.site.tz
    today = timezone.localdate(timezone=tz)
    aware = timezone.localtime(timezone.now() - dt.timedelta(hours=3), tz)
    data = {
        "term": AeTerm.objects.get(code="hepatic_failure").pk,
        "onset_date": (today - dt.timedelta(days=2)).isoformat(),
        "ongoing": "on",
        "grade": "3",
        "serious": "on",
        "criteria": ["hospitalisation"],
        "related_cyclosporine": "probable",
        "related_corticosteroids": "not_related",
        "action_cyclosporine": "interrupted",
        "action_corticosteroids": "not_applicable",
        "outcome": "not_recovered",
        "aware_at": aware.strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(over)
    return data


def test_the_form_reads_awareness_in_the_site_zone_and_shows_the_clock(
    login, site_a, coordinator_a
):
    participant = recent_participant(site_a, coordinator_a)
    client = login(coordinator_a)
    data = form_data(participant)
    response = client.post(reverse("safety:ae_new", kwargs={"pk": participant.pk}), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ae = AdverseEvent.objects.get(participant=participant)
    local = dt.datetime.strptime(data["aware_at"], "%Y-%m-%dT%H:%M").replace(tzinfo=site_a.tz)
    assert ae.aware_at == local.astimezone(dt.UTC)
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="sae-clock"' in page and "left" in page and "SUSAR" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grade": "5"}, "outcome"),
        ({"onset_date": "2020-01-01"}, "onset_date"),
        ({"ongoing": "", "stop_date": "2020-01-01"}, "stop_date"),
        ({"aware_at": "2999-01-01T10:00"}, "aware_at"),
        ({"term": "", "term_other": "Odd"}, "soc"),
    ],
)
def test_form_errors_are_on_their_field_and_nothing_is_written(
    login, site_a, coordinator_a, change, field
):
    participant = recent_participant(site_a, coordinator_a)
    response = login(coordinator_a).post(
        reverse("safety:ae_new", kwargs={"pk": participant.pk}), form_data(participant, **change)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not AdverseEvent.objects.exists()


def test_edit_needs_a_reason_and_a_follow_up_adds_a_version(login, own, coordinator_a):
    participant, ae, _, _ = own
    client = login(coordinator_a)
    edit = reverse("safety:ae_edit", kwargs={"pk": participant.pk, "ae_pk": ae.pk})
    assert "follow_up" in client.get(edit).context["form"].fields
    refused = client.post(edit, form_data(participant))
    assert "reason_for_change" in refused.context["form"].errors
    done = client.post(
        edit,
        form_data(participant, outcome="recovering", follow_up="on", reason_for_change="News"),
    )
    assert done.status_code == 302
    ae.refresh_from_db()
    assert ae.version == 1 and ae.outcome == "recovering"


def test_the_investigator_signs_through_the_signing_service(login, own, investigator_a):
    participant, ae, _, _ = own
    client = login(investigator_a)
    sign = reverse("safety:ae_sign", kwargs={"pk": participant.pk, "ae_pk": ae.pk})
    page = client.get(sign).content.decode()
    assert 'data-testid="signed-data"' in page and "Relatedness to cyclosporine" in page
    wrong = client.post(sign, {"meaning": "reviewed and approved", "password": "nope"})
    assert "password" in wrong.context["sign_form"].errors
    ok = client.post(sign, {"meaning": "reviewed and approved", "password": TEST_PASSWORD})
    assert ok.status_code == 302
    ae.refresh_from_db()
    assert ae.reported_at is not None
    detail = client.get(ok["Location"]).content.decode()
    assert "reported" in detail and "Signed by" in detail


def test_the_participant_page_shows_the_panel_in_constant_queries(login, site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    client = login(coordinator_a)
    page = reverse("participant_detail", kwargs={"pk": participant.pk})
    services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    client.get(page)
    with CaptureQueriesContext(connection) as one:
        response = client.get(page)
    assert 'data-testid="safety-panel"' in response.content.decode()
    for _ in range(4):
        services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    with CaptureQueriesContext(connection) as five:
        client.get(page)
    assert len(five) == len(one)


def test_pharmacists_do_not_see_the_panel(login, own, pharmacist_a):
    participant, _, _, _ = own
    page = login(pharmacist_a).get(reverse("participant_detail", kwargs={"pk": participant.pk}))
    assert 'data-testid="safety-panel"' not in page.content.decode()


def test_dashboard_by_arm_counts_participants_in_the_users_sites(
    request, login, site_a, site_b, coordinator_a, coordinator_b, investigator_a
):
    own = recent_participant(site_a, coordinator_a)
    own.randomized_arm = "cyclosporine"
    own.save()
    services.ae_create(participant=own, user=coordinator_a, data=ae_input(own))
    other = recent_participant(site_b, coordinator_b)
    other.randomized_arm = "steroids"
    other.save()
    services.ae_create(participant=other, user=coordinator_b, data=ae_input(other))
    for persona in sorted(EVERYONE):
        status = login(request.getfixturevalue(persona)).get(reverse("safety:dashboard"))
        assert status.status_code == (200 if persona in {I, S, A} else 403), persona
    page = login(investigator_a).get(reverse("safety:dashboard"))
    html = page.content.decode()
    table = page.context["table"]
    assert table[0]["cells"] == [{"count": 1, "pct": 100}, {"count": 0, "pct": None}]
    assert own.study_id in html and other.study_id not in html
