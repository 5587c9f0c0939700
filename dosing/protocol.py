"""The dosing protocol engine for both arms (PROTOCOL.md section 3). Pure, no Django.

It turns (arm, weight, renal impairment, NPO, the decisions so far, a relapse) into
the day-by-day orders, the events, the state, the current arm and the next decision
day. The same code drives real participants' orders and `protocol_preview`.

Reading guide for clinicians: the two transition tables below ARE the protocol. Each
block runs whole days; a decision is taken on its last day from that day's
assessment; the next block starts the following day.

    Cyclosporine arm (F = 5 mg/kg/day, 3 if renal impairment), PO divided bid
    CSA_INDUCTION   7 d  F            complete -> STOP (MONITORING)
                                      gt25 + down -> CSA_TAPER
                                      none, or labs up -> SWITCH to steroids
                                      else (le25, gt25 + flat) -> CSA_EXTENSION
    CSA_EXTENSION   3 d  F            down -> CSA_TAPER; else SWITCH
    MONITORING      -    no orders    relapse on day r -> CSA_RETREATMENT from r+1
    CSA_RETREATMENT 7 d  F            down -> CSA_TAPER; else SWITCH
    CSA_TAPER       14 d 3 mg/kg/day, then 20 d 2 mg/kg/day (renal: 2, then 1)
                                      -> COMPLETED after its last day

    Corticosteroid arm
    MP_PULSE_1      3 d  MP 500 mg IV qd   gt25/complete -> STEROID_TAPER; else MP_PULSE_2
    MP_PULSE_2      4 d  MP 500 mg IV qd   none -> SWITCH; le25 -> MP_PULSE_3;
                                           gt25/complete -> STEROID_TAPER
    MP_PULSE_3      3 d  MP 500 mg IV qd   down -> STEROID_TAPER; else SWITCH
    STEROID_TAPER   3 d MP 125 mg IV qd, then prednisone PO qd one week each at
                    1.2, 1.0, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05 mg/kg -> COMPLETED

A switch ends the current block on the decision day and starts the other arm's first
block the next day. Only one switch: a decision that would switch again puts the
participant OFF_PROTOCOL (no further orders).

Readings where PROTOCOL.md leaves room (each documented where it is applied):
- CSA_INDUCTION rows are applied in table order: `complete` stops even if labs are up.
- NPO changes only cyclosporine's route (IV at 1/3 of the oral daily dose, half per
  administration, rounded half-up to 5 mg, "pharmacist to verify"); methylprednisolone
  is IV already; prednisone stays PO but is flagged "pharmacist to verify" under NPO.
- A rounded dose is never 0: the smallest dispensed dose is one rounding step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

# The arm is defined once, on the enrollment floor; re-exported for the dosing rules.
from enrollment.arms import ARM_LABELS as ARM_LABELS
from enrollment.arms import Arm as Arm
from enrollment.labels import gettext_noop


class Drug(StrEnum):
    CYCLOSPORINE = "cyclosporine"
    METHYLPREDNISOLONE = "methylprednisolone"
    PREDNISONE = "prednisone"


class Route(StrEnum):
    PO = "PO"
    IV = "IV"


class Block(StrEnum):
    CSA_INDUCTION = "CSA_INDUCTION"
    CSA_EXTENSION = "CSA_EXTENSION"
    MONITORING = "MONITORING"
    CSA_RETREATMENT = "CSA_RETREATMENT"
    CSA_TAPER = "CSA_TAPER"
    MP_PULSE_1 = "MP_PULSE_1"
    MP_PULSE_2 = "MP_PULSE_2"
    MP_PULSE_3 = "MP_PULSE_3"
    STEROID_TAPER = "STEROID_TAPER"


class Improvement(StrEnum):
    COMPLETE = "complete"
    GT25 = "gt25"
    LE25 = "le25"
    NONE = "none"


class LabsTrend(StrEnum):
    DOWN = "down"
    FLAT = "flat"
    UP = "up"


class State(StrEnum):
    AWAITING_DECISION = "awaiting_decision"
    MONITORING = "monitoring"
    COMPLETED = "completed"
    OFF_PROTOCOL = "off_protocol"


class EventType(StrEnum):
    STOP = "stop"
    RELAPSE = "relapse"
    SWITCH = "switch"
    OFF_PROTOCOL = "off_protocol"


class Outcome(StrEnum):
    """What a decision leads to, besides a next block (OFF_PROTOCOL: a second switch)."""

    STOP = "STOP"
    SWITCH = "SWITCH"
    OFF_PROTOCOL = "OFF_PROTOCOL"


# Human labels, for model and form choices (stored values are the enum values).
DRUG_LABELS: Mapping[Drug, str] = {
    Drug.CYCLOSPORINE: gettext_noop("Cyclosporine"),
    Drug.METHYLPREDNISOLONE: gettext_noop("Methylprednisolone"),
    Drug.PREDNISONE: gettext_noop("Prednisone"),
}
ROUTE_LABELS: Mapping[Route, str] = {
    Route.PO: gettext_noop("PO (oral)"),
    Route.IV: gettext_noop("IV"),
}
IMPROVEMENT_LABELS: Mapping[Improvement, str] = {
    Improvement.COMPLETE: gettext_noop("Complete or near-complete resolution of organ involvement"),
    Improvement.GT25: gettext_noop("> 25% improvement in every involved organ"),
    Improvement.LE25: gettext_noop("0-25% improvement in at least one involved organ"),
    Improvement.NONE: gettext_noop("No improvement, or worse"),
}
LABS_TREND_LABELS: Mapping[LabsTrend, str] = {
    LabsTrend.DOWN: gettext_noop("Down-trending"),
    LabsTrend.FLAT: gettext_noop("Flat"),
    LabsTrend.UP: gettext_noop("Up-trending"),
}
STATE_LABELS: Mapping[State, str] = {
    State.AWAITING_DECISION: gettext_noop("Awaiting decision"),
    State.MONITORING: gettext_noop("Monitoring for relapse"),
    State.COMPLETED: gettext_noop("Completed"),
    State.OFF_PROTOCOL: gettext_noop("Off protocol"),
}
# A pulse's days count from the pulse's first day (after a switch they are not study days).
BLOCK_LABELS: Mapping[Block, str] = {
    Block.CSA_INDUCTION: gettext_noop("Cyclosporine induction, 7 days"),
    Block.CSA_EXTENSION: gettext_noop("Cyclosporine extension, 3 days"),
    Block.MONITORING: gettext_noop("Monitoring for relapse (no treatment)"),
    Block.CSA_RETREATMENT: gettext_noop("Cyclosporine retreatment, 7 days"),
    Block.CSA_TAPER: gettext_noop("Cyclosporine taper"),
    Block.MP_PULSE_1: gettext_noop("Methylprednisolone pulse, days 1–3"),
    Block.MP_PULSE_2: gettext_noop("Methylprednisolone pulse, days 4–7"),
    Block.MP_PULSE_3: gettext_noop("Methylprednisolone pulse, days 8–10"),
    Block.STEROID_TAPER: gettext_noop("Corticosteroid taper"),
}
EVENT_TYPE_LABELS: Mapping[EventType, str] = {
    EventType.STOP: gettext_noop("Stopped (response)"),
    EventType.RELAPSE: gettext_noop("Relapse"),
    EventType.SWITCH: gettext_noop("Switched arm"),
    EventType.OFF_PROTOCOL: gettext_noop("Off protocol"),
}
OUTCOME_LABELS: Mapping[Outcome, str] = {
    Outcome.STOP: gettext_noop("Stop treatment, monitor for relapse"),
    Outcome.SWITCH: gettext_noop("Switch arm"),
    Outcome.OFF_PROTOCOL: gettext_noop("Off protocol"),
}
# Short forms for tables and chips (the long ones are for forms and tooltips).
IMPROVEMENT_SHORT_LABELS: Mapping[Improvement, str] = {
    Improvement.COMPLETE: gettext_noop("Complete resolution"),
    Improvement.GT25: gettext_noop("Improved > 25%"),
    Improvement.LE25: gettext_noop("Improved 0-25%"),
    Improvement.NONE: gettext_noop("No improvement"),
}


def label_of(value: str, *tables: Mapping[Any, str]) -> str:
    """The human label of a stored code (a block, an event, an outcome, ...), or the
    code itself when no table knows it (never an error on old data)."""
    for table in tables:
        for key, label in table.items():
            if key == value:
                return label
    return value


@dataclass(frozen=True)
class DosingSettings:
    csa_mg_per_kg_day: Decimal = Decimal("5")
    csa_mg_per_kg_day_renal: Decimal = Decimal("3")
    csa_taper_mg_per_kg_day: tuple[Decimal, Decimal] = (Decimal("3"), Decimal("2"))
    csa_taper_mg_per_kg_day_renal: tuple[Decimal, Decimal] = (Decimal("2"), Decimal("1"))
    csa_taper_days: tuple[int, int] = (14, 20)
    csa_capsule_step_mg: Decimal = Decimal("25")
    csa_iv_fraction: tuple[int, int] = (1, 3)
    csa_iv_step_mg: Decimal = Decimal("5")
    mp_pulse_mg: Decimal = Decimal("500")
    mp_taper_mg: Decimal = Decimal("125")
    mp_taper_days: int = 3
    prednisone_mg_per_kg_weekly: tuple[Decimal, ...] = tuple(
        Decimal(x) for x in ("1.2", "1.0", "0.8", "0.6", "0.4", "0.2", "0.1", "0.05")
    )
    prednisone_step_mg: Decimal = Decimal("2.5")


@dataclass(frozen=True)
class Decision:
    improvement: Improvement
    labs_trend: LabsTrend


@dataclass(frozen=True)
class Order:
    day: int
    date: dt.date | None
    drug: Drug
    route: Route
    dose_mg: Decimal  # dispensed per administration, after rounding
    calculated_dose_mg: Decimal  # per administration, before rounding
    times_per_day: int
    block: Block
    pharmacist_to_verify: bool = False

    @property
    def daily_dose_mg(self) -> Decimal:
        return self.dose_mg * self.times_per_day


@dataclass(frozen=True)
class Event:
    day: int
    type: EventType
    to_arm: Arm | None = None


@dataclass(frozen=True)
class DecisionPoint:
    """A decision taken: on which study day, at the end of which block, and its result."""

    day: int
    block: Block
    decision: Decision
    result: str  # the next Block's name, or Outcome.STOP / SWITCH / OFF_PROTOCOL


@dataclass(frozen=True)
class Regimen:
    orders: tuple[Order, ...]
    events: tuple[Event, ...]
    state: State
    current_arm: Arm
    current_block: Block | None
    next_decision_day: int | None
    decision_points: tuple[DecisionPoint, ...] = field(default=())


class ProtocolError(ValueError):
    """Input the protocol cannot apply; `str()` is one line naming the field."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


