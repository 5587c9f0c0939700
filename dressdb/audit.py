"""Audit helpers: a reason for every change, and the per-participant audit trail.

- `save_clinical` is the one way services save a clinical record: it runs
  `full_clean()`, demands a reason on any edit after the first save, and stamps the
  history row (django-simple-history) with the user and the reason.
- `ReasonForChangeMixin` gives a form the matching required field on edits.
- `history_entries` lists the field changes of the history rows of some records (the
  per-participant trail, `enrollment.audit.participant_audit_trail`, builds on it).
- On PostgreSQL, history tables are append-only: `install_history_triggers` puts a
  trigger on each that refuses UPDATE and DELETE. The migration dressdb 0002 installs
  it, and a post_migrate hook keeps it on every history table added later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models.signals import post_migrate
from django.dispatch import receiver

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

INITIAL_REASON = "Initial entry"
REASON_FIELD = "reason_for_change"


class ReasonRequiredError(ValidationError):
    pass


def require_reason(instance: models.Model, reason: str | None) -> str:
    """The reason to record; an edit of a saved record without one is refused."""
    cleaned = (reason or "").strip()
    if instance.pk is not None and not instance._state.adding:
        if not cleaned:
            raise ReasonRequiredError(
                {REASON_FIELD: "A reason for change is required when editing a saved record."}
            )
        return cleaned
    return cleaned or INITIAL_REASON


def save_clinical(
    instance: models.Model,
    *,
    user: AbstractBaseUser | None,
    reason: str | None = None,
    exclude_clean: list[str] | None = None,
) -> models.Model:
    """Validate and save a clinical record with its history (user, UTC time, reason).

    Call inside the service's `transaction.atomic()`.
    """
    final_reason = require_reason(instance, reason)
    instance.full_clean(exclude=exclude_clean)
    instance._history_user = user  # type: ignore[attr-defined]
    instance._change_reason = final_reason  # type: ignore[attr-defined]
    instance.save()
    return instance


class ReasonForChangeMixin(forms.Form):
    """A form mixin: on an edit (instance already saved) the reason is required."""

    reason_for_change = forms.CharField(
        label="Reason for change",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Required when editing a saved record"}),
    )

    def clean_reason_for_change(self) -> str:
        value: str = (self.cleaned_data.get(REASON_FIELD) or "").strip()
        instance = getattr(self, "instance", None)
        editing = instance is not None and instance.pk is not None
        if editing and not value:
            raise ValidationError("A reason for change is required when editing a saved record.")
        return value


# --- Audit trails: field changes read from the history tables --------------


@dataclass(frozen=True)
class AuditEntry:
    when: dt.datetime
    who: str
    record: str
    record_id: int
    action: str
    field: str
    old: str
    new: str
    reason: str


def _display(value: Any) -> str:
    if value is None or value == "":
        return "-"
    return str(value)


HistorySource = tuple[type[models.Model], str, Any]


def history_entries(sources: list[HistorySource]) -> list[AuditEntry]:
    """The field changes of the history rows matching each (model, lookup, value),
    newest first. One query per source, whatever the number of rows.
    """
    entries: list[AuditEntry] = []
    for model, lookup, value in sources:
        if value is None:
            continue
        history_model = model.history.model  # type: ignore[attr-defined]
        rows = list(
            history_model.objects.filter(**{lookup: value})
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        tracked = [f for f in model._meta.concrete_fields if f.name not in {"id"}]
        previous: dict[int, Any] = {}
        for row in rows:
            who = row.history_user.get_username() if row.history_user else "system"
            label = str(model._meta.verbose_name).capitalize()
            reason = row.history_change_reason or ""
            before = previous.get(row.id)
            action = {"+": "created", "~": "changed", "-": "deleted"}[row.history_type]
            for f in tracked:
                attname = f.attname
                new = getattr(row, attname, None)
                if before is None:
                    if action == "created" and new not in (None, ""):
                        entries.append(
                            AuditEntry(
                                row.history_date,
                                who,
                                label,
                                row.id,
                                action,
                                str(f.verbose_name),
                                "-",
                                _display(new),
                                reason,
                            )
                        )
                    continue
                old = getattr(before, attname, None)
                if old != new:
                    entries.append(
                        AuditEntry(
                            row.history_date,
                            who,
                            label,
                            row.id,
                            action,
                            str(f.verbose_name),
                            _display(old),
                            _display(new),
                            reason,
                        )
                    )
            if action == "deleted":
                entries.append(
                    AuditEntry(row.history_date, who, label, row.id, action, "-", "-", "-", reason)
                )
            previous[row.id] = row
    entries.sort(key=lambda e: (e.when, e.record, e.record_id), reverse=True)
    return entries


# --- Append-only history tables on PostgreSQL --------------------------------

TRIGGER_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION dressdb_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit history table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def history_tables(registry: Any = apps) -> list[str]:
    """Every django-simple-history table: each model's history, and the history of a
    many-to-many field (`m2m_history_id`, e.g. a consent version's sites)."""
    return sorted(
        m._meta.db_table
        for m in registry.get_models()
        if m.__name__.startswith("Historical")
        and {"history_id", "m2m_history_id"} & {f.name for f in m._meta.fields}
    )


def install_history_triggers(using_connection: Any = connection, registry: Any = apps) -> int:
    """Put the append-only trigger on every history table that exists. Idempotent."""
    if using_connection.vendor != "postgresql":
        return 0
    existing = set(using_connection.introspection.table_names())
    count = 0
    with using_connection.cursor() as cursor:
        cursor.execute(TRIGGER_FUNCTION_SQL)
        for table in history_tables(registry):
            if table not in existing:
                continue
            quoted = using_connection.ops.quote_name(table)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER dressdb_append_only BEFORE UPDATE OR DELETE "  # noqa: S608
                f"ON {quoted} FOR EACH ROW EXECUTE FUNCTION dressdb_history_append_only()"
            )
            count += 1
    return count


@receiver(post_migrate)
def _history_triggers_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    if sender.name == "dressdb":
        install_history_triggers(connections[using])
