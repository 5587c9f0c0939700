"""`make bench`: export speed and memory at trial scale, on PostgreSQL.

Seeds N participants (default 10,000; BENCH_PARTICIPANTS) with full regimens, then,
in the same run, times each big export through the app's streaming path against
PostgreSQL's own COPY of the same rows, and prints the ratio and the peak memory.
Never asserts wall-clock time; the printout is the result.
"""

from __future__ import annotations

import resource
import time
import tracemalloc

import pytest
from django.db import connection

from reports.copy_export import copy_available, copy_lines
from reports.exports import DATASETS, csv_lines
from tests.bench.seeding import seed_bench_trial

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _raw_copy_seconds(select: str) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for block in copy:
                size += len(block)
    return time.perf_counter() - started, size


RAW = {
    "orders": "SELECT * FROM dosing_order ORDER BY participant_id, day, drug",
    "participants": "SELECT p.*, a.*, h.* FROM enrollment_participant p "
    "JOIN randomization_allocation a ON a.participant_id = p.id "
    "LEFT JOIN outcomes_hospitalcourse h ON h.participant_id = p.id ORDER BY p.id",
    "visits": "SELECT * FROM outcomes_visit ORDER BY participant_id, study_day",
}


def test_export_speed_against_copy(capsys):
    assert connection.vendor == "postgresql", "make bench needs DATABASE_URL=postgres://..."
    sites, counts, seeded = seed_bench_trial()
    site_ids = [s.pk for s in sites]
    lines = [f"\n[bench] seeded {counts} in {seeded:.1f} s"]
    for name in ("orders", "participants", "visits"):
        tracemalloc.start()
        started = time.perf_counter()
        size = 0
        counter: list[int] = []
        if copy_available(name, deidentify=False):
            path = "COPY path"
            for block in copy_lines(name, site_ids, None, None, counter=counter):
                size += len(block)
        else:
            path = "ORM iterator"
            for line in csv_lines(DATASETS[name], site_ids, None, None, counter=counter):
                size += len(line)
        app_seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        raw_seconds, raw_size = _raw_copy_seconds(RAW[name])
        lines.append(
            f"[bench] {name:<12} rows={counter[0] if counter else 0:>8} app={app_seconds:6.2f} s "
            f"({path}) raw COPY={raw_seconds:6.2f} s ratio={app_seconds / raw_seconds:5.2f}x "
            f"python peak={peak / 1e6:6.1f} MB size={size / 1e6:6.1f} MB "
            f"(raw {raw_size / 1e6:.1f} MB)"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"[bench] process peak RSS (whole run, incl. seeding) = {rss:.0f} MB")
    with capsys.disabled():
        print("\n".join(lines))
