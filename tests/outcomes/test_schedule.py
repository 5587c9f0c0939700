"""Visit windows and statuses, table-driven (PROTOCOL.md section 4)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcomes.schedule import (
    DEFAULT_WINDOWS,
    VisitStatus,
    date_of_study_day,
    study_day,
    visit_dates,
    visit_status,
    windows_from_setting,
)

DAY1 = dt.date(2026, 1, 5)
VISITS = {v.name: v for v in visit_dates(DAY1)}


def d(n: int) -> dt.date:
    """The date of study day n."""
    return date_of_study_day(DAY1, n)


def test_targets_and_windows():
    assert [(v.name, v.target_date, v.window_opens, v.window_closes) for v in VISITS.values()] == [
        ("day7", d(7), d(6), d(8)),
        ("day30", d(30), d(27), d(33)),
        ("day60", d(60), d(53), d(67)),
        ("day90", d(90), d(83), d(97)),
    ]
    assert d(7) == dt.date(2026, 1, 11)


def test_study_day_has_no_day_zero():
    assert study_day(DAY1, DAY1) == 1
    assert study_day(DAY1, DAY1 + dt.timedelta(days=6)) == 7
    assert study_day(DAY1, DAY1 - dt.timedelta(days=1)) == 0
    with pytest.raises(ValueError):
        date_of_study_day(DAY1, 0)


EDGES = []
for name, (opens, closes) in {
    "day7": (6, 8),
    "day30": (27, 33),
    "day60": (53, 67),
    "day90": (83, 97),
}.items():
    EDGES += [
        (f"{name} day before window opens", name, opens - 1, VisitStatus.UPCOMING),
        (f"{name} window opens", name, opens, VisitStatus.OPEN),
        (f"{name} window closes", name, closes, VisitStatus.OPEN),
        (f"{name} day after window closes", name, closes + 1, VisitStatus.OVERDUE),
    ]


@pytest.mark.parametrize(
    ("name", "today", "status"), [e[1:] for e in EDGES], ids=[e[0] for e in EDGES]
)
def test_window_edges(name, today, status):
    assert (
        visit_status(VISITS[name], today=d(today), completed_on=None, missed=False, death_date=None)
        is status
    )


COMPLETION = [
    ("day7 on day 6", "day7", 6, VisitStatus.COMPLETED),
    ("day7 on day 8", "day7", 8, VisitStatus.COMPLETED),
    ("day7 on day 5", "day7", 5, VisitStatus.COMPLETED_OUT_OF_WINDOW),
    ("day7 on day 9", "day7", 9, VisitStatus.COMPLETED_OUT_OF_WINDOW),
    ("day30 on day 27", "day30", 27, VisitStatus.COMPLETED),
    ("day30 on day 34", "day30", 34, VisitStatus.COMPLETED_OUT_OF_WINDOW),
    ("day90 on day 97", "day90", 97, VisitStatus.COMPLETED),
    ("day90 on day 98", "day90", 98, VisitStatus.COMPLETED_OUT_OF_WINDOW),
]


@pytest.mark.parametrize(
    ("name", "done", "status"), [c[1:] for c in COMPLETION], ids=[c[0] for c in COMPLETION]
)
def test_completion_in_or_out_of_window(name, done, status):
    assert (
        visit_status(
            VISITS[name], today=d(120), completed_on=d(done), missed=False, death_date=None
        )
        is status
    )


def test_missed_is_missed_never_overdue():
    assert (
        visit_status(VISITS["day30"], today=d(60), completed_on=None, missed=True, death_date=None)
        is VisitStatus.MISSED
    )


@pytest.mark.parametrize(
    ("death", "name", "status"),
    [
        (20, "day30", VisitStatus.NOT_EXPECTED),
        (20, "day7", VisitStatus.OVERDUE),  # died after day 7's window: still owed
        (33, "day30", VisitStatus.NOT_EXPECTED),  # died on the window's last day
        (34, "day30", VisitStatus.OVERDUE),
        (20, "day90", VisitStatus.NOT_EXPECTED),
    ],
)
def test_death_ends_the_schedule(death, name, status):
    assert (
        visit_status(
            VISITS[name], today=d(100), completed_on=None, missed=False, death_date=d(death)
        )
        is status
    )


def test_completed_before_death_stays_completed():
    assert (
        visit_status(VISITS["day7"], today=d(100), completed_on=d(7), missed=False, death_date=d(7))
        is VisitStatus.COMPLETED
    )


def test_windows_from_setting():
    windows = windows_from_setting({30: (3, 3), 7: (1, 1), 60: (7, 7), 90: (7, 7)})
    assert windows == DEFAULT_WINDOWS
    with pytest.raises(ValueError):
        windows_from_setting({7: (-1, 1)})


@given(st.integers(1, 200), st.integers(1, 200))
def test_never_overdue_after_death_before_window_close(today_n, death_n):
    for visit in VISITS.values():
        status = visit_status(
            visit, today=d(today_n), completed_on=None, missed=False, death_date=d(death_n)
        )
        if d(death_n) <= visit.window_closes:
            assert status is VisitStatus.NOT_EXPECTED


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 1, 1)))
def test_windows_ordered_and_disjoint(day1):
    visits = visit_dates(day1)
    for a, b in zip(visits, visits[1:], strict=False):
        assert a.window_opens <= a.target_date <= a.window_closes < b.window_opens
