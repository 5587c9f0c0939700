"""Celery tasks of the reports app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from reports.models import ExportJob
from reports.packs import build_pack_file

logger = logging.getLogger(__name__)


@shared_task(name="reports.build_pack", acks_late=True)
def build_pack(job_id: int) -> str:
    """Build the analysis pack of a job once (a repeated delivery finds it taken)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ExportJob.Status.QUEUED:
            return "skipped"
        job.status = ExportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        build_pack_file(job)
    except Exception as exc:
        logger.exception("event=export_failed job=%s", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=exc.__class__.__name__
        )
        return "failed"
    return "done"
