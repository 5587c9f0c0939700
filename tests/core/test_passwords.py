"""Password policy (issue 14, defect 8): strength (zxcvbn) and no trial or site names;
the self-service password change page."""

from __future__ import annotations

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from dressdb.passwords import StrengthValidator, TrialNamesValidator
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD, SiteFactory

pytestmark = pytest.mark.django_db

STRONG = "vast-orange-kite-88"


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",  # repeats
        "qwertyuiopas",  # keyboard row
        "Summer2026!!",  # season + year
        "Password123!",
        "iloveyou2026",
        "abcdefghijkl",
    ],
)
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError) as exc:
        password_validation.validate_password(password)
    assert any(e.code == "password_too_weak" for e in exc.value.error_list)


@pytest.mark.parametrize(
    "password",
    [
        "my-DRESS-study-pass-x9",
        "Cyclosporine-for-ever-77",
        "cycl0sp0rine-kite-lemon",
        "d.r.e.s.s-lamp-orbit-2",
        "sitea-lamp-orbit-meadow",  # a site code
        "Southern-Pelican-lamp-4",  # a word of a site's name
    ],
)
def test_trial_and_site_names_are_rejected(password):
    SiteFactory.create(code="SITEA", name="University of Southern California")
    with pytest.raises(ValidationError) as exc:
        password_validation.validate_password(password)
    assert any(e.code == "password_contains_trial_name" for e in exc.value.error_list)


@pytest.mark.parametrize("password", [STRONG, TEST_PASSWORD, "lantern-quiet-mosaic-71"])
def test_strong_passwords_are_accepted(password):
    SiteFactory.create(code="SITEA", name="Site A")
    password_validation.validate_password(password)


@pytest.mark.parametrize("length", [73, 200, 5000])
def test_long_passwords_are_judged_not_crashed(length):
    """zxcvbn raises ValueError past 72 characters; the validator judges the first 72."""
    strong = ("vast-orange-kite-88-" * 300)[:length]
    StrengthValidator().validate(strong)
    with pytest.raises(ValidationError):
        StrengthValidator().validate("a" * length)


def test_the_validators_are_installed():
    names = {type(v) for v in password_validation.get_default_password_validators()}
    assert {StrengthValidator, TrialNamesValidator} <= names


def test_help_texts_say_what_is_asked():
    texts = " ".join(password_validation.password_validators_help_texts())
    assert "hard to guess" in texts and "site's name" in texts


# --- self-service change ---------------------------------------------------------------


def test_password_change_page_is_linked_and_works(coordinator_a):
    client = client_for(coordinator_a)
    home = client.get("/accounts/tokens/")  # any page with the navigation
    assert 'href="/accounts/password/"' in home.content.decode()
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "lantern-quiet-mosaic-71",
            "new_password2": "lantern-quiet-mosaic-71",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert client.get("/accounts/password/done/").status_code == 200
    coordinator_a.refresh_from_db()
    assert coordinator_a.check_password("lantern-quiet-mosaic-71")


@pytest.mark.parametrize("new", ["Summer2026!!", "qwertyuiopas", "dress-trial-lemon-88"])
def test_password_change_refuses_weak_passwords(coordinator_a, new):
    client = client_for(coordinator_a)
    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    coordinator_a.refresh_from_db()
    assert coordinator_a.check_password(TEST_PASSWORD)


def test_password_change_needs_the_old_password(coordinator_a):
    response = client_for(coordinator_a).post(
        "/accounts/password/",
        {
            "old_password": "not-the-password-1",
            "new_password1": "lantern-quiet-mosaic-71",
            "new_password2": "lantern-quiet-mosaic-71",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors


def test_password_change_needs_login(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
