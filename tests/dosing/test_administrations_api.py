"""Administrations (issue 19): the JSON API, the day screen, the verify page, access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dosing.models import Administration, Order
from dressdb import signing
from dressdb.models import Role
from tests.api_tokens import api_key
from tests.conftest import _persona
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def url(participant) -> str:
    return reverse("api-participant-administrations", kwargs={"pk": participant.pk})


def day_of(participant, back=1) -> dt.date:
    return timezone.localdate(timezone=participant.site.tz) - dt.timedelta(days=back)


def body(participant, date, **change):
    order = Order.objects.get(participant=participant, date=date)
    given_at = dt.datetime.combine(date, dt.time(8, 5), tzinfo=participant.site.tz)
    entries = [
        {
            "order_id": order.pk,
            "number": n,
            "status": "given",
            "dose_mg": str(order.dose_mg),
            "route": order.route,
            "given_at": given_at.isoformat(),
            "given_by": "Nurse Joy",
        }
        for n in (1, 2)
    ]
    entries[1].update(change)
    return {"date": date.isoformat(), "administrations": entries}


def test_api_get_and_post_a_day(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    date = day_of(participant)
    client = api(coordinator_a)
    answer = client.get(url(participant), {"date": date.isoformat()})
    assert answer.status_code == 200
    data = answer.json()
    assert data["zone"] == "America/Los_Angeles"
    assert [(r["number"], r["status"]) for r in data["administrations"]] == [(1, None), (2, None)]
    posted = client.post(
        url(participant),
        body(participant, date, status="held", dose_mg=None, reason="Vomiting"),
        format="json",
    )
    assert posted.status_code == 200, posted.content
    rows = posted.json()["administrations"]
    assert [(r["status"], r["dose_mg"]) for r in rows] == [("given", 175.0), ("held", None)]
    assert rows[0]["given_at"].endswith("-08:00") or rows[0]["given_at"].endswith("-07:00")
    assert posted.json()["adherence"]["doses_given"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "held", "dose_mg": None}, "reason"),
        ({"dose_mg": "abc"}, "dose_mg"),
        ({"status": "lost"}, "status"),
        ({"given_by": ""}, "given_by"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(site_a, coordinator_a, change, field):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    date = day_of(participant)
    answer = api(coordinator_a).post(
        url(participant), body(participant, date, **change), format="json"
    )
    assert answer.status_code == 400
    assert field in str(answer.json())
    assert not Administration.objects.exists()


def test_api_bad_date_and_empty_body(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    client = api(coordinator_a)
    assert client.get(url(participant), {"date": "yesterday"}).json() == {
        "date": ["Give the date as YYYY-MM-DD."]
    }
    answer = client.post(url(participant), {}, format="json")
    assert answer.status_code == 400 and "date" in answer.json()


def test_api_roles_and_sites(site_a, site_b, coordinator_a, coordinator_b, pharmacist_a):
    own, _ = started(site_a, coordinator_a, days_ago=3)
    other, _ = started(site_b, coordinator_b, days_ago=3)
    date = day_of(own)
    # A pharmacist reads but does not record; a statistician does neither.
    assert api(pharmacist_a).get(url(own)).status_code == 200
    assert api(pharmacist_a).post(url(own), body(own, date), format="json").status_code == 403
    stat = _persona("stat", Role.STATISTICIAN, site_a)
    assert api(stat).get(url(own)).status_code == 403
    # Another site's participant: 404 for the coordinator and the pharmacist.
    assert api(coordinator_a).get(url(other)).status_code == 404
    assert api(coordinator_a).post(url(other), {}, format="json").status_code == 404
    assert api(pharmacist_a).get(url(other)).status_code == 404
    verify = reverse("api-participant-order-verify", kwargs={"pk": other.pk})
    assert api(pharmacist_a).post(verify, {}, format="json").status_code == 404
    assert not Administration.objects.exists()


def test_api_verify_then_record(site_a, coordinator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3, npo=True)
    date = day_of(participant)
    order = Order.objects.get(participant=participant, date=date)
    blocked = api(coordinator_a).post(url(participant), body(participant, date), format="json")
    assert blocked.status_code == 400
    assert "administrations.0.status" in blocked.json()
    verify = reverse("api-participant-order-verify", kwargs={"pk": participant.pk})
    assert (
        api(coordinator_a)
        .post(verify, {"order_id": order.pk, "password": TEST_PASSWORD}, format="json")
        .status_code
        == 403
    )
    wrong = api(pharmacist_a).post(
        verify, {"order_id": order.pk, "password": "wrong"}, format="json"
    )
    assert wrong.status_code == 400 and "password" in wrong.json()
    done = api(pharmacist_a).post(
        verify, {"order_id": order.pk, "password": TEST_PASSWORD}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["meaning"] == signing.Meaning.REVIEWED_APPROVED
    recorded = api(coordinator_a).post(url(participant), body(participant, date), format="json")
    assert recorded.status_code == 200
    assert Administration.objects.filter(order=order, status="given").count() == 2


def test_schema_documents_the_routes():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = schema["paths"]["/api/v1/participants/{id}/administrations"]
    assert {"get", "post"} <= set(ops)
    assert {"200", "400", "403", "404"} <= set(ops["post"]["responses"])
    assert "requestBody" in ops["post"]
    verify = schema["paths"]["/api/v1/participants/{id}/verify"]["post"]
    assert verify["summary"] and "requestBody" in verify


# --- pages ---------------------------------------------------------------------------------


def day_page(participant, date=None) -> str:
    path = reverse("administrations_day", kwargs={"pk": participant.pk})
    return f"{path}?date={date.isoformat()}" if date else path


def formset_post(participant, date, **slot1):
    order = Order.objects.get(participant=participant, date=date)
    data = {
        "adm-TOTAL_FORMS": "2",
        "adm-INITIAL_FORMS": "2",
        "adm-MIN_NUM_FORMS": "0",
        "adm-MAX_NUM_FORMS": "48",
    }
    for i in (0, 1):
        data.update(
            {
                f"adm-{i}-order_id": str(order.pk),
                f"adm-{i}-number": str(i + 1),
                f"adm-{i}-status": "given",
                f"adm-{i}-dose_mg": str(order.dose_mg),
                f"adm-{i}-route": order.route,
                f"adm-{i}-given_at": f"{date.isoformat()}T0{8 + i}:00",
                f"adm-{i}-given_by": "Nurse Joy",
                f"adm-{i}-reason": "",
            }
        )
    data.update({f"adm-1-{k}": v for k, v in slot1.items()})
    return data


def test_day_screen_all_given_by_default_one_exception(site_a, coordinator_a, login):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    date = day_of(participant)
    client = login(coordinator_a)
    page = client.get(day_page(participant, date))
    assert page.status_code == 200
    html = page.content.decode()
    assert "America/Los_Angeles" in html
    assert html.count('<option value="given" selected>') == 2
    answer = client.post(
        day_page(participant, date),
        formset_post(participant, date, status="held", dose_mg="", reason="NPO for surgery"),
    )
    assert answer.status_code == 302
    rows = Administration.objects.filter(participant=participant).order_by("number")
    assert [(a.status, a.dose_mg) for a in rows] == [("given", D("175")), ("held", None)]
    given_at = timezone.localtime(rows[0].given_at, site_a.tz)
    assert (given_at.date(), given_at.hour) == (date, 8)


def test_day_screen_bad_input_names_the_field(site_a, coordinator_a, login):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    date = day_of(participant)
    answer = login(coordinator_a).post(
        day_page(participant, date), formset_post(participant, date, status="refused", dose_mg="")
    )
    assert answer.status_code == 200
    form = answer.context["formset"].forms[1]
    assert "reason" in form.errors
    assert not Administration.objects.exists()


def test_day_screen_access(site_a, site_b, coordinator_a, coordinator_b, pharmacist_a, login):
    own, _ = started(site_a, coordinator_a, days_ago=3)
    other, _ = started(site_b, coordinator_b, days_ago=3)
    assert login(coordinator_a).get(day_page(other)).status_code == 404
    assert login(pharmacist_a).get(day_page(own)).status_code == 403
    verify = reverse("order_verify", kwargs={"pk": other.pk})
    assert login(pharmacist_a).get(verify).status_code == 404
    assert (
        login(coordinator_a).get(reverse("order_verify", kwargs={"pk": own.pk})).status_code == 403
    )


def test_verify_page_and_blocked_lists(site_a, coordinator_a, pharmacist_a, login):
    participant, _ = started(site_a, coordinator_a, days_ago=3, npo=True)
    today = timezone.localdate(timezone=site_a.tz)
    order = Order.objects.get(participant=participant, date=today)
    todays = login(pharmacist_a).get(reverse("todays_orders")).content.decode()
    assert 'data-testid="blocked"' in todays and 'data-testid="verify-link"' in todays
    sheet = login(coordinator_a).get(reverse("order_sheet", kwargs={"pk": participant.pk}))
    assert "BLOCKED: pharmacist to verify" in sheet.content.decode()
    screen = login(coordinator_a).get(day_page(participant)).content.decode()
    assert 'data-testid="blocked"' in screen
    verify = reverse("order_verify", kwargs={"pk": participant.pk})
    page = login(pharmacist_a).get(f"{verify}?order={order.pk}")
    assert page.status_code == 200 and "Verified for dispensing" in page.content.decode()
    done = login(pharmacist_a).post(verify, {"order_id": order.pk, "password": TEST_PASSWORD})
    assert done.status_code == 302
    assert signing.current_signature(order) is not None
    todays = login(coordinator_a).get(reverse("todays_orders")).content.decode()
    assert f'data-testid="order-row-{order.pk}"' in todays
    assert 'data-testid="verified"' in todays


def test_todays_orders_constant_queries(site_a, coordinator_a, login):
    started(site_a, coordinator_a, days_ago=3, npo=True)
    client = login(coordinator_a)
    client.get(reverse("todays_orders"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("todays_orders"))
    for npo in (True, False, True):
        started(site_a, coordinator_a, days_ago=2, npo=npo)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("todays_orders")).status_code == 200
    assert len(many) == len(few)


def test_participant_page_shows_adherence(site_a, coordinator_a, login):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    page = login(coordinator_a).get(reverse("participant_detail", kwargs={"pk": participant.pk}))
    html = page.content.decode()
    assert 'data-testid="adherence"' in html
    assert "0 of 8" in html


def test_completeness_dashboard_shows_adherence_by_arm(
    site_a, coordinator_a, investigator_a, login
):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    date = day_of(participant)
    api(coordinator_a).post(url(participant), body(participant, date), format="json")
    page = login(investigator_a).get(reverse("dashboard_completeness"))
    assert page.status_code == 200
    rows = page.context["data"]["adherence_by_arm"]
    assert [(r["arm"], r["given"], r["ordered"]) for r in rows] == [("cyclosporine", 2, 8)]
    assert 'data-testid="adherence-by-arm"' in page.content.decode()
