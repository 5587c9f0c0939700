"""The CYP3A4 interaction warning on the pharmacist's pages (issue 17): today's orders and
the order sheet show the strong CYP3A4 inhibitors and inducers a participant on
cyclosporine takes (concomitant medications), with a badge on the cyclosporine rows;
nothing for corticosteroid participants or drugs stopped before the orders; another
site's staff never see it; the number of queries does not grow with the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Participant
from safety import services
from safety.selectors import interactions_between
from tests.dosing.helpers import started

pytestmark = pytest.mark.django_db


def take(participant: Participant, user: Any, drug: str, **over: Any) -> None:
    today = timezone.localdate(timezone=participant.site.tz)
    values: dict[str, Any] = {
        "drug": drug,
        "indication": "Infection",
        "route": "po",
        "start_date": today - dt.timedelta(days=2),
        "ongoing": True,
    }
    values.update(over)
    services.conmed_save(participant=participant, user=user, data=services.ConmedInput(**values))


def todays_orders(client: Any) -> str:
    response = client.get(reverse("todays_orders"))
    assert response.status_code == 200
    return response.content.decode()


def test_todays_orders_warn_the_pharmacist(login, site_a, coordinator_a, pharmacist_a):
    on_csa, _ = started(site_a, coordinator_a, days_ago=3)
    on_steroids, _ = started(site_a, coordinator_a, arm="steroids", days_ago=3)
    stopped, _ = started(site_a, coordinator_a, days_ago=3)
    take(on_csa, coordinator_a, "Clarithromycin")
    take(on_csa, coordinator_a, "Paracetamol")
    take(on_steroids, coordinator_a, "Rifampicin")
    today = timezone.localdate(timezone=site_a.tz)
    take(
        stopped,
        coordinator_a,
        "Carbamazepine",
        start_date=today - dt.timedelta(days=20),
        ongoing=False,
        stop_date=today - dt.timedelta(days=1),
    )
    html = todays_orders(login(pharmacist_a))
    assert 'data-testid="cyp3a4-order-warning"' in html
    warning = html.split('data-testid="cyp3a4-order-warning"')[1].split("</div>")[0]
    assert on_csa.study_id in warning and "Clarithromycin" in warning
    assert "raises cyclosporine levels" in warning
    assert "Paracetamol" not in warning  # no interaction
    assert on_steroids.study_id not in warning and "Rifampicin" not in warning
    assert stopped.study_id not in warning and "Carbamazepine" not in warning
    rows = {
        o.pk: html.split(f'data-testid="order-row-{o.pk}"')[1].split("</tr>")[0]
        for o in on_csa.orders.filter(date=today)
    }
    assert rows
    for pk, row in rows.items():
        order = on_csa.orders.get(pk=pk)
        assert ('data-testid="cyp3a4-badge"' in row) == (order.drug == "cyclosporine")
    steroid_rows = [
        html.split(f'data-testid="order-row-{o.pk}"')[1].split("</tr>")[0]
        for o in on_steroids.orders.filter(date=today)
    ]
    assert not any("cyp3a4-badge" in r for r in steroid_rows)


def test_no_warning_without_an_interacting_drug(login, site_a, coordinator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    take(participant, coordinator_a, "Paracetamol")
    html = todays_orders(login(pharmacist_a))
    assert "cyp3a4-order-warning" not in html and "cyp3a4-badge" not in html


def test_the_order_sheet_warns_on_every_week(login, site_a, coordinator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    take(participant, coordinator_a, "Phenytoin")  # an inducer: lowers the levels
    today = timezone.localdate(timezone=site_a.tz)
    url = reverse("order_sheet", kwargs={"pk": participant.pk})
    end = today + dt.timedelta(days=13)
    page = login(pharmacist_a).get(url, {"start": today.isoformat(), "end": end.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    weeks = html.count('data-testid="mar-week"')
    assert weeks >= 2
    assert html.count('data-testid="cyp3a4-order-warning"') == weeks
    assert "Phenytoin" in html and "lowers cyclosporine levels" in html
    # the sheet of dates before the drug was started: no warning
    early = login(pharmacist_a).get(
        url,
        {
            "start": (today - dt.timedelta(days=3)).isoformat(),
            "end": (today - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert "cyp3a4-order-warning" not in early.content.decode()


def test_interactions_between_only_for_cyclosporine(site_a, coordinator_a):
    steroids, _ = started(site_a, coordinator_a, arm="steroids", days_ago=3)
    take(steroids, coordinator_a, "Clarithromycin")
    today = timezone.localdate(timezone=site_a.tz)
    assert interactions_between(steroids, today, today) == []


def test_another_sites_staff_see_nothing(
    login, site_a, site_b, coordinator_a, coordinator_b, pharmacist_a
):
    other, _ = started(site_b, coordinator_b, days_ago=3)
    take(other, coordinator_b, "Ketoconazole")
    html = todays_orders(login(pharmacist_a))
    assert other.study_id not in html and "Ketoconazole" not in html
    sheet = reverse("order_sheet", kwargs={"pk": other.pk})
    assert login(pharmacist_a).get(sheet).status_code == 404
    assert login(coordinator_a).get(sheet).status_code == 404


def test_todays_orders_queries_do_not_grow_with_interactions(
    login, site_a, coordinator_a, pharmacist_a
):
    client = login(pharmacist_a)
    first, _ = started(site_a, coordinator_a, days_ago=3)
    take(first, coordinator_a, "Clarithromycin")
    todays_orders(client)
    with CaptureQueriesContext(connection) as few:
        todays_orders(client)
    for drug in ("Itraconazole", "Rifampicin", "Voriconazole"):
        participant, _ = started(site_a, coordinator_a, days_ago=3)
        take(participant, coordinator_a, drug)
    with CaptureQueriesContext(connection) as many:
        html = todays_orders(client)
    assert html.count('data-testid="cyp3a4-participant"') == 4
    assert len(many) == len(few)
