from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext, gettext_lazy

from dressdb.models import Duty, Role, Site


class DateInput(forms.DateInput):
    input_type = "date"


class ReasonField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            label=gettext_lazy("Reason"),
            max_length=500,
            widget=forms.TextInput(),
            **kwargs,  # type: ignore[arg-type]
        )


class InviteForm(forms.Form):
    email = forms.EmailField()
    username = forms.RegexField(regex=r"^[\w.@+-]{2,150}$", max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True))
    role = forms.ChoiceField(choices=Role.choices)
    start_on = forms.DateField(required=False, widget=DateInput())
    end_on = forms.DateField(required=False, widget=DateInput())
    reason = ReasonField()


class MembershipForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True))
    role = forms.ChoiceField(choices=Role.choices)
    start_on = forms.DateField(required=False, widget=DateInput())
    end_on = forms.DateField(required=False, widget=DateInput())
    reason = ReasonField()


class EndForm(forms.Form):
    end_on = forms.DateField(widget=DateInput())
    reason = ReasonField()


class DeactivateForm(forms.Form):
    reason = ReasonField()


class AcceptForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("New password"), widget=forms.PasswordInput, strip=False
    )
    password2 = forms.CharField(
        label=gettext_lazy("Repeat it"), widget=forms.PasswordInput, strip=False
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class DelegationForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none())
    duty = forms.ChoiceField(choices=Duty.choices)
    start_on = forms.DateField(widget=DateInput())
    end_on = forms.DateField(required=False, widget=DateInput())
    reason = ReasonField()

    def __init__(self, *args: object, site: Site, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(memberships__site=site, is_active=True)
            .distinct()
            .order_by("username")
        )


class SignForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)


class SiteForm(forms.ModelForm):
    reason = ReasonField()

    class Meta:
        model = Site
        fields = [
            "code",
            "name",
            "time_zone",
            "language",
            "principal_investigator",
            "target_enrolment",
        ]

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{2,10}", code):
            raise forms.ValidationError(gettext("Use 2 to 10 letters or digits, e.g. USC."))
        return code


class SecurityLogFilter(forms.Form):
    user = forms.CharField(required=False, max_length=150, label=gettext_lazy("User name"))
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind")])
    date_from = forms.DateField(
        required=False, widget=DateInput(), label=gettext_lazy("From (UTC)")
    )
    date_to = forms.DateField(required=False, widget=DateInput(), label=gettext_lazy("To (UTC)"))
    ip = forms.GenericIPAddressField(required=False, label=gettext_lazy("IP address"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        from dressdb.models import SecurityEvent

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [("", "Any kind"), *SecurityEvent.Kind.choices]  # type: ignore[attr-defined]
