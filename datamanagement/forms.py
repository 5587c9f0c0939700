"""Forms of the data-management pages (each ends at the service's typed input)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from datamanagement import catalogue
from datamanagement.models import Query
from dressdb.models import Role, Site
from enrollment.models import Participant

SKIP_FIELDS = {"id", "participant", "site", "screening", "created_by", "regimen"}


def query_targets(participant: Participant) -> list[tuple[str, str]]:
    """Every (form, record, field) a query can sit on, as "form:record:field" choices."""
    choices = []
    for code, spec in catalogue.FORMS.items():
        fields = [
            f
            for f in spec.model._meta.concrete_fields
            if f.name not in SKIP_FIELDS and not f.auto_created and f.editable
        ]
        for record in spec.records(participant):
            label = catalogue.record_label(code, record)
            for f in fields:
                field = catalogue.field_display(spec.model, f.name)
                choices.append((f"{code}:{record.pk}:{f.name}", f"{label} · {field}"))
    return choices


class QueryOpenForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Field"))
    text = forms.CharField(
        label=gettext_lazy("Question"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, participant: Participant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["target"]
        field.choices = query_targets(participant)

    def typed(self) -> dict[str, Any]:
        form, record_id, field = self.cleaned_data["target"].split(":", 2)
        return {"form": form, "record_id": int(record_id), "field": field}


class QueryTextForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class OptionalTextForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)


class AgeingForm(forms.Form):
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"), queryset=Site.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *Query.Status.choices],
        required=False,
    )
    form = forms.ChoiceField(
        label=gettext_lazy("Form"),
        choices=[("", gettext_lazy("Any form")), *catalogue.FORM_CHOICES],
        required=False,
    )
    min_days = forms.IntegerField(
        label=gettext_lazy("Open at least (days)"), min_value=0, max_value=3650, required=False
    )

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["site"]
        field.queryset = sites
        for bound in self.fields.values():  # Bootstrap's look, like the other filters
            select = isinstance(bound.widget, forms.Select)
            bound.widget.attrs["class"] = "form-select" if select else "form-control"


MANAGE_ROLES = (Role.STATISTICIAN, Role.MONITOR)