# --- The decision rules, one function per block with a decision -----------------

Rule = Callable[[Decision], "Block | Outcome"]


def _is_gt25(d: Decision) -> bool:
    # `complete` counts as `gt25` wherever a rule does not name it.
    return d.improvement in (Improvement.GT25, Improvement.COMPLETE)


def rule_csa_induction(d: Decision) -> Block | Outcome:
    if d.improvement is Improvement.COMPLETE:
        return Outcome.STOP
    if d.improvement is Improvement.GT25 and d.labs_trend is LabsTrend.DOWN:
        return Block.CSA_TAPER
    if d.improvement is Improvement.NONE or d.labs_trend is LabsTrend.UP:
        return Outcome.SWITCH
    return Block.CSA_EXTENSION  # le25, or gt25 + flat


def rule_down_to_taper_else_switch(d: Decision) -> Block | Outcome:
    return Block.CSA_TAPER if d.labs_trend is LabsTrend.DOWN else Outcome.SWITCH


def rule_mp_pulse_1(d: Decision) -> Block | Outcome:
    return Block.STEROID_TAPER if _is_gt25(d) else Block.MP_PULSE_2


def rule_mp_pulse_2(d: Decision) -> Block | Outcome:
    if d.improvement is Improvement.NONE:
        return Outcome.SWITCH
    if d.improvement is Improvement.LE25:
        return Block.MP_PULSE_3
    return Block.STEROID_TAPER  # gt25 / complete


