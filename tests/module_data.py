"""Rows built once per test module, for modules whose tests only read them.

Django's `TestCase.setUpTestData` in pytest form: `module_db` opens one transaction
around the whole module; module-scoped fixtures that ask for it create their rows in
it; each test's own transaction (the `db` fixture) nests inside as a savepoint and is
rolled back after the test, so what a test writes never reaches the next one; the
module's rows are rolled back when the module ends.

A module opts in with

    from tests.module_data import *  # noqa: F403

which brings `module_db`, `personas` and replaces the suite's per-test personas
(tests/conftest.py) by the module's shared ones, under the same names. Each test gets
its own copy of the Python objects (as setUpTestData does), so changing one in memory
does not leak into the next test.

Only for tests that use a plain `db` (no `transactional_db`, no `live_server`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.conftest import make_personas

__all__ = [
    "module_db",
    "personas",
    "site_a",
    "site_b",
    "coordinator_a",
    "coordinator_b",
    "investigator_a",
    "pharmacist_a",
    "statistician",
    "trial_admin",
]


@pytest.fixture(scope="module")
def module_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """The module's transaction; yields the blocker, to unblock while building rows."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def personas(module_db: Any) -> dict[str, Any]:
    """The suite's named personas (tests/conftest.py), created once for the module."""
    with module_db.unblock():
        return make_personas()


def _shared(name: str) -> Any:
    @pytest.fixture(name=name)
    def fixture(personas: dict[str, Any], db: None) -> Any:
        return copy.deepcopy(personas[name])

    fixture.__doc__ = f"`{name}` shared by the module (tests/module_data.py)."
    return fixture


site_a = _shared("site_a")
site_b = _shared("site_b")
coordinator_a = _shared("coordinator_a")
coordinator_b = _shared("coordinator_b")
investigator_a = _shared("investigator_a")
pharmacist_a = _shared("pharmacist_a")
statistician = _shared("statistician")
trial_admin = _shared("trial_admin")
