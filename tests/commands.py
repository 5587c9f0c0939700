"""Management commands run in the test's own process, answering as a subprocess would.

Starting `python manage.py ...` costs a second or more of Django start-up per call, so
command tests call the command in-process and get the same `CompletedProcess`
(return code, stdout, stderr) that `subprocess.run` would give. Each command keeps one
real subprocess smoke test beside its tests (tests/core/test_command_smoke.py and the
JSON commands' own files).
"""

from __future__ import annotations

import io
import subprocess
import sys
import traceback
from pathlib import Path
from unittest import mock

from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[1]


def run_command(
    name: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`manage.py NAME ARGS < stdin`, in-process: exit status as manage.py would give it."""
    out, err = io.StringIO(), io.StringIO()
    returncode = 0
    with mock.patch.object(sys, "stdin", io.StringIO(stdin or "")):
        try:
            call_command(name, *args, stdout=out, stderr=err)
        except SystemExit as exc:
            code = exc.code
            returncode = code if isinstance(code, int) else (0 if code is None else 1)
            if isinstance(code, str):
                err.write(code + "\n")
        except CommandError as exc:  # what BaseCommand.run_from_argv prints
            err.write(f"CommandError: {exc}\n")
            returncode = exc.returncode
        except Exception:  # an uncaught error: a traceback and status 1, as Python gives
            err.write(traceback.format_exc())
            returncode = 1
    return subprocess.CompletedProcess(
        ["manage.py", name, *args], returncode, out.getvalue(), err.getvalue()
    )


def run_manage_py(
    *args: str, stdin: str | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """`python manage.py ARGS` as outside programs call it: a real subprocess."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
