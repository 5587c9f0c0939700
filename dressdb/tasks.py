"""Core Celery tasks. Tasks take ids or plain values and call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dressdb.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@shared_task(name="dressdb.heartbeat")
def heartbeat(name: str = "beat") -> int:
    """Record that the beat and a worker are alive. Idempotent per call: one row per name."""
    with transaction.atomic():
        row, created = WorkerHeartbeat.objects.get_or_create(
            name=name, defaults={"last_seen": timezone.now(), "runs": 1}
        )
        if not created:
            WorkerHeartbeat.objects.filter(pk=row.pk).update(
                last_seen=timezone.now(), runs=F("runs") + 1
            )
    row.refresh_from_db()
    logger.info("event=heartbeat name=%s runs=%s", name, row.runs)
    return row.runs