def rule_mp_pulse_3(d: Decision) -> Block | Outcome:
    return Block.STEROID_TAPER if d.labs_trend is LabsTrend.DOWN else Outcome.SWITCH


@dataclass(frozen=True)
class BlockSpec:
    arm: Arm
    rule: Rule | None  # None: the block ends the regimen (COMPLETED after its last day)


# The transition tables (lengths come from the settings for the tapers).
TRANSITIONS: Mapping[Block, BlockSpec] = {
    Block.CSA_INDUCTION: BlockSpec(Arm.CYCLOSPORINE, rule_csa_induction),
    Block.CSA_EXTENSION: BlockSpec(Arm.CYCLOSPORINE, rule_down_to_taper_else_switch),
    Block.CSA_RETREATMENT: BlockSpec(Arm.CYCLOSPORINE, rule_down_to_taper_else_switch),
    Block.CSA_TAPER: BlockSpec(Arm.CYCLOSPORINE, None),
    Block.MP_PULSE_1: BlockSpec(Arm.STEROIDS, rule_mp_pulse_1),
    Block.MP_PULSE_2: BlockSpec(Arm.STEROIDS, rule_mp_pulse_2),
    Block.MP_PULSE_3: BlockSpec(Arm.STEROIDS, rule_mp_pulse_3),
    Block.STEROID_TAPER: BlockSpec(Arm.STEROIDS, None),
}

