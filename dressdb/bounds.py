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


# Primary keys are 64-bit integers: a larger number typed into a multiple choice would
# reach the database as an out-of-range parameter (SQLite raises OverflowError; Django's
# ModelChoiceField guards itself, ModelMultipleChoiceField does not).
MAX_PK = 2**63 - 1


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose values must be ids in range before any query."""

    def _check_values(self, value: object) -> object:
        for pk in value if isinstance(value, list | tuple) else []:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: Django's own check names it
            if not -MAX_PK <= number <= MAX_PK:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:20]},
                )
        return super()._check_values(value)  # type: ignore[misc]
