"""`make bench`: every dataset's export speed and memory at trial scale, on PostgreSQL.

Seeds N participants (default 10,000; BENCH_PARTICIPANTS) with full regimens, runs
ANALYZE (a live database has planner statistics; a freshly bulk-loaded one has none),
then times each dataset through the app's streaming path (COPY on PostgreSQL, else the
ORM iterator) against PostgreSQL's own COPY of the same rows, unformatted:

- a declared dataset: its own query (same scope, joins and order), each column as text,
  without the formatting (missing codes, neutralisation, dates, precision);
- endpoints: the same unpivot over the unformatted participant rows;
- audit: the history tables' rows in scope, as stored (not diffed, not unpivoted).

For participants, visits and orders it also prints the ratio against the plain source
tables that the first measurement used (issue 20's table). One line per dataset, with
`ratio=`, the time to the first byte and the Python peak memory. Never asserts time.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from reports.copy_export import copy_available, copy_lines, copy_select, endpoints_select
from reports.csvstream import Scope
from reports.datasets import audit_sources
from reports.exports import DATASETS, csv_lines
from tests.bench.seeding import seed_bench_trial

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The source tables alone, as first measured (issue 20's table).
TABLES = {
    "orders": "SELECT * FROM dosing_order ORDER BY participant_id, day, drug",
    "participants": "SELECT p.*, a.*, h.* FROM enrollment_participant p "
    "JOIN randomization_allocation a ON a.participant_id = p.id "
    "LEFT JOIN outcomes_hospitalcourse h ON h.participant_id = p.id ORDER BY p.id",
    "visits": "SELECT * FROM outcomes_visit ORDER BY participant_id, study_day",
}


def _copy_seconds(selects: list[tuple[str, tuple[Any, ...]]]) -> tuple[float, int]:
    from psycopg import sql

    started = time.perf_counter()
    size = 0
    with connection.connection.cursor() as cursor:
        for select, params in selects:
            bound = sql.SQL(cursor.mogrify(select, params))
            query = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv)").format(bound)
            with cursor.copy(query) as copy:
                for block in copy:
                    size += len(block)
    return time.perf_counter() - started, size


def _same_rows_unformatted(name: str, scope: Scope) -> list[tuple[str, tuple[Any, ...]]]:
    """The baseline: PostgreSQL's COPY of the dataset's rows, unformatted."""
    if name == "endpoints":
        return [endpoints_select(scope, formatted=False)]
    if name == "audit":
        selects = []
        for model, _label, _tracked, qs in audit_sources(scope):
            fields = {f.attname: F(f.attname) for f in model._meta.concrete_fields}
            inner, params = qs.values(
                **{f"c_{k}": v for k, v in fields.items()}
            ).query.sql_with_params()
            selects.append((inner, tuple(params)))
        return selects
    return [copy_select(DATASETS[name], scope, formatted=False)]


def _app(name: str, site_ids: list[int], counter: list[int]) -> Iterator[bytes | str]:
    if copy_available(name, deidentify=False):
        return copy_lines(name, site_ids, None, None, counter=counter)
    return csv_lines(DATASETS[name], site_ids, None, None, counter=counter)


# tracemalloc slows Python several times over: memory is read in a second pass, over
# the first MEMORY_SAMPLE bytes of the stream (a flat stream stays flat after that).
MEMORY_SAMPLE = 200 * 10**6


def _python_peak(name: str, site_ids: list[int]) -> int:
    tracemalloc.start()
    size = 0
    stream = _app(name, site_ids, [])
    for chunk in stream:
        size += len(chunk)
        if size > MEMORY_SAMPLE:
            break
    if hasattr(stream, "close"):
        stream.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_export_speed_against_copy(capsys: Any) -> None:
    assert connection.vendor == "postgresql", "make bench needs DATABASE_URL=postgres://..."
    sites, counts, seeded = seed_bench_trial()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    site_ids = [s.pk for s in sites]
    scope = Scope(site_ids)
    lines = [f"\n[bench] seeded {counts} in {seeded:.1f} s"]
    for name in DATASETS:
        path = "COPY path" if copy_available(name, deidentify=False) else "ORM iterator"
        started = time.perf_counter()
        first_byte = 0.0
        size = 0
        counter: list[int] = []
        for chunk in _app(name, site_ids, counter):
            if not first_byte:
                first_byte = time.perf_counter() - started
            size += len(chunk)
        app_seconds = time.perf_counter() - started
        peak = _python_peak(name, site_ids)
        raw_seconds, raw_size = _copy_seconds(_same_rows_unformatted(name, scope))
        line = (
            f"[bench] export {name:<24} rows={counter[0] if counter else 0:>8} "
            f"app={app_seconds:7.2f} s ({path}) first_byte={first_byte:5.2f} s "
            f"copy_same_rows={raw_seconds:6.2f} s ratio={app_seconds / raw_seconds:5.2f}x "
            f"python_peak={peak / 1e6:5.1f} MB (first {MEMORY_SAMPLE // 10**6} MB) "
            f"size={size / 1e6:6.1f} MB "
            f"(unformatted {raw_size / 1e6:.1f} MB)"
        )
        if name in TABLES:
            table_seconds, _ = _copy_seconds([(TABLES[name], ())])
            ratio = app_seconds / table_seconds
            line += f" tables_only={table_seconds:5.2f} s ratio_tables={ratio:5.2f}x"
        lines.append(line)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"[bench] process peak RSS (whole run, incl. seeding) = {rss:.0f} MB")
    with capsys.disabled():
        print("\n".join(lines))