FIXED_BLOCK_DAYS: Mapping[Block, int] = {
    Block.CSA_INDUCTION: 7,
    Block.CSA_EXTENSION: 3,
    Block.CSA_RETREATMENT: 7,
    Block.MP_PULSE_1: 3,
    Block.MP_PULSE_2: 4,
    Block.MP_PULSE_3: 3,
}

FIRST_BLOCK: Mapping[Arm, Block] = {
    Arm.CYCLOSPORINE: Block.CSA_INDUCTION,
    Arm.STEROIDS: Block.MP_PULSE_1,
}


def other_arm(arm: Arm) -> Arm:
    return Arm.STEROIDS if arm is Arm.CYCLOSPORINE else Arm.CYCLOSPORINE


# --- Doses -----------------------------------------------------------------------


def round_half_up(value: Decimal, step: Decimal) -> Decimal:
    """Round to the nearest multiple of `step`, halves up; never below one step."""
    steps = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(steps, Decimal(1)) * step


def block_days(block: Block, settings: DosingSettings) -> int:
    if block is Block.CSA_TAPER:
        return sum(settings.csa_taper_days)
    if block is Block.STEROID_TAPER:
        return settings.mp_taper_days + 7 * len(settings.prednisone_mg_per_kg_weekly)
    return FIXED_BLOCK_DAYS[block]


