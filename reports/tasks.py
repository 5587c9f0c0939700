"""Celery tasks of the reports app."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reports.models import ExportJob
from reports.packs import build_pack_file

logger = logging.getLogger(__name__)

STOPPED_MESSAGE = (
    "The worker building this pack stopped before it finished; nothing was kept. "
    "Build the pack again."
)


def stale_before() -> dt.datetime:
    """A job running since before this has lost its worker (EXPORT_JOB_STALE_MINUTES)."""
    return timezone.now() - dt.timedelta(minutes=settings.EXPORT_JOB_STALE_MINUTES)


@shared_task(name="reports.build_pack", acks_late=True)
def build_pack(job_id: int) -> str:
    """Build the analysis pack of a job once.

    A repeated delivery finds the job taken and does nothing, unless the job has been
    running for longer than a pack can take: then its worker died (the broker delivers
    the message again after a lost worker) and the pack is built again from the start.
    A pack reaches the storage only whole (reports.packs), so a dead build left nothing.
    """
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return "skipped"
        lost = job.status == ExportJob.Status.RUNNING and (
            job.started_at is None or job.started_at < stale_before()
        )
        if job.status != ExportJob.Status.QUEUED and not lost:
            return "skipped"
        job.status = ExportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.progress = 0
        job.save(update_fields=["status", "started_at", "progress"])
    try:
        build_pack_file(job)
    except Exception as exc:
        logger.exception("event=export_failed job=%s", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=exc.__class__.__name__
        )
        return "failed"
    return "done"


@shared_task(name="reports.reap_stopped_packs")
def reap_stopped_packs() -> int:
    """Mark failed every pack whose worker stopped mid-build (beat, every 10 minutes):
    the user sees it failed and builds again, never a job running for ever."""
    stopped = ExportJob.objects.filter(status=ExportJob.Status.RUNNING).filter(
        Q(started_at__lt=stale_before()) | Q(started_at__isnull=True, created_at__lt=stale_before())
    )
    count = stopped.update(
        status=ExportJob.Status.FAILED, error=STOPPED_MESSAGE, finished_at=timezone.now()
    )
    if count:
        logger.warning("event=export_reaped jobs=%s", count)
    return count
