"""Writes of the reports app: export jobs (the analysis pack) and export logging."""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dressdb.models import SecurityEvent
from dressdb.security_log import log_event
from reports.exports import DATASETS, csv_lines, dictionary_csv
from reports.models import ExportJob
from reports.r_loader import r_script

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
    from reports.tasks import build_pack

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


def export_dir() -> Path:
    path = Path(settings.EXPORT_ROOT)
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_pack_file(job: ExportJob) -> None:
    """Write the zip (every dataset, the dictionary, the R loader), updating progress."""
    options = job.options
    start = dt.date.fromisoformat(options["start"]) if options.get("start") else None
    end = dt.date.fromisoformat(options["end"]) if options.get("end") else None
    name = f"dressdb-analysis-pack-{job.pk}-{timezone.now():%Y%m%dT%H%M%SZ}.zip"
    path = export_dir() / name
    rows: dict[str, int] = {}
    steps = len(DATASETS) + 2
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for n, dataset in enumerate(DATASETS.values(), start=1):
            counter: list[int] = []
            with pack.open(f"{dataset.name}.csv", "w") as handle:
                for line in csv_lines(
                    dataset,
                    options["site_ids"],
                    start,
                    end,
                    deidentify=options["deidentify"],
                    bom=options["bom"],
                    counter=counter,
                ):
                    handle.write(line.encode("utf-8"))
            rows[dataset.name] = counter[0] if counter else 0
            ExportJob.objects.filter(pk=job.pk).update(progress=int(100 * n / steps))
        pack.writestr("data_dictionary.csv", dictionary_csv(options["deidentify"], options["bom"]))
        pack.writestr("load_dressdb.R", r_script(options["deidentify"]))
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        file_name=name,
        rows=rows,
        finished_at=timezone.now(),
    )
    log_export(job.user, "analysis_pack", options, rows)
