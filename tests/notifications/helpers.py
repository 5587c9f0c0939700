"""The reminder sweep as the beat runs it: each domain app's rules, one task each."""

from __future__ import annotations

from dosing.reminders import dosing_reminders_sweep
from enrollment.consent_services import reconsent_reminders_raise
from outcomes.reminders import visit_reminders_sweep
from safety.reminders import sae_clock_sweep


def reminder_sweep() -> dict[str, int]:
    """The outcomes rules (visits), then the dosing rules (decisions, orders)."""
    visits = visit_reminders_sweep()
    dosing = dosing_reminders_sweep()
    return {key: visits[key] + dosing[key] for key in visits}


def full_sweep() -> dict[str, int]:
    """Every reminder rule the beat runs: visits, dosing, the SAE clock (every 15 minutes)
    and re-consent (nightly)."""
    results = [
        visit_reminders_sweep(),
        dosing_reminders_sweep(),
        sae_clock_sweep(),
        reconsent_reminders_raise(),
    ]
    return {key: sum(r[key] for r in results) for key in results[0]}
