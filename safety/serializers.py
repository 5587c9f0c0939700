"""JSON API input and output of the adverse-event form (safety/api.py). Field bounds match
safety/forms.py; the rules are in safety/rules.py and safety/services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dressdb.choices import choices
from safety.models import (
    ACTION_CHOICES,
    AUTOPSY_CHOICES,
    DEVIATION_KIND_CHOICES,
    GRADE_CHOICES,
    OUTCOME_CHOICES,
    RELATEDNESS_CHOICES,
    ROUTE_CHOICES,
    UNIT_CHOICES,
    AdverseEvent,
    AeTerm,
    ConcomitantMedication,
    DeathReport,
    ProtocolDeviation,
    SystemOrganClass,
)
from safety.rules import CRITERION_LABELS, Criterion
from safety.services import SIGN_MEANINGS


class AdverseEventInputSerializer(serializers.Serializer):
    term = serializers.SlugRelatedField(
        slug_field="code",
        queryset=AeTerm.objects.all(),
        required=False,
        allow_null=True,
        help_text="A curated CTCAE v5.0 term code; or leave out and give term_other + soc.",
    )
    term_other = serializers.CharField(max_length=200, required=False, allow_blank=True)
    soc = serializers.SlugRelatedField(
        slug_field="code",
        queryset=SystemOrganClass.objects.all(),
        required=False,
        allow_null=True,
        help_text="System organ class code (for a free-text term).",
    )
    onset_date = serializers.DateField()
    stop_date = serializers.DateField(required=False, allow_null=True)
    ongoing = serializers.BooleanField(required=False, default=False)
    grade = serializers.ChoiceField(choices=GRADE_CHOICES)
    serious = serializers.BooleanField(required=False, default=False)
    criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=choices(Criterion, CRITERION_LABELS)),
        required=False,
        default=list,
        max_length=6,
    )
    related_cyclosporine = serializers.ChoiceField(choices=RELATEDNESS_CHOICES)
    related_corticosteroids = serializers.ChoiceField(choices=RELATEDNESS_CHOICES)
    action_cyclosporine = serializers.ChoiceField(choices=ACTION_CHOICES)
    action_corticosteroids = serializers.ChoiceField(choices=ACTION_CHOICES)
    outcome = serializers.ChoiceField(choices=OUTCOME_CHOICES)
    aware_at = serializers.DateTimeField(
        help_text="When the site became aware; ISO 8601 with its offset (a time without "
        "one is read in the site's zone)."
    )


class AdverseEventSerializer(serializers.ModelSerializer):
    term = serializers.SerializerMethodField()
    soc: serializers.SlugRelatedField[SystemOrganClass] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    term_name = serializers.CharField(read_only=True)
    criteria = serializers.SerializerMethodField()
    aware_at = serializers.SerializerMethodField()
    report_due_at = serializers.SerializerMethodField()
    reported_at = serializers.SerializerMethodField()

    class Meta:
        model = AdverseEvent
        fields = [
            "id",
            "term",
            "term_other",
            "term_name",
            "soc",
            "onset_date",
            "stop_date",
            "ongoing",
            "grade",
            "serious",
            "criteria",
            "related_cyclosporine",
            "related_corticosteroids",
            "expected_cyclosporine",
            "expected_corticosteroids",
            "action_cyclosporine",
            "action_corticosteroids",
            "outcome",
            "aware_at",
            "report_due_at",
            "reported_at",
            "susar",
            "version",
        ]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_term(self, obj: AdverseEvent) -> str | None:
        return obj.term.code if obj.term_id and obj.term else None

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_criteria(self, obj: AdverseEvent) -> list[str]:
        return sorted(obj.criteria)

    @staticmethod
    def _utc(value: Any) -> str | None:
        if value is None:
            return None
        return str(value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_aware_at(self, obj: AdverseEvent) -> str | None:
        return self._utc(obj.aware_at)

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_report_due_at(self, obj: AdverseEvent) -> str | None:
        return self._utc(obj.report_due_at)

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_reported_at(self, obj: AdverseEvent) -> str | None:
        return self._utc(obj.reported_at)


class ConmedInputSerializer(serializers.Serializer):
    drug = serializers.CharField(max_length=120)
    indication = serializers.CharField(max_length=200)
    dose = serializers.DecimalField(
        max_digits=10, decimal_places=3, required=False, allow_null=True
    )
    unit = serializers.ChoiceField(choices=UNIT_CHOICES, required=False, allow_blank=True)
    route = serializers.ChoiceField(choices=ROUTE_CHOICES)
    frequency = serializers.CharField(max_length=60, required=False, allow_blank=True)
    start_date = serializers.DateField()
    stop_date = serializers.DateField(required=False, allow_null=True)
    ongoing = serializers.BooleanField(required=False, default=False)
    culprit = serializers.BooleanField(required=False, default=False)
    reaction_onset_date = serializers.DateField(required=False, allow_null=True)


class ConmedSerializer(serializers.ModelSerializer):
    latency_days = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ConcomitantMedication
        fields = [
            "id",
            "drug",
            "indication",
            "dose",
            "unit",
            "route",
            "frequency",
            "start_date",
            "stop_date",
            "ongoing",
            "culprit",
            "reaction_onset_date",
            "latency_days",
            "cyp3a4",
        ]


REASON_HELP = "Why the saved record changes (audit trail); required for any correction."


class AdverseEventUpdateSerializer(AdverseEventInputSerializer):
    """A correction of the event, or a follow-up report (a new version of the same event,
    `follow_up`: true). A change voids the investigator's signature."""

    follow_up = serializers.BooleanField(required=False, default=False)
    reason_for_change = serializers.CharField(max_length=500, help_text=REASON_HELP)


