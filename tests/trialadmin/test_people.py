"""People (issue 21): invitation by e-mail, first password, roles with dates, deactivation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dressdb import access
from dressdb.models import ApiToken, Role, SecurityEvent, StaffMembership
from tests.factories import MembershipFactory, UserFactory
from trialadmin import selectors, services
from trialadmin.models import Invitation

pytestmark = pytest.mark.django_db

STRONG = "Lantern-Quarry-Obsidian-42"


def invite(trial_admin, site, **changes):
    data = {
        "email": "New.Person@Example.org",
        "username": "newperson",
        "first_name": "New",
        "last_name": "Person",
        "site": site.pk,
        "role": Role.COORDINATOR,
        "start_on": "",
        "end_on": "",
        "reason": "Joins the USC team",
        **changes,
    }
    client = _admin_client(trial_admin)
    return client.post(reverse("trialadmin:invite"), data)


def _admin_client(user):
    from tests.conftest import client_for

    return client_for(user)


def link_in_mail() -> str:
    assert len(mail.outbox) == 1
    match = re.search(
        r"http://testserver(/trial-admin/invitation/[^/\s]+/)", str(mail.outbox[0].body)
    )
    assert match, mail.outbox[0].body
    return match.group(1)


def test_invite_creates_user_membership_and_hashed_token_and_mails_the_link(
    trial_admin, site_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(trial_admin, site_a)
    user = User.objects.get(username="newperson")
    assert response.status_code == 302
    assert response["Location"] == reverse("trialadmin:person", kwargs={"pk": user.pk})
    assert not user.has_usable_password()
    assert user.email == "new.person@example.org"
    assert StaffMembership.objects.filter(user=user, site=site_a, role=Role.COORDINATOR).exists()
    path = link_in_mail()
    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get(user=user)
    assert invitation.token_hash == services.token_hash(token)
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == dt.timedelta(hours=72)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.USER_INVITED)
    assert event.detail["target_user"] == "newperson"
    assert event.detail["reason"] == "Joins the USC team"
    assert invitation.history.first().history_change_reason == "Joins the USC team"


def test_the_invitation_reads_in_the_sites_language(
    trial_admin, site_a, django_capture_on_commit_callbacks
):
    """The invitee has chosen no language yet: a French site's invitation is French,
    with its role named in French; an English site's stays English."""
    site_a.language = "fr"
    site_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        invite(trial_admin, site_a)
    french = mail.outbox[0]
    assert french.subject == "dressdb : votre invitation à l'essai DRESS"
    assert "Bonjour New," in french.body
    assert "comme Coordinateur de centre au site" in french.body, french.body
    assert "Votre nom d'utilisateur : newperson" in french.body
    assert "pendant 72 heures" in french.body
    assert link_in_mail()

    site_a.language = "en"
    site_a.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invite(trial_admin, site_a, username="second", email="second@example.org")
    english = mail.outbox[0]
    assert english.subject == "dressdb: your invitation to the DRESS trial"
    assert "You are invited to dressdb as Site coordinator at" in english.body, english.body
    assert "Your username: second" in english.body


def test_invite_without_reason_or_with_a_taken_username_writes_nothing(trial_admin, site_a):
    response = invite(trial_admin, site_a, reason="")
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    response = invite(trial_admin, site_a, username=trial_admin.username)
    assert "username" in response.context["form"].errors
    response = invite(trial_admin, site_a, start_on="2026-05-02", end_on="2026-05-01")
    assert "end_on" in response.context["form"].errors
    assert not User.objects.filter(username="newperson").exists()
    assert not Invitation.objects.exists()
    assert len(mail.outbox) == 0


def accept(path: str, password: str = STRONG, repeat: str | None = None):
    client = Client()
    response = client.post(path, {"password1": password, "password2": repeat or password})
    return client, response


