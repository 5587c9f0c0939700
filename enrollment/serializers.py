"""JSON API input and output of the enrollment forms (enrollment/api.py).

A serializer's job ends where the form's does: a typed value for the service, which holds
every rule (required reasons, dates, eligibility). Field bounds match enrollment/forms.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from enrollment.forms import RENAL_CHOICES
from enrollment.models import WITHDRAWAL_KIND_CHOICES, Participant, Screening

RENAL_OVERRIDES: dict[str, bool | None] = {"computed": None, "yes": True, "no": False}


class EnrolInputSerializer(serializers.Serializer):
    consent_at = serializers.DateTimeField(
        help_text="When consent was signed: ISO 8601; without an offset it is the site's "
        "local time (as on the form)."
    )
    consent_form_version = serializers.CharField(max_length=40)
    consent_obtained_by = serializers.CharField(max_length=150, help_text="Who obtained consent.")
    npo = serializers.BooleanField(
        required=False, default=False, help_text="NPO at enrolment (cyclosporine then IV)."
    )

    def __init__(self, *args: Any, site_tz: dt.tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if site_tz is not None:
            # A wall-clock time is the site's; an explicit offset is converted to it.
            self.fields["consent_at"].timezone = site_tz  # type: ignore[attr-defined]


class NotConsentedInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="Why the eligible patient was not enrolled."
    )


class RenalImpairmentInputSerializer(serializers.Serializer):
    renal_impairment = serializers.ChoiceField(
        choices=[value for value, _label in RENAL_CHOICES],
        help_text="computed: use the computed value; yes / no: the investigator's override.",
    )
    reason_for_change = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Required: the record is already saved."
    )

    def override(self) -> bool | None:
        return RENAL_OVERRIDES[self.validated_data["renal_impairment"]]


class WithdrawInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=WITHDRAWAL_KIND_CHOICES,
        help_text="treatment: stopped study treatment (follow-up continues); follow_up: "
        "withdrew from follow-up; consent: withdrew consent for further data use.",
    )
    withdrawn_on = serializers.DateField(help_text="Site-local date.")
    reason = serializers.CharField(max_length=500, help_text="Reason for withdrawal.")


class ParticipantSerializer(serializers.Serializer):
    """A participant as the write routes answer it."""

    id = serializers.IntegerField()
    study_id = serializers.CharField()
    site = serializers.CharField(source="site.code")
    status = serializers.ChoiceField(choices=Participant.Status.values)
    consent_at = serializers.DateTimeField()
    npo = serializers.BooleanField()
    weight_kg = serializers.FloatField()
    renal_impairment = serializers.BooleanField()
    renal_impairment_computed = serializers.BooleanField()
    renal_impairment_override = serializers.BooleanField(allow_null=True)
    withdrawal_kind = serializers.ChoiceField(choices=WITHDRAWAL_KIND_CHOICES, allow_blank=True)
    withdrawn_on = serializers.DateField(allow_null=True)


class ScreeningOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    outcome = serializers.ChoiceField(choices=Screening.Outcome.values)
    not_consented_reason = serializers.CharField()
