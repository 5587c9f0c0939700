"""Forms of the consent-form versions (issue 18): each ends at the service's typed input."""

from __future__ import annotations

from typing import Any

from django import forms

from dressdb.models import Site
from enrollment.models import ConsentVersion, ParticipantConsent


class ConsentVersionForm(forms.Form):
    label = forms.CharField(max_length=40, help_text='e.g. "v2.0".')
    irb_approved_on = forms.DateField(
        label="IRB approval date", widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_on = forms.DateField(
        label="Effective from", widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.CharField(max_length=200, label="Document reference")
    requires_reconsent = forms.BooleanField(
        required=False,
        initial=True,
        label="Participants consented on an older version must re-consent",
    )
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        required=False,
        help_text="None selected: every site.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["sites"]
        field.queryset = Site.objects.filter(active=True).order_by("code")


class ConsentRecordForm(forms.Form):
    version = forms.ModelChoiceField(queryset=ConsentVersion.objects.none())
    consented_on = forms.DateField(
        label="Date of the signature", widget=forms.DateInput(attrs={"type": "date"})
    )
    signer = forms.ChoiceField(choices=ParticipantConsent.Signer.choices)
    representative_relationship = forms.CharField(
        max_length=80, required=False, help_text="When a representative signs."
    )
    obtained_by = forms.CharField(max_length=150, label="Consent obtained by")

    def __init__(self, *args: Any, versions: list[ConsentVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["version"]
        field.queryset = ConsentVersion.objects.filter(pk__in=[v.pk for v in versions])
