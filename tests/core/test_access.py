"""Site scope (dressdb.access, enrollment.access): one condition per rule, each tested."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from dressdb import access as core_access
from dressdb.models import Role
from enrollment import access
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_coordinator_sees_only_own_site(coordinator_a, participant_a, participant_b):
    visible = set(access.participants_visible_to(coordinator_a))
    assert visible == {participant_a}


def test_coordinator_of_other_site_gets_404_on_participant_page(
    login, coordinator_b, participant_a
):
    response = login(coordinator_b).get(f"/participants/{participant_a.pk}/")
    assert response.status_code == 404


def test_coordinator_of_other_site_gets_404_on_audit_page(login, coordinator_b, participant_a):
    response = login(coordinator_b).get(f"/participants/{participant_a.pk}/audit/")
    assert response.status_code == 404


def test_coordinator_of_own_site_sees_participant_page(login, coordinator_a, participant_a):
    response = login(coordinator_a).get(f"/participants/{participant_a.pk}/")
    assert response.status_code == 200
    assert participant_a.study_id in response.content.decode()


def test_participant_list_is_site_scoped(login, coordinator_b, participant_a, participant_b):
    body = login(coordinator_b).get("/participants/").content.decode()
    assert participant_b.study_id in body
    assert participant_a.study_id not in body


@pytest.mark.parametrize("role", [Role.STATISTICIAN, Role.ADMIN])
def test_trial_wide_roles_see_every_site(role, site_a, participant_a, participant_b):
    user = UserFactory.create(username=f"tw_{role}")
    MembershipFactory.create(user=user, site=site_a, role=role)
    assert set(access.participants_visible_to(user)) == {participant_a, participant_b}


def test_superuser_sees_every_site(participant_a, participant_b):
    user = UserFactory.create(username="root", is_superuser=True)
    assert set(access.participants_visible_to(user)) == {participant_a, participant_b}


def test_anonymous_sees_nothing(participant_a):
    assert list(access.participants_visible_to(AnonymousUser())) == []


def test_inactive_user_sees_nothing(coordinator_a, participant_a):
    coordinator_a.is_active = False
    coordinator_a.save()
    coordinator_a = type(coordinator_a).objects.get(pk=coordinator_a.pk)
    assert list(access.participants_visible_to(coordinator_a)) == []


def test_inactive_membership_gives_nothing(site_a, participant_a):
    user = UserFactory.create(username="lapsed")
    MembershipFactory.create(user=user, site=site_a, role=Role.COORDINATOR, active=False)
    assert list(access.participants_visible_to(user)) == []


def test_role_filter_limits_sites(site_a, site_b, participant_a, participant_b):
    user = UserFactory.create(username="mixed")
    MembershipFactory.create(user=user, site=site_a, role=Role.COORDINATOR)
    MembershipFactory.create(user=user, site=site_b, role=Role.PHARMACIST)
    assert set(access.participants_visible_to(user)) == {participant_a, participant_b}
    scoped = access.participants_visible_to(user, roles=[Role.COORDINATOR])
    assert set(scoped) == {participant_a}


def test_participant_for_user_404_on_garbage_id(coordinator_a):
    with pytest.raises(Http404):
        access.participant_for_user(coordinator_a, "not-a-number")


def test_participant_for_user_404_outside_scope(coordinator_a, participant_b):
    with pytest.raises(Http404):
        access.participant_for_user(coordinator_a, participant_b.pk)


def test_anonymous_is_sent_to_login(client, participant_a):
    response = client.get(f"/participants/{participant_a.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_memberships_read_once_per_request(coordinator_a, participant_a, django_assert_num_queries):
    core_access.user_roles(coordinator_a)
    with django_assert_num_queries(0):
        core_access.user_roles(coordinator_a)
        core_access.site_ids_for(coordinator_a)


def test_participant_list_query_count_is_constant(
    login, coordinator_a, site_a, django_assert_max_num_queries
):
    client = login(coordinator_a)
    ParticipantFactory.create_batch(3, site=site_a, created_by=coordinator_a)
    with django_assert_max_num_queries(12) as small:
        client.get("/participants/")
    ParticipantFactory.create_batch(30, site=site_a, created_by=coordinator_a)
    with django_assert_max_num_queries(12) as large:
        client.get("/participants/")
    assert len(small.captured_queries) == len(large.captured_queries)
