"""`make bench`: a load run against gunicorn on PostgreSQL, on loopback.

The bench trial (10,000 participants by default) is seeded into the test database;
gunicorn (gthread, production settings: DEBUG=false, manifest static files, behind a
TLS-terminating proxy as the X-Forwarded-Proto header says) serves it on 127.0.0.1.

1. Pages: LOAD_CLIENTS threads (default 8), each with its own logged-in sessions,
   request in random order the health endpoint, the participant list, a participant
   page, the record-status grid, the dashboard, today's orders and the to-do list,
   LOAD_ROUNDS times (default 40) after one warm-up round. Printed: one line per page
   with p50, p95 and `ratio=` its p95 over the health endpoint's (goal: within 3x),
   and the machine's load average (the figures are wall-clock on a shared machine).
2. Randomization: 16 threads POST /api/v1/participants/{id}/randomize for 500 enrolled
   participants, each one requested twice (so that pairs race). Printed: throughput,
   status codes, duplicates. Asserted: no duplicate allocation and no slot used twice,
   every request answered 200 or 201 — correctness, never wall-clock time.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count
from django.test import Client

from enrollment.models import Participant
from randomization import services as randomization_services
from randomization.models import Allocation
from tests.api_tokens import api_key
from tests.bench.seeding import seed_bench_trial
from tests.conftest import pass_second_factor
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "8"))
ROUNDS = int(os.environ.get("LOAD_ROUNDS", "40"))
RANDOMIZATIONS = int(os.environ.get("LOAD_RANDOMIZATIONS", "500"))
RANDOMIZE_CLIENTS = 16
GUNICORN = ["--worker-class", "gthread", "--workers", "3", "--threads", "8", "--timeout", "120"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, user)
    return client.cookies["sessionid"].value


class Server:
    """gunicorn in production settings on the test database."""

    def __init__(self) -> None:
        db = connection.settings_dict
        self.port = _free_port()
        self.env = os.environ | {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "DEBUG": "false",
            # The sessions were signed in this process: the server must share its key.
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DRESSDB_DEMO": "0",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "dressdb.wsgi:application", "--bind", f"127.0.0.1:{self.port}", *GUNICORN],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = request(self.port, "GET", "/healthz", {})
                if status in (200, 503):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


_local = threading.local()


def request(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, float]:
    """One request on this thread's keep-alive connection; (status, seconds)."""
    conn = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "port", None) != port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        _local.conn, _local.port = conn, port
    all_headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **headers}
    started = time.perf_counter()
    try:
        conn.request(method, path, headers=all_headers)
        response = conn.getresponse()
        response.read()
    except (http.client.HTTPException, OSError):
        conn.close()
        _local.conn = None
        raise
    return response.status, time.perf_counter() - started


