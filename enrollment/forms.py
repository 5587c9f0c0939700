from __future__ import annotations

from django import forms

from dressdb.audit import ReasonForChangeMixin
from enrollment.models import Participant

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
