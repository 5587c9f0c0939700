"""The analysis pack: every dataset, the data dictionary, the R loader and the SAS, Stata
and SPSS syntax files in one zip.

Built by the worker (reports.tasks.build_pack), read back by the download view.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dressdb.models import SecurityEvent
from dressdb.security_log import log_event
from reports.exports import DATASETS, csv_lines, dictionary_csv
from reports.models import ExportJob
from reports.r_loader import r_script
from reports.stat_syntax import SYNTAX_FILES


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
        for filename, build in SYNTAX_FILES.values():
            pack.writestr(filename, build(options["deidentify"]))
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        file_name=name,
        rows=rows,
        finished_at=timezone.now(),
    )
    log_event(
        SecurityEvent.Kind.EXPORT,
        user=job.user,
        dataset="analysis_pack",
        filters=options,
        rows=rows,
    )
