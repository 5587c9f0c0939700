"""JSON API input and output of the dosing course-change forms and the protocol preview
(dosing/api.py). Field bounds match dosing/forms.py; the rules are in dosing/services.py
and dosing/protocol.py."""

from __future__ import annotations

from rest_framework import serializers

from dosing.models import (
    ARM_CHOICES,
    BLOCK_CHOICES,
    DRUG_CHOICES,
    EVENT_TYPE_CHOICES,
    IMPROVEMENT_CHOICES,
    ROUTE_CHOICES,
    STATE_CHOICES,
    TREND_CHOICES,
)
from enrollment.serializers import ParticipantSerializer

REASON_HELP = "Required: future orders are recomputed and the change is audited."


class RelapseInputSerializer(serializers.Serializer):
    relapse_on = serializers.DateField(help_text="Relapse date (site-local).")
    reason_for_change = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Clinical findings / reason. " + REASON_HELP
    )


class NpoInputSerializer(serializers.Serializer):
    npo = serializers.BooleanField(help_text="NPO (nothing by mouth): cyclosporine goes IV.")
    reason_for_change = serializers.CharField(
        max_length=500, allow_blank=True, help_text=REASON_HELP
    )


class WeightInputSerializer(serializers.Serializer):
    weight_kg = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=25,
        max_value=350,
        coerce_to_string=False,
        help_text="Corrected baseline weight (kg).",
    )
    reason_for_change = serializers.CharField(
        max_length=500, allow_blank=True, help_text=REASON_HELP
    )


class RegimenSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATE_CHOICES)
    current_arm = serializers.ChoiceField(choices=ARM_CHOICES)
    current_block = serializers.CharField()
    next_decision_day = serializers.IntegerField(allow_null=True)
    next_decision_date = serializers.DateField(allow_null=True)
    relapse_day = serializers.IntegerField(allow_null=True)


class CourseChangeSerializer(serializers.Serializer):
    """The participant after a course change, and the regimen (null before randomization)."""

    participant = ParticipantSerializer()
    regimen = RegimenSerializer(allow_null=True)


# --- protocol_preview (CONTRACTS.md): documented here, parsed by the contract module ----


class PreviewDecisionSerializer(serializers.Serializer):
    improvement = serializers.ChoiceField(choices=IMPROVEMENT_CHOICES)
    labs_trend = serializers.ChoiceField(choices=TREND_CHOICES)


class PreviewInputSerializer(serializers.Serializer):
    arm = serializers.ChoiceField(choices=ARM_CHOICES)
    weight_kg = serializers.FloatField(min_value=25, max_value=350)
    renal_impairment = serializers.BooleanField()
    npo = serializers.BooleanField()
    start_date = serializers.DateField(required=False, allow_null=True)
    decisions = PreviewDecisionSerializer(many=True)
    relapse_day = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class PreviewOrderSerializer(serializers.Serializer):
    day = serializers.IntegerField()
    date = serializers.DateField(allow_null=True)
    drug = serializers.ChoiceField(choices=DRUG_CHOICES)
    route = serializers.ChoiceField(choices=ROUTE_CHOICES)
    dose_mg = serializers.FloatField()
    calculated_dose_mg = serializers.FloatField()
    times_per_day = serializers.IntegerField()
    daily_dose_mg = serializers.FloatField()
    block = serializers.ChoiceField(choices=BLOCK_CHOICES)
    pharmacist_to_verify = serializers.BooleanField()


class PreviewEventSerializer(serializers.Serializer):
    day = serializers.IntegerField()
    type = serializers.ChoiceField(choices=EVENT_TYPE_CHOICES)
    to_arm = serializers.ChoiceField(choices=ARM_CHOICES, required=False)


class PreviewResultSerializer(serializers.Serializer):
    orders = PreviewOrderSerializer(many=True)
    events = PreviewEventSerializer(many=True)
    state = serializers.ChoiceField(choices=STATE_CHOICES)
    current_arm = serializers.ChoiceField(choices=ARM_CHOICES)
    next_decision_day = serializers.IntegerField(allow_null=True)
    current_block = serializers.ChoiceField(choices=BLOCK_CHOICES, allow_null=True)
