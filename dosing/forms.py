from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from dosing import assessment_rules
from dosing.models import ARM_CHOICES, IMPROVEMENT_CHOICES, TREND_CHOICES
from dosing.protocol import Arm, Decision, PreviewInput, ProtocolError
from dosing.protocol_contract import parse_decision
from dressdb.bounds import bounded_date

LAB_FIELDS = ("alt", "ast", "bilirubin", "creatinine", "eosinophils")
LAB_LABELS = {
    "alt": gettext_noop("ALT (U/L)"),
    "ast": gettext_noop("AST (U/L)"),
    "bilirubin": gettext_noop("Bilirubin (mg/dL)"),
    "creatinine": gettext_noop("Creatinine (mg/dL)"),
    "eosinophils": gettext_noop("Eosinophils (x10⁹/L)"),
}
LAB_RANGES = {
    "alt": (0, 10000),
    "ast": (0, 10000),
    "bilirubin": (0, 60),
    "creatinine": (0.1, 20),
    "eosinophils": (0, 50),
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _lab(name: str, label: str) -> forms.DecimalField:
    low, high = LAB_RANGES[name]
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        decimal_places=3,
        max_digits=9,
    )


class AssessmentForm(forms.Form):
    improvement = forms.ChoiceField(choices=IMPROVEMENT_CHOICES, widget=forms.RadioSelect)
    labs_trend = forms.ChoiceField(
        label=gettext_lazy("Organ labs since the last assessment"),
        choices=TREND_CHOICES,
        widget=forms.RadioSelect,
    )
    other_findings = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Other involved organs (lung, heart, pancreas...) in words."),
    )
    password = forms.CharField(
        label=gettext_lazy("Your password (e-signature)"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
    )

    def __init__(
        self, *args: object, baseline: dict[str, Any] | None = None, **kwargs: object
    ) -> None:
        """`baseline`: the participant's baseline labs recorded once at enrolment
        (participant_baseline); each one recorded is shown, not asked again."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        recorded = {k: v for k, v in (baseline or {}).items() if v is not None}
        for name in LAB_FIELDS:
            lab = gettext(LAB_LABELS[name])
            self.fields[name] = _lab(name, gettext("%(lab)s today") % {"lab": lab})
            field = _lab(name, gettext("%(lab)s at baseline") % {"lab": lab})
            if name in recorded:
                field.disabled = True  # the recorded value is used, whatever is posted
                field.initial = recorded[name]
                field.label = gettext("%(lab)s at baseline (recorded at enrolment)") % {"lab": lab}
            self.fields[f"baseline_{name}"] = field
        self.order_fields(
            [f for n in LAB_FIELDS for f in (f"baseline_{n}", n)]
            + ["other_findings", "improvement", "labs_trend", "password"]
        )

    def labs(self) -> dict[str, object]:
        return {n: self.cleaned_data.get(n) for n in LAB_FIELDS}

    def baseline(self) -> dict[str, object]:
        return {n: self.cleaned_data.get(f"baseline_{n}") for n in LAB_FIELDS}

    def suggestion(self, previous: dict[str, Any] | None) -> assessment_rules.Suggestion:
        """The suggested answers from whatever labs could be read, valid form or not (so
        the panel keeps its content after a validation error)."""
        data = getattr(self, "cleaned_data", {})
        labs = {n: data.get(n) for n in LAB_FIELDS}
        base = {n: data.get(f"baseline_{n}") for n in LAB_FIELDS}
        return assessment_rules.suggest(labs, base, previous)


def participant_baseline(participant: Any) -> dict[str, Any]:
    """The baseline labs recorded on the participant (None where not recorded)."""
    return {n: getattr(participant, f"baseline_{n}", None) for n in LAB_FIELDS}


class RelapseForm(forms.Form):
    relapse_on = forms.DateField(label=gettext_lazy("Relapse date"), widget=DATE)
    reason_for_change = forms.CharField(
        label=gettext_lazy("Clinical findings / reason"), max_length=500
    )


class NpoForm(forms.Form):
    npo = forms.BooleanField(label=gettext_lazy("NPO (nothing by mouth)"), required=False)
    reason_for_change = forms.CharField(label=gettext_lazy("Reason for change"), max_length=500)


class WeightForm(forms.Form):
    weight_kg = forms.DecimalField(
        label=gettext_lazy("Corrected baseline weight (kg)"),
        min_value=25,
        max_value=350,
        decimal_places=1,
        max_digits=5,
    )
    reason_for_change = forms.CharField(label=gettext_lazy("Reason for change"), max_length=500)


class OrderSheetForm(forms.Form):
    start = forms.DateField(widget=DATE)
    end = forms.DateField(widget=DATE)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        if start and end and (end - start).days > 120:
            self.add_error("end", "Print at most 120 days at a time.")
        return cleaned


class PreviewForm(forms.Form):
    arm = forms.ChoiceField(choices=ARM_CHOICES)
    weight_kg = forms.DecimalField(
        min_value=25, max_value=350, decimal_places=1, max_digits=5, initial=70
    )
    renal_impairment = forms.BooleanField(required=False)
    npo = forms.BooleanField(label=gettext_lazy("NPO"), required=False)
    start_date = forms.DateField(required=False, widget=DATE)
    decisions = forms.CharField(
        required=False,
        help_text=gettext_lazy("One decision per line: improvement labs_trend, e.g. 'gt25 down'."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    relapse_day = forms.IntegerField(required=False, min_value=1, max_value=400)

    preview_input: PreviewInput | None = None

    def clean_start_date(self) -> dt.date | None:
        return bounded_date(self.cleaned_data.get("start_date"))

    def decision_list(self) -> list[dict[str, str]]:
        items = []
        for i, line in enumerate((self.cleaned_data.get("decisions") or "").splitlines()):
            parts = line.replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(
                    gettext("Line %(i_1)s: give 'improvement labs_trend', e.g. 'gt25 down'.")
                    % {"i_1": i + 1}
                )
            items.append({"improvement": parts[0], "labs_trend": parts[1]})
        return items

    def clean(self) -> dict[str, Any]:
        """The typed input of the engine (`self.preview_input`), built once here."""
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            decisions: list[Decision] = [
                parse_decision(item, i) for i, item in enumerate(self.decision_list())
            ]
        except (ProtocolError, forms.ValidationError) as exc:
            # The message as the page has always shown it (str() of the exception).
            self.add_error("decisions", str(exc))
            return cleaned
        self.preview_input = PreviewInput(
            arm=Arm(cleaned["arm"]),
            weight_kg=cleaned["weight_kg"],
            renal_impairment=cleaned["renal_impairment"],
            npo=cleaned["npo"],
            start_date=cleaned["start_date"],
            decisions=tuple(decisions),
            relapse_day=cleaned["relapse_day"],
        )
        return cleaned
