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
from django.utils.translation import gettext

from dosing.models import Assessment
from enrollment.models import Participant, Screening
from outcomes.models import ENDPOINTS_BY_VISIT, HospitalCourse, Visit
from safety.models import AdverseEvent

# Endpoints PROTOCOL.md section 4 marks primary (SDV 100%, the completeness rule).
PRIMARY_ENDPOINTS = ("organ_resolution", "erythema_resolution")


@dataclass(frozen=True)
class FormSpec:
    code: str
    label: str
    model: type[models.Model]
    records: Callable[[Participant], list[Any]]


def _screening(p: Participant) -> list[Any]:
    return [p.screening] if p.screening_id else []


FORMS: dict[str, FormSpec] = {
    spec.code: spec
    for spec in (
        FormSpec("participant", "Enrolment and consent", Participant, lambda p: [p]),
        FormSpec("screening", "Screening and eligibility", Screening, _screening),
        FormSpec(
            "visit",
            "Follow-up visit",
            Visit,
            lambda p: list(Visit.objects.filter(participant=p).order_by("study_day")),
        ),
        FormSpec(
            "hospital_course",
            "Hospital course",
            HospitalCourse,
            lambda p: list(HospitalCourse.objects.filter(participant=p)),
        ),
        FormSpec(
            "assessment",
            "Dosing assessment",
            Assessment,
            lambda p: list(Assessment.objects.filter(participant=p).order_by("number")),
        ),
        FormSpec(
            "adverse_event",
            "Adverse event",
            AdverseEvent,
            lambda p: list(AdverseEvent.objects.filter(participant=p).order_by("onset_date", "id")),
        ),
    )
}
FORM_CHOICES = [(code, spec.label) for code, spec in FORMS.items()]


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


def record_label(form: str, record: models.Model) -> str:
    if isinstance(record, Visit):
        return f"Day {record.study_day} visit"
    if isinstance(record, Assessment):
        return f"Assessment {record.number} (day {record.study_day})"
    if isinstance(record, AdverseEvent):
        return f"Adverse event {record.pk} ({record.onset_date:%Y-%m-%d})"
    return FORMS[form].label


def content_type_of(record: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(record)


# --- SDV forms: which records are verified, and which are 100% ------------------


@dataclass(frozen=True)
class SdvItem:
    form: str  # the SDV form code (consent, eligibility, randomization, visit, ...)
    label: str
    record: models.Model
    critical: bool  # 100% SDV whatever the sample


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
