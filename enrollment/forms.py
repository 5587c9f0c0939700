from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from dressdb.audit import ReasonForChangeMixin
from dressdb.choices import choices
from dressdb.models import Site
from enrollment.egfr import CreatinineUnit, Sex, creatinine_mg_dl
from enrollment.eligibility import EXCLUSION_FIELDS, ScreeningInput
from enrollment.models import (
    CREATININE_UNIT_CHOICES,
    SEX_CHOICES,
    YES_NO_UNKNOWN,
    Participant,
    Screening,
)
from enrollment.regiscar import ORGAN_LABELS, Organ, RegiscarAnswers, YesNoUnknown
from enrollment.screening_contract import InputError, check_screening_input, parse_organs
from enrollment.services import RASH_FEATURES, rash_suggestive

YNU = YES_NO_UNKNOWN
YES_NO = [("no", gettext_lazy("No")), ("yes", gettext_lazy("Yes"))]
# Plausible creatinine by unit: 0.1-20 mg/dL = 8.8-1768 µmol/L.
CREATININE_RANGE = {
    CreatinineUnit.MG_DL: (Decimal("0.1"), Decimal("20")),
    CreatinineUnit.UMOL_L: (Decimal("8.8"), Decimal("1768")),
}

REGISCAR_ITEMS = (
    "fever",
    "lymph_nodes",
    "atypical_lymphocytes",
    "rash_extent_over_50",
    "biopsy",
    "resolution_15_days",
)


def _ynu(label: Any, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=YNU, widget=forms.RadioSelect, help_text=help_text
    )


