"""Sites, the trial settings page and the security log page (issue 21)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from dressdb import access
from dressdb.csv_safety import neutralise
from dressdb.models import SecurityEvent, Site
from dressdb.security_log import log_event

pytestmark = pytest.mark.django_db

SITE = {
    "code": "NEWS",
    "name": "New site",
    "time_zone": "Europe/Paris",
    "language": "fr",
    "principal_investigator": "Dr Curie",
    "target_enrolment": "12",
    "reason": "Opened after ethics approval",
}


def test_create_edit_and_deactivate_a_site(trial_admin, coordinator_a, site_a, login):
    client = login(trial_admin)
    response = client.post(reverse("trialadmin:site_new"), SITE, follow=True)
    assert "allocation list" in response.content.decode()
    site = Site.objects.get(code="NEWS")
    assert (site.time_zone, site.language, site.principal_investigator, site.target_enrolment) == (
        "Europe/Paris",
        "fr",
        "Dr Curie",
        12,
    )
    assert site.history.first().history_change_reason == "Opened after ethics approval"
    client.post(
        reverse("trialadmin:site_edit", kwargs={"pk": site.pk}),
        {**SITE, "target_enrolment": "20", "reason": "Amendment 2"},
    )
    site.refresh_from_db()
    assert site.target_enrolment == 20
    client.post(reverse("trialadmin:site_deactivate", kwargs={"pk": site_a.pk}), {"reason": ""})
    site_a.refresh_from_db()
    assert site_a.active
    client.post(
        reverse("trialadmin:site_deactivate", kwargs={"pk": site_a.pk}), {"reason": "Closed"}
    )
    site_a.refresh_from_db()
    assert not site_a.active
    assert Site.objects.filter(pk=site_a.pk).exists()
    assert not access.sites_visible_to(coordinator_a).exists()
    actions = list(
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SITE_CHANGE).values_list(
            "detail__action", flat=True
        )
    )
    assert sorted(actions) == ["changed", "created", "deactivated"]


@pytest.mark.parametrize(
    "change",
    [
        {"code": "bad code"},
        {"time_zone": "Mars/Olympus"},
        {"target_enrolment": "-1"},
        {"reason": ""},
        {"code": "SITEA"},
    ],
)
def test_bad_site_input_names_the_field_and_writes_nothing(trial_admin, login, change):
    client = login(trial_admin)
    before = Site.objects.count()
    response = client.post(reverse("trialadmin:site_new"), {**SITE, **change})
    assert response.status_code == 200
    assert set(change) & set(response.context["form"].errors)
    assert Site.objects.count() == before


def test_settings_page_lists_every_trial_setting_with_its_meaning(trial_admin, login, settings):
    from django.conf import settings as conf

    html = login(trial_admin).get(reverse("trialadmin:settings")).content.decode()
    names = [n for n in dir(conf) if n.startswith("TRIAL_")]
    assert len(names) >= 14
    for name in names:
        assert name in html
    assert "Block sizes of the permuted blocks, drawn at random" in html
    assert "Not in docs/protocol.md" not in html  # every setting has its meaning


def test_security_log_filters(trial_admin, login):
    log_event(SecurityEvent.Kind.LOGIN_FAILED, username="mallory")
    SecurityEvent.objects.create(kind="login", username="alice", ip_address="10.0.0.9")
    # The security log is append-only (no UPDATE on PostgreSQL): the old event is written
    # at its time.
    with time_machine.travel(dt.datetime(2020, 1, 2, 12, tzinfo=dt.UTC), tick=False):
        SecurityEvent.objects.create(kind="login", username="alice", ip_address="10.0.0.1")
    client = login(trial_admin)
    url = reverse("trialadmin:security_log")

    def users(**params):
        events = client.get(url, params).context["events"]
        return sorted(e.username for e in events)

    assert users(user="mallory") == ["mallory"]
    assert users(kind="login_failed") == ["mallory"]
    assert users(ip="10.0.0.9") == ["alice"]
    assert users(user="alice", date_to="2020-01-03") == ["alice"]
    assert users(user="alice", date_from="2021-01-01") == ["alice"]
    bad = client.get(url, {"ip": "not-an-ip", "date_from": "2020-99-99"})
    assert bad.status_code == 200
    assert "ip" in bad.context["form"].errors and "date_from" in bad.context["form"].errors
    assert client.get(reverse("trialadmin:security_log_csv"), {"ip": "x"}).status_code == 400


def test_security_log_csv_is_neutralised_and_its_export_is_logged(trial_admin, login):
    SecurityEvent.objects.create(kind="login", username="=HYPERLINK(1)", ip_address="10.0.0.9")
    SecurityEvent.objects.create(kind="login", username="-2+3")
    response = login(trial_admin).get(reverse("trialadmin:security_log_csv"), {"kind": "login"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["at_utc", "kind", "username", "ip_address", "detail"]
    usernames = {row[2] for row in rows[1:]}
    assert {"'=HYPERLINK(1)", "'-2+3"} <= usernames
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.EXPORT, detail__dataset="security_log"
    ).exists()


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("a\n=b", "a\n'=b"),
        ("a,=b", "a,=b"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_neutralise(raw, safe):
    assert neutralise(raw) == safe
