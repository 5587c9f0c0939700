"""Writes of the reports app: export jobs (the analysis pack) and export logging."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from dressdb.models import SecurityEvent
from dressdb.security_log import log_event
from reports.models import ExportJob
from reports.packs import export_storage
from reports.tasks import build_pack

__all__ = ["export_job_start", "export_storage", "log_export", "parse_options"]

logger = logging.getLogger(__name__)


def parse_options(
    site_ids: list[int], start: dt.date | None, end: dt.date | None, deidentify: bool, bom: bool
) -> dict[str, Any]:
    return {
        "site_ids": site_ids,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "deidentify": deidentify,
        "bom": bom,
    }


def log_export(user: Any, what: str, options: dict[str, Any], rows: int | dict[str, int]) -> None:
    log_event(SecurityEvent.Kind.EXPORT, user=user, dataset=what, filters=options, rows=rows)


@transaction.atomic
def export_job_start(*, user: Any, options: dict[str, Any]) -> ExportJob:
    job = ExportJob.objects.create(user=user, options=options)

    def enqueue() -> None:
        try:
            build_pack.delay(job.pk)
        except Exception:  # broker down: the job stays queued and says so
            logger.exception("event=enqueue_failed task=build_pack job=%s", job.pk)
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.FAILED, error="The job queue is not reachable; try again."
            )

    transaction.on_commit(enqueue)
    return job
