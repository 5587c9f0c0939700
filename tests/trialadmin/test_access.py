"""Access matrix of the trial administration pages (namespace "trialadmin"; the core
matrix in tests/core/test_access_matrix.py skips namespaced routes, as for safety and
datamanagement). Admin only, except the delegation log (investigators read and sign it)
and the invitation link (anonymous)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dressdb.models import Delegation, Duty, StaffMembership
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

C, I, P, S, A = (  # noqa: E741  (one letter per role, as in the core matrix)
    "coordinator_a",
    "investigator_a",
    "pharmacist_a",
    "statistician",
    "trial_admin",
)
EVERYONE = {C, I, P, S, A}
OK = {200, 302}

# name: (method, allowed personas, kwargs builder key)
MATRIX = {
    "people": ("GET", {A}, None),
    "invite": ("GET", {A}, None),
    "person": ("GET", {A}, "user"),
    "role_grant": ("POST", {A}, "user"),
    "role_end": ("POST", {A}, "membership"),
    "deactivate": ("POST", {A}, "user"),
    "delegation_sites": ("GET", {A, I}, None),
    "delegation_log": ("GET", {A, I}, "site"),
    "delegation_sign": ("POST", {I}, "line"),
    "delegation_end": ("POST", {A}, "line"),
    "sites": ("GET", {A}, None),
    "site_new": ("GET", {A}, None),
    "site_edit": ("GET", {A}, "site_pk"),
    "site_deactivate": ("POST", {A}, "site_pk"),
    "settings": ("GET", {A}, None),
    "security_log": ("GET", {A}, None),
    "security_log_csv": ("GET", {A}, None),
    # Training records (issue 21): the person, their site's staff and admins read; admins write
    "training": ("GET", {A, C, I, P}, "user"),
    "training_edit": ("GET", {A}, "training"),
    "training_certificate": ("GET", {A, C, I, P}, "training"),
}
PUBLIC = {"accept"}
# Routes every role opens, each for whom it may read: another person's page is a 404 for
# a role outside the readers (the statistician reads only their own training).
NOT_FOUND_FOR_OTHERS = {"training": {S}, "training_certificate": {S}}


def trialadmin_routes() -> set[str]:
    names: set[str] = set()
    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and p.namespace == "trialadmin":
            names |= {q.name for q in p.url_patterns if isinstance(q, URLPattern) and q.name}
    return names


def test_every_route_has_an_entry():
    assert trialadmin_routes() == set(MATRIX) | PUBLIC


@pytest.fixture
def world(site_a, coordinator_a, trial_admin, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trialadmin.training import training_record_save

    settings.MEDIA_ROOT = tmp_path
    record = training_record_save(
        by=trial_admin,
        user=coordinator_a,
        course="GCP",
        completed_on=dt.date(2026, 1, 1),
        valid_until=None,
        certificate=SimpleUploadedFile("gcp.pdf", b"%PDF-1.4 test"),
    )
    membership = StaffMembership.objects.get(user=coordinator_a, site=site_a)
    line = Delegation.objects.create(
        site=site_a, user=coordinator_a, duty=Duty.CONSENT, start_on="2026-01-01"
    )
    return {
        "user": {"pk": coordinator_a.pk},
        "membership": {"pk": coordinator_a.pk, "membership_pk": membership.pk},
        "site": {"site_pk": site_a.pk},
        "site_pk": {"pk": site_a.pk},
        "line": {"pk": line.pk},
        "training": {"pk": coordinator_a.pk, "record_pk": record.pk},
    }


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_access(request, world, name):
    from django.test import Client

    method, allowed, key = MATRIX[name]
    url = reverse(f"trialadmin:{name}", kwargs=world[key] if key else None)
    for persona in sorted(EVERYONE):
        client = client_for(request.getfixturevalue(persona))
        status = (client.get(url) if method == "GET" else client.post(url, {})).status_code
        if persona in allowed:
            assert status in OK, f"{name}: {persona} got {status}"
        elif persona in NOT_FOUND_FOR_OTHERS.get(name, set()):
            assert status == 404, f"{name}: {persona} should get 404, got {status}"
        else:
            assert status == 403, f"{name}: {persona} should get 403, got {status}"
    anonymous = Client()
    status = (anonymous.get(url) if method == "GET" else anonymous.post(url, {})).status_code
    assert status == 302, f"{name}: anonymous got {status}"
    assert (
        "/accounts/login/"
        in (anonymous.get(url) if method == "GET" else anonymous.post(url))["Location"]
    )


def test_a_statistician_reads_their_own_training_only(world, statistician, coordinator_a, login):
    client = login(statistician)
    own = client.get(reverse("trialadmin:training", kwargs={"pk": statistician.pk}))
    assert own.status_code == 200
    other = client.get(reverse("trialadmin:training", kwargs={"pk": coordinator_a.pk}))
    assert other.status_code == 404


def test_investigator_of_another_site_gets_404(world, site_b, investigator_a, login):
    client = login(investigator_a)
    assert (
        client.get(reverse("trialadmin:delegation_log", kwargs={"site_pk": site_b.pk})).status_code
        == 404
    )


def test_training_api_access(request, world, coordinator_b):
    """GET /api/v1/people/{id}/training (the core matrix skips namespaced routes): the
    person's site staff and admins read (200), the statistician gets 404 (they read only
    their own), another site's
    coordinator 404, anonymous 403 (DRF); only admins write (POST: 403 for the others)."""
    from django.test import Client

    url = reverse("trialadmin_api:person-training", kwargs=world["user"])
    for persona in sorted(EVERYONE):
        client = client_for(request.getfixturevalue(persona))
        expected = 404 if persona == S else 200
        assert client.get(url).status_code == expected, persona
        if persona != A:
            posted = client.post(url, {"course": "GCP", "completed_on": "2026-01-01"})
            assert posted.status_code == (404 if persona == S else 403), persona
    assert client_for(coordinator_b).get(url).status_code == 404
    assert Client().get(url).status_code in (401, 403)
