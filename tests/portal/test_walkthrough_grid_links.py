"""Walking the demo's record-status grid (issue 16 item 1): every cell links to a page
the reader can open. A form the reader's role cannot open (an admin's or a coordinator's
dosing decision, an investigator's visit entry) links to the participant's page, never
to a 403."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from demo.seeding import seed_demo_sites_and_users
from demo.story import seed_stories

pytestmark = pytest.mark.django_db

CELL_LINK = re.compile(r'<td class="grid-cell[^"]*"[^>]*><a href="([^"]+)"')


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    seed_demo_sites_and_users()
    return seed_stories()


@pytest.mark.parametrize("username", ["coordinator", "investigator", "admin"])
def test_every_grid_link_opens(demo, login, username):
    client = login(User.objects.get(username=username))
    body = client.get("/records/").content.decode()
    links = set(CELL_LINK.findall(body))
    assert len(links) >= 10
    refused = {url: client.get(url).status_code for url in links}
    assert {url: code for url, code in refused.items() if code != 200} == {}
    if username == "coordinator":  # the forms they fill stay one click away
        assert any(url.startswith("/visits/participants/") for url in links)
    if username == "investigator":
        assert any(url.endswith("/assess/") for url in links)
