from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from enrollment.status import WithdrawalKind
from randomization.blocks import ListKind
from randomization.models import LIST_KIND_CHOICES


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(choices=LIST_KIND_CHOICES, initial=ListKind.TEST)
    slots_per_stratum = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        initial=60,
        help_text=gettext_lazy("Rounded up to whole blocks in each stratum."),
    )
    block_sizes = forms.CharField(
        initial="2,4,6",
        help_text=gettext_lazy("Even sizes, comma-separated (protocol setting: 2,4,6)."),
    )

    def clean_block_sizes(self) -> list[int]:
        raw: str = self.cleaned_data["block_sizes"]
        try:
            sizes = [int(x) for x in raw.replace(" ", "").split(",") if x]
        except ValueError:
            raise forms.ValidationError(
                gettext("Give whole numbers separated by commas.")
            ) from None
        if not sizes or any(s < 2 or s % 2 for s in sizes):
            raise forms.ValidationError(gettext("Each block size must be an even number >= 2."))
        return sizes


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=LIST_KIND_CHOICES, initial=ListKind.TEST)
    file = forms.FileField(
        help_text=gettext_lazy(
            "CSV with columns site, renal_impairment (yes/no), position, block, arm."
        )
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(gettext("The file is larger than 5 MB."))
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                gettext("The file is not UTF-8 text (save it as CSV UTF-8).")
            ) from None


class AppendForm(forms.Form):
    slots_per_stratum = forms.IntegerField(min_value=1, max_value=10_000, initial=20)


class WithdrawForm(forms.Form):
    """Withdrawal, split in three as trials record it (enrollment.status.WithdrawalKind)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("What does the participant withdraw from?"),
        choices=[(str(k), k.label.capitalize()) for k in WithdrawalKind],
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Stopping study treatment keeps the visits; withdrawing from follow-up "
            "stops visits and reminders; withdrawing consent also stops any new data and flags "
            "the participant for the analysis sets. Nothing recorded is deleted."
        ),
    )
    withdrawn_on = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason for withdrawal"), max_length=500)
