"""The analysis pack: every dataset, the data dictionary, the R loader and the SAS, Stata
and SPSS syntax files in one zip.

Built by the worker (reports.tasks.build_pack), read back by the download view.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.utils import timezone

from dressdb.models import SecurityEvent
from dressdb.security_log import log_event
from reports.exports import DATASETS, csv_lines, dictionary_csv
from reports.models import ExportJob
from reports.r_loader import r_script
from reports.stat_syntax import SYNTAX_FILES


def export_storage() -> Storage:
    """Where packs are kept (STORAGES["exports"]): a local folder, or a bucket shared by
    every web and worker node. Packs are written and read only through this."""
    return storages["exports"]


def build_pack_file(job: ExportJob) -> None:
    """Write the zip (every dataset, the dictionary, the R loader, the syntax files) to the
    exports storage, updating progress."""
    options = job.options
    start = dt.date.fromisoformat(options["start"]) if options.get("start") else None
    end = dt.date.fromisoformat(options["end"]) if options.get("end") else None
    name = f"dressdb-analysis-pack-{job.pk}-{timezone.now():%Y%m%dT%H%M%SZ}.zip"
    rows: dict[str, int] = {}
    steps = len(DATASETS) + 2
    # Built in a local temporary file (a zip needs to seek), then handed to the storage
    # whole: a pack is never visible half-written.
    with tempfile.TemporaryFile() as scratch:
        _write_pack(scratch, options, start, end, rows, job.pk, steps)
        scratch.seek(0)
        name = export_storage().save(name, File(scratch, name=name))
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


def _write_pack(
    scratch: Any,
    options: dict[str, Any],
    start: dt.date | None,
    end: dt.date | None,
    rows: dict[str, int],
    job_pk: int,
    steps: int,
) -> None:
    with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as pack:
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
            ExportJob.objects.filter(pk=job_pk).update(progress=int(100 * n / steps))
        pack.writestr("data_dictionary.csv", dictionary_csv(options["deidentify"], options["bom"]))
        pack.writestr("load_dressdb.R", r_script(options["deidentify"]))
        for filename, build in SYNTAX_FILES.values():
            pack.writestr(filename, build(options["deidentify"]))
