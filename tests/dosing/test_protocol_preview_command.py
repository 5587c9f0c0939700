"""`manage.py protocol_preview` as outside programs call it: run in-process for speed
(tests/commands.py gives what a subprocess would), and once as a real subprocess."""

import json
import subprocess

import pytest

from dosing.protocol_contract import preview
from tests.commands import run_command, run_manage_py

WORKED = {
    "arm": "cyclosporine",
    "weight_kg": 70,
    "renal_impairment": False,
    "npo": False,
    "start_date": "2026-01-05",
    "decisions": [{"improvement": "gt25", "labs_trend": "down"}],
    "relapse_day": None,
}


def run(stdin: str, args: tuple[str, ...] = ("-",)) -> subprocess.CompletedProcess[str]:
    return run_command("protocol_preview", *args, stdin=stdin)


def test_as_a_real_subprocess():
    result = run_manage_py("protocol_preview", "-", stdin=json.dumps(WORKED), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(run(json.dumps(WORKED)).stdout)


def test_worked_example():
    result = run(json.dumps(WORKED))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == preview(WORKED)
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
    assert (out["orders"][7]["dose_mg"], out["orders"][7]["calculated_dose_mg"]) == (100, 105.0)
    assert (out["orders"][21]["dose_mg"], out["orders"][21]["calculated_dose_mg"]) == (75, 70.0)
    assert out["orders"][-1]["day"] == 41
    assert (out["state"], out["current_arm"], out["next_decision_day"]) == (
        "completed",
        "cyclosporine",
        None,
    )


def test_file_input_and_missing_start_date(tmp_path):
    path = tmp_path / "in.json"
    doc = {**WORKED, "decisions": [], "start_date": None}
    path.write_text(json.dumps(doc))
    result = run("", (str(path),))
    out = json.loads(result.stdout)
    assert out["state"] == "awaiting_decision"
    assert out["next_decision_day"] == 7
    assert all(o["date"] is None for o in out["orders"])


def test_switch_event_as_in_the_contract():
    doc = {
        **WORKED,
        "decisions": [
            {"improvement": "le25", "labs_trend": "flat"},
            {"improvement": "le25", "labs_trend": "flat"},
        ],
    }
    out = json.loads(run(json.dumps(doc)).stdout)
    assert out["events"] == [{"day": 10, "type": "switch", "to_arm": "steroids"}]
    assert out["current_arm"] == "steroids"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ("not json", "input"),
        (json.dumps({**WORKED, "arm": "placebo"}), "arm"),
        (
            json.dumps({**WORKED, "decisions": [{"improvement": "much", "labs_trend": "down"}]}),
            "decisions[0].improvement",
        ),
        (
            json.dumps(
                {**WORKED, "decisions": [{"improvement": "gt25", "labs_trend": "down"}] * 2}
            ),
            "decisions[1]",
        ),
        (json.dumps({**WORKED, "weight_kg": -70}), "weight_kg"),
        (json.dumps({k: v for k, v in WORKED.items() if k != "npo"}), "npo"),
        (json.dumps({**WORKED, "start_date": "05/01/2026"}), "start_date"),
        (json.dumps({**WORKED, "relapse_day": 3}), "relapse_day"),
    ],
    ids=["non-JSON", "arm", "improvement", "too many", "weight", "missing", "date", "relapse"],
)
def test_bad_input_exits_2_with_one_line(doc, field):
    result = run(doc)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(field)
    assert "Traceback" not in result.stderr
