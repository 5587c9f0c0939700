"""Hostile input on the trial administration forms: never a 500, nothing half-written."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dressdb.models import Delegation, SecurityEvent, Site, StaffMembership
from tests.conftest import client_for
from trialadmin.models import Invitation

pytestmark = pytest.mark.django_db

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "=HYPERLINK(1)",
            "9" * 40,
            "-1",
            "NaN",
            "0000-00-00",
            "9999-12-31",
            "x" * 5000,
            "2026-02-30",
        ]
    ),
)
FIELDS = {
    "invite": [
        "email",
        "username",
        "first_name",
        "last_name",
        "site",
        "role",
        "start_on",
        "end_on",
        "reason",
    ],
    "site_new": [
        "code",
        "name",
        "time_zone",
        "language",
        "principal_investigator",
        "target_enrolment",
        "reason",
    ],
    "delegation_log": ["user", "duty", "start_on", "end_on", "reason"],
    "role_grant": ["site", "role", "start_on", "end_on", "reason"],
}


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Invitation.objects.count(),
        StaffMembership.objects.count(),
        Site.objects.count(),
        Delegation.objects.count(),
    )


@pytest.mark.parametrize("page", sorted(FIELDS))
def test_forms_survive_hostile_input(page, trial_admin, site_a, coordinator_a):
    client = client_for(trial_admin)
    kwargs = {
        "delegation_log": {"site_pk": site_a.pk},
        "role_grant": {"pk": coordinator_a.pk},
    }.get(page)
    url = reverse(f"trialadmin:{page}", kwargs=kwargs)

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS[page], HOSTILE)))
    def run(data):
        before = counts()
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code != 302:  # not accepted: nothing written
            assert counts() == before

    run()


def test_security_log_filters_survive_hostile_input(trial_admin):
    client = client_for(trial_admin)

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.fixed_dictionaries(
            {}, optional=dict.fromkeys(["user", "kind", "date_from", "date_to", "ip"], HOSTILE)
        )
    )
    def run(params):
        for name in ("trialadmin:security_log", "trialadmin:security_log_csv"):
            response = client.get(reverse(name), params)
            assert response.status_code in (200, 400)

    run()
    assert SecurityEvent.objects.exists()
