"""CKD-EPI 2021 check values of PROTOCOL.md, units, and renal impairment."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.egfr import (
    Sex,
    creatinine_mg_dl_from_umol_l,
    egfr_ckd_epi_2021,
    renal_impairment,
    round_egfr,
)


@pytest.mark.parametrize(
    ("scr", "age", "sex", "expected"),
    [
        (D("1.0"), 50, Sex.FEMALE, D("68.6")),
        (D("1.0"), 50, Sex.MALE, D("91.7")),
        (D("2.5"), 70, Sex.MALE, D("27.0")),
    ],
    ids=["1.0 50y F", "1.0 50y M", "2.5 70y M"],
)
def test_protocol_check_values(scr, age, sex, expected):
    assert round_egfr(egfr_ckd_epi_2021(creatinine_mg_dl=scr, age=age, sex=sex)) == expected


def test_umol_per_l_is_converted_by_88_4():
    mg = creatinine_mg_dl_from_umol_l(D("88.4"))
    assert mg == D("1")
    assert round_egfr(egfr_ckd_epi_2021(creatinine_mg_dl=mg, age=50, sex=Sex.FEMALE)) == D("68.6")


@pytest.mark.parametrize(
    ("egfr", "dialysis", "expected"),
    [
        (D("59.9"), False, True),
        (D("60.0"), False, False),
        (D("90"), True, True),
        (D("25"), False, True),
    ],
)
def test_renal_impairment_default_threshold_60(egfr, dialysis, expected):
    assert renal_impairment(egfr, dialysis) is expected


def test_renal_impairment_threshold_is_a_setting():
    assert renal_impairment(D("55"), False, threshold=D("50")) is False


def test_creatinine_must_be_positive():
    with pytest.raises(ValueError):
        egfr_ckd_epi_2021(creatinine_mg_dl=D(0), age=50, sex=Sex.MALE)


@given(
    st.decimals(min_value=D("0.1"), max_value=D("20"), places=2),
    st.integers(18, 110),
    st.sampled_from(Sex),
)
def test_egfr_falls_as_creatinine_rises(scr, age, sex):
    lower = egfr_ckd_epi_2021(creatinine_mg_dl=scr, age=age, sex=sex)
    higher = egfr_ckd_epi_2021(creatinine_mg_dl=scr + D("0.1"), age=age, sex=sex)
    assert higher < lower
    assert lower > 0
