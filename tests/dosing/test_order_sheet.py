"""The order sheet as a medication administration record (issue 16 item 6).

A `.mar-week` per 7 site days, a row per ordered administration (a twice-daily dose has
two cells a day), the administrations recorded (issue 19) or blank cells for paper use, a
daily total per drug equal to the sum of the day's ordered doses, a marker on decision
days, an unverified order shown blocked, constant queries, the site scope."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dosing import services
from dosing.models import Order, Regimen
from tests.dosing.helpers import started

pytestmark = pytest.mark.django_db

VOID = {"br", "hr", "img", "input", "link", "meta", "col", "source", "wbr", "area", "base"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    texts: list[str] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts = list(self.texts)
        for child in self.children:
            parts.append(child.text())
        return " ".join(p.strip() for p in parts if p.strip())

    def all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if (
                (tag is None or child.tag == tag)
                and (cls is None or cls in child.classes())
                and all(child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
            ):
                found.append(child)
            found.extend(child.all(tag, cls, **attrs))
        return found


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent  # type: ignore[assignment]
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.texts.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


def sheet_url(participant, start: dt.date, end: dt.date) -> str:
    url = reverse("order_sheet", kwargs={"pk": participant.pk})
    return f"{url}?start={start.isoformat()}&end={end.isoformat()}"


def today_of(participant) -> dt.date:
    return timezone.localdate(timezone=participant.site.tz)


# arm, days since day 1, first shown study day, number of days shown
CASES = [
    pytest.param("cyclosporine", 3, 1, 7, id="cyclosporine-one-week"),
    pytest.param("cyclosporine", 3, 1, 10, id="cyclosporine-week-and-a-bit"),
    pytest.param("cyclosporine", 20, 1, 28, id="cyclosporine-four-weeks"),
    pytest.param("steroids", 3, 1, 7, id="steroids-pulse-then-prednisone"),
    pytest.param("steroids", 20, 1, 21, id="steroids-three-weeks"),
]


@pytest.mark.parametrize(("arm", "days_ago", "first_day", "days"), CASES)
def test_mar_structure_follows_the_orders(
    arm, days_ago, first_day, days, site_a, coordinator_a, pharmacist_a, login
):
    participant, regimen = started(site_a, coordinator_a, arm=arm, days_ago=days_ago)
    start = regimen.day1 + dt.timedelta(days=first_day - 1)
    end = start + dt.timedelta(days=days - 1)
    answer = login(pharmacist_a).get(sheet_url(participant, start, end))
    assert answer.status_code == 200
    doc = parse(answer.content.decode())
    weeks = doc.all("section", cls="mar-week")
    assert len(weeks) == math.ceil(days / 7)
    orders = list(Order.objects.filter(participant=participant, date__range=(start, end)))
    assert orders, "the case must show orders"
    for number, week in enumerate(weeks):
        week_start = start + dt.timedelta(days=7 * number)
        week_end = min(week_start + dt.timedelta(days=6), end)
        assert week.attrs["data-start"] == week_start.isoformat()
        assert week.attrs["data-end"] == week_end.isoformat()
        dates = [d.attrs["data-date"] for d in week.all("th", cls="mar-day")]
        assert dates == [
            (week_start + dt.timedelta(days=i)).isoformat()
            for i in range((week_end - week_start).days + 1)
        ]
        week_orders = [o for o in orders if week_start <= o.date <= week_end]
        assert {t.attrs["data-drug"] for t in week.all("tbody", cls="mar-drug")} == {
            o.drug for o in week_orders
        }
        for drug_body in week.all("tbody", cls="mar-drug"):
            drug = drug_body.attrs["data-drug"]
            by_date = {o.date.isoformat(): o for o in week_orders if o.drug == drug}
            cells = drug_body.all("td", cls="mar-cell")
            # A row per ordered administration: one cell per dose of the day.
            for date, order in by_date.items():
                mine = [c for c in cells if c.attrs["data-date"] == date]
                assert len(mine) == order.times_per_day, (drug, date)
                assert {Decimal(c.attrs["data-mg"]) for c in mine} == {order.dose_mg}
            assert {c.attrs["data-date"] for c in cells} == set(by_date)
            # No record yet: every cell is blank for paper use.
            assert len(drug_body.all(cls="mar-sign")) == len(cells)
            (total_row,) = drug_body.all("tr", cls="mar-total")
            totals = [t.attrs["data-mg"] for t in total_row.all("td")]
            for date, total in zip(dates, totals, strict=True):
                order = by_date.get(date)  # type: ignore[assignment]
                if order is None:
                    assert total == ""
                else:
                    assert Decimal(total) == order.dose_mg * order.times_per_day
                    assert Decimal(total) == order.daily_dose_mg


def test_twice_daily_cyclosporine_has_two_cells_a_day(site_a, coordinator_a, login):
    participant, regimen = started(site_a, coordinator_a, days_ago=3)
    answer = login(coordinator_a).get(
        sheet_url(participant, regimen.day1, regimen.day1 + dt.timedelta(days=6))
    )
    doc = parse(answer.content.decode())
    rows = doc.all("tr", cls="mar-admin", data_drug="cyclosporine")
    assert [r.attrs["data-number"] for r in rows] == ["1", "2"]
    first = Order.objects.get(participant=participant, date=regimen.day1)
    assert first.times_per_day == 2
    day1 = [c for c in doc.all("td", cls="mar-cell") if c.attrs["data-date"] == str(first.date)]
    assert [c.text().split(" ")[0] for c in day1] == ["08:00", "20:00"]


def test_recorded_administrations_fill_their_cells(site_a, coordinator_a, login):
    participant, regimen = started(site_a, coordinator_a, days_ago=3)
    date = today_of(participant) - dt.timedelta(days=1)
    order = Order.objects.get(participant=participant, date=date)
    tz = participant.site.tz
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=date,
        entries=[
            services.AdministrationInput(
                order_id=order.pk,
                number=1,
                status="given",
                dose_mg=order.dose_mg,
                route=order.route,
                given_at=dt.datetime.combine(date, dt.time(8, 10), tzinfo=tz),
                given_by="Nurse Joy",
            ),
            services.AdministrationInput(
                order_id=order.pk,
                number=2,
                status="refused",
                given_by="Nurse Ray",
                reason="Vomiting",
            ),
        ],
    )
    answer = login(coordinator_a).get(sheet_url(participant, regimen.day1, date))
    doc = parse(answer.content.decode())
    cells = [c for c in doc.all("td", cls="mar-cell") if c.attrs["data-date"] == str(date)]
    assert len(cells) == 2
    given, refused = (c.all(cls="mar-record")[0] for c in cells)
    assert given.attrs["data-status"] == "given"
    assert "08:10" in given.text() and "Nurse Joy" in given.text()
    assert f"{order.dose_mg:g} mg" in given.text() or f"{order.dose_mg:.0f} mg" in given.text()
    assert refused.attrs["data-status"] == "refused"
    assert "Refused" in refused.text() and "Nurse Ray" in refused.text()
    assert "Vomiting" in refused.text()
    # The other days stay blank for paper use; the zone of the times is named.
    others = [c for c in doc.all("td", cls="mar-cell") if c.attrs["data-date"] != str(date)]
    assert others and all(c.all(cls="mar-sign") for c in others)
    assert f"Times in {participant.site.time_zone}" in answer.content.decode()
    total = next(
        t
        for t in doc.all("tr", cls="mar-total")[0].all("td")
        if t.attrs["data-mg"] and "given" in t.text()
    )
    assert Decimal(total.attrs["data-mg"]) == order.dose_mg * 2


def test_decision_days_are_marked(site_a, coordinator_a, login):
    participant, regimen = started(site_a, coordinator_a, days_ago=3)
    regimen.refresh_from_db()
    due = regimen.next_decision_date
    assert due is not None
    answer = login(coordinator_a).get(
        sheet_url(participant, due - dt.timedelta(days=2), due + dt.timedelta(days=4))
    )
    doc = parse(answer.content.decode())
    marked = [th.attrs["data-date"] for th in doc.all("th", cls="mar-decision")]
    assert marked == [due.isoformat()]
    (mark,) = doc.all(data_testid="decision-day")
    assert "Decision due" in mark.text()


def test_unverified_order_is_blocked(site_a, coordinator_a, login):
    participant, _ = started(site_a, coordinator_a, days_ago=3, npo=True)
    today = today_of(participant)
    order = Order.objects.get(participant=participant, date=today)
    assert order.pharmacist_to_verify
    answer = login(coordinator_a).get(sheet_url(participant, today, today))
    doc = parse(answer.content.decode())
    cells = [c for c in doc.all("td", cls="mar-cell") if c.attrs["data-date"] == str(today)]
    assert len(cells) == order.times_per_day
    for cell in cells:
        assert "mar-blocked" in cell.classes()
        assert "BLOCKED: pharmacist to verify" in cell.text()
        assert not cell.all(cls="mar-sign")  # no place to sign a dose that must not be given


def test_print_css_one_page_per_week():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/dressdb.css"), encoding="utf-8").read()  # type: ignore[arg-type]
    assert "@page { size: landscape;" in css
    assert ".mar-week { break-after: page; page-break-after: always;" in css


def test_queries_constant_over_one_and_four_weeks(site_a, coordinator_a, pharmacist_a, login):
    participant, regimen = started(site_a, coordinator_a, days_ago=30)
    client = login(pharmacist_a)
    client.get(sheet_url(participant, regimen.day1, regimen.day1))
    counts = []
    for days in (7, 28):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(
                sheet_url(participant, regimen.day1, regimen.day1 + dt.timedelta(days=days - 1))
            )
        assert answer.content.decode().count('class="mar-week"') == days // 7
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_other_site_gets_404(site_a, coordinator_a, coordinator_b, login):
    participant, regimen = started(site_a, coordinator_a, days_ago=3)
    url = sheet_url(participant, regimen.day1, regimen.day1)
    assert login(coordinator_b).get(url).status_code == 404
    assert login(coordinator_a).get(url).status_code == 200
    assert Regimen.objects.filter(participant=participant).exists()
