"""Sane ranges for values typed into forms, shared by every app (issue 14, defect 5).

A date far in the future (9999-12-31) parses, then overflows the first time a day is
added to it: forms bound dates to the trial's plausible range instead.
"""

from __future__ import annotations

import datetime as dt

from django import forms

EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def bounded_date(
    value: dt.date | None,
    earliest: dt.date = EARLIEST_DATE,
    latest: dt.date = LATEST_DATE,
) -> dt.date | None:
    """`value` if inside [earliest, latest], else a field error saying the range."""
    if value is None:
        return None
    if not earliest <= value <= latest:
        raise forms.ValidationError(
            f"Give a date between {earliest.isoformat()} and {latest.isoformat()}."
        )
    return value
