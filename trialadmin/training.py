"""Training records (issue 21): entered by admins, read by the delegation check.

A record (dressdb.models.TrainingRecord: on the core floor, because
`dressdb.delegation.require_duty` reads it) is a course a person completed, valid until a
date (or open), with an optional certificate stored through STORAGES["default"]. Each duty
requires courses (TRIAL_REQUIRED_TRAINING); a person whose required training is missing or
has lapsed is warned (the people list, their training page, their home page) and, when
TRIAL_BLOCK_ON_LAPSED_TRAINING is on, refused the duty's actions by `require_duty`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dressdb import delegation as duty_check
from dressdb.access import has_role, sites_visible_to
from dressdb.models import (
    TRAINING_CERTIFICATE_MAX_BYTES,
    TRAINING_CERTIFICATE_TYPES,
    Delegation,
    Duty,
    Role,
    SecurityEvent,
    StaffMembership,
    TrainingRecord,
)
from dressdb.security_log import log_event

# The first bytes of each accepted type (the name alone is not trusted).
MAGIC = {".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",)}


# --- Writes ------------------------------------------------------------------------------


def certificate_problem(upload: UploadedFile) -> str | None:
    """Why the file cannot be a certificate (type, size), or None."""
    suffix = PurePath(upload.name or "").suffix.lower()
    suffix = ".jpg" if suffix == ".jpeg" else suffix
    if suffix not in TRAINING_CERTIFICATE_TYPES:
        return "A certificate is a PDF, PNG or JPEG file (.pdf, .png, .jpg)."
    if upload.size is None or upload.size > TRAINING_CERTIFICATE_MAX_BYTES:
        size_mb = TRAINING_CERTIFICATE_MAX_BYTES // (1024 * 1024)
        return f"A certificate is at most {size_mb} MB."
    if upload.size == 0:
        return "The certificate file is empty."
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in MAGIC[suffix]):
        return f"The file is not a {suffix[1:].upper()} file (its content does not match)."
    return None


@transaction.atomic
def training_record_save(
    *,
    by: Any,
    user: Any,
    course: str,
    completed_on: dt.date,
    valid_until: dt.date | None,
    certificate: UploadedFile | None = None,
    record: TrainingRecord | None = None,
    reason: str = "",
) -> TrainingRecord:
    """An admin records a course a person completed, or corrects a record (with a reason).

    Every problem at once, each naming its field; nothing is written when any is wrong."""
    problems: dict[str, str] = {}
    course = (course or "").strip()
    if not course:
        problems["course"] = "Enter the course (e.g. GCP, protocol)."
    today = timezone.localdate()
    if completed_on is None:
        problems["completed_on"] = "Enter the date the course was completed."
    elif completed_on > today:
        problems["completed_on"] = "The completion date cannot be in the future."
    elif valid_until is not None and valid_until < completed_on:
        problems["valid_until"] = "Valid until cannot be before the completion date."
    if certificate is not None:
        problem = certificate_problem(certificate)
        if problem:
            problems["certificate"] = problem
    why = (reason or "").strip()
    if record is not None and not why:
        problems["reason"] = "A correction needs a reason."
    if problems:
        raise ValidationError(problems)
    if record is None:
        row = TrainingRecord(user=user, entered_by=by)
        why = why or "Training recorded"
    else:
        row = TrainingRecord.objects.select_for_update().get(pk=record.pk, user=user)
    row.course = course
    row.completed_on = completed_on
    row.valid_until = valid_until
    if certificate is not None:
        row.certificate.save(certificate.name or "certificate", certificate, save=False)
    row.full_clean()
    row._history_user = by  # type: ignore[attr-defined]
    row._change_reason = why[:100]  # type: ignore[attr-defined]
    row.save()
    log_event(
        SecurityEvent.Kind.TRAINING_CHANGE,
        user=by,
        action="added" if record is None else "corrected",
        training_id=row.pk,
        target_user=user.get_username(),
        course=course,
        reason=why,
    )
    return row


# --- Reads -------------------------------------------------------------------------------


# The roles that read the training of the people at their sites; any other role (the
# statistician) reads only their own.
SITE_TRAINING_READERS = (
    Role.ADMIN,
    Role.INVESTIGATOR,
    Role.COORDINATOR,
    Role.PHARMACIST,
    Role.MONITOR,
)


def people_visible_to(viewer: Any) -> Any:
    """The people whose training a viewer may read: everyone holding a role at one of the
    viewer's sites (trial-wide roles: every site) and the viewer; for a role outside
    SITE_TRAINING_READERS, the viewer alone."""
    from django.contrib.auth import get_user_model

    people = get_user_model().objects
    if not has_role(viewer, *SITE_TRAINING_READERS):
        return people.filter(pk=viewer.pk)  # e.g. a statistician: their own training only
    sites = sites_visible_to(viewer)
    ids = StaffMembership.objects.filter(site__in=sites).values("user_id")
    return people.filter(Q(pk__in=ids) | Q(pk=viewer.pk)).distinct()


@dataclass(frozen=True)
class TrainingState:
    duties: list[str]  # the duties the person holds today (signed, in force, any site)
    missing: list[str]  # required courses never completed
    lapsed: list[str]  # required courses whose last record has expired

    @property
    def duty_labels(self) -> list[str]:
        return [str(Duty(duty).label) for duty in self.duties]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.lapsed

    @property
    def label(self) -> str:
        if not self.duties:
            return "no duties"
        if self.ok:
            return "current"
        parts = []
        if self.lapsed:
            parts.append("lapsed: " + ", ".join(self.lapsed))
        if self.missing:
            parts.append("missing: " + ", ".join(self.missing))
        return "; ".join(parts)


def training_states(users: Iterable[Any], on: dt.date | None = None) -> dict[int, TrainingState]:
    """Per user id, the training state against their duties (two queries for any number)."""
    day = on or timezone.localdate()
    ids = [u.pk for u in users]
    duties: dict[int, set[str]] = {pk: set() for pk in ids}
    lines = (
        Delegation.objects.filter(user_id__in=ids, signed_at__isnull=False, start_on__lte=day)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=day))
        .values_list("user_id", "duty")
    )
    for user_id, duty in lines:
        duties[user_id].add(duty)
    current: dict[int, set[str]] = {pk: set() for pk in ids}
    ever: dict[int, set[str]] = {pk: set() for pk in ids}
    rows = TrainingRecord.objects.filter(user_id__in=ids, completed_on__lte=day).values_list(
        "user_id", "course", "valid_until"
    )
    for user_id, course, valid_until in rows:
        ever[user_id].add(course.lower())
        if valid_until is None or valid_until >= day:
            current[user_id].add(course.lower())
    states = {}
    for pk in ids:
        held = sorted(duties[pk], key=lambda d: Duty.values.index(d))
        required: list[str] = []
        for duty in held:
            for course in duty_check.required_training(duty):
                if course.lower() not in [c.lower() for c in required]:
                    required.append(course)
        gaps = [c for c in required if c.lower() not in current[pk]]
        states[pk] = TrainingState(
            duties=held,
            missing=[c for c in gaps if c.lower() not in ever[pk]],
            lapsed=[c for c in gaps if c.lower() in ever[pk]],
        )
    return states


def training_of(user: Any) -> list[TrainingRecord]:
    return list(
        TrainingRecord.objects.filter(user=user)
        .select_related("entered_by")
        .order_by("course", "-completed_on", "-id")
    )


def home_panel(*, user: Any) -> dict[str, Any]:
    """The warning on the user's own home page when their required training has lapsed."""
    if not getattr(user, "is_authenticated", False):
        return {}
    state = training_states([user])[user.pk]
    if state.ok:
        return {}
    return {
        "training_warning": state,
        "training_blocks": duty_check.block_on_lapsed_training(),
    }
