"""The app's PostgreSQL role owns nothing and cannot rewrite the audit trail.

The tests switch the test connection to a restricted role (`SET ROLE`), granted exactly
as `migrate` grants DATABASE_APP_ROLE in production, and then try what an attacker with
the app's credentials would try.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from dressdb.db_roles import append_only_tables, grant_app_privileges
from dressdb.models import SecurityEvent
from enrollment import services
from enrollment.models import Participant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

APP_ROLE = "dressdb_app_test"


def _ensure_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ BEGIN CREATE ROLE dressdb_app_test LOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        )


@pytest.fixture
def as_app_role() -> Iterator[None]:
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    _ensure_role()
    grant_app_privileges(APP_ROLE, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _refused(sql: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_app_role_owns_nothing(as_app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [APP_ROLE],
        )
        assert cursor.fetchone()[0] == 0


def test_app_role_runs_a_clinical_edit_with_its_history(as_app_role, participant_a, investigator_a):
    services.participant_set_renal_impairment(
        participant=participant_a,
        user=investigator_a,
        override=True,
        reason="Creatinine re-measured",
    )
    participant_a.refresh_from_db()
    assert participant_a.renal_impairment_override is True
    assert participant_a.history.latest().history_change_reason == "Creatinine re-measured"
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, username="someone")
    assert SecurityEvent.objects.filter(username="someone").count() == 1


@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}", "TRUNCATE {t}"])
def test_app_role_cannot_rewrite_history(as_app_role, participant_a, statement):
    table = connection.ops.quote_name(Participant.history.model._meta.db_table)
    _refused(statement.format(t=table), "permission denied")
    assert Participant.history.model.objects.filter(id=participant_a.pk).exists()


@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET username = 'x'", "DELETE FROM {t}", "TRUNCATE {t}"]
)
def test_app_role_cannot_rewrite_the_security_log(as_app_role, statement):
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, username="kept")
    table = connection.ops.quote_name(SecurityEvent._meta.db_table)
    _refused(statement.format(t=table), "permission denied")
    assert SecurityEvent.objects.filter(username="kept").count() == 1


def test_app_role_cannot_disable_the_append_only_triggers(as_app_role):
    for table in append_only_tables():
        _refused(
            f"ALTER TABLE {connection.ops.quote_name(table)} DISABLE TRIGGER dressdb_append_only",
            "must be owner",
        )


def test_security_log_is_append_only_even_for_the_owner():
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, username="kept")
    table = connection.ops.quote_name(SecurityEvent._meta.db_table)
    _refused(f"UPDATE {table} SET username = 'x'", "append-only")  # noqa: S608
    _refused(f"DELETE FROM {table}", "append-only")  # noqa: S608


def test_grant_command_names_a_missing_role():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no PostgreSQL role named"):
        call_command("grant_app_role", "no_such_role_here")