def _csa_order(
    *,
    day: int,
    block: Block,
    mg_per_kg_day: Decimal,
    weight_kg: Decimal,
    npo: bool,
    settings: DosingSettings,
) -> tuple[Drug, Route, Decimal, Decimal, int, bool]:
    oral_daily = mg_per_kg_day * weight_kg
    if npo:
        num, den = settings.csa_iv_fraction
        calculated = oral_daily * num / den / 2
        return (
            Drug.CYCLOSPORINE,
            Route.IV,
            round_half_up(calculated, settings.csa_iv_step_mg),
            calculated,
            2,
            True,
        )
    calculated = oral_daily / 2
    return (
        Drug.CYCLOSPORINE,
        Route.PO,
        round_half_up(calculated, settings.csa_capsule_step_mg),
        calculated,
        2,
        False,
    )


def _orders_for_block(
    *,
    block: Block,
    first_day: int,
    weight_kg: Decimal,
    renal_impairment: bool,
    npo: bool,
    start_date: dt.date | None,
    settings: DosingSettings,
) -> list[Order]:
    orders: list[Order] = []
    length = block_days(block, settings)
    for offset in range(length):
        day = first_day + offset
        try:
            date = start_date + dt.timedelta(days=day - 1) if start_date is not None else None
        except OverflowError:
            raise ProtocolError(
                "start_date", f"study day {day} would fall after {dt.date.max.isoformat()}"
            ) from None
        if block in (Block.CSA_INDUCTION, Block.CSA_EXTENSION, Block.CSA_RETREATMENT):
            mg_per_kg = (
                settings.csa_mg_per_kg_day_renal if renal_impairment else settings.csa_mg_per_kg_day
            )
            spec = _csa_order(
                day=day,
                block=block,
                mg_per_kg_day=mg_per_kg,
                weight_kg=weight_kg,
                npo=npo,
                settings=settings,
            )
        elif block is Block.CSA_TAPER:
            steps = (
                settings.csa_taper_mg_per_kg_day_renal
                if renal_impairment
                else settings.csa_taper_mg_per_kg_day
            )
            mg_per_kg = steps[0] if offset < settings.csa_taper_days[0] else steps[1]
            spec = _csa_order(
                day=day,
                block=block,
                mg_per_kg_day=mg_per_kg,
                weight_kg=weight_kg,
                npo=npo,
                settings=settings,
            )
        elif block in (Block.MP_PULSE_1, Block.MP_PULSE_2, Block.MP_PULSE_3):
            mg = settings.mp_pulse_mg
            spec = (Drug.METHYLPREDNISOLONE, Route.IV, mg, mg, 1, False)
        elif block is Block.STEROID_TAPER:
            if offset < settings.mp_taper_days:
                mg = settings.mp_taper_mg
                spec = (Drug.METHYLPREDNISOLONE, Route.IV, mg, mg, 1, False)
            else:
                week = (offset - settings.mp_taper_days) // 7
                calculated = settings.prednisone_mg_per_kg_weekly[week] * weight_kg
                spec = (
                    Drug.PREDNISONE,
                    Route.PO,
                    round_half_up(calculated, settings.prednisone_step_mg),
                    calculated,
                    1,
                    npo,  # prednisone is oral: under NPO the pharmacist must verify
                )
        else:  # MONITORING has no orders and is never passed here
            raise AssertionError(f"no orders for {block}")
        drug, route, dose, calculated, times, verify = spec
        orders.append(
            Order(
                day=day,
                date=date,
                drug=drug,
                route=route,
                dose_mg=dose,
                calculated_dose_mg=calculated,
                times_per_day=times,
                block=block,
                pharmacist_to_verify=verify,
            )
        )
    return orders


# --- The engine ------------------------------------------------------------------


