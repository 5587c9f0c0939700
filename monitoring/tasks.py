"""Celery tasks of the monitoring app."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="monitoring.deviation_sweep")
def deviation_sweep() -> dict[str, int]:
    """Nightly: propose protocol deviations from visits, decisions, orders and eligibility
    (beat entry "monitoring deviation sweep", migration safety 0007)."""
    from monitoring.proposals import deviation_sweep as sweep

    result = sweep()
    logger.info("event=deviation_sweep %s", " ".join(f"{k}={v}" for k, v in result.items()))
    return result
