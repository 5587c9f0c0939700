"""Named personas shared by the suite: who is who, at which site."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.contrib.auth.models import User
from django.test import Client

from dressdb.models import Role, Site
from tests.factories import MembershipFactory, ParticipantFactory, SiteFactory, UserFactory

# Tests hash passwords with MD5: argon2 costs ~0.5 s a user, and the suite makes hundreds.
# Production keeps argon2 first (dressdb/settings.py), which tests/core/test_auth.py
# proves on the settings file as loaded without this override; the few tests about
# hashing itself ask for the `production_hashers` fixture.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Hypothesis' per-example deadline measures the machine, not the code: on two workers
# sharing two cores a slow example is not a failure. Tests that set a deadline keep it.
hypothesis.settings.register_profile("dressdb", deadline=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dressdb"))


def pytest_configure(config):
    from django.test import override_settings

    # For the whole session (never disabled); it also resets Django's hasher caches.
    override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS).enable()
    _restore_migration_data_after_flush()


def _restore_migration_data_after_flush() -> None:
    """A transactional test (`transaction=True`, `live_server`) ends with a flush, which
    empties every table, the rows the data migrations load included (the CTCAE terms, the
    beat schedule, content types). Django's runner runs such tests last; pytest-xdist's
    loadscope runs a module's tests together, so later modules on the same worker would
    find those rows gone. After each flush, the database is put back as the migrations
    left it, from the copy taken when the test database was made (tests that commit ask
    for `serialized_rollback=True`, which makes pytest-django take that copy)."""
    from django.core.management import call_command
    from django.db import connections
    from django.test import TransactionTestCase

    flush = TransactionTestCase._fixture_teardown  # type: ignore[attr-defined]

    def flush_then_restore(self: Any) -> None:
        flush(self)
        for alias in self._databases_names(include_mirrors=False):
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents:
                # The flush may have re-made the content types and permissions (its
                # post_migrate): empty again without it, then load the copy.
                call_command(
                    "flush",
                    verbosity=0,
                    interactive=False,
                    database=alias,
                    reset_sequences=False,
                    inhibit_post_migrate=True,
                )
                connections[alias].creation.deserialize_db_from_string(contents)

    TransactionTestCase._fixture_teardown = flush_then_restore  # type: ignore[attr-defined]


def production_password_hashers() -> list[str]:
    """PASSWORD_HASHERS as dressdb/settings.py sets them, read afresh from the file."""
    import runpy

    import dressdb

    path = Path(dressdb.__file__).resolve().parent / "settings.py"
    return list(runpy.run_path(str(path))["PASSWORD_HASHERS"])


@pytest.fixture
def production_hashers(settings):
    """The production hashers (argon2 first) for this test only: ask for it before any
    fixture that creates users."""
    settings.PASSWORD_HASHERS = production_password_hashers()


def make_site_a() -> Site:
    return SiteFactory.create(code="SITEA", name="Site A", time_zone="America/Los_Angeles")


def make_site_b() -> Site:
    return SiteFactory.create(code="SITEB", name="Site B", time_zone="Europe/Paris")


def _persona(username: str, role: str, site: Site) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, site=site, role=role)
    return user


def make_trial_admin(site: Site) -> User:
    user = _persona("trial_admin", Role.ADMIN, site)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def make_personas() -> dict[str, Any]:
    """Every persona below at once, for rows shared by a module (tests/module_data.py)."""
    site_a, site_b = make_site_a(), make_site_b()
    return {
        "site_a": site_a,
        "site_b": site_b,
        "coordinator_a": _persona("coord_a", Role.COORDINATOR, site_a),
        "coordinator_b": _persona("coord_b", Role.COORDINATOR, site_b),
        "investigator_a": _persona("inv_a", Role.INVESTIGATOR, site_a),
        "pharmacist_a": _persona("pharm_a", Role.PHARMACIST, site_a),
        "statistician": _persona("stat", Role.STATISTICIAN, site_a),
        "trial_admin": make_trial_admin(site_a),
    }


@pytest.fixture
def site_a(db):
    return make_site_a()


@pytest.fixture
def site_b(db):
    return make_site_b()


@pytest.fixture
def coordinator_a(site_a):
    return _persona("coord_a", Role.COORDINATOR, site_a)


@pytest.fixture
def coordinator_b(site_b):
    return _persona("coord_b", Role.COORDINATOR, site_b)


@pytest.fixture
def investigator_a(site_a):
    return _persona("inv_a", Role.INVESTIGATOR, site_a)


@pytest.fixture
def pharmacist_a(site_a):
    return _persona("pharm_a", Role.PHARMACIST, site_a)


@pytest.fixture
def statistician(site_a):
    return _persona("stat", Role.STATISTICIAN, site_a)


@pytest.fixture
def trial_admin(site_a):
    return make_trial_admin(site_a)


@pytest.fixture
def participant_a(site_a, coordinator_a):
    return ParticipantFactory.create(site=site_a, created_by=coordinator_a)


@pytest.fixture
def participant_b(site_b, coordinator_b):
    return ParticipantFactory.create(site=site_b, created_by=coordinator_b)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, user)
    return client


def pass_second_factor(client: Client, user) -> None:
    """For roles that need one: the session state a real code step leaves behind.

    The code step itself (setup, verify, backup codes, throttling) is tested in
    tests/core/test_two_factor.py and, in a browser, by tests/e2e.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dressdb import two_factor

    if not two_factor.required_for(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def login():
    """`login(user)` gives a test client logged in as that user."""
    return client_for


# --- Service markers: skipped locally when the service is not configured, but never
# skipped in CI (DRESSDB_REQUIRE_SERVICES=1), where they must run and pass.


def _service_available(marker: str) -> bool:
    import os
    import shutil

    from django.conf import settings

    if marker == "postgres":
        return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if marker == "redis":
        return settings.CELERY_BROKER_URL.startswith("redis://")
    if marker == "browser":
        return bool(os.environ.get("CHROMIUM_PATH") or shutil.which("chromium"))
    return True


def pytest_collection_modifyitems(config, items):
    import os

    _unique_node_ids(items)
    required = os.environ.get("DRESSDB_REQUIRE_SERVICES") == "1"
    for item in items:
        for marker in ("postgres", "redis", "browser"):
            if marker in item.keywords and not _service_available(marker):
                if required:
                    item.add_marker(
                        pytest.mark.xfail(
                            reason=f"{marker} is required in CI but not configured",
                            strict=True,
                            run=False,
                        )
                    )
                else:
                    item.add_marker(pytest.mark.skip(reason=f"needs {marker} (runs in CI)"))


def _unique_node_ids(items) -> None:
    """Schemathesis gives every operation's test the same node id (its name carries the
    operation); pytest-xdist schedules by node id, so it would run only one of them.
    Such items get their name as node id: `test_api_operation[GET /api/v1/...]`."""
    seen: dict[str, int] = {}
    for item in items:
        seen[item.nodeid] = seen.get(item.nodeid, 0) + 1
    for item in items:
        if seen[item.nodeid] > 1 and item.name != item.nodeid.rsplit("::", 1)[-1]:
            unique = f"{item.nodeid.rsplit('::', 1)[0]}::{item.name}"
            if hasattr(item, "_id"):  # pytest 9 keeps the node id structured
                from _pytest.nodeid import coerce_node_id

                item._id = coerce_node_id(unique)
            else:
                item._nodeid = unique


_outcomes_by_marker: dict[str, dict[str, int]] = {}


def pytest_runtest_logreport(report):
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    markers = [m for m in ("postgres", "redis", "browser", "bench") if m in report.keywords]
    for m in markers or ["unit"]:
        counts = _outcomes_by_marker.setdefault(m, {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_sep("=", "tests by marker")
    for marker, counts in sorted(_outcomes_by_marker.items()):
        parts = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        terminalreporter.write_line(f"{marker}: {parts}")


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run inline in tests, except the redis-marked ones, which use a real worker."""
    from dressdb.celery import app

    eager = "redis" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous
