from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from dressdb.audit import ReasonForChangeMixin
from outcomes.models import (
    HOSPITAL_SHOWN_WHEN,
    OPTIONAL_ENDPOINTS,
    SHOWN_WHEN,
    VIRUSES,
    HospitalCourse,
    Visit,
    not_applicable,
)
from outcomes.schedule import MissedReason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The visit form's labels in the reader's language (the model's verbose names stay English).
VISIT_LABELS = {
    "organ_resolution": gettext_lazy("Complete or near-complete resolution of organ involvement"),
    "erythema_resolution": gettext_lazy("Erythema resolution"),
    "fever": gettext_lazy("Fever"),
    "facial_oedema_resolved": gettext_lazy("Facial oedema resolved"),
    "pruritus_resolved": gettext_lazy("Pruritus resolved"),
    "lymphadenopathy": gettext_lazy("Lymphadenopathy"),
    "eosinophil_count": gettext_lazy("Eosinophil count (x10⁹/L)"),
    "vital_status": gettext_lazy("Vital status"),
    "hhv6_pcr": gettext_lazy("HHV-6 PCR"),
    "hhv7_pcr": gettext_lazy("HHV-7 PCR"),
    "ebv_pcr": gettext_lazy("EBV PCR"),
    "cmv_pcr": gettext_lazy("CMV PCR"),
    "hhv6_load": gettext_lazy("HHV-6 load (copies/mL)"),
    "hhv7_load": gettext_lazy("HHV-7 load (copies/mL)"),
    "ebv_load": gettext_lazy("EBV load (copies/mL)"),
    "cmv_load": gettext_lazy("CMV load (copies/mL)"),
    "autoimmune_disease": gettext_lazy("Autoimmune disease since randomization"),
    "autoimmune_type": gettext_lazy("Autoimmune type"),
    "autoimmune_other": gettext_lazy("Other autoimmune disease"),
    "out_of_window_reason": gettext_lazy("Out of window reason"),
}

# The day-30 visit has about 20 answers: grouped in sections with headings (fieldsets).
VISIT_SECTIONS: tuple[tuple[str | Promise, tuple[str, ...]], ...] = (
    (gettext_lazy("The visit"), ("completed_on", "out_of_window_reason")),
    (
        gettext_lazy("Skin and organs"),
        (
            "organ_resolution",
            "erythema_resolution",
            "facial_oedema_resolved",
            "pruritus_resolved",
        ),
    ),
    (gettext_lazy("Signs and blood count"), ("fever", "lymphadenopathy", "eosinophil_count")),
    (gettext_lazy("Vital status"), ("vital_status", "death_date")),
    (
        gettext_lazy("Viral reactivation (PCR)"),
        tuple(name for v in VIRUSES for name in (f"{v}_pcr", f"{v}_load")),
    ),
    (
        gettext_lazy("Autoimmune disease"),
        ("autoimmune_disease", "autoimmune_type", "autoimmune_other"),
    ),
    (gettext_lazy("Reason for change"), ("reason_for_change",)),
)


def show_when_attrs(form: forms.BaseForm, rules: dict[str, tuple[str, frozenset[str]]]) -> None:
    """Branching for static/js/forms.js: a dependent field names its controlling field
    and the answers that open it (data attributes; no inline script)."""
    for name, (controller, opens) in rules.items():
        if name in form.fields and controller in form.fields:
            form.fields[name].widget.attrs.update(
                {"data-show-when": controller, "data-show-values": " ".join(sorted(opens))}
            )


def clear_not_applicable(
    form: forms.BaseForm, rules: dict[str, tuple[str, frozenset[str]]]
) -> set[str]:
    """Server side of the branching: a hidden (not applicable) field is cleared and never
    required, and whatever was typed into it before it was hidden raises no error."""
    values = {name: form.cleaned_data.get(name) for name in form.fields}
    closed = not_applicable(values, rules) & set(form.fields)
    for name in closed:
        form.cleaned_data[name] = None
        form.errors.pop(name, None)
    return closed


def sections(
    form: forms.BaseForm, layout: tuple[tuple[str | Promise, tuple[str, ...]], ...]
) -> list[tuple[str, list[forms.BoundField]]]:
    """The form's fields grouped by the layout (fields not listed go in a last group)."""
    placed: set[str] = set()
    groups = []
    for heading, names in layout:
        present = [form[name] for name in names if name in form.fields]
        placed.update(names)
        if present:
            groups.append((str(heading), present))
    rest = [form[name] for name in form.fields if name not in placed]
    if rest:
        groups.append((gettext("Other"), rest))
    return groups


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
                label=gettext_lazy("Date of death"),
                required=False,
                widget=DATE,
                help_text=gettext_lazy("Required when the vital status is dead."),
                initial=visit.death_date,
            )
        for name in set(visit.endpoint_names) - OPTIONAL_ENDPOINTS:
            self.fields[name].required = True  # marked (asterisk, required attribute)
        self.fields["completed_on"].required = True
        for name, label in VISIT_LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
        self.fields["completed_on"].label = gettext_lazy("Visit date")
        self.fields["out_of_window_reason"].required = False
        self.fields["out_of_window_reason"].help_text = gettext(
            "Needed only for a visit date outside %(opens)s to %(closes)s."
        ) % {
            "opens": formats.date_format(visit.window_opens, "SHORT_DATE_FORMAT"),
            "closes": formats.date_format(visit.window_closes, "SHORT_DATE_FORMAT"),
        }
        for name, text in (
            ("autoimmune_type", gettext_lazy("Required when the answer above is yes.")),
            ("autoimmune_other", gettext_lazy("Required when the type is other.")),
        ):
            if name in self.fields:
                self.fields[name].help_text = text
        show_when_attrs(self, SHOWN_WHEN)
        if not (visit.completed_on or visit.missed):
            self.fields.pop("reason_for_change")
        else:
            self.fields["reason_for_change"].required = True  # an edit: marked
        after_vital = list(visit.endpoint_names)
        if "vital_status" in after_vital:
            after_vital.insert(after_vital.index("vital_status") + 1, "death_date")
        self.order_fields(
            ["completed_on", *after_vital, "out_of_window_reason", "reason_for_change"]
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clear_not_applicable(self, SHOWN_WHEN)
        return cleaned

    def endpoints(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.instance.endpoint_names}

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return sections(self, VISIT_SECTIONS)

    def _post_clean(self) -> None:  # validation lives in the service; keep the instance clean
        pass


MISSED_CHOICES = [
    (str(MissedReason.WINDOW_CLOSED), gettext_lazy("The window has closed (say why below)")),
    (str(MissedReason.DIED), gettext_lazy("The participant died")),
    (str(MissedReason.WITHDREW), gettext_lazy("The participant withdrew")),
    (str(MissedReason.UNREACHABLE), gettext_lazy("Moved or unreachable (note below)")),
]


class MissedForm(forms.Form):
    """Missed only once the window has closed; earlier only for a reason on the list
    (outcomes.schedule.missed_allowed; the service decides, in site time)."""

    reason_code = forms.ChoiceField(
        label=gettext_lazy("Why was the visit missed?"),
        choices=MISSED_CHOICES,
        widget=forms.RadioSelect,
        initial=str(MissedReason.WINDOW_CLOSED),
    )
    missed_reason = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class UnlockForm(forms.Form):
    reason_for_change = forms.CharField(label=gettext_lazy("Reason to unlock"), max_length=500)


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["reason_for_change"].required = True  # an edit: marked
        show_when_attrs(self, HOSPITAL_SHOWN_WHEN)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clear_not_applicable(self, HOSPITAL_SHOWN_WHEN)
        return cleaned

    def _post_clean(self) -> None:
        pass
