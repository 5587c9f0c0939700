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

    def __init__(self, expression: Any, days: int, **extra: Any) -> None:
        self.days = int(days)
        super().__init__(expression, **extra)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> tuple[str, Any]:
        inner, params = compiler.compile(self.source_expressions[0])
        return f"(({inner}) + {self.days})", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        inner, params = compiler.compile(self.source_expressions[0])
        return f"date({inner}, '{self.days:+d} days')", params


class DaysBetween(Func):
    """`end` - `start` in whole days (NULL if either is NULL)."""

    output_field = IntegerField()

    def __init__(self, end: Any, start: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> tuple[str, Any]:
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"(({end}) - ({start}))", (*end_params, *start_params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        sql = f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"
        return sql, (*end_params, *start_params)
