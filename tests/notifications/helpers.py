"""The reminder sweep as the beat runs it: each domain app's rules, one task each."""

from __future__ import annotations

from dosing.reminders import dosing_reminders_sweep
from outcomes.reminders import visit_reminders_sweep


def reminder_sweep() -> dict[str, int]:
    """The outcomes rules (visits), then the dosing rules (decisions, orders)."""
    visits = visit_reminders_sweep()
    dosing = dosing_reminders_sweep()
    return {key: visits[key] + dosing[key] for key in visits}
