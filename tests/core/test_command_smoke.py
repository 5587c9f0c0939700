"""Every project command starts as a real `python manage.py` subprocess.

Command tests run the commands in-process (tests/commands.py); this is the one real
start per command: its module imports and its arguments parse outside the test
process. The JSON commands' smoke tests feed them a document instead
(tests/enrollment/test_eligibility_check_command.py, tests/dosing/test_protocol_preview_command.py).
"""

from __future__ import annotations

import pytest
from django.core.management import get_commands

from tests.commands import ROOT, run_manage_py

JSON_COMMANDS = {"eligibility_check", "protocol_preview"}


def project_commands() -> list[str]:
    import importlib

    names = []
    for name, app in get_commands().items():
        if app == "django.core" or name in JSON_COMMANDS:
            continue
        origin = importlib.import_module(app).__file__ or ""
        if origin.startswith(str(ROOT)) and "/.venv/" not in origin:
            names.append(name)
    return sorted(names)


def test_the_project_has_commands():
    assert {"seed_demo", "create_api_token"} <= set(project_commands())


@pytest.mark.parametrize("name", project_commands())
def test_command_starts_as_a_subprocess(name):
    result = run_manage_py(name, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"manage.py {name}" in result.stdout
