"""The administration rules (issue 19), as plain values: no Django here.

- Ordered administrations: an order given `times_per_day` times has that many ordered
  administrations, numbered 1..n, each at a scheduled site-local time (`slot_times`).
- Status: given, given late, held, refused, missed. "Given as ordered" is status given
  with the ordered dose and route; anything else needs a reason (`needs_reason`).
- Discrepancies (`discrepancies`):
  * DOSE: a dose given (or given late) that differs from the ordered dose by more than
    the tolerance, in percent of the ordered dose (TRIAL_ADMIN_DOSE_TOLERANCE_PCT);
  * MISSED: status missed;
  * AFTER_STOP: a dose given on a site-local date after a stop of treatment still in
    force (a STOP event not followed by a relapse on or before that date), or after the
    treatment-withdrawal date;
  * AFTER_OFF_PROTOCOL: a dose given on a site-local date after the off-protocol date.
- Adherence (`adherence`): doses given (given + given late) / doses ordered, counting
  the ordered administrations of orders dated up to the site's today; cumulative mg
  given per drug against the planned mg (dose x times per day) of the same orders.
- Monitoring (`monitoring_alerts`): cyclosporine trough above the target maximum,
  systolic blood pressure at or above the limit, creatinine up by at least the given
  percent from baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from enrollment.labels import gettext_noop


class Status(StrEnum):
    GIVEN = "given"
    GIVEN_LATE = "given_late"
    HELD = "held"
    REFUSED = "refused"
    MISSED = "missed"


STATUS_LABELS: Mapping[Status, str] = {
    Status.GIVEN: gettext_noop("Given"),
    Status.GIVEN_LATE: gettext_noop("Given late"),
    Status.HELD: gettext_noop("Held"),
    Status.REFUSED: gettext_noop("Refused"),
    Status.MISSED: gettext_noop("Missed"),
}
GIVEN_STATUSES = frozenset({Status.GIVEN, Status.GIVEN_LATE})


class Discrepancy(StrEnum):
    DOSE = "admin_dose"
    MISSED = "admin_missed"
    AFTER_STOP = "admin_after_stop"
    AFTER_OFF_PROTOCOL = "admin_after_off_protocol"


DISCREPANCY_LABELS: Mapping[Discrepancy, str] = {
    Discrepancy.DOSE: gettext_noop("Dose differs from the order"),
    Discrepancy.MISSED: gettext_noop("Missed dose"),
    Discrepancy.AFTER_STOP: gettext_noop("Given after a stop of treatment"),
    Discrepancy.AFTER_OFF_PROTOCOL: gettext_noop("Given after off protocol"),
}

# Scheduled site-local times of the ordered administrations, by times per day.
SLOTS: Mapping[int, tuple[dt.time, ...]] = {
    1: (dt.time(8, 0),),
    2: (dt.time(8, 0), dt.time(20, 0)),
    3: (dt.time(8, 0), dt.time(14, 0), dt.time(20, 0)),
    4: (dt.time(6, 0), dt.time(12, 0), dt.time(18, 0), dt.time(23, 0)),
}


def slot_times(times_per_day: int) -> tuple[dt.time, ...]:
    """The scheduled site-local time of each ordered administration (1..n)."""
    if times_per_day < 1:
        raise ValueError("times_per_day must be at least 1")
    if times_per_day in SLOTS:
        return SLOTS[times_per_day]
    step = 24 * 60 // times_per_day
    return tuple(dt.time((i * step) // 60, (i * step) % 60) for i in range(times_per_day))


def deviation_pct(ordered_mg: Decimal, given_mg: Decimal) -> Decimal:
    """|given - ordered| in percent of the ordered dose."""
    if ordered_mg <= 0:
        raise ValueError("ordered dose must be positive")
    return abs(given_mg - ordered_mg) * 100 / ordered_mg


def as_ordered(
    *, status: str, ordered_mg: Decimal, ordered_route: str, given_mg: Decimal | None, route: str
) -> bool:
    return status == Status.GIVEN and given_mg == ordered_mg and route == ordered_route


def needs_reason(
    *, status: str, ordered_mg: Decimal, ordered_route: str, given_mg: Decimal | None, route: str
) -> bool:
    """Anything other than given as ordered (dose and route) needs a reason."""
    return not as_ordered(
        status=status,
        ordered_mg=ordered_mg,
        ordered_route=ordered_route,
        given_mg=given_mg,
        route=route,
    )


@dataclass(frozen=True)
class Course:
    """The treatment's course facts for one participant (site-local dates)."""

    stops: tuple[dt.date, ...] = ()
    relapses: tuple[dt.date, ...] = ()
    off_protocol_on: dt.date | None = None
    treatment_withdrawn_on: dt.date | None = None

    def stopped_on(self, day: dt.date) -> dt.date | None:
        """The stop in force on `day`: the last stop before it with no relapse after
        that stop and on or before `day`; the withdrawal date if `day` is after it."""
        if self.treatment_withdrawn_on is not None and day > self.treatment_withdrawn_on:
            return self.treatment_withdrawn_on
        before = [s for s in self.stops if s < day]
        if not before:
            return None
        last = max(before)
        if any(last < r <= day for r in self.relapses):
            return None
        return last


