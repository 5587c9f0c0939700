"""The `protocol_preview` JSON contract (CONTRACTS.md): document in, document out. Pure.

Parsing turns the document into the core's `PreviewInput` (naming the field of any bad
value in a `ProtocolError`); serialising turns the core's `Regimen` and `Order` into
the contract's JSON. The rules themselves live in dosing/protocol.py.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from dosing.protocol import (
    Arm,
    Decision,
    DosingSettings,
    Improvement,
    LabsTrend,
    Order,
    PreviewInput,
    ProtocolError,
    Regimen,
    plan_preview,
)

# --- Out ---------------------------------------------------------------------------


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def order_to_json(order: Order) -> dict[str, Any]:
    return {
        "day": order.day,
        "date": order.date.isoformat() if order.date is not None else None,
        "drug": str(order.drug),
        "route": str(order.route),
        "dose_mg": _json_number(order.dose_mg),
        "calculated_dose_mg": float(order.calculated_dose_mg.quantize(Decimal("0.01"))),
        "times_per_day": order.times_per_day,
        "daily_dose_mg": _json_number(order.daily_dose_mg),
        "block": str(order.block),
        "pharmacist_to_verify": order.pharmacist_to_verify,
    }


def regimen_to_json(regimen: Regimen) -> dict[str, Any]:
    events = []
    for e in regimen.events:
        item: dict[str, Any] = {"day": e.day, "type": str(e.type)}
        if e.to_arm is not None:
            item["to_arm"] = str(e.to_arm)
        events.append(item)
    return {
        "orders": [order_to_json(o) for o in regimen.orders],
        "events": events,
        "state": str(regimen.state),
        "current_arm": str(regimen.current_arm),
        "next_decision_day": regimen.next_decision_day,
        "current_block": str(regimen.current_block) if regimen.current_block else None,
    }


# --- In ----------------------------------------------------------------------------


def _choice(value: Any, field_name: str, enum: type[StrEnum]) -> Any:
    allowed = [str(m) for m in enum]
    if not isinstance(value, str) or value not in allowed:
        raise ProtocolError(field_name, "must be one of " + ", ".join(allowed))
    return enum(value)


def _boolean(data: Mapping[str, Any], key: str) -> bool:
    if key not in data:
        raise ProtocolError(key, "is required")
    if not isinstance(data[key], bool):
        raise ProtocolError(key, "must be true or false")
    return bool(data[key])


def parse_decision(raw: object, index: int) -> Decision:
    """One item of `decisions` (also used by the preview form for its text lines)."""
    if not isinstance(raw, Mapping):
        raise ProtocolError(f"decisions[{index}]", "must be an object")
    for key in ("improvement", "labs_trend"):
        if key not in raw:
            raise ProtocolError(f"decisions[{index}].{key}", "is required")
    return Decision(
        _choice(raw["improvement"], f"decisions[{index}].improvement", Improvement),
        _choice(raw["labs_trend"], f"decisions[{index}].labs_trend", LabsTrend),
    )


def parse_preview_input(data: object) -> PreviewInput:
    if not isinstance(data, Mapping):
        raise ProtocolError("input", "must be a JSON object")
    for key in ("arm", "weight_kg", "renal_impairment", "npo", "decisions"):
        if key not in data:
            raise ProtocolError(key, "is required")
    arm = _choice(data["arm"], "arm", Arm)
    raw_weight = data["weight_kg"]
    if isinstance(raw_weight, bool) or not isinstance(raw_weight, int | float | str):
        raise ProtocolError("weight_kg", "must be a number")
    if isinstance(raw_weight, float) and not math.isfinite(raw_weight):
        raise ProtocolError("weight_kg", "must be a finite number")
    try:
        weight = Decimal(str(raw_weight))
    except InvalidOperation:
        raise ProtocolError("weight_kg", "must be a number") from None
    if not weight.is_finite() or weight < 25 or weight > 350:
        raise ProtocolError("weight_kg", "must be between 25 and 350 kg")
    renal = _boolean(data, "renal_impairment")
    npo = _boolean(data, "npo")
    start_date = None
    raw_date = data.get("start_date")
    if raw_date is not None:
        if not isinstance(raw_date, str):
            raise ProtocolError("start_date", "must be an ISO date (YYYY-MM-DD)")
        try:
            start_date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise ProtocolError("start_date", "must be an ISO date (YYYY-MM-DD)") from None
    raw_decisions = data["decisions"]
    if not isinstance(raw_decisions, list):
        raise ProtocolError("decisions", "must be a list")
    decisions = [parse_decision(raw, i) for i, raw in enumerate(raw_decisions)]
    relapse_day = data.get("relapse_day")
    if relapse_day is not None and (
        isinstance(relapse_day, bool) or not isinstance(relapse_day, int) or relapse_day < 1
    ):
        raise ProtocolError("relapse_day", "must be a whole study day >= 1, or null")
    return PreviewInput(
        arm=arm,
        weight_kg=weight,
        renal_impairment=renal,
        npo=npo,
        start_date=start_date,
        decisions=tuple(decisions),
        relapse_day=relapse_day,
    )


def preview(data: object, settings: DosingSettings | None = None) -> dict[str, Any]:
    """The whole `protocol_preview` command: parse, plan, serialise."""
    return regimen_to_json(plan_preview(parse_preview_input(data), settings))
