"""The documented backup/restore procedure (README): pg_dump, then pg_restore into a
fresh database, gives back every row, history included."""

import os
import subprocess

import pytest
from django.db import connection

from demo.synthetic import seed_trial
from dosing.models import Order
from enrollment.models import Participant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pg_env() -> tuple[dict[str, str], list[str]]:
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    args = [
        "-h",
        settings.get("HOST") or "127.0.0.1",
        "-p",
        str(settings.get("PORT") or 5432),
        "-U",
        settings.get("USER") or "postgres",
    ]
    return env, args


def test_dump_and_restore_into_a_fresh_database(site_a, site_b, trial_admin, tmp_path):
    assert connection.vendor == "postgresql"
    seed_trial(sites=[site_a, site_b], participants=20, user=trial_admin)
    env, args = _pg_env()
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "dressdb.dump"
    subprocess.run(
        ["pg_dump", *args, "--format=custom", "--file", str(dump), source],
        env=env,
        check=True,
        capture_output=True,
    )
    target = f"{source}_restore"
    subprocess.run(
        ["dropdb", *args, "--if-exists", target], env=env, check=True, capture_output=True
    )
    subprocess.run(["createdb", *args, target], env=env, check=True, capture_output=True)
    try:
        subprocess.run(
            ["pg_restore", *args, "--no-owner", "--dbname", target, str(dump)],
            env=env,
            check=True,
            capture_output=True,
        )

        def count(db: str, table: str) -> int:
            out = subprocess.run(
                ["psql", *args, "-tAc", f"SELECT count(*) FROM {table}", db],  # noqa: S608
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            return int(out.stdout.strip())

        for table, model in (("enrollment_participant", Participant), ("dosing_order", Order)):
            assert count(target, table) == model.objects.count() > 0
        assert count(target, "dosing_historicalorder") == Order.history.count()
        # the restored history tables are still append-only
        refused = subprocess.run(
            [
                "psql",
                *args,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                "DELETE FROM dosing_historicalorder",
                target,
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0 and "append-only" in refused.stderr
    finally:
        subprocess.run(["dropdb", *args, "--if-exists", target], env=env, capture_output=True)
