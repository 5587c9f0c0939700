from __future__ import annotations

from typing import Any

from django import forms

from dressdb.audit import ReasonForChangeMixin
from outcomes.models import HospitalCourse, Visit
from outcomes.schedule import MissedReason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitForm(ReasonForChangeMixin, forms.ModelForm):
    """Only the endpoints this visit collects (PROTOCOL.md section 4)."""

    class Meta:
        model = Visit
        fields = ["completed_on", "out_of_window_reason"]
        widgets = {"completed_on": DATE, "out_of_window_reason": forms.TextInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visit: Visit = self.instance
        extra = forms.models.fields_for_model(Visit, fields=list(visit.endpoint_names))
        for name, field in extra.items():
            if isinstance(field, forms.ChoiceField):
                options = [c for c in list(field.choices) if c[0] != ""]  # type: ignore[arg-type]
                field.choices = options
                field.widget = forms.RadioSelect(choices=options)
            self.fields[name] = field
            self.initial.setdefault(name, getattr(visit, name))
        if "vital_status" in visit.endpoint_names:
            self.fields["death_date"] = forms.DateField(
                label="Date of death",
                required=False,
                widget=DATE,
                help_text="Required when the vital status is dead.",
                initial=visit.death_date,
            )
        self.fields["completed_on"].required = True
        self.fields["completed_on"].label = "Visit date"
        self.fields["out_of_window_reason"].required = False
        if not (visit.completed_on or visit.missed):
            self.fields.pop("reason_for_change")
        after_vital = list(visit.endpoint_names)
        if "vital_status" in after_vital:
            after_vital.insert(after_vital.index("vital_status") + 1, "death_date")
        self.order_fields(
            ["completed_on", *after_vital, "out_of_window_reason", "reason_for_change"]
        )

    def endpoints(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.instance.endpoint_names}

    def _post_clean(self) -> None:  # validation lives in the service; keep the instance clean
        pass


MISSED_CHOICES = [
    (str(MissedReason.WINDOW_CLOSED), "The window has closed (say why below)"),
    (str(MissedReason.DIED), "The participant died"),
    (str(MissedReason.WITHDREW), "The participant withdrew"),
    (str(MissedReason.UNREACHABLE), "Moved or unreachable (note below)"),
]


class MissedForm(forms.Form):
    """Missed only once the window has closed; earlier only for a reason on the list
    (outcomes.schedule.missed_allowed; the service decides, in site time)."""

    reason_code = forms.ChoiceField(
        label="Why was the visit missed?",
        choices=MISSED_CHOICES,
        widget=forms.RadioSelect,
        initial=str(MissedReason.WINDOW_CLOSED),
    )
    missed_reason = forms.CharField(label="Note", max_length=500, required=False)


class UnlockForm(forms.Form):
    reason_for_change = forms.CharField(label="Reason to unlock", max_length=500)


class HospitalCourseForm(ReasonForChangeMixin, forms.ModelForm):
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
        ]
        widgets = {
            "admission_date": DATE,
            "discharge_date": DATE,
            "readmission_date": DATE,
            "death_date": DATE,
        }

    def _post_clean(self) -> None:
        pass
