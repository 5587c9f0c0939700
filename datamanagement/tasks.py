"""Celery tasks of the data-management app."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="datamanagement.edit_checks_recent")
def edit_checks_recent(minutes: int = 30) -> dict[str, int]:
    """Every few minutes: the edit checks of the participants whose records changed lately
    (beat entry "datamanagement edit checks (recent)"). This is how the checks run "on
    save": the domain services are on lower floors and cannot call this app."""
    from datamanagement.recent import participants_changed_since
    from datamanagement.services import checks_run_all

    since = timezone.now() - dt.timedelta(minutes=minutes)
    result = checks_run_all(participants_changed_since(since))
    logger.info(
        "event=edit_checks scope=recent %s", " ".join(f"{k}={v}" for k, v in result.items())
    )
    return result


@shared_task(name="datamanagement.edit_checks_nightly")
def edit_checks_nightly() -> dict[str, int]:
    """Nightly: every participant's edit checks, SDV plan and casebook fingerprint, and
    the re-consent to-do items of a consent-form version that became effective."""
    from datamanagement.services import checks_run_all
    from enrollment.consent_services import reconsent_reminders_raise

    result = checks_run_all()
    result["reconsent_candidates"] = reconsent_reminders_raise()["candidates"]
    logger.info("event=edit_checks scope=all %s", " ".join(f"{k}={v}" for k, v in result.items()))
    return result