class SignInputSerializer(serializers.Serializer):
    meaning = serializers.ChoiceField(choices=list(SIGN_MEANINGS))
    password = serializers.CharField(
        max_length=4096, help_text="The signer's password: the e-signature (checked last)."
    )


class SignedBySerializer(serializers.Serializer):
    printed_name = serializers.CharField()
    signed_at = serializers.DateTimeField()
    meaning = serializers.CharField()


class AdverseEventSignedSerializer(serializers.Serializer):
    adverse_event = AdverseEventSerializer()
    signature = SignedBySerializer()


class DeathReportInputSerializer(serializers.Serializer):
    death_date = serializers.DateField()
    primary_cause = serializers.CharField(max_length=300)
    related_cyclosporine = serializers.ChoiceField(choices=RELATEDNESS_CHOICES)
    related_corticosteroids = serializers.ChoiceField(choices=RELATEDNESS_CHOICES)
    autopsy = serializers.ChoiceField(choices=AUTOPSY_CHOICES)
    reason_for_change = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=REASON_HELP + " Not needed for the first report.",
    )


class DeathReportSerializer(serializers.ModelSerializer):
    participant_died_on = serializers.SerializerMethodField(
        help_text="The participant's one date of death, reconciled from every source "
        "(visits, hospital course, AE death reports); null while they disagree."
    )
    death_discrepancy = serializers.SerializerMethodField(
        help_text="The sources that disagree about the date of death, if any."
    )

    class Meta:
        model = DeathReport
        fields = [
            "id",
            "adverse_event",
            "death_date",
            "primary_cause",
            "related_cyclosporine",
            "related_corticosteroids",
            "autopsy",
            "participant_died_on",
            "death_discrepancy",
        ]

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_participant_died_on(self, obj: DeathReport) -> str | None:
        died = obj.adverse_event.participant.died_on
        return died.isoformat() if died else None

    def get_death_discrepancy(self, obj: DeathReport) -> str:
        return str(obj.adverse_event.participant.death_discrepancy)


class ConmedUpdateSerializer(ConmedInputSerializer):
    reason_for_change = serializers.CharField(max_length=500, help_text=REASON_HELP)


class DeviationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DEVIATION_KIND_CHOICES)
    occurred_on = serializers.DateField()
    description = serializers.CharField(max_length=2000)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    impact_safety = serializers.BooleanField(required=False, default=False)
    impact_endpoints = serializers.BooleanField(required=False, default=False)
    corrective_action = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    irb_reportable = serializers.BooleanField(required=False, default=False)


class DeviationUpdateSerializer(DeviationInputSerializer):
    reason_for_change = serializers.CharField(max_length=500, help_text=REASON_HELP)


class DeviationDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("confirm", "Confirm"), ("dismiss", "Dismiss")])
    reason_for_change = serializers.CharField(
        max_length=500, help_text="Why the proposal is confirmed or dismissed."
    )


class DeviationSerializer(serializers.ModelSerializer):
    signature = serializers.SerializerMethodField(
        help_text="The investigator's live signed review, if any."
    )

    class Meta:
        model = ProtocolDeviation
        fields = [
            "id",
            "kind",
            "occurred_on",
            "description",
            "reason",
            "impact_safety",
            "impact_endpoints",
            "corrective_action",
            "irb_reportable",
            "status",
            "status_reason",
            "proposed",
            "signature",
        ]

    @extend_schema_field(SignedBySerializer(allow_null=True))
    def get_signature(self, obj: ProtocolDeviation) -> dict[str, Any] | None:
        signatures: dict[int, Any] = self.context.get("signatures", {})
        signature = signatures.get(obj.pk)
        if signature is None:
            return None
        return {
            "printed_name": signature.printed_name,
            "signed_at": signature.signed_at.astimezone(dt.UTC).isoformat(),
            "meaning": signature.meaning,
        }


class DeviationSignedSerializer(serializers.Serializer):
    deviation = DeviationSerializer()
    signature = SignedBySerializer()
