"""Concealed allocation lists and allocations (PROTOCOL.md section 2).

Only statisticians and admins may read AllocationList, Stratum and AllocationSlot
rows; everyone else sees an Allocation only once it has happened.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from dosing.protocol import ARM_LABELS, Arm
from dressdb.choices import choices
from dressdb.models import Site
from randomization.blocks import LIST_KIND_LABELS, ListKind

ARM_CHOICES = choices(Arm, ARM_LABELS)
LIST_KIND_CHOICES = choices(ListKind, LIST_KIND_LABELS)


class AllocationList(models.Model):
    class Source(models.TextChoices):
        GENERATED = "generated", gettext_lazy("Generated in dressdb")
        UPLOADED = "uploaded", gettext_lazy("Uploaded by the statistician")

    kind = models.CharField(max_length=4, choices=LIST_KIND_CHOICES)
    source = models.CharField(max_length=10, choices=Source.choices)
    active = models.BooleanField(default=True)
    seed = models.CharField(
        max_length=64, blank=True, help_text=gettext_lazy("Empty for uploaded lists.")
    )
    block_sizes = models.JSONField(default=list)
    factors = models.JSONField(default=list)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(active=True),
                name="one_active_list_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} list #{self.pk} ({self.source})"


class Stratum(models.Model):
    allocation_list = models.ForeignKey(
        AllocationList, on_delete=models.PROTECT, related_name="strata"
    )
    key = models.CharField(max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    renal_impairment = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation_list", "key"], name="one_stratum_per_key_per_list"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class AllocationSlot(models.Model):
    stratum = models.ForeignKey(Stratum, on_delete=models.PROTECT, related_name="slots")
    position = models.PositiveIntegerField()
    block_number = models.PositiveIntegerField()
    block_size = models.PositiveSmallIntegerField()
    arm = models.CharField(max_length=12, choices=ARM_CHOICES)

    history = HistoricalRecords()

    class Meta:
        ordering = ["stratum", "position"]
        constraints = [
            models.UniqueConstraint(fields=["stratum", "position"], name="one_slot_per_position"),
            models.CheckConstraint(condition=models.Q(position__gte=1), name="slot_position_1"),
        ]

    def __str__(self) -> str:
        return f"{self.stratum.key} #{self.position}"


class Allocation(models.Model):
    """A participant's randomization: irreversible, one slot, taken in list order."""

    # Set by services.participant_randomize: True only for the request that allocated.
    created_now: bool = False

    participant = models.OneToOneField(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="allocation"
    )
    slot = models.OneToOneField(AllocationSlot, on_delete=models.PROTECT, related_name="allocation")
    arm = models.CharField(max_length=12, choices=ARM_CHOICES)
    stratum_key = models.CharField(max_length=200)
    list_kind = models.CharField(max_length=4, choices=LIST_KIND_CHOICES)
    randomized_at = models.DateTimeField()
    randomized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["randomized_at"]

    def __str__(self) -> str:
        return f"{self.participant} -> {self.arm}"
