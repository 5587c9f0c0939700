"""`manage.py eligibility_check` as outside programs call it: a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.enrollment.test_eligibility import EXAMPLE, doc

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "eligibility_check", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


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
