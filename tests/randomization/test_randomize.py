"""The randomize action: one transaction, next slot in order, idempotent, no slot."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from dosing.models import Order, Regimen
from dressdb.models import SecurityEvent
from notifications.models import Reminder
from outcomes.models import Visit
from randomization import services
from randomization.models import Allocation, AllocationSlot
from tests.api_tokens import api_key
from tests.factories import ParticipantFactory
from tests.randomization.helpers import live_list

pytestmark = pytest.mark.django_db


def test_randomize_takes_the_first_slot_and_starts_everything(
    statistician, coordinator_a, participant_a, django_capture_on_commit_callbacks
):
    alist = live_list(statistician)
    first_slot = AllocationSlot.objects.get(
        stratum__allocation_list=alist, stratum__key="SITEA|renal_impairment=no", position=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        allocation = services.participant_randomize(participant=participant_a, user=coordinator_a)
    assert allocation.slot == first_slot
    assert allocation.arm == first_slot.arm
    assert allocation.randomized_by == coordinator_a
    participant_a.refresh_from_db()
    assert participant_a.study_day_1 is not None
    regimen = Regimen.objects.get(participant=participant_a)
    assert regimen.randomized_arm == allocation.arm
    assert Order.objects.filter(participant=participant_a, day=1).exists()
    assert Visit.objects.filter(participant=participant_a).count() == 4
    assert SecurityEvent.objects.filter(kind="randomization").count() == 1


def test_second_request_returns_same_allocation_and_uses_no_slot(
    statistician, coordinator_a, participant_a
):
    live_list(statistician)
    first = services.participant_randomize(participant=participant_a, user=coordinator_a)
    again = services.participant_randomize(participant=participant_a, user=coordinator_a)
    assert first.pk == again.pk
    assert Allocation.objects.count() == 1


def test_slots_are_used_in_order(statistician, coordinator_a, site_a):
    alist = live_list(statistician, slots=6)
    people = ParticipantFactory.create_batch(5, site=site_a, created_by=coordinator_a)
    for p in people:
        services.participant_randomize(participant=p, user=coordinator_a)
    used = list(
        AllocationSlot.objects.filter(
            stratum__allocation_list=alist,
            stratum__key="SITEA|renal_impairment=no",
            allocation__isnull=False,
        )
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert used == [1, 2, 3, 4, 5]


def test_renal_impairment_picks_its_stratum(statistician, coordinator_a, site_a):
    live_list(statistician)
    p = ParticipantFactory.create(
        site=site_a, created_by=coordinator_a, renal_impairment_computed=True
    )
    allocation = services.participant_randomize(participant=p, user=coordinator_a)
    assert allocation.stratum_key == "SITEA|renal_impairment=yes"


def test_no_slot_left_changes_nothing_and_alerts_admins(
    statistician, trial_admin, coordinator_a, site_a, django_capture_on_commit_callbacks
):
    live_list(statistician, slots=2, sizes=[2])
    people = ParticipantFactory.create_batch(3, site=site_a, created_by=coordinator_a)
    for p in people[:2]:
        services.participant_randomize(participant=p, user=coordinator_a)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.NoSlotError):
        services.participant_randomize(participant=people[2], user=coordinator_a)
    people[2].refresh_from_db()
    assert people[2].study_day_1 is None
    assert not Allocation.objects.filter(participant=people[2]).exists()
    assert not Regimen.objects.filter(participant=people[2]).exists()
    alert = Reminder.objects.get(kind="no_slot", user=trial_admin)
    assert "No allocation slot left" in alert.message
    assert any("No allocation slot left" in m.body for m in mail.outbox)


def test_no_list_is_a_clear_error(coordinator_a, participant_a):
    with pytest.raises(ValidationError, match="no active LIVE allocation list"):
        services.participant_randomize(participant=participant_a, user=coordinator_a)


def test_withdrawn_cannot_be_randomized(statistician, coordinator_a, participant_a):
    live_list(statistician)
    participant_a.status = "withdrawn"
    participant_a.withdrawn_on = participant_a.enrolled_at.date()
    participant_a.save()
    with pytest.raises(ValidationError, match="withdrawn"):
        services.participant_randomize(participant=participant_a, user=coordinator_a)


def test_rollback_in_a_later_step_leaves_the_slot_unused(
    statistician, coordinator_a, participant_a, monkeypatch
):
    alist = live_list(statistician)

    def broken(**kwargs):
        raise RuntimeError("dosing failed")

    monkeypatch.setattr("dosing.services.regimen_start", broken)
    with pytest.raises(RuntimeError):
        services.participant_randomize(participant=participant_a, user=coordinator_a)
    assert Allocation.objects.count() == 0
    assert (
        AllocationSlot.objects.filter(
            stratum__allocation_list=alist, allocation__isnull=False
        ).count()
        == 0
    )


def test_confirm_page_then_result(login, statistician, coordinator_a, participant_a):
    live_list(statistician)
    client = login(coordinator_a)
    page = client.get(f"/randomization/participants/{participant_a.pk}/").content.decode()
    assert "SITEA|renal_impairment=no" in page
    assert "irreversible" in page
    assert Allocation.objects.count() == 0
    response = client.post(f"/randomization/participants/{participant_a.pk}/", {"confirm": "yes"})
    assert response.status_code == 302
    result = client.get(response["Location"]).content.decode()
    arm = Allocation.objects.get().get_arm_display()
    assert arm in result


def test_randomize_page_404_for_other_site(login, statistician, coordinator_b, participant_a):
    live_list(statistician)
    client = login(coordinator_b)
    assert client.get(f"/randomization/participants/{participant_a.pk}/").status_code == 404
    response = client.post(f"/randomization/participants/{participant_a.pk}/", {"confirm": "yes"})
    assert response.status_code == 404
    assert Allocation.objects.count() == 0


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def test_api_randomize_and_repeat(statistician, coordinator_a, participant_a):
    live_list(statistician)
    first = api(coordinator_a).post(f"/api/v1/participants/{participant_a.pk}/randomize")
    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"arm", "randomized_at", "stratum"}
    assert body["arm"] in ("cyclosporine", "steroids")
    assert body["stratum"] == "SITEA|renal_impairment=no"
    again = api(coordinator_a).post(f"/api/v1/participants/{participant_a.pk}/randomize")
    assert again.status_code == 200
    assert again.json() == body


def test_api_other_site_404_wrong_role_403(
    statistician, coordinator_b, investigator_a, participant_a
):
    live_list(statistician)
    assert (
        api(coordinator_b).post(f"/api/v1/participants/{participant_a.pk}/randomize").status_code
        == 404
    )
    assert (
        api(investigator_a).post(f"/api/v1/participants/{participant_a.pk}/randomize").status_code
        == 403
    )
    assert Allocation.objects.count() == 0


def test_api_no_slot_is_409(statistician, coordinator_a, site_a):
    live_list(statistician, slots=2, sizes=[2])
    people = ParticipantFactory.create_batch(3, site=site_a, created_by=coordinator_a)
    codes = [
        api(coordinator_a).post(f"/api/v1/participants/{p.pk}/randomize").status_code
        for p in people
    ]
    assert codes == [201, 201, 409]
