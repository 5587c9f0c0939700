"""The demo monitor of `make run` (issue 18): seeded, printed with the other logins,
assigned to one demo site, and scoped to it."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from demo.seeding import seed_demo_sites_and_users
from dressdb.access import sites_visible_to, user_roles
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Role, Site
from tests.datamanagement.helpers import followed

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_the_monitor_login(settings):
    settings.DEMO_MODE = True
    out = io.StringIO()
    call_command("seed_demo", "--no-stories", "--participants", "0", stdout=out)
    lines = [line.split() for line in out.getvalue().splitlines()]
    assert ["monitor", "monitor", "site", "USC"] in lines
    monitor = User.objects.get(username="monitor")
    assert user_roles(monitor) == {Role.MONITOR}
    assert [s.code for s in sites_visible_to(monitor)] == ["USC"]
    assert monitor.check_password(DEMO_PASSWORD)
    assert not monitor.is_staff and not monitor.is_superuser


def test_demo_monitor_sees_its_site_only(settings):
    settings.DEMO_MODE = True
    seed_demo_sites_and_users()
    seed_demo_sites_and_users()  # a second run adds nothing
    assert User.objects.filter(username="monitor").count() == 1
    coordinator = User.objects.get(username="coordinator")
    usc, par = Site.objects.get(code="USC"), Site.objects.get(code="PAR")
    own = followed(usc, coordinator)
    other = followed(par, User.objects.get(username="coordinator-par"))
    client = Client()
    monitor = User.objects.get(username="monitor")
    # Demo mode: the demo monitor skips the second factor (dressdb.two_factor.demo_exempt).
    client.force_login(monitor, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"/data-management/participants/{own.pk}/").status_code == 200
    assert client.get(f"/data-management/participants/{other.pk}/").status_code == 404
    assert client.get("/data-management/sdv/").status_code == 200
