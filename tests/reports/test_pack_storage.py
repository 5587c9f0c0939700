"""A second node (issue 20): analysis packs are written and read only through STORAGES.

- The pack is built into the "exports" storage and downloaded through the web from it,
  with Django's in-memory storage standing in for a bucket: no path on disk is assumed.
- FILE_STORAGE=s3 configures django-storages' S3 backend for both storages.
- In CI (Redis, PostgreSQL): a real Celery worker in its own process builds the pack, and
  the web (this process) serves it from the shared storage.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import storages

from demo.synthetic import seed_trial
from reports.models import ExportJob
from reports.packs import build_pack_file
from reports.stat_syntax import SYNTAX_FILES
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]


def _options(site_ids: list[int]) -> dict:
    return {"site_ids": site_ids, "start": None, "end": None, "deidentify": False, "bom": False}


def _use_exports_storage(settings, backend: str, **options) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": backend, "OPTIONS": options},
    }


@pytest.mark.django_db
def test_pack_is_built_into_and_downloaded_from_the_storage(
    settings, site_a, trial_admin, statistician, tmp_path
):
    seed_trial(sites=[site_a], participants=3, user=trial_admin)
    settings.EXPORT_ROOT = str(tmp_path / "not-used")
    _use_exports_storage(settings, "django.core.files.storage.InMemoryStorage")
    job = ExportJob.objects.create(user=statistician, options=_options([site_a.pk]))
    build_pack_file(job)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert storages["exports"].exists(job.file_name)
    assert not (tmp_path / "not-used").exists()  # nothing written to a local folder

    response = client_for(statistician).get(f"/reports/exports/pack/{job.pk}/download/")
    assert response.status_code == 200
    pack = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert {"participants.csv", "data_dictionary.csv", "load_dressdb.R"} <= set(pack.namelist())
    assert {name for name, _ in SYNTAX_FILES.values()} <= set(pack.namelist())


@pytest.mark.django_db
def test_a_pack_gone_from_the_storage_is_a_clear_404(settings, statistician):
    _use_exports_storage(settings, "django.core.files.storage.InMemoryStorage")
    job = ExportJob.objects.create(
        user=statistician, options=_options([]), status="done", file_name="gone.zip"
    )
    response = client_for(statistician).get(f"/reports/exports/pack/{job.pk}/download/")
    assert response.status_code == 404


def test_file_storage_s3_configures_django_storages_for_both_storages():
    code = (
        "import django; django.setup();"
        "from django.core.files.storage import storages;"
        "print(type(storages['exports']).__name__, storages['exports'].location,"
        " type(storages['default']).__name__, storages['default'].location,"
        " storages['exports'].bucket_name)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dressdb.settings",
        "FILE_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "dressdb-files",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["S3Storage", "exports", "S3Storage", "media", "dressdb-files"]


def test_an_unknown_file_storage_is_refused_at_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dressdb.settings", "FILE_STORAGE": "ftp"}
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0 and "FILE_STORAGE must be 'local' or 's3'" in run.stderr


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pack_built_by_a_worker_process_is_downloaded_through_the_web(
    settings, site_a, trial_admin, statistician, tmp_path
):
    """The worker is a separate `celery worker` process; it and the web share only the
    database, the broker and the exports storage (a folder both are configured with)."""
    from django.db import connection

    from reports.services import export_job_start

    seed_trial(sites=[site_a], participants=3, user=trial_admin)
    shared = tmp_path / "bucket"
    _use_exports_storage(
        settings, "django.core.files.storage.FileSystemStorage", location=str(shared)
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dressdb.settings",
        "EXPORT_ROOT": str(shared),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "dressdb", "worker",
            "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-mingle",
            "--without-gossip", "-Q", "celery",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        job = export_job_start(user=statistician, options=_options([site_a.pk]))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert job.status == ExportJob.Status.DONE, (job.status, job.error, output[-3000:])
    assert (shared / job.file_name).exists()  # the worker wrote into the shared storage
    response = client_for(statistician).get(f"/reports/exports/pack/{job.pk}/download/")
    assert response.status_code == 200
    pack = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert "participants.csv" in pack.namelist()
