"""Faults survived by the analysis pack (issue 20): a worker killed mid-build.

A pack reaches the storage only whole. A job whose worker died is either built again by
the broker's redelivery (once it is older than EXPORT_JOB_STALE_MINUTES) or marked failed
by the reaper (beat, every 10 minutes); never left "running" for ever.
The last test SIGKILLs a real `celery worker` process in the middle of a build (CI).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from demo.synthetic import seed_trial
from reports.models import ExportJob
from reports.tasks import STOPPED_MESSAGE, build_pack, reap_stopped_packs

ROOT = Path(__file__).resolve().parents[2]


def _options(site_ids: list[int]) -> dict:
    return {"site_ids": site_ids, "start": None, "end": None, "deidentify": False, "bom": False}


def _job(user, status, started_minutes_ago: float | None, site_ids=()) -> ExportJob:
    started = (
        None
        if started_minutes_ago is None
        else timezone.now() - dt.timedelta(minutes=started_minutes_ago)
    )
    return ExportJob.objects.create(
        user=user, options=_options(list(site_ids)), status=status, started_at=started
    )


@pytest.fixture
def memory_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.mark.django_db
def test_the_reaper_fails_only_jobs_whose_worker_stopped(settings, statistician):
    settings.EXPORT_JOB_STALE_MINUTES = 30
    stopped = _job(statistician, "running", 31)
    busy = _job(statistician, "running", 5)
    done = _job(statistician, "done", 120)
    queued = _job(statistician, "queued", None)
    assert reap_stopped_packs() == 1
    stopped.refresh_from_db()
    assert stopped.status == "failed" and stopped.error == STOPPED_MESSAGE
    assert stopped.finished_at is not None
    for job, status in ((busy, "running"), (done, "done"), (queued, "queued")):
        job.refresh_from_db()
        assert job.status == status
    assert reap_stopped_packs() == 0  # a second run changes nothing


@pytest.mark.django_db
def test_a_repeated_delivery_leaves_a_live_build_alone(settings, statistician, memory_storage):
    settings.EXPORT_JOB_STALE_MINUTES = 30
    job = _job(statistician, "running", 2)
    assert build_pack(job.pk) == "skipped"
    job.refresh_from_db()
    assert job.status == "running" and not job.file_name


@pytest.mark.django_db
def test_a_redelivery_after_a_lost_worker_builds_the_pack_again(
    settings, site_a, trial_admin, statistician, memory_storage
):
    settings.EXPORT_JOB_STALE_MINUTES = 30
    seed_trial(sites=[site_a], participants=2, user=trial_admin)
    job = _job(statistician, "running", 45, [site_a.pk])
    assert build_pack(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == "done" and storages["exports"].exists(job.file_name)
    assert build_pack(job.pk) == "skipped"  # and only once


@pytest.mark.django_db
def test_the_reaper_is_on_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.reap_stopped_packs")
    assert task.enabled and task.interval.every == 10 and task.interval.period == "minutes"


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "dressdb", "worker", "--pool=solo",
            "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait(job: ExportJob, statuses: set[str], seconds: float, step: float = 0.02) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job.status
        time.sleep(step)
    job.refresh_from_db()
    return job.status


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_build_leaves_no_pack_and_the_job_is_failed_then_rebuilt(
    settings, site_a, site_b, trial_admin, statistician, tmp_path
):
    from django.db import connection

    from reports.services import export_job_start

    seed_trial(sites=[site_a, site_b], participants=24, user=trial_admin)
    shared = tmp_path / "bucket"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(shared)},
        },
    }
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dressdb.settings", "EXPORT_ROOT": str(shared)}
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    killed = None
    for _ in range(5):  # catch a build in the middle (a fast machine may finish first)
        worker = _worker(env)
        try:
            job = export_job_start(user=statistician, options=_options([site_a.pk, site_b.pk]))
            if _wait(job, {"running", "done", "failed"}, 120) == "running":
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=30)
                job.refresh_from_db()
                if job.status == "running":
                    killed = job
                    break
        finally:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
    assert killed is not None, "no build was caught in the middle in five tries"
    # Nothing half-built reached the storage; the job still says running.
    assert not list(shared.glob(f"dressdb-analysis-pack-{killed.pk}-*"))
    # The reaper (its time limit passed) marks it failed.
    settings.EXPORT_JOB_STALE_MINUTES = 0
    assert reap_stopped_packs() >= 1
    killed.refresh_from_db()
    assert killed.status == "failed" and killed.error == STOPPED_MESSAGE
    # After a restart, building again works.
    worker = _worker(env)
    try:
        again = export_job_start(user=statistician, options=_options([site_a.pk]))
        assert _wait(again, {"done", "failed"}, 120, step=0.3) == "done", again.error
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert (shared / again.file_name).exists()
