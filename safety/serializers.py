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
    GRADE_CHOICES,
    OUTCOME_CHOICES,
    RELATEDNESS_CHOICES,
    ROUTE_CHOICES,
    UNIT_CHOICES,
    AdverseEvent,
    AeTerm,
    ConcomitantMedication,
    SystemOrganClass,
)
from safety.rules import CRITERION_LABELS, Criterion


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
    grade = serializers.ChoiceField(choices=[g for g, _ in GRADE_CHOICES])
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
