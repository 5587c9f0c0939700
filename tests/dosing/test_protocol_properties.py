"""Properties of the engine over random patients and decision sequences."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.protocol import (
    Arm,
    Decision,
    EventType,
    Improvement,
    LabsTrend,
    ProtocolError,
    State,
    plan_regimen,
)

decisions_strategy = st.lists(
    st.builds(Decision, st.sampled_from(Improvement), st.sampled_from(LabsTrend)), max_size=8
)
ARM_OF_DRUG = {
    "cyclosporine": "cyclosporine",
    "methylprednisolone": "steroids",
    "prednisone": "steroids",
}


def plan_reachable(arm, weight, renal, npo, decisions, relapse_after_stop):
    """Apply as many of `decisions` as the path reaches (extra ones are an error)."""
    for n in range(len(decisions), -1, -1):
        try:
            first = plan_regimen(
                arm=arm,
                weight_kg=weight,
                renal_impairment=renal,
                npo=npo,
                decisions=decisions[:n],
            )
        except ProtocolError:
            continue
        relapse = None
        if first.state is State.MONITORING and relapse_after_stop is not None:
            stop_day = max(e.day for e in first.events if e.type is EventType.STOP)
            relapse = stop_day + relapse_after_stop
        for m in range(len(decisions), -1, -1):
            try:
                return plan_regimen(
                    arm=arm,
                    weight_kg=weight,
                    renal_impairment=renal,
                    npo=npo,
                    decisions=decisions[:m],
                    relapse_day=relapse,
                )
            except ProtocolError:
                continue
    raise AssertionError("no prefix of decisions is applicable")


patients = st.tuples(
    st.sampled_from(Arm),
    st.decimals(min_value=D(25), max_value=D(350), places=1),
    st.booleans(),
    st.booleans(),
    decisions_strategy,
    st.none() | st.integers(1, 30),
)


@settings(max_examples=300)
@given(patients)
def test_regimen_properties(patient):
    regimen = plan_reachable(*patient)
    days = [o.day for o in regimen.orders]
    # one order per drug per day, in day order
    assert days == sorted(days)
    assert len({(o.day, o.drug) for o in regimen.orders}) == len(regimen.orders)
    # one arm per day
    arms_by_day: dict[int, set[str]] = {}
    for o in regimen.orders:
        arms_by_day.setdefault(o.day, set()).add(ARM_OF_DRUG[str(o.drug)])
    assert all(len(a) == 1 for a in arms_by_day.values())
    # consecutive days with no gap inside a block
    for block in {o.block for o in regimen.orders}:
        block_days = sorted(o.day for o in regimen.orders if o.block == block)
        runs = 1 + sum(1 for a, b in zip(block_days, block_days[1:], strict=False) if b != a + 1)
        assert runs == 1  # no block recurs: one switch, one relapse at most
    # all doses > 0
    assert all(o.dose_mg > 0 and o.calculated_dose_mg > 0 for o in regimen.orders)
    # at most one switch
    assert sum(1 for e in regimen.events if e.type is EventType.SWITCH) <= 1
    # ends or waits for a decision
    assert regimen.state in set(State)
    if regimen.state is State.AWAITING_DECISION:
        assert regimen.next_decision_day == max(days)
    else:
        assert regimen.next_decision_day is None
    if regimen.state is State.OFF_PROTOCOL:
        assert regimen.events[-1].type is EventType.OFF_PROTOCOL
        assert max(days) == regimen.events[-1].day


@given(patients)
def test_orders_only_grow_with_more_decisions(patient):
    """A decision never changes the orders already given: earlier plans are prefixes."""
    arm, weight, renal, npo, decisions, _ = patient
    previous = None
    for n in range(len(decisions) + 1):
        try:
            regimen = plan_regimen(
                arm=arm,
                weight_kg=weight,
                renal_impairment=renal,
                npo=npo,
                decisions=decisions[:n],
            )
        except ProtocolError:
            break
        if previous is not None:
            assert regimen.orders[: len(previous.orders)] == previous.orders
        previous = regimen