def _percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def test_load_pages_and_randomization(capsys):
    assert connection.vendor == "postgresql", "make bench needs DATABASE_URL=postgres://..."
    sites, counts, seeded = seed_bench_trial()
    coordinator = User.objects.get(username="coordinator")
    investigator = User.objects.get(username="investigator")
    pharmacist = User.objects.get(username="pharmacist")
    usc = next(s for s in sites if s.code == "USC")
    own = Participant.objects.filter(site=usc).order_by("id").first()
    assert own is not None

    # Page personas: the coordinator's list and participant page, the investigator's
    # dashboard, the pharmacist's orders; each client thread gets its own sessions.
    pages = {
        "health": ("/healthz", None),
        "participant list": ("/participants/", coordinator),
        "participant page": (f"/participants/{own.pk}/", coordinator),
        "record grid": ("/records/", coordinator),
        "dashboard": ("/reports/", investigator),
        "today's orders": ("/dosing/orders/today/", pharmacist),
        "to-do list": ("/visits/todo/", coordinator),
    }
    cookies = [
        {u.username: _session_cookie(u) for u in (coordinator, investigator, pharmacist)}
        for _ in range(CLIENTS)
    ]

    # Randomization: enrolled, not yet randomized participants at USC and a live list.
    fresh = [
        ParticipantFactory.create(site=usc, created_by=coordinator, site_sequence=50_000 + i)
        for i in range(RANDOMIZATIONS)
    ]
    randomization_services.allocation_list_generate(
        user=User.objects.get(username="statistician"),
        kind="live",
        slots_per_stratum=RANDOMIZATIONS + 20,
    )
    token = api_key(coordinator)

    timings: dict[str, list[float]] = {name: [] for name in pages}
    statuses: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    with Server() as server:

        def page_client(index: int) -> None:
            rng = random.Random(index)
            for round_ in range(ROUNDS + 1):
                order = list(pages)
                rng.shuffle(order)
                for name in order:
                    path, user = pages[name]
                    headers = (
                        {}
                        if user is None
                        else {"Cookie": f"sessionid={cookies[index][user.username]}"}
                    )
                    status, seconds = request(server.port, "GET", path, headers)
                    with lock:
                        statuses[(name, status)] += 1
                        if round_ > 0:  # the first round warms caches and connections
                            timings[name].append(seconds)

        threads = [threading.Thread(target=page_client, args=(i,)) for i in range(CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        pages_seconds = time.perf_counter() - started
        load_during = os.getloadavg()

        queue = [p.pk for p in fresh] * 2
        random.Random(7).shuffle(queue)
        rand_statuses: Counter[int] = Counter()

        def randomize_client() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    pk = queue.pop()
                status, _ = request(
                    server.port,
                    "POST",
                    f"/api/v1/participants/{pk}/randomize",
                    {"Authorization": f"Token {token}", "Content-Length": "0"},
                )
                with lock:
                    rand_statuses[status] += 1

        threads = [threading.Thread(target=randomize_client) for _ in range(RANDOMIZE_CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rand_seconds = time.perf_counter() - started

    allocations = Allocation.objects.filter(participant__in=fresh)
    duplicate_participants = (
        allocations.values("participant").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    duplicate_slots = allocations.values("slot").annotate(n=Count("id")).filter(n__gt=1).count()
    allocated = allocations.count()

    health_p95 = _percentile(timings["health"], 95)
    lines = [
        f"\n[load] seeded {counts} in {seeded:.1f} s",
        f"[load] gunicorn {' '.join(GUNICORN)}; {CLIENTS} clients x {ROUNDS} rounds "
        f"in {pages_seconds:.1f} s; load average {load_during[0]:.2f}; "
        f"statuses {dict(sorted(statuses.items()))}",
    ]
    for name, values in timings.items():
        p50, p95 = statistics.median(values) * 1000, _percentile(values, 95) * 1000
        ratio = _percentile(values, 95) / health_p95
        flag = "" if ratio <= 3 else "  (over the 3x goal)"
        lines.append(
            f"[load] page {name:<18} n={len(values):<5} p50={p50:7.1f} ms p95={p95:7.1f} ms "
            f"ratio={ratio:.2f}x{flag}"
        )
    lines.append(
        f"[load] randomize: {RANDOMIZATIONS} participants, {2 * RANDOMIZATIONS} requests from "
        f"{RANDOMIZE_CLIENTS} clients in {rand_seconds:.1f} s = "
        f"{allocated / rand_seconds:.1f} randomizations/s, {2 * RANDOMIZATIONS / rand_seconds:.1f} "
        f"requests/s; statuses {dict(sorted(rand_statuses.items()))}; allocated {allocated}; "
        f"duplicate participants {duplicate_participants}; slots used twice {duplicate_slots}"
    )
    with capsys.disabled():
        print("\n".join(lines))

    assert all(status == 200 for (_, status) in statuses), statuses
    assert allocated == RANDOMIZATIONS
    assert duplicate_participants == 0 and duplicate_slots == 0
    assert set(rand_statuses) <= {200, 201}, rand_statuses
    assert rand_statuses[201] == RANDOMIZATIONS
