"""Date arithmetic that reads the same on SQLite and PostgreSQL.

Django's `F(date) + timedelta` gives a timestamp on PostgreSQL and a text with a time on
SQLite, so a date compared with it is off by the comparison's edge. These two give a
date and a whole number of days on both databases.
"""

from __future__ import annotations

from typing import Any

from django.db.models import DateField, Func, IntegerField


class AddDays(Func):
    """`expression` + `days` days, as a date (NULL stays NULL)."""

    output_field = DateField()
    template = "((%(expressions)s) + %(days)d)"

    def __init__(self, expression: Any, days: int, **extra: Any) -> None:
        super().__init__(expression, days=int(days), **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # noqa: ANN401
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '%(days)+d days')")


class DaysBetween(Func):
    """`end` - `start` in whole days (NULL if either is NULL)."""

    output_field = IntegerField()
    arg_joiner = ") - ("
    template = "((%(expressions)s))"

    def __init__(self, end: Any, start: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # noqa: ANN401
        template = "CAST(julianday(%(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(")
