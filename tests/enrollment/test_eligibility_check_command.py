"""`manage.py eligibility_check` as outside programs call it: run in-process for speed
(tests/commands.py gives what a subprocess would), and once as a real subprocess."""

import json
import subprocess

import pytest

from tests.commands import run_command, run_manage_py
from tests.enrollment.test_eligibility import EXAMPLE, doc


def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_command("eligibility_check", *args, stdin=stdin)


def test_as_a_real_subprocess():
    result = run_manage_py("eligibility_check", "-", stdin=json.dumps(EXAMPLE), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["regiscar_category"] == "definite"


def test_file_input(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(EXAMPLE))
    result = run([str(path)])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["regiscar_category"] == "definite"


def test_stdin_input_and_egfr_check_values():
    expected = {(1.0, 50, "female"): 68.6, (1.0, 50, "male"): 91.7, (2.5, 70, "male"): 27.0}
    for (scr, age, sex), egfr in expected.items():
        result = run(["-"], json.dumps(doc(creatinine_mg_dl=scr, age=age, sex=sex)))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["egfr"] == egfr


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ("{not json", "input"),
        ("[]", "input"),
        (json.dumps(doc(**{"regiscar.fever": "maybe"})), "regiscar.fever"),
        (json.dumps(doc(age=-5)), "age"),
        (json.dumps(doc(weight_kg=9999)), "weight_kg"),
        (json.dumps(doc(**{"regiscar.biopsy": None})), "regiscar.biopsy"),
        ('{"age": NaN}', "input"),
    ],
    ids=["non-JSON", "array", "wrong enum", "negative", "absurd", "missing item", "NaN"],
)
def test_bad_input_exits_2_with_one_line(stdin, field):
    result = run(["-"], stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(field)
    assert "Traceback" not in result.stderr


def test_unreadable_file_exits_2(tmp_path):
    result = run([str(tmp_path / "missing.json")])
    assert result.returncode == 2
    assert result.stderr.startswith("file:")