def plan_regimen(
    *,
    arm: Arm,
    weight_kg: Decimal,
    renal_impairment: bool,
    npo: bool,
    decisions: Sequence[Decision],
    relapse_day: int | None = None,
    start_date: dt.date | None = None,
    settings: DosingSettings | None = None,
) -> Regimen:
    """Walk the protocol from day 1 through the decisions taken so far."""
    settings = settings or DosingSettings()
    if weight_kg <= 0:
        raise ProtocolError("weight_kg", "must be > 0")
    orders: list[Order] = []
    events: list[Event] = []
    points: list[DecisionPoint] = []
    current_arm = arm
    block = FIRST_BLOCK[arm]
    day = 1
    used = 0
    switched = False
    relapse_used = False
    state: State
    next_decision_day: int | None = None
    current_block: Block | None = block

    while True:
        if block is Block.MONITORING:
            stop_day = day - 1
            if relapse_day is None or relapse_used:
                state, current_block = State.MONITORING, Block.MONITORING
                break
            if relapse_day <= stop_day:
                raise ProtocolError("relapse_day", f"must be after the stop on day {stop_day}")
            relapse_used = True
            events.append(Event(relapse_day, EventType.RELAPSE))
            block, day = Block.CSA_RETREATMENT, relapse_day + 1
            continue

        block_orders = _orders_for_block(
            block=block,
            first_day=day,
            weight_kg=weight_kg,
            renal_impairment=renal_impairment,
            npo=npo,
            start_date=start_date,
            settings=settings,
        )
        orders.extend(block_orders)
        last_day = day + block_days(block, settings) - 1
        rule = TRANSITIONS[block].rule
        if rule is None:
            state, current_block = State.COMPLETED, None
            break
        if used == len(decisions):
            state, current_block, next_decision_day = State.AWAITING_DECISION, block, last_day
            break
        decision = decisions[used]
        used += 1
        result = rule(decision)
        if result is Outcome.STOP:
            events.append(Event(last_day, EventType.STOP))
            points.append(DecisionPoint(last_day, block, decision, str(Outcome.STOP)))
            block, day = Block.MONITORING, last_day + 1
        elif result is Outcome.SWITCH:
            if switched:
                events.append(Event(last_day, EventType.OFF_PROTOCOL))
                points.append(DecisionPoint(last_day, block, decision, str(Outcome.OFF_PROTOCOL)))
                state, current_block = State.OFF_PROTOCOL, None
                break
            switched = True
            current_arm = other_arm(current_arm)
            events.append(Event(last_day, EventType.SWITCH, to_arm=current_arm))
            points.append(DecisionPoint(last_day, block, decision, str(Outcome.SWITCH)))
            block, day = FIRST_BLOCK[current_arm], last_day + 1
        else:
            assert isinstance(result, Block)  # noqa: S101  (rules return a Block or Outcome)
            points.append(DecisionPoint(last_day, block, decision, str(result)))
            block, day = result, last_day + 1

    if used < len(decisions):
        raise ProtocolError(f"decisions[{used}]", "more decisions than the path uses")
    if relapse_day is not None and not relapse_used:
        raise ProtocolError("relapse_day", "the regimen never reaches monitoring")
    return Regimen(
        orders=tuple(orders),
        events=tuple(events),
        state=state,
        current_arm=current_arm,
        current_block=current_block,
        next_decision_day=next_decision_day,
        decision_points=tuple(points),
    )


# --- A whole preview (the input of `protocol_preview` and the preview page) --------


@dataclass(frozen=True)
class PreviewInput:
    """A hypothetical patient and the decisions so far: everything `plan_regimen` needs.

    Built by dosing/protocol_contract.py from the JSON document, or by the preview form.
    """

    arm: Arm
    weight_kg: Decimal
    renal_impairment: bool
    npo: bool
    start_date: dt.date | None
    decisions: tuple[Decision, ...]
    relapse_day: int | None


def plan_preview(spec: PreviewInput, settings: DosingSettings | None = None) -> Regimen:
    return plan_regimen(
        arm=spec.arm,
        weight_kg=spec.weight_kg,
        renal_impairment=spec.renal_impairment,
        npo=spec.npo,
        decisions=spec.decisions,
        relapse_day=spec.relapse_day,
        start_date=spec.start_date,
        settings=settings,
    )
