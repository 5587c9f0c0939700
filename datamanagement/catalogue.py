"""The forms a query or an SDV mark can sit on, and the records of a participant.

One list: each form's code, its model and how to find a participant's records of it.
This module sits on the top floor, so it may read every domain app's models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from dosing.models import Assessment
from enrollment.models import Participant, Screening
from outcomes.models import ENDPOINTS_BY_VISIT, HospitalCourse, Visit
from safety.models import AdverseEvent

# Endpoints PROTOCOL.md section 4 marks primary (SDV 100%, the completeness rule).
PRIMARY_ENDPOINTS = ("organ_resolution", "erythema_resolution")


@dataclass(frozen=True)
class FormSpec:
    code: str
    label: str  # in English (stored texts); form_label() gives it in the reader's language
    model: type[models.Model]
    records: Callable[[Participant], list[Any]]


def _screening(p: Participant) -> list[Any]:
    return [p.screening] if p.screening_id else []


FORMS: dict[str, FormSpec] = {
    spec.code: spec
    for spec in (
        FormSpec("participant", gettext_noop("Enrolment and consent"), Participant, lambda p: [p]),
        FormSpec("screening", gettext_noop("Screening and eligibility"), Screening, _screening),
        FormSpec(
            "visit",
            gettext_noop("Follow-up visit"),
            Visit,
            lambda p: list(Visit.objects.filter(participant=p).order_by("study_day")),
        ),
        FormSpec(
            "hospital_course",
            gettext_noop("Hospital course"),
            HospitalCourse,
            lambda p: list(HospitalCourse.objects.filter(participant=p)),
        ),
        FormSpec(
            "assessment",
            gettext_noop("Dosing assessment"),
            Assessment,
            lambda p: list(Assessment.objects.filter(participant=p).order_by("number")),
        ),
        FormSpec(
            "adverse_event",
            gettext_noop("Adverse event"),
            AdverseEvent,
            lambda p: list(AdverseEvent.objects.filter(participant=p).order_by("onset_date", "id")),
        ),
    )
}
FORM_CHOICES = [(code, gettext_lazy(spec.label)) for code, spec in FORMS.items()]


def form_label(form: str) -> str:
    """A form code in words, in the reader's language ("visit" -> "Follow-up visit")."""
    spec = FORMS.get(form)
    return gettext(spec.label) if spec else form


def form_for_model(model: type[models.Model]) -> str:
    for code, spec in FORMS.items():
        if spec.model is model or isinstance(model, type) and issubclass(model, spec.model):
            return code
    raise ValidationError({"form": gettext("Queries cannot be raised on this kind of record.")})


def record_for(participant: Participant, form: str, record_id: Any) -> models.Model:
    """The participant's record of that form (ValidationError naming the field if not)."""
    spec = FORMS.get(form)
    if spec is None:
        raise ValidationError({"form": gettext("Unknown form.")})
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise ValidationError({"record_id": gettext("Give the record's id.")}) from None
    for record in spec.records(participant):
        if record.pk == pk:
            return record
    raise ValidationError({"record_id": gettext("No such record of this participant's form.")})


def field_label(model: type[models.Model], field: str) -> str:
    try:
        f = model._meta.get_field(field)
    except FieldDoesNotExist:
        raise ValidationError({"field": gettext("This form has no such field.")}) from None
    if not getattr(f, "concrete", False) or f.name in ("id", "participant"):
        raise ValidationError({"field": gettext("This form has no such field.")})
    return str(getattr(f, "verbose_name", field))


def field_display(model: type[models.Model] | None, field: str) -> str:
    """A field in words for a page: its verbose name, capitalised, in the reader's language
    where the catalogue has it ("eosinophil_count" -> "Eosinophil count (x10⁹/L)"). A field
    no longer on the model (renamed since) shows its code."""
    try:
        found = model._meta.get_field(field) if model is not None else None
    except FieldDoesNotExist:
        found = None
    name = getattr(found, "verbose_name", None)
    return capfirst(gettext(str(name))) if name else field


def record_label(form: str, record: models.Model) -> str:
    """One form record in words, in the reader's language ("Day 30 visit"); a form with one
    record per participant (consent, screening, hospital course) is named by its form."""
    return which_record(record) or form_label(form)


