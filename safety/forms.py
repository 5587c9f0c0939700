"""Forms of the safety app. A form's job ends at the service's typed input (AeInput)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from dressdb.audit import ReasonForChangeMixin
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
    SystemOrganClass,
)
from safety.rules import CRITERION_LABELS, Criterion
from safety.services import DEVIATION_FIELDS, AeInput, ConmedInput, DeviationInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AdverseEventForm(ReasonForChangeMixin, forms.Form):
    """The AE form. The view validates it with the site's zone active, so the awareness
    date and time is read in the site's zone."""

    term = forms.ModelChoiceField(
        queryset=AeTerm.objects.select_related("soc").order_by("name"),
        required=False,
        label=gettext_lazy("Term (CTCAE v5.0)"),
        empty_label=gettext_lazy("- other (write it below) -"),
    )
    term_other = forms.CharField(
        label=gettext_lazy("Other term (free text)"), required=False, max_length=200
    )
    soc = forms.ModelChoiceField(
        queryset=SystemOrganClass.objects.order_by("name"),
        required=False,
        label=gettext_lazy("System organ class (for a free-text term)"),
    )
    onset_date = forms.DateField(widget=DATE)
    stop_date = forms.DateField(widget=DATE, required=False)
    ongoing = forms.BooleanField(required=False)
    grade = forms.TypedChoiceField(
        label=gettext_lazy("CTCAE grade"),
        choices=GRADE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    serious = forms.BooleanField(required=False, label=gettext_lazy("Serious adverse event"))
    criteria = forms.MultipleChoiceField(
        label=gettext_lazy("Seriousness criteria"),
        choices=choices(Criterion, CRITERION_LABELS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    related_cyclosporine = forms.ChoiceField(
        label=gettext_lazy("Relatedness to cyclosporine"), choices=RELATEDNESS_CHOICES
    )
    related_corticosteroids = forms.ChoiceField(
        label=gettext_lazy("Relatedness to corticosteroids"), choices=RELATEDNESS_CHOICES
    )
    action_cyclosporine = forms.ChoiceField(
        label=gettext_lazy("Action taken with cyclosporine"), choices=ACTION_CHOICES
    )
    action_corticosteroids = forms.ChoiceField(
        label=gettext_lazy("Action taken with corticosteroids"), choices=ACTION_CHOICES
    )
    outcome = forms.ChoiceField(choices=OUTCOME_CHOICES)
    aware_at = forms.DateTimeField(
        label=gettext_lazy("Site became aware (date and time, site zone)"),
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    follow_up = forms.BooleanField(
        required=False,
        label=gettext_lazy("This is a follow-up report (a new version of the event)"),
    )

    def __init__(
        self, *args: Any, instance: AdverseEvent | None = None, tz: Any = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(instance, tz)
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["follow_up"]
            del self.fields["reason_for_change"]

    def ae_input(self) -> AeInput:
        data = self.cleaned_data
        return AeInput(
            term=data.get("term"),
            term_other=data.get("term_other") or "",
            soc=data.get("soc"),
            onset_date=data["onset_date"],
            stop_date=data.get("stop_date"),
            ongoing=bool(data.get("ongoing")),
            grade=data["grade"],
            serious=bool(data.get("serious")),
            criteria=frozenset(data.get("criteria") or ()),
            related_cyclosporine=data["related_cyclosporine"],
            related_corticosteroids=data["related_corticosteroids"],
            action_cyclosporine=data["action_cyclosporine"],
            action_corticosteroids=data["action_corticosteroids"],
            outcome=data["outcome"],
            aware_at=data["aware_at"],
        )


def initial_for(ae: AdverseEvent, tz: Any) -> dict[str, Any]:
    aware = timezone.localtime(ae.aware_at, tz) if tz is not None else ae.aware_at
    return {
        "term": ae.term_id,
        "term_other": ae.term_other,
        "soc": ae.soc_id,
        "onset_date": ae.onset_date,
        "stop_date": ae.stop_date,
        "ongoing": ae.ongoing,
        "grade": ae.grade,
        "serious": ae.serious,
        "criteria": sorted(ae.criteria),
        "related_cyclosporine": ae.related_cyclosporine,
        "related_corticosteroids": ae.related_corticosteroids,
        "action_cyclosporine": ae.action_cyclosporine,
        "action_corticosteroids": ae.action_corticosteroids,
        "outcome": ae.outcome,
        "aware_at": aware.replace(tzinfo=None),
    }


class DeathReportForm(ReasonForChangeMixin, forms.Form):
    death_date = forms.DateField(label=gettext_lazy("Date of death"), widget=DATE)
    primary_cause = forms.CharField(label=gettext_lazy("Primary cause of death"), max_length=300)
    related_cyclosporine = forms.ChoiceField(
        label=gettext_lazy("Death related to cyclosporine"), choices=RELATEDNESS_CHOICES
    )
    related_corticosteroids = forms.ChoiceField(
        label=gettext_lazy("Death related to corticosteroids"), choices=RELATEDNESS_CHOICES
    )
    autopsy = forms.ChoiceField(label=gettext_lazy("Autopsy performed"), choices=AUTOPSY_CHOICES)

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "death_date": instance.death_date,
                "primary_cause": instance.primary_cause,
                "related_cyclosporine": instance.related_cyclosporine,
                "related_corticosteroids": instance.related_corticosteroids,
                "autopsy": instance.autopsy,
            }
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["reason_for_change"]


class ConmedForm(ReasonForChangeMixin, forms.Form):
    drug = forms.CharField(max_length=120)
    indication = forms.CharField(max_length=200)
    dose = forms.DecimalField(
        required=False, max_digits=10, decimal_places=3, min_value=Decimal("0.001")
    )
    unit = forms.ChoiceField(choices=[("", "-"), *UNIT_CHOICES], required=False)
    route = forms.ChoiceField(choices=ROUTE_CHOICES)
    frequency = forms.CharField(max_length=60, required=False)
    start_date = forms.DateField(widget=DATE)
    stop_date = forms.DateField(widget=DATE, required=False)
    ongoing = forms.BooleanField(required=False)
    culprit = forms.BooleanField(
        required=False, label=gettext_lazy("Suspected culprit drug (caused the DRESS episode)")
    )
    reaction_onset_date = forms.DateField(
        widget=DATE, required=False, label=gettext_lazy("DRESS onset date (culprit drug: latency)")
    )

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in CONMED_FIELDS}
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["reason_for_change"]

    def conmed_input(self) -> ConmedInput:
        data = self.cleaned_data
        return ConmedInput(
            drug=data["drug"],
            indication=data["indication"],
            dose=data.get("dose"),
            unit=data.get("unit") or "",
            route=data["route"],
            frequency=data.get("frequency") or "",
            start_date=data["start_date"],
            stop_date=data.get("stop_date"),
            ongoing=bool(data.get("ongoing")),
            culprit=bool(data.get("culprit")),
            reaction_onset_date=data.get("reaction_onset_date"),
        )


CONMED_FIELDS = (
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
)


class DeviationForm(ReasonForChangeMixin, forms.Form):
    kind = forms.ChoiceField(choices=DEVIATION_KIND_CHOICES)
    occurred_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    reason = forms.CharField(
        label=gettext_lazy("Why it happened"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    impact_safety = forms.BooleanField(
        label=gettext_lazy("Impact on participant safety"), required=False
    )
    impact_endpoints = forms.BooleanField(
        label=gettext_lazy("Impact on the endpoints"), required=False
    )
    corrective_action = forms.CharField(
        label=gettext_lazy("Corrective and preventive action"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    irb_reportable = forms.BooleanField(label=gettext_lazy("Reportable to the IRB"), required=False)

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in DEVIATION_FIELDS}
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["reason_for_change"]

    def deviation_input(self) -> DeviationInput:
        data = self.cleaned_data
        return DeviationInput(
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            description=data["description"],
            reason=data.get("reason") or "",
            impact_safety=bool(data.get("impact_safety")),
            impact_endpoints=bool(data.get("impact_endpoints")),
            corrective_action=data.get("corrective_action") or "",
            irb_reportable=bool(data.get("irb_reportable")),
        )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("dismiss", "Dismiss")])
    reason_for_change = forms.CharField(label=gettext_lazy("Reason"), max_length=500)
