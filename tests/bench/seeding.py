"""The bench's trial: demo sites and users, BENCH_SITES sites, BENCH_PARTICIPANTS
participants with full regimens, visits and outcomes (demo.synthetic)."""

from __future__ import annotations

import os
import time

from django.contrib.auth.models import User

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
    return sites, counts, time.perf_counter() - started
