"""The per-participant audit trail: every change to the participant's clinical records.

It reads the participant's own history, its screening's, and every clinical history
table that carries a `participant` key (any app's), through the core's generic
`dressdb.audit.history_entries`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import models

from dressdb.audit import AuditEntry, HistorySource, history_entries
from enrollment.models import Participant, Screening


def _clinical_history_models() -> list[tuple[type[models.Model], str]]:
    """(model, participant lookup) for every model with history and a `participant` key.

    The participant's own history is read by its id; its screening by the
    participant's screening_id (see participant_audit_trail).
    """
    found: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        if not hasattr(model, "history") or model.__name__.startswith("Historical"):
            continue
        if model in (Participant, Screening):
            continue
        if "participant" in {f.name for f in model._meta.concrete_fields}:
            found.append((model, "participant_id"))
    return found


def participant_audit_trail(participant: Participant) -> list[AuditEntry]:
    """Every change to the participant's clinical records, newest first.

    One query per clinical model type, whatever the number of rows.
    """
    sources: list[HistorySource] = [
        (Participant, "id", participant.pk),
        (Screening, "id", participant.screening_id),
    ]
    sources += [(m, lookup, participant.pk) for m, lookup in _clinical_history_models()]
    return history_entries(sources)


# --- Human display, filters and pages (the audit page) ---------------------------------

AUDIT_PER_PAGE = 100


def _field_displays(models_: list[type[models.Model]]) -> dict[tuple[str, str], dict[str, str]]:
    """(record label, field label) -> {stored value: human label} for choice fields."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for model in models_:
        label = str(model._meta.verbose_name).capitalize()
        for f in model._meta.concrete_fields:
            if f.choices:
                found[(label, str(f.verbose_name))] = {
                    str(value): str(text) for value, text in f.flatchoices
                }
    return found


def _user_fields(models_: list[type[models.Model]]) -> set[tuple[str, str]]:
    user_model = get_user_model()
    return {
        (str(m._meta.verbose_name).capitalize(), str(f.verbose_name))
        for m in models_
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is user_model
    }


# Labels for stored codes that have no model choices, registered by the app that owns
# them (this floor cannot import it): (form label, field label) -> code -> label.
VALUE_LABELS: dict[tuple[str, str], Callable[[str], str]] = {}


def register_value_labels(record: str, field: str, label: Callable[[str], str]) -> None:
    """e.g. dosing registers ("Assessment", "block") -> the block's human label."""
    VALUE_LABELS[(record, field)] = label


def _full_name(user: Any) -> str:
    name = user.get_full_name().strip()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def humanize(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Names instead of user ids and usernames, labels instead of stored codes. One
    query (the users named in the entries)."""
    models_: list[type[models.Model]] = [
        Participant,
        Screening,
        *(m for m, _ in _clinical_history_models()),
    ]
    displays = _field_displays(models_)
    user_fields = _user_fields(models_)
    user_model = get_user_model()
    ids = {
        int(v)
        for e in entries
        if (e.record, e.field) in user_fields
        for v in (e.old, e.new)
        if v.isdigit()
    }
    usernames = {e.who for e in entries}
    users = user_model.objects.filter(
        models.Q(pk__in=ids) | models.Q(**{f"{user_model.USERNAME_FIELD}__in": usernames})
    )
    by_id = {str(u.pk): _full_name(u) for u in users}
    by_name = {u.get_username(): _full_name(u) for u in users}
    out = []
    for e in entries:
        key = (e.record, e.field)
        old, new = e.old, e.new
        if key in user_fields:
            old, new = by_id.get(old, old), by_id.get(new, new)
        elif key in displays:
            old, new = displays[key].get(old, old), displays[key].get(new, new)
        elif key in VALUE_LABELS:
            label = VALUE_LABELS[key]
            old, new = (label(v) if v != "-" else v for v in (old, new))
        out.append(replace(e, who=by_name.get(e.who, e.who), old=old, new=new))
    return out


class AuditFilter(forms.Form):
    record = forms.ChoiceField(label="Form", required=False)
    field = forms.CharField(label="Field", required=False, max_length=80)
    who = forms.ChoiceField(label="User", required=False)
    date_from = forms.DateField(
        label="From (UTC)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To (UTC)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, entries: list[AuditEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        records = sorted({e.record for e in entries})
        who = sorted({e.who for e in entries})
        self.fields["record"].choices = [("", "Any form"), *((r, r) for r in records)]  # type: ignore[attr-defined]
        self.fields["who"].choices = [("", "Anyone"), *((w, w) for w in who)]  # type: ignore[attr-defined]

    def apply(self, entries: list[AuditEntry]) -> list[AuditEntry]:
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        text = data["field"].strip().lower()
        return [
            e
            for e in entries
            if (not data["record"] or e.record == data["record"])
            and (not text or text in e.field.lower())
            and (not data["who"] or e.who == data["who"])
            and (not data["date_from"] or e.when.astimezone(dt.UTC).date() >= data["date_from"])
            and (not data["date_to"] or e.when.astimezone(dt.UTC).date() <= data["date_to"])
        ]


def audit_page(participant: Participant, params: Any) -> tuple[AuditFilter, Page]:
    """The audit page: human labels, filtered by form, field, user and date, 100 a page."""
    entries = humanize(participant_audit_trail(participant))
    form = AuditFilter(params or None, entries=entries)
    rows = form.apply(entries)
    return form, Paginator(rows, AUDIT_PER_PAGE).get_page(params.get("page"))
