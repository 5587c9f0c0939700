"""The bench's trial: demo sites and users, BENCH_SITES sites, BENCH_PARTICIPANTS
participants with full regimens, visits and outcomes (demo.synthetic).

The time returned covers the bulk load and the ANALYZE after it: a freshly loaded
table has no planner statistics until autovacuum gets to it (a minute or more later),
and until then PostgreSQL plans the pages' queries for empty tables (e.g. a bitmap scan
of every order's date to find one participant's). A trial's database is analyzed;
the bench's should be too before it is measured."""

from __future__ import annotations

import os
import time

from django.contrib.auth.models import User
from django.db import connection

from demo.seeding import seed_demo_sites_and_users
from demo.synthetic import seed_trial
from dressdb.models import Site

N = int(os.environ.get("BENCH_PARTICIPANTS", "10000"))
SITES = int(os.environ.get("BENCH_SITES", "20"))


def seed_bench_trial() -> tuple[list[Site], dict[str, int], float]:
    seed_demo_sites_and_users()
    for n in range(3, SITES + 1):
        Site.objects.get_or_create(code=f"S{n:03d}", defaults={"name": f"Site {n}"})
    sites = list(Site.objects.order_by("code"))
    started = time.perf_counter()
    counts = seed_trial(sites=sites, participants=N, user=User.objects.get(username="admin"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return sites, counts, time.perf_counter() - started
