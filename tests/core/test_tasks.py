"""Celery: the heartbeat task, and a real worker on the real Redis broker in CI."""

import pytest
from django_celery_beat.models import PeriodicTask

from dressdb.models import WorkerHeartbeat
from dressdb.tasks import heartbeat


@pytest.mark.django_db
def test_heartbeat_is_one_row_per_name():
    assert heartbeat() == 1
    assert heartbeat() == 2
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db
def test_beat_schedule_is_installed_by_migration():
    task = PeriodicTask.objects.get(name="dressdb heartbeat")
    assert task.task == "dressdb.heartbeat"
    assert task.enabled


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_runs_task_from_redis():
    from celery.contrib.testing.worker import start_worker

    from dressdb.celery import app

    assert app.conf.broker_url.startswith("redis://")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.apply_async(kwargs={"name": "redis-test"})
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if WorkerHeartbeat.objects.filter(name="redis-test").exists():
                break
            time.sleep(0.2)
    assert WorkerHeartbeat.objects.get(name="redis-test").runs == 1
