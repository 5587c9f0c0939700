"""The rule cores import nothing from Django."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_CORES = [
    "enrollment.regiscar",
    "enrollment.egfr",
    "enrollment.eligibility",
    "enrollment.screening_contract",
    "randomization.blocks",
    "dosing.protocol",
    "dosing.protocol_contract",
    "dosing.assessment_rules",
    "outcomes.schedule",
    "enrollment.deaths",
    "enrollment.status",
    "enrollment.consent_rules",
    "reports.stats",
    "reports.analysis",
]


def _exists(module: str) -> bool:
    return (ROOT / (module.replace(".", "/") + ".py")).exists()


@pytest.mark.parametrize("module", [m for m in PURE_CORES if _exists(m)])
def test_core_imports_no_django(module):
    code = (
        "import sys, importlib;"
        f"importlib.import_module({module!r});"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"


def test_the_package_inits_stay_light():
    # App packages' __init__ must not import Django, or the cores would drag it in.
    for app in ("enrollment", "randomization", "dosing", "outcomes", "reports"):
        spec = importlib.util.find_spec(app)
        assert spec is not None and spec.origin is not None
        assert "django" not in Path(spec.origin).read_text()