def test_the_link_sets_a_password_under_the_policy_logs_in_and_is_single_use(
    trial_admin, site_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(trial_admin, site_a)
    path = link_in_mail()
    assert Client().get(path).status_code == 200
    _, weak = accept(path, "password")
    assert weak.status_code == 200
    assert weak.context["form"].errors["password1"]
    assert not User.objects.get(username="newperson").has_usable_password()
    client, response = accept(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")  # a coordinator: no second factor required
    user = User.objects.get(username="newperson")
    assert user.check_password(STRONG)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.INVITATION_ACCEPTED, user=user
    ).exists()
    # single use
    again = Client().get(path)
    assert again.status_code == 404
    assert "not valid" in again.content.decode()
    _, replay = accept(path, "Another-Strong-Pass-77")
    assert replay.status_code == 404
    assert User.objects.get(pk=user.pk).check_password(STRONG)


def test_a_privileged_role_goes_on_to_two_factor_setup(
    trial_admin, site_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(trial_admin, site_a, role=Role.INVESTIGATOR)
    _, response = accept(link_in_mail())
    assert response["Location"] == reverse("two_factor_setup")


def test_an_expired_link_is_refused(trial_admin, site_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(trial_admin, site_a)
    path = link_in_mail()
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client().get(path).status_code == 404
    _, response = accept(path)
    assert response.status_code == 404
    assert not User.objects.get(username="newperson").has_usable_password()


@pytest.mark.parametrize("token", ["x", "a" * 300, "nope-" + "b" * 40])
def test_unknown_tokens_are_404_never_500(db, token):
    assert Client().get(f"/trial-admin/invitation/{token}/").status_code == 404


def test_an_ended_membership_is_inactive_for_access(site_a, trial_admin):
    today = timezone.now().date()
    ended = MembershipFactory.create(
        role=Role.COORDINATOR, site=site_a, end_on=today - dt.timedelta(days=1)
    )
    assert access.user_roles(ended.user) == set()
    future = MembershipFactory.create(
        role=Role.COORDINATOR, site=site_a, start_on=today + dt.timedelta(days=1)
    )
    assert access.user_roles(future.user) == set()
    current = MembershipFactory.create(
        role=Role.COORDINATOR, site=site_a, start_on=today, end_on=today
    )
    assert access.user_roles(current.user) == {Role.COORDINATOR}


def test_grant_and_end_a_role_with_dates_and_reason(trial_admin, site_b, login):
    person = UserFactory.create(username="someone")
    client = login(trial_admin)
    url = reverse("trialadmin:role_grant", kwargs={"pk": person.pk})
    response = client.post(
        url,
        {"site": site_b.pk, "role": Role.PHARMACIST, "start_on": "2026-01-01", "reason": "Cover"},
    )
    assert response.status_code == 302
    membership = StaffMembership.objects.get(user=person, site=site_b, role=Role.PHARMACIST)
    assert membership.start_on == dt.date(2026, 1, 1)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.ROLE_CHANGE, detail__target_user="someone"
    ).exists()
    end_url = reverse(
        "trialadmin:role_end", kwargs={"pk": person.pk, "membership_pk": membership.pk}
    )
    client.post(end_url, {"end_on": "2025-12-01", "reason": "typo"})
    membership.refresh_from_db()
    assert membership.end_on is None  # before the start: refused
    client.post(end_url, {"end_on": "2026-02-01", "reason": "Left the site"})
    membership.refresh_from_db()
    assert membership.end_on == dt.date(2026, 2, 1)
    assert membership.history.first().history_change_reason == "Ended: Left the site"
    assert membership.history.first().history_user == trial_admin


def test_deactivate_never_deletes_and_revokes_tokens(trial_admin, coordinator_a, login):
    from dressdb.tokens import token_create

    token_create(user=coordinator_a, name="laptop", via="command")
    client = login(trial_admin)
    url = reverse("trialadmin:deactivate", kwargs={"pk": coordinator_a.pk})
    client.post(url, {"reason": ""})
    coordinator_a.refresh_from_db()
    assert coordinator_a.is_active
    client.post(url, {"reason": "Left the trial"})
    coordinator_a.refresh_from_db()
    assert not coordinator_a.is_active
    assert User.objects.filter(pk=coordinator_a.pk).exists()
    assert not ApiToken.objects.filter(user=coordinator_a, revoked_at__isnull=True).exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.USER_DEACTIVATED)
    assert event.detail["reason"] == "Left the trial"
    with pytest.raises(ValidationError):
        services.user_deactivate(by=trial_admin, user=trial_admin, reason="oops")


def test_people_list_shows_roles_sites_login_two_factor_and_tokens(
    trial_admin, coordinator_a, investigator_a, login, django_assert_max_num_queries
):
    from dressdb.tokens import token_create

    token_create(user=coordinator_a, name="laptop", via="command")
    rows = {row.user.username: row for row in selectors.people()}
    assert rows[coordinator_a.username].tokens == 1
    assert rows[coordinator_a.username].two_factor == "off"
    assert rows[investigator_a.username].two_factor == "required, not set up"
    client = login(trial_admin)  # gives the admin a confirmed device
    with django_assert_max_num_queries(14):  # + delegations and training (issue 21)
        html = client.get(reverse("trialadmin:people")).content.decode()
    assert "Site coordinator at" in html and coordinator_a.username in html
    rows = {row.user.username: row for row in selectors.people()}
    assert rows[trial_admin.username].two_factor == "on"
    UserFactory.create_batch(5)
    with django_assert_max_num_queries(14):
        client.get(reverse("trialadmin:people"))