def discrepancies(
    *,
    status: str,
    ordered_mg: Decimal,
    given_mg: Decimal | None,
    given_on: dt.date | None,
    course: Course,
    tolerance_pct: Decimal,
) -> list[Discrepancy]:
    """The discrepancies of one administration (see the module docstring)."""
    found: list[Discrepancy] = []
    if status == Status.MISSED:
        found.append(Discrepancy.MISSED)
    if status in GIVEN_STATUSES:
        if given_mg is not None and deviation_pct(ordered_mg, given_mg) > tolerance_pct:
            found.append(Discrepancy.DOSE)
        if given_on is not None:
            if course.off_protocol_on is not None and given_on > course.off_protocol_on:
                found.append(Discrepancy.AFTER_OFF_PROTOCOL)
            elif course.stopped_on(given_on) is not None:
                found.append(Discrepancy.AFTER_STOP)
    return found


@dataclass(frozen=True)
class OrderedDoses:
    """One order dated up to today: its drug, dose, times per day."""

    drug: str
    dose_mg: Decimal
    times_per_day: int


@dataclass(frozen=True)
class GivenDose:
    drug: str
    status: str
    dose_mg: Decimal | None


@dataclass(frozen=True)
class DrugTotal:
    drug: str
    planned_mg: Decimal
    given_mg: Decimal

    @property
    def pct(self) -> Decimal | None:
        return self.given_mg * 100 / self.planned_mg if self.planned_mg else None


@dataclass(frozen=True)
class Adherence:
    ordered: int
    given: int
    recorded: int
    drugs: tuple[DrugTotal, ...]

    @property
    def pct(self) -> Decimal | None:
        return Decimal(self.given) * 100 / self.ordered if self.ordered else None


def adherence(orders: Iterable[OrderedDoses], given: Iterable[GivenDose]) -> Adherence:
    """Doses given / doses ordered and mg per drug against the plan (module docstring).

    `orders`: the orders dated up to today; `given`: the administrations recorded
    against those orders (any status)."""
    ordered = 0
    planned: dict[str, Decimal] = {}
    for o in orders:
        ordered += o.times_per_day
        planned[o.drug] = planned.get(o.drug, Decimal(0)) + o.dose_mg * o.times_per_day
    given_count = 0
    recorded = 0
    given_mg: dict[str, Decimal] = {d: Decimal(0) for d in planned}
    for g in given:
        recorded += 1
        if g.status in GIVEN_STATUSES:
            given_count += 1
            given_mg[g.drug] = given_mg.get(g.drug, Decimal(0)) + (g.dose_mg or Decimal(0))
    drugs = tuple(
        DrugTotal(drug=d, planned_mg=planned.get(d, Decimal(0)), given_mg=given_mg[d])
        for d in sorted(given_mg)
    )
    return Adherence(ordered=ordered, given=given_count, recorded=recorded, drugs=drugs)


@dataclass(frozen=True)
class MonitoringLimits:
    trough_max_ng_ml: Decimal = Decimal("200")
    systolic_max_mmhg: int = 160
    creatinine_rise_pct: Decimal = Decimal("30")


class MonitoringAlert(StrEnum):
    TROUGH_HIGH = "csa_trough_high"
    SYSTOLIC_HIGH = "systolic_high"
    CREATININE_RISE = "creatinine_rise"


MONITORING_LABELS: Mapping[MonitoringAlert, str] = {
    MonitoringAlert.TROUGH_HIGH: gettext_noop("Cyclosporine trough above the target range"),
    MonitoringAlert.SYSTOLIC_HIGH: gettext_noop("Systolic blood pressure high"),
    MonitoringAlert.CREATININE_RISE: gettext_noop("Creatinine risen from baseline"),
}


def monitoring_alerts(
    *,
    trough_ng_ml: Decimal | None,
    systolic_mmhg: int | None,
    creatinine_mg_dl: Decimal | None,
    baseline_creatinine_mg_dl: Decimal | None,
    limits: MonitoringLimits,
) -> list[MonitoringAlert]:
    found: list[MonitoringAlert] = []
    if trough_ng_ml is not None and trough_ng_ml > limits.trough_max_ng_ml:
        found.append(MonitoringAlert.TROUGH_HIGH)
    if systolic_mmhg is not None and systolic_mmhg >= limits.systolic_max_mmhg:
        found.append(MonitoringAlert.SYSTOLIC_HIGH)
    if (
        creatinine_mg_dl is not None
        and baseline_creatinine_mg_dl is not None
        and baseline_creatinine_mg_dl > 0
        and (creatinine_mg_dl - baseline_creatinine_mg_dl) * 100 / baseline_creatinine_mg_dl
        >= limits.creatinine_rise_pct
    ):
        found.append(MonitoringAlert.CREATININE_RISE)
    return found
