"""The dosing engine walked through every path of both tables (PROTOCOL.md section 3)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from dosing.protocol import (
    Arm,
    Block,
    Decision,
    DosingSettings,
    Drug,
    EventType,
    Improvement,
    LabsTrend,
    ProtocolError,
    Route,
    State,
    plan_regimen,
    round_half_up,
)

IMP, TREND = Improvement, LabsTrend


def dec(improvement: str, trend: str) -> Decision:
    return Decision(Improvement(improvement), LabsTrend(trend))


def plan(arm="cyclosporine", weight="70", renal=False, npo=False, decisions=(), **kw):
    return plan_regimen(
        arm=Arm(arm),
        weight_kg=D(weight),
        renal_impairment=renal,
        npo=npo,
        decisions=[dec(*d) for d in decisions],
        **kw,
    )


def blocks_by_day(regimen) -> dict[int, str]:
    return {o.day: str(o.block) for o in regimen.orders}


def block_runs(regimen) -> list[tuple[str, int, int]]:
    """[(block, first day, last day)] in order."""
    runs: list[tuple[str, int, int]] = []
    for o in regimen.orders:
        if runs and runs[-1][0] == o.block and runs[-1][2] in (o.day, o.day - 1):
            runs[-1] = (runs[-1][0], runs[-1][1], o.day)
        else:
            runs.append((str(o.block), o.day, o.day))
    return runs


def test_worked_example_field_by_field():
    regimen = plan(decisions=[("gt25", "down")], start_date=dt.date(2026, 1, 5))
    assert regimen.state is State.COMPLETED
    assert len(regimen.orders) == 41
    for o in regimen.orders[:7]:
        assert (o.drug, o.route, o.dose_mg, o.times_per_day, o.daily_dose_mg) == (
            Drug.CYCLOSPORINE,
            Route.PO,
            D("175"),
            2,
            D("350"),
        )
        assert o.block is Block.CSA_INDUCTION
    for o in regimen.orders[7:21]:
        assert (o.calculated_dose_mg, o.dose_mg, o.block) == (D("105"), D("100"), Block.CSA_TAPER)
    for o in regimen.orders[21:41]:
        assert (o.calculated_dose_mg, o.dose_mg) == (D("70"), D("75"))
    assert [o.day for o in regimen.orders] == list(range(1, 42))
    assert regimen.orders[0].date == dt.date(2026, 1, 5)
    assert regimen.orders[-1].date == dt.date(2026, 2, 14)
    assert regimen.next_decision_day is None
    assert regimen.events == ()


# (name, arm, decisions, relapse_day, expected block runs, events, state, arm, next day)
PATHS = [
    (
        "csa awaiting day 7",
        "cyclosporine",
        [],
        None,
        [("CSA_INDUCTION", 1, 7)],
        [],
        "awaiting_decision",
        "cyclosporine",
        7,
    ),
    (
        "csa complete -> monitoring",
        "cyclosporine",
        [("complete", "down")],
        None,
        [("CSA_INDUCTION", 1, 7)],
        [(7, "stop", None)],
        "monitoring",
        "cyclosporine",
        None,
    ),
    (
        "csa complete with labs up still stops",
        "cyclosporine",
        [("complete", "up")],
        None,
        [("CSA_INDUCTION", 1, 7)],
        [(7, "stop", None)],
        "monitoring",
        "cyclosporine",
        None,
    ),
    (
        "csa complete -> relapse -> retreatment awaiting",
        "cyclosporine",
        [("complete", "flat")],
        12,
        [("CSA_INDUCTION", 1, 7), ("CSA_RETREATMENT", 13, 19)],
        [(7, "stop", None), (12, "relapse", None)],
        "awaiting_decision",
        "cyclosporine",
        19,
    ),
    (
        "retreatment down -> taper",
        "cyclosporine",
        [("complete", "flat"), ("gt25", "down")],
        12,
        [("CSA_INDUCTION", 1, 7), ("CSA_RETREATMENT", 13, 19), ("CSA_TAPER", 20, 53)],
        [(7, "stop", None), (12, "relapse", None)],
        "completed",
        "cyclosporine",
        None,
    ),
    (
        "retreatment not down -> switch",
        "cyclosporine",
        [("complete", "flat"), ("le25", "flat")],
        12,
        [("CSA_INDUCTION", 1, 7), ("CSA_RETREATMENT", 13, 19), ("MP_PULSE_1", 20, 22)],
        [(7, "stop", None), (12, "relapse", None), (19, "switch", "steroids")],
        "awaiting_decision",
        "steroids",
        22,
    ),
    (
        "csa gt25 + down -> taper",
        "cyclosporine",
        [("gt25", "down")],
        None,
        [("CSA_INDUCTION", 1, 7), ("CSA_TAPER", 8, 41)],
        [],
        "completed",
        "cyclosporine",
        None,
    ),
    (
        "csa gt25 + flat -> extension",
        "cyclosporine",
        [("gt25", "flat")],
        None,
        [("CSA_INDUCTION", 1, 7), ("CSA_EXTENSION", 8, 10)],
        [],
        "awaiting_decision",
        "cyclosporine",
        10,
    ),
    (
        "csa le25 + down -> extension",
        "cyclosporine",
        [("le25", "down")],
        None,
        [("CSA_INDUCTION", 1, 7), ("CSA_EXTENSION", 8, 10)],
        [],
        "awaiting_decision",
        "cyclosporine",
        10,
    ),
    (
        "csa extension down -> taper",
        "cyclosporine",
        [("le25", "flat"), ("le25", "down")],
        None,
        [("CSA_INDUCTION", 1, 7), ("CSA_EXTENSION", 8, 10), ("CSA_TAPER", 11, 44)],
        [],
        "completed",
        "cyclosporine",
        None,
    ),
    (
        "csa extension flat -> switch",
        "cyclosporine",
        [("le25", "flat"), ("le25", "flat")],
        None,
        [("CSA_INDUCTION", 1, 7), ("CSA_EXTENSION", 8, 10), ("MP_PULSE_1", 11, 13)],
        [(10, "switch", "steroids")],
        "awaiting_decision",
        "steroids",
        13,
    ),
    (
        "csa none -> switch",
        "cyclosporine",
        [("none", "down")],
        None,
        [("CSA_INDUCTION", 1, 7), ("MP_PULSE_1", 8, 10)],
        [(7, "switch", "steroids")],
        "awaiting_decision",
        "steroids",
        10,
    ),
    (
        "csa gt25 + up -> switch",
        "cyclosporine",
        [("gt25", "up")],
        None,
        [("CSA_INDUCTION", 1, 7), ("MP_PULSE_1", 8, 10)],
        [(7, "switch", "steroids")],
        "awaiting_decision",
        "steroids",
        10,
    ),
    (
        "steroids awaiting day 3",
        "steroids",
        [],
        None,
        [("MP_PULSE_1", 1, 3)],
        [],
        "awaiting_decision",
        "steroids",
        3,
    ),
    (
        "pulse 1 gt25 -> taper",
        "steroids",
        [("gt25", "flat")],
        None,
        [("MP_PULSE_1", 1, 3), ("STEROID_TAPER", 4, 62)],
        [],
        "completed",
        "steroids",
        None,
    ),
    (
        "pulse 1 complete -> taper",
        "steroids",
        [("complete", "up")],
        None,
        [("MP_PULSE_1", 1, 3), ("STEROID_TAPER", 4, 62)],
        [],
        "completed",
        "steroids",
        None,
    ),
    (
        "pulse 1 le25 -> pulse 2",
        "steroids",
        [("le25", "down")],
        None,
        [("MP_PULSE_1", 1, 7)],
        [],
        "awaiting_decision",
        "steroids",
        7,
    ),
    (
        "pulse 1 none -> pulse 2",
        "steroids",
        [("none", "up")],
        None,
        [("MP_PULSE_1", 1, 7)],
        [],
        "awaiting_decision",
        "steroids",
        7,
    ),
    (
        "pulse 2 gt25 -> taper",
        "steroids",
        [("le25", "flat"), ("gt25", "flat")],
        None,
        [("MP_PULSE_1", 1, 7), ("STEROID_TAPER", 8, 66)],
        [],
        "completed",
        "steroids",
        None,
    ),
    (
        "pulse 2 none -> switch",
        "steroids",
        [("le25", "flat"), ("none", "flat")],
        None,
        [("MP_PULSE_1", 1, 7), ("CSA_INDUCTION", 8, 14)],
        [(7, "switch", "cyclosporine")],
        "awaiting_decision",
        "cyclosporine",
        14,
    ),
    (
        "pulse 2 le25 -> pulse 3",
        "steroids",
        [("le25", "flat"), ("le25", "down")],
        None,
        [("MP_PULSE_1", 1, 10)],
        [],
        "awaiting_decision",
        "steroids",
        10,
    ),
    (
        "pulse 3 down -> taper",
        "steroids",
        [("le25", "flat"), ("le25", "flat"), ("le25", "down")],
        None,
        [("MP_PULSE_1", 1, 10), ("STEROID_TAPER", 11, 69)],
        [],
        "completed",
        "steroids",
        None,
    ),
    (
        "pulse 3 flat -> switch",
        "steroids",
        [("le25", "flat"), ("le25", "flat"), ("gt25", "flat")],
        None,
        [("MP_PULSE_1", 1, 10), ("CSA_INDUCTION", 11, 17)],
        [(10, "switch", "cyclosporine")],
        "awaiting_decision",
        "cyclosporine",
        17,
    ),
    (
        "double switch -> off protocol",
        "cyclosporine",
        [("none", "up"), ("le25", "flat"), ("none", "flat")],
        None,
        [("CSA_INDUCTION", 1, 7), ("MP_PULSE_1", 8, 14)],
        [(7, "switch", "steroids"), (14, "off_protocol", None)],
        "off_protocol",
        "steroids",
        None,
    ),
    (
        "switched then csa completes",
        "steroids",
        [("le25", "flat"), ("none", "flat"), ("gt25", "down")],
        None,
        [("MP_PULSE_1", 1, 7), ("CSA_INDUCTION", 8, 14), ("CSA_TAPER", 15, 48)],
        [(7, "switch", "cyclosporine")],
        "completed",
        "cyclosporine",
        None,
    ),
    (
        "switched, relapse, retreatment fails -> off protocol",
        "steroids",
        [("le25", "flat"), ("none", "flat"), ("complete", "down"), ("le25", "up")],
        20,
        [("MP_PULSE_1", 1, 7), ("CSA_INDUCTION", 8, 14), ("CSA_RETREATMENT", 21, 27)],
        [
            (7, "switch", "cyclosporine"),
            (14, "stop", None),
            (20, "relapse", None),
            (27, "off_protocol", None),
        ],
        "off_protocol",
        "cyclosporine",
        None,
    ),
]

# MP_PULSE_1 and MP_PULSE_2 are both MP 500 mg and contiguous, so block_runs() merges
# rows of the same drug only when the block name is equal; fix that up in a helper.


def runs_by_block(regimen) -> list[tuple[str, int, int]]:
    runs: list[tuple[str, int, int]] = []
    for o in regimen.orders:
        name = str(o.block)
        if name.startswith("MP_PULSE"):
            name = "MP_PULSE_1"  # the pulses are one run of MP 500 mg; checked apart below
        if runs and runs[-1][0] == name and runs[-1][2] == o.day - 1:
            runs[-1] = (name, runs[-1][1], o.day)
        else:
            runs.append((name, o.day, o.day))
    return runs


@pytest.mark.parametrize(
    ("arm", "decisions", "relapse", "runs", "events", "state", "current_arm", "next_day"),
    [p[1:] for p in PATHS],
    ids=[p[0] for p in PATHS],
)
def test_paths(arm, decisions, relapse, runs, events, state, current_arm, next_day):
    regimen = plan(arm=arm, decisions=decisions, relapse_day=relapse)
    assert runs_by_block(regimen) == runs
    assert [(e.day, str(e.type), e.to_arm and str(e.to_arm)) for e in regimen.events] == events
    assert regimen.state == State(state)
    assert regimen.current_arm == Arm(current_arm)
    assert regimen.next_decision_day == next_day


def test_pulse_blocks_have_their_own_lengths():
    regimen = plan(arm="steroids", decisions=[("le25", "flat"), ("le25", "flat")])
    assert blocks_by_day(regimen) == {
        **{d: "MP_PULSE_1" for d in range(1, 4)},
        **{d: "MP_PULSE_2" for d in range(4, 8)},
        **{d: "MP_PULSE_3" for d in range(8, 11)},
    }


def test_renal_doses():
    regimen = plan(renal=True, decisions=[("gt25", "down")])
    induction = regimen.orders[0]
    # 3 mg/kg/day x 70 = 210/day -> 105 per dose -> 100 dispensed
    assert (induction.calculated_dose_mg, induction.dose_mg) == (D("105"), D("100"))
    taper_1 = regimen.orders[7]  # 2 mg/kg -> 140 -> 70 -> 75
    taper_2 = regimen.orders[21]  # 1 mg/kg -> 70 -> 35 -> 25 (35/25 = 1.4 -> 1)
    assert (taper_1.calculated_dose_mg, taper_1.dose_mg) == (D("70"), D("75"))
    assert (taper_2.calculated_dose_mg, taper_2.dose_mg) == (D("35"), D("25"))


def test_npo_cyclosporine_is_iv_one_third_rounded_to_5_and_flagged():
    regimen = plan(npo=True, decisions=[("gt25", "down")])
    first = regimen.orders[0]
    # oral 350/day -> IV 116.67/day -> 58.33 per dose -> 60 (nearest 5)
    assert first.route is Route.IV
    assert first.dose_mg == D("60")
    assert round(first.calculated_dose_mg, 2) == D("58.33")
    assert first.times_per_day == 2
    assert first.pharmacist_to_verify is True
    assert all(o.route is Route.IV and o.pharmacist_to_verify for o in regimen.orders)


def test_steroid_taper_doses():
    regimen = plan(arm="steroids", weight="70", decisions=[("gt25", "down")])
    taper = [o for o in regimen.orders if o.block is Block.STEROID_TAPER]
    assert [(o.drug, o.dose_mg) for o in taper[:3]] == [(Drug.METHYLPREDNISOLONE, D("125"))] * 3
    weekly = [taper[3 + 7 * w] for w in range(8)]
    # 70 kg x 1.2, 1.0, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05 = 84, 70, 56, 42, 28, 14, 7, 3.5
    assert [o.calculated_dose_mg for o in weekly] == [
        D("84.0"),
        D("70.0"),
        D("56.0"),
        D("42.0"),
        D("28.0"),
        D("14.0"),
        D("7.0"),
        D("3.50"),
    ]
    assert [o.dose_mg for o in weekly] == [
        D("85.0"),
        D("70.0"),
        D("55.0"),
        D("42.5"),
        D("27.5"),
        D("15.0"),
        D("7.5"),
        D("2.5"),
    ]
    assert all(o.route is Route.PO and o.times_per_day == 1 for o in taper[3:])
    assert len(taper) == 3 + 56


def test_prednisone_never_zero_at_low_weight():
    regimen = plan(arm="steroids", weight="25", decisions=[("gt25", "down")])
    last = regimen.orders[-1]
    assert last.drug is Drug.PREDNISONE
    assert last.calculated_dose_mg == D("1.25")
    assert last.dose_mg == D("2.5")


def test_pulse_is_500_iv_once_daily():
    regimen = plan(arm="steroids")
    assert {(o.drug, o.route, o.dose_mg, o.times_per_day) for o in regimen.orders} == {
        (Drug.METHYLPREDNISOLONE, Route.IV, D("500"), 1)
    }


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        (D("112.5"), D("25"), D("125")),  # a half rounds up
        (D("112.49"), D("25"), D("100")),
        (D("37.5"), D("25"), D("50")),
        (D("12.5"), D("25"), D("25")),
        (D("1"), D("25"), D("25")),  # never 0
        (D("57.5"), D("5"), D("60")),
        (D("1.25"), D("2.5"), D("2.5")),
        (D("3.75"), D("2.5"), D("5.0")),
    ],
)
def test_round_half_up(value, step, expected):
    assert round_half_up(value, step) == expected


def test_rounding_steps_are_settings():
    settings = DosingSettings(csa_capsule_step_mg=D("10"))
    regimen = plan_regimen(
        arm=Arm.CYCLOSPORINE,
        weight_kg=D("70"),
        renal_impairment=False,
        npo=False,
        decisions=[Decision(IMP.GT25, TREND.DOWN)],
        settings=settings,
    )
    assert regimen.orders[7].dose_mg == D("110")  # 105 -> nearest 10, half up


def test_too_many_decisions_is_an_error():
    with pytest.raises(ProtocolError, match=r"decisions\[1\]"):
        plan(decisions=[("gt25", "down"), ("gt25", "down")])


def test_decision_in_monitoring_is_an_error():
    with pytest.raises(ProtocolError, match=r"decisions\[1\]"):
        plan(decisions=[("complete", "down"), ("gt25", "down")])


def test_relapse_before_stop_is_an_error():
    with pytest.raises(ProtocolError, match="relapse_day"):
        plan(decisions=[("complete", "down")], relapse_day=7)


def test_relapse_without_monitoring_is_an_error():
    with pytest.raises(ProtocolError, match="relapse_day"):
        plan(decisions=[("gt25", "down")], relapse_day=20)


def test_decision_points_record_day_and_block():
    regimen = plan(decisions=[("le25", "flat"), ("le25", "down")])
    assert [(p.day, str(p.block), p.result) for p in regimen.decision_points] == [
        (7, "CSA_INDUCTION", "CSA_EXTENSION"),
        (10, "CSA_EXTENSION", "CSA_TAPER"),
    ]


def test_event_types_cover_the_contract():
    assert {str(e) for e in EventType} == {"stop", "relapse", "switch", "off_protocol"}
