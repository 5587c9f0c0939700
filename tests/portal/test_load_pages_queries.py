"""The pages of the load bench (tests/bench/test_load_bench.py, issue 20) read in a
constant number of queries, whatever the trial's size, and the two-factor state costs
one query a request. (Today's orders reads the doses and medications only when there
are orders today: tests/dosing covers its count.)"""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.synthetic import seed_trial
from dressdb import two_factor
from enrollment.models import Participant

pytestmark = pytest.mark.django_db


def _unverified(user: Any) -> Any:
    """As django_otp's middleware leaves a user who has not entered a code."""
    user.is_verified = lambda: False
    return user


def test_two_factor_state_is_one_query(coordinator_a, django_assert_num_queries):
    _unverified(coordinator_a)
    with django_assert_num_queries(1):
        assert two_factor.needs_verification(coordinator_a) is False
    TOTPDevice.objects.create(user=coordinator_a, name="phone", confirmed=True)
    with django_assert_num_queries(1):
        assert two_factor.needs_verification(coordinator_a) is True


def test_two_factor_still_required_for_privileged_roles(investigator_a):
    assert two_factor.needs_verification(_unverified(investigator_a)) is True


def test_load_bench_pages_constant_queries(
    login,
    site_a,
    trial_admin,
    coordinator_a,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    seed_trial(sites=[site_a], participants=8, user=trial_admin)
    first = Participant.objects.filter(site=site_a).order_by("id").first()
    assert first is not None
    client = login(coordinator_a)
    pages = [
        "/participants/",
        f"/participants/{first.pk}/",
        "/records/",
        "/reports/",
        "/visits/todo/",
    ]
    small = {}
    for page in pages:
        assert client.get(page).status_code == 200, page  # warm caches
        with django_assert_max_num_queries(40) as captured:
            assert client.get(page).status_code == 200, page
        small[page] = len(captured.captured_queries)
    seed_trial(sites=[site_a], participants=25, user=trial_admin, seed=3)
    for page in pages:
        with django_assert_num_queries(small[page]):
            assert client.get(page).status_code == 200, page