def which_record(record: models.Model | None) -> str:
    """Which of a participant's records of a repeated form this is, in words ("Day 30
    visit", "Assessment 2 (day 7)"); "" for a form with one record per participant."""
    if isinstance(record, Visit):
        return gettext("Day %(day)s visit") % {"day": record.study_day}
    if isinstance(record, Assessment):
        return gettext("Assessment %(number)s (day %(day)s)") % {
            "number": record.number,
            "day": record.study_day,
        }
    if isinstance(record, AdverseEvent):
        return gettext("Adverse event %(id)s (%(date)s)") % {
            "id": record.pk,
            "date": formats.date_format(record.onset_date, "SHORT_DATE_FORMAT"),
        }
    return ""


def where_label(form: str, record: models.Model | None, field: str) -> str:
    """ "Day 30 visit · Eosinophil count (x10⁹/L)": a query's place, not its codes."""
    place = record_label(form, record) if record is not None else form_label(form)
    model = type(record) if record is not None else (FORMS[form].model if form in FORMS else None)
    return f"{place} · {field_display(model, field)}"


def records_by_key(
    keys: list[tuple[str, int, int]],
) -> dict[tuple[int, int], models.Model]:
    """The records of many (form, content type id, object id) keys, one read per kind of
    record (the ageing list and the monitoring report label hundreds of rows)."""
    wanted: dict[int, set[int]] = {}
    for _form, content_type_id, object_id in keys:
        wanted.setdefault(content_type_id, set()).add(int(object_id))
    found: dict[tuple[int, int], models.Model] = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        for record in model._default_manager.filter(pk__in=ids):
            found[(content_type_id, record.pk)] = record
    return found


# The SDV form codes in words (an SDV mark's "form" is one of these, not a FORMS code).
SDV_FORM_LABELS = {
    "consent": gettext_noop("Consent"),
    "eligibility": gettext_noop("Eligibility"),
    "randomization": gettext_noop("Randomization"),
    "primary_endpoints": gettext_noop("Primary endpoints"),
    "visit": gettext_noop("Follow-up visit"),
    "hospital_course": gettext_noop("Hospital course"),
    "sae": gettext_noop("Serious adverse event"),
    "adverse_event": gettext_noop("Adverse event"),
    "assessment": gettext_noop("Dosing assessment"),
}


def sdv_form_label(form: str) -> str:
    return gettext(SDV_FORM_LABELS[form]) if form in SDV_FORM_LABELS else form


def content_type_of(record: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(record)


# --- SDV forms: which records are verified, and which are 100% ------------------


@dataclass(frozen=True)
class SdvItem:
    form: str  # the SDV form code (consent, eligibility, randomization, visit, ...)
    label: str
    record: models.Model
    critical: bool  # 100% SDV whatever the sample


def sdv_item_label(item: SdvItem) -> str:
    """An SDV item in words, in the reader's language (item.label stays English: the
    casebook summary an investigator signs, the audit trail's reasons)."""
    record = item.record
    if isinstance(record, Visit):
        return record_label("visit", record)
    if isinstance(record, AdverseEvent):
        text = (
            gettext("Serious adverse event %(date)s")
            if item.form == "sae"
            else gettext("Adverse event %(date)s")
        )
        return text % {"date": formats.date_format(record.onset_date, "SHORT_DATE_FORMAT")}
    if isinstance(record, Assessment):
        return gettext("Assessment %(number)s") % {"number": record.number}
    return sdv_form_label(item.form)


def sdv_items(participant: Participant) -> list[SdvItem]:
    items = [SdvItem("consent", "Consent", participant, True)]
    if participant.screening is not None:
        items.append(SdvItem("eligibility", "Eligibility", participant.screening, True))
    if participant.randomized_on:
        items.append(SdvItem("randomization", "Randomization", participant, True))
    for visit in FORMS["visit"].records(participant):
        primary = any(e in PRIMARY_ENDPOINTS for e in ENDPOINTS_BY_VISIT.get(visit.name, ()))
        if visit.completed_on is None and not visit.missed:
            continue
        items.append(
            SdvItem(
                "primary_endpoints" if primary else "visit",
                f"Day {visit.study_day} visit",
                visit,
                primary,
            )
        )
    for course in FORMS["hospital_course"].records(participant):
        items.append(SdvItem("hospital_course", "Hospital course", course, False))
    for ae in FORMS["adverse_event"].records(participant):
        label = f"{'SAE' if ae.serious else 'Adverse event'} {ae.onset_date:%Y-%m-%d}"
        items.append(SdvItem("sae" if ae.serious else "adverse_event", label, ae, ae.serious))
    for assessment in FORMS["assessment"].records(participant):
        items.append(SdvItem("assessment", f"Assessment {assessment.number}", assessment, False))
    return items
