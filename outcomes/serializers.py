"""JSON API input and output of the hospital-course and visit-unlock forms
(outcomes/api.py). Field bounds match outcomes/forms.py (the model's fields); the rules
(dates, re-admission window, cause of death, reasons) are in outcomes/services.py."""

from __future__ import annotations

from rest_framework import serializers

from outcomes.models import YES_NO, HospitalCourse


class HospitalCourseInputSerializer(serializers.Serializer):
    """The whole hospital course, as the form sends it: a field left out is cleared."""

    admission_date = serializers.DateField(required=False, allow_null=True)
    discharge_date = serializers.DateField(required=False, allow_null=True)
    readmitted_within_30_days = serializers.ChoiceField(
        choices=[value for value, _ in YES_NO], required=False, allow_blank=True
    )
    readmission_date = serializers.DateField(required=False, allow_null=True)
    readmission_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    death_date = serializers.DateField(required=False, allow_null=True)
    death_cause = serializers.CharField(max_length=300, required=False, allow_blank=True)
    reason_for_change = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Required when the hospital course was already saved.",
    )


class HospitalCourseSerializer(serializers.ModelSerializer):
    days_of_hospitalization = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = HospitalCourse
        fields = [
            "admission_date",
            "discharge_date",
            "readmitted_within_30_days",
            "readmission_date",
            "readmission_reason",
            "death_date",
            "death_cause",
            "days_of_hospitalization",
        ]


class UnlockInputSerializer(serializers.Serializer):
    reason_for_change = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Reason to unlock (required)."
    )