class ScreeningForm(forms.Form):
    site = forms.ModelChoiceField(label=gettext_lazy("Site"), queryset=Site.objects.none())
    initials = forms.CharField(
        label=gettext_lazy("Initials"),
        max_length=4,
        help_text=gettext_lazy("2-4 letters. No names or record numbers."),
    )
    screened_on = forms.DateField(
        label=gettext_lazy("Screened on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    age = forms.IntegerField(label=gettext_lazy("Age (years)"), min_value=0, max_value=120)
    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"), choices=SEX_CHOICES, widget=forms.RadioSelect
    )
    weight_kg = forms.DecimalField(
        label=gettext_lazy("Weight (kg)"),
        min_value=25,
        max_value=350,
        decimal_places=1,
        max_digits=5,
    )
    creatinine = forms.DecimalField(
        label=gettext_lazy("Serum creatinine"), min_value=0, max_digits=7, decimal_places=2
    )
    creatinine_unit = forms.ChoiceField(
        label=gettext_lazy("Creatinine unit"),
        choices=CREATININE_UNIT_CHOICES,
        widget=forms.RadioSelect,
        initial=CreatinineUnit.MG_DL,
    )
    on_dialysis = forms.ChoiceField(
        label=gettext_lazy("On dialysis"), choices=YES_NO, widget=forms.RadioSelect
    )
    fever = _ynu(gettext_lazy("Fever >= 38.5 °C"))
    lymph_nodes = _ynu(gettext_lazy("Enlarged lymph nodes (> 1 cm, >= 2 sites)"))
    eosinophil_count = forms.DecimalField(
        label=gettext_lazy("Eosinophils (x10⁹/L)"),
        required=False,
        min_value=0,
        max_value=50,
        max_digits=6,
        decimal_places=3,
    )
    eosinophil_percent = forms.DecimalField(
        label=gettext_lazy("Eosinophils (% of leukocytes)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=1,
    )
    leukocyte_count = forms.DecimalField(
        label=gettext_lazy("Leukocytes (x10⁹/L)"),
        required=False,
        min_value=0,
        max_value=500,
        max_digits=6,
        decimal_places=2,
    )
    atypical_lymphocytes = _ynu(gettext_lazy("Atypical lymphocytes"))
    rash_extent_over_50 = _ynu(gettext_lazy("Skin rash extent > 50% of body surface"))
    rash_facial_oedema = _ynu(gettext_lazy("Rash feature: facial oedema"))
    rash_infiltration = _ynu(gettext_lazy("Rash feature: infiltration"))
    rash_purpura = _ynu(gettext_lazy("Rash feature: purpura"))
    rash_scaling = _ynu(gettext_lazy("Rash feature: scaling"))
    biopsy = _ynu(
        gettext_lazy("Biopsy suggesting DRESS"), gettext_lazy("Unknown includes biopsy not done.")
    )
    organs_involved = forms.MultipleChoiceField(
        label=gettext_lazy("Internal organ involvement"),
        required=False,
        choices=choices(Organ, ORGAN_LABELS),
        widget=forms.CheckboxSelectMultiple,
    )
    resolution_15_days = _ynu(gettext_lazy("Resolution >= 15 days"))
    other_causes_negative_tests = forms.IntegerField(
        label=gettext_lazy("Other-cause tests negative"),
        min_value=0,
        max_value=20,
        help_text=gettext_lazy(
            "ANA, blood culture, HAV/HBV/HCV serology, chlamydia/mycoplasma, other."
        ),
    )
    other_causes_positive_tests = forms.IntegerField(
        label=gettext_lazy("Other-cause tests positive"), min_value=0, max_value=20
    )
    sepsis = forms.ChoiceField(
        label=gettext_lazy("Active sepsis"), choices=YES_NO, widget=forms.RadioSelect
    )
    hepatitis_b = forms.ChoiceField(
        label=gettext_lazy("Active hepatitis B"), choices=YES_NO, widget=forms.RadioSelect
    )
    hepatitis_c = forms.ChoiceField(
        label=gettext_lazy("Active hepatitis C"), choices=YES_NO, widget=forms.RadioSelect
    )
    tuberculosis = forms.ChoiceField(
        label=gettext_lazy("Active tuberculosis"), choices=YES_NO, widget=forms.RadioSelect
    )
    steroid_allergy = forms.ChoiceField(
        label=gettext_lazy("Documented allergy to steroids"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    cyclosporine_allergy = forms.ChoiceField(
        label=gettext_lazy("Documented allergy to cyclosporine"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )

    answers: ScreeningInput | None = None  # set by clean() when every answer is valid

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        only = list(sites[:2])
        if len(only) == 1:
            self.fields["site"].initial = only[0].pk
        # "Today" is the site's date, not the server's (a site may be a day behind UTC).
        tz = only[0].tz if only else None
        self.fields["screened_on"].initial = timezone.localdate(timezone=tz)

    def clean_initials(self) -> str:
        value: str = self.cleaned_data["initials"].strip().upper()
        if not (2 <= len(value) <= 4 and value.isalpha()):
            raise forms.ValidationError(gettext("Give 2 to 4 letters (initials only)."))
        return value

    def clean_screened_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["screened_on"]
        if value > timezone.localdate() + dt.timedelta(days=1):
            raise forms.ValidationError(gettext("The screening date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unit, creatinine = cleaned.get("creatinine_unit"), cleaned.get("creatinine")
        if unit in CREATININE_RANGE and creatinine is not None:
            low, high = CREATININE_RANGE[unit]
            if not low <= creatinine <= high:
                label = dict(CREATININE_UNIT_CHOICES)[unit]
                self.add_error(
                    "creatinine",
                    gettext("Creatinine must be between %(low)s and %(high)s %(unit)s.")
                    % {"low": low, "high": high, "unit": label},
                )
        if not self.errors:
            try:
                self.answers = self._answers()
            except InputError as exc:
                self.add_error(form_field_for(exc.field), exc.message)
        return cleaned

    def rash_features(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in RASH_FEATURES}

    def _answers(self) -> ScreeningInput:
        """The typed screening answers (the core's ScreeningInput), from cleaned_data.

        Checked against the CONTRACTS.md document's plausible ranges, so the form and
        the JSON document accept and refuse the same answers, with the same messages.
        """
        c = self.cleaned_data
        regiscar = RegiscarAnswers(
            fever=YesNoUnknown(c["fever"]),
            lymph_nodes=YesNoUnknown(c["lymph_nodes"]),
            atypical_lymphocytes=YesNoUnknown(c["atypical_lymphocytes"]),
            eosinophil_count=c.get("eosinophil_count"),
            eosinophil_percent=c.get("eosinophil_percent"),
            leukocyte_count=c.get("leukocyte_count"),
            rash_extent_over_50=YesNoUnknown(c["rash_extent_over_50"]),
            rash_suggestive=YesNoUnknown(rash_suggestive(self.rash_features())),
            biopsy=YesNoUnknown(c["biopsy"]),
            organs_involved=frozenset(Organ(o) for o in c.get("organs_involved") or []),
            resolution_15_days=YesNoUnknown(c["resolution_15_days"]),
            other_causes_negative_tests=c["other_causes_negative_tests"],
            other_causes_positive_tests=c["other_causes_positive_tests"],
        )
        answers = ScreeningInput(
            age=c["age"],
            sex=Sex(c["sex"]),
            weight_kg=c["weight_kg"],
            creatinine=c["creatinine"],
            creatinine_unit=CreatinineUnit(c["creatinine_unit"]),
            on_dialysis=c["on_dialysis"] == "yes",
            regiscar=regiscar,
            exclusions={name: c[name] == "yes" for name in EXCLUSION_FIELDS},
        )
        check_screening_input(answers)
        parse_organs(list(c.get("organs_involved") or []))  # each organ once
        return answers


def form_field_for(contract_field: str) -> str | None:
    """Map a CONTRACTS.md field path (e.g. regiscar.other_causes.negative_tests) to the form."""
    name = contract_field.split("[")[0]
    if name in ("creatinine_mg_dl", "creatinine_umol_l"):
        return "creatinine"
    if name == "regiscar.other_causes.negative_tests":
        return "other_causes_negative_tests"
    if name == "regiscar.other_causes.positive_tests":
        return "other_causes_positive_tests"
    last = name.split(".")[-1]
    return last if last in ScreeningForm.base_fields else None


BASELINE_LABS = {
    # name: (label, low, high, decimal places); each assessment reads these, once recorded.
    "alt": ("ALT (U/L)", Decimal("0"), Decimal("10000"), 1),
    "ast": ("AST (U/L)", Decimal("0"), Decimal("10000"), 1),
    "bilirubin": ("Bilirubin (mg/dL)", Decimal("0"), Decimal("60"), 2),
    "creatinine": ("Creatinine (mg/dL)", Decimal("0.1"), Decimal("20"), 2),
    "eosinophils": ("Eosinophils (x10⁹/L)", Decimal("0"), Decimal("50"), 3),
}


def _baseline_lab(name: str) -> forms.DecimalField:
    label, low, high, places = BASELINE_LABS[name]
    return forms.DecimalField(
        label=gettext("Baseline %(lab)s") % {"lab": gettext(label)},
        required=False,
        min_value=low,
        max_value=high,
        decimal_places=places,
        max_digits=9,
        help_text=gettext_lazy("Recorded once here; every dosing assessment compares with it."),
    )


class EnrolForm(forms.Form):
    consent_at = forms.DateTimeField(
        label=gettext_lazy("Consent signed (date and time, site local)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    consent_form_version = forms.CharField(max_length=40, initial="v1.0")
    consent_obtained_by = forms.CharField(
        max_length=150, help_text=gettext_lazy("Who obtained consent.")
    )
    npo = forms.BooleanField(
        label=gettext_lazy("NPO (nothing by mouth) at enrolment"),
        required=False,
        help_text=gettext_lazy("Cyclosporine is then given IV (pharmacist to verify)."),
    )

    def __init__(self, *args: Any, screening: Screening | None = None, **kwargs: Any) -> None:
        """Baseline labs: creatinine (in mg/dL) and eosinophils come from the screening."""
        super().__init__(*args, **kwargs)
        for name in BASELINE_LABS:
            self.fields[f"baseline_{name}"] = _baseline_lab(name)
        if screening is not None:
            self.fields["baseline_eosinophils"].initial = screening.eosinophil_count
            if screening.creatinine is not None and screening.creatinine_unit:
                self.fields["baseline_creatinine"].initial = creatinine_mg_dl(
                    screening.creatinine, CreatinineUnit(screening.creatinine_unit)
                ).quantize(Decimal("0.01"))

    def baseline_labs(self) -> dict[str, Decimal | None]:
        return {name: self.cleaned_data.get(f"baseline_{name}") for name in BASELINE_LABS}


class NotConsentedForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why was the eligible patient not enrolled?"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. declined consent; transferred"}),
    )


RENAL_CHOICES = [
    ("computed", "Use the computed value"),
    ("yes", "Renal impairment: yes (override)"),
    ("no", "Renal impairment: no (override)"),
]


class RenalImpairmentForm(ReasonForChangeMixin, forms.Form):
    renal_impairment = forms.ChoiceField(choices=RENAL_CHOICES, widget=forms.RadioSelect)

    def __init__(self, *args: object, instance: Participant, **kwargs: object) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.order_fields(["renal_impairment", "reason_for_change"])

    def override_value(self) -> bool | None:
        return {"computed": None, "yes": True, "no": False}[self.cleaned_data["renal_impairment"]]
