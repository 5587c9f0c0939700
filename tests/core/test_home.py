"""Each role lands on its own home page and sees its own navigation."""

import pytest

pytestmark = pytest.mark.django_db

ROLE_SECTIONS = {
    "coordinator_a": "home-coordinator",
    "investigator_a": "home-investigator",
    "pharmacist_a": "home-pharmacist",
    "statistician": "home-statistician",
    "trial_admin": "home-admin",
}


@pytest.mark.parametrize("persona", list(ROLE_SECTIONS))
def test_home_shows_the_role_section_only(request, login, persona):
    user = request.getfixturevalue(persona)
    body = login(user).get("/").content.decode()
    assert f'data-testid="{ROLE_SECTIONS[persona]}"' in body
    others = [s for p, s in ROLE_SECTIONS.items() if p != persona]
    for section in others:
        if persona == "trial_admin" and section == "home-statistician":
            continue
        assert f'data-testid="{section}"' not in body


def test_home_requires_login(client):
    assert client.get("/").status_code == 302


def test_admin_home_links_to_user_and_site_management(login, trial_admin):
    body = login(trial_admin).get("/").content.decode()
    assert "/admin/auth/user/" in body
    assert "/admin/dressdb/site/" in body


def test_statistician_nav_has_no_participant_pages(login, statistician):
    body = login(statistician).get("/").content.decode()
    assert 'href="/participants/"' not in body


def test_coordinator_nav_has_participants(login, coordinator_a):
    body = login(coordinator_a).get("/").content.decode()
    assert 'href="/participants/"' in body


def test_user_without_role_is_told(login):
    from tests.factories import UserFactory

    body = login(UserFactory.create(username="nobody")).get("/").content.decode()
    assert "no role" in body


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    data = response.json()
    assert data["database"] == "ok"
    assert data["broker"] == "ok"
    assert response.status_code == 200


def test_security_headers(client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert "default-src 'self'" in csp
