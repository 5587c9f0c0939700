"""The `protocol_preview` JSON contract in-process: parsing the document into the
engine's typed input, and the output's shape (CONTRACTS.md). The command itself, as a
subprocess: test_protocol_preview_command.py."""

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from dosing.protocol import (
    Arm,
    Decision,
    Improvement,
    LabsTrend,
    PreviewInput,
    ProtocolError,
    plan_preview,
)
from dosing.protocol_contract import (
    order_to_json,
    parse_decision,
    parse_preview_input,
    preview,
    regimen_to_json,
)

WORKED: dict[str, Any] = {
    "arm": "cyclosporine",
    "weight_kg": 70,
    "renal_impairment": False,
    "npo": False,
    "start_date": "2026-01-05",
    "decisions": [{"improvement": "gt25", "labs_trend": "down"}],
    "relapse_day": None,
}


def test_parse_gives_the_engines_typed_input():
    assert parse_preview_input(WORKED) == PreviewInput(
        arm=Arm.CYCLOSPORINE,
        weight_kg=D("70"),
        renal_impairment=False,
        npo=False,
        start_date=dt.date(2026, 1, 5),
        decisions=(Decision(Improvement.GT25, LabsTrend.DOWN),),
        relapse_day=None,
    )


def test_preview_is_parse_plan_serialise():
    spec = parse_preview_input(WORKED)
    assert preview(WORKED) == regimen_to_json(plan_preview(spec))


def test_output_keys_and_first_order_as_in_the_contract():
    out = preview(WORKED)
    assert set(out) == {
        "orders",
        "events",
        "state",
        "current_arm",
        "next_decision_day",
        "current_block",
    }
    assert out["orders"][0] == {
        "day": 1,
        "date": "2026-01-05",
        "drug": "cyclosporine",
        "route": "PO",
        "dose_mg": 175,
        "calculated_dose_mg": 175.0,
        "times_per_day": 2,
        "daily_dose_mg": 350,
        "block": "CSA_INDUCTION",
        "pharmacist_to_verify": False,
    }
    assert (out["state"], out["current_arm"], out["next_decision_day"]) == (
        "completed",
        "cyclosporine",
        None,
    )


def test_whole_and_fractional_doses_in_json():
    regimen = plan_preview(parse_preview_input({**WORKED, "weight_kg": 71.3, "decisions": []}))
    first = order_to_json(regimen.orders[0])
    # 5 mg/kg/day x 71.3 kg / 2 = 178.25 mg, dispensed in 25 mg capsules: 175 mg.
    assert (first["dose_mg"], first["calculated_dose_mg"]) == (175, 178.25)
    assert isinstance(first["dose_mg"], int)


def test_switch_event_names_the_arm():
    doc = {**WORKED, "decisions": [{"improvement": "le25", "labs_trend": "flat"}] * 2}
    out = preview(doc)
    assert out["events"] == [{"day": 10, "type": "switch", "to_arm": "steroids"}]


BAD = [
    ("not an object", [1], "input"),
    ("missing arm", {k: v for k, v in WORKED.items() if k != "arm"}, "arm"),
    ("arm", {**WORKED, "arm": "placebo"}, "arm"),
    ("weight text", {**WORKED, "weight_kg": "heavy"}, "weight_kg"),
    ("weight bool", {**WORKED, "weight_kg": True}, "weight_kg"),
    ("weight nan", {**WORKED, "weight_kg": float("nan")}, "weight_kg"),
    ("weight low", {**WORKED, "weight_kg": 20}, "weight_kg"),
    ("npo text", {**WORKED, "npo": "no"}, "npo"),
    ("date", {**WORKED, "start_date": "05/01/2026"}, "start_date"),
    ("date number", {**WORKED, "start_date": 20260105}, "start_date"),
    ("decisions not a list", {**WORKED, "decisions": {}}, "decisions"),
    ("decision not an object", {**WORKED, "decisions": ["gt25"]}, "decisions[0]"),
    (
        "decision missing",
        {**WORKED, "decisions": [{"improvement": "gt25"}]},
        "decisions[0].labs_trend",
    ),
    (
        "improvement",
        {**WORKED, "decisions": [{"improvement": "much", "labs_trend": "down"}]},
        "decisions[0].improvement",
    ),
    ("relapse zero", {**WORKED, "relapse_day": 0}, "relapse_day"),
    ("relapse bool", {**WORKED, "relapse_day": True}, "relapse_day"),
]


@pytest.mark.parametrize(("doc", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_field(doc, field):
    with pytest.raises(ProtocolError) as excinfo:
        parse_preview_input(doc)
    assert excinfo.value.field == field
    assert str(excinfo.value).startswith(field + ":")
    assert "\n" not in str(excinfo.value)


def test_parse_decision_lists_the_allowed_values():
    assert parse_decision({"improvement": "none", "labs_trend": "up"}, 2) == Decision(
        Improvement.NONE, LabsTrend.UP
    )
    with pytest.raises(ProtocolError) as excinfo:
        parse_decision({"improvement": "gt25", "labs_trend": "sideways"}, 2)
    assert str(excinfo.value) == "decisions[2].labs_trend: must be one of down, flat, up"


def test_rules_errors_come_from_the_engine_not_the_parser():
    # Too many decisions parses fine; the engine refuses it, naming the decision.
    doc = {**WORKED, "decisions": [{"improvement": "gt25", "labs_trend": "down"}] * 2}
    spec = parse_preview_input(doc)
    with pytest.raises(ProtocolError, match=r"decisions\[1\]"):
        plan_preview(spec)
