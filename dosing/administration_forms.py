"""Forms of the day's administration screen and the pharmacist's verification (issue 19).

Apart from dosing/forms.py (the assessment form's module, edited by another engineer
at the same time). A form's job ends at the typed input of the service
(`services.AdministrationInput`, `services.MonitoringInput`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from dosing import services
from dosing.models import ADMIN_STATUS_CHOICES, ROUTE_CHOICES

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class AdministrationForm(forms.Form):
    """One ordered administration: given by default; change only the exceptions."""

    order_id = forms.IntegerField(widget=forms.HiddenInput)
    number = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=24)
    status = forms.ChoiceField(choices=ADMIN_STATUS_CHOICES)
    dose_mg = forms.DecimalField(
        label=gettext_lazy("Dose (mg)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    route = forms.ChoiceField(choices=[("", "—"), *ROUTE_CHOICES], required=False)
    given_at = forms.DateTimeField(
        label=gettext_lazy("Time"),
        required=False,
        input_formats=[LOCAL_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )
    given_by = forms.CharField(label=gettext_lazy("Given by"), required=False, max_length=150)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("if not given as ordered")}),
    )

    def __init__(self, *args: Any, tz: ZoneInfo, **kwargs: Any) -> None:
        self.tz = tz
        super().__init__(*args, **kwargs)
        self.fields["given_at"].label = gettext("Time (%(zone)s)") % {"zone": tz.key}

    def clean_given_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("given_at")
        if value is None:
            return None
        # The time is typed in the site's zone, whatever the browser's or server's zone.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.tz)

    def entry(self) -> services.AdministrationInput:
        d = self.cleaned_data
        return services.AdministrationInput(
            order_id=d["order_id"],
            number=d["number"],
            status=d["status"],
            dose_mg=d.get("dose_mg"),
            route=d.get("route") or "",
            given_at=d.get("given_at"),
            given_by=d.get("given_by") or "",
            reason=d.get("reason") or "",
        )


class BaseAdministrationFormSet(forms.BaseFormSet):
    def entries(self) -> list[services.AdministrationInput]:
        return [f.entry() for f in self.forms]


AdministrationFormSet = forms.formset_factory(
    AdministrationForm, formset=BaseAdministrationFormSet, extra=0, max_num=48, absolute_max=48
)


class DayForm(forms.Form):
    """The day's optional cyclosporine monitoring and the reason for a change."""

    csa_trough_ng_ml = forms.DecimalField(
        label=gettext_lazy("Cyclosporine trough (ng/mL)"),
        required=False,
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0"),
    )
    systolic_mmhg = forms.IntegerField(
        label=gettext_lazy("Systolic BP (mmHg)"), required=False, min_value=40, max_value=300
    )
    diastolic_mmhg = forms.IntegerField(
        label=gettext_lazy("Diastolic BP (mmHg)"), required=False, min_value=20, max_value=200
    )
    creatinine_mg_dl = forms.DecimalField(
        label=gettext_lazy("Creatinine (mg/dL)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    reason_for_change = forms.CharField(
        label=gettext_lazy("Reason for change"),
        required=False,
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("Required when correcting saved doses")}
        ),
    )

    def monitoring(self) -> services.MonitoringInput:
        d = self.cleaned_data
        return services.MonitoringInput(**{f: d.get(f) for f in services.MONITORING_FIELDS})


class VerifyForm(forms.Form):
    order_id = forms.IntegerField(widget=forms.HiddenInput)
    password = forms.CharField(
        label=gettext_lazy("Your password (e-signature)"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "current-password"}),
        strip=False,
        max_length=512,
    )
