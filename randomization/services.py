"""Writes of the randomization app: allocation lists and the randomize action."""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from simple_history.utils import bulk_create_with_history

from dressdb.audit import save_clinical
from dressdb.delegation import require_duty
from dressdb.models import Duty, SecurityEvent, Site
from dressdb.security_log import log_event
from dressdb.text_safety import problem_in
from enrollment.models import Participant
from enrollment.services import data_entry_allowed
from randomization import blocks
from randomization.blocks import Arm, ListKind
from randomization.config import randomization_settings
from randomization.models import Allocation, AllocationList, AllocationSlot, Stratum

logger = logging.getLogger(__name__)


class NoSlotError(Exception):
    """The participant's stratum has no unused slot: nothing was changed."""

    def __init__(self, stratum_key: str) -> None:
        self.stratum_key = stratum_key
        # English: the admins' alert and e-mail keep this text; user_message() is translated.
        super().__init__(
            f"No allocation slot left in stratum {stratum_key}. Nothing was changed; the "
            "trial admins have been alerted to append slots."
        )

    def user_message(self) -> str:
        """The same, in the reader's language (the page's message)."""
        return gettext(
            "No allocation slot left in stratum %(stratum)s. Nothing was changed; the trial "
            "admins have been alerted to append slots."
        ) % {"stratum": self.stratum_key}


def strata_factors() -> list[str]:
    return randomization_settings().factors_besides_site


def stratum_factors_for(renal_impairment: bool | None, factors: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    if "renal_impairment" in factors:
        values["renal_impairment"] = "yes" if renal_impairment else "no"
    return values


def stratum_key_for_participant(participant: Participant, factors: list[str]) -> str:
    return blocks.stratum_key(
        participant.site.code, stratum_factors_for(participant.renal_impairment, factors)
    )


def _strata_for_sites(alist: AllocationList, sites: list[Site]) -> list[Stratum]:
    factors = list(alist.factors)
    levels: list[bool | None] = [False, True] if "renal_impairment" in factors else [None]
    strata = []
    for site in sites:
        for level in levels:
            key = blocks.stratum_key(site.code, stratum_factors_for(level, factors))
            stratum, _ = Stratum.objects.get_or_create(
                allocation_list=alist,
                key=key,
                defaults={"site": site, "renal_impairment": level},
            )
            strata.append(stratum)
    return strata


def _deactivate_active(kind: str, user: Any) -> None:
    current = AllocationList.objects.select_for_update().filter(kind=kind, active=True).first()
    if current is None:
        return
    if (
        kind == ListKind.LIVE
        and Allocation.objects.filter(slot__stratum__allocation_list=current).exists()
    ):
        raise ValidationError(
            {
                "kind": "The LIVE list has been used for randomization: it cannot be replaced. "
                "Append slots to it instead."
            }
        )
    current.active = False
    save_clinical(current, user=user, reason="Replaced by a new list")


@transaction.atomic
def allocation_list_generate(
    *, user: Any, kind: str, slots_per_stratum: int, block_sizes: list[int] | None = None
) -> AllocationList:
    """A new list for every active site x stratum, from a fresh secret seed."""
    if kind not in [k.value for k in ListKind]:
        raise ValidationError({"kind": gettext("Choose TEST or LIVE.")})
    if not 1 <= slots_per_stratum <= 10_000:
        raise ValidationError({"slots_per_stratum": gettext("Give 1 to 10000 slots per stratum.")})
    sizes = list(block_sizes or randomization_settings().block_sizes)
    try:
        sizes = list(blocks.validate_block_sizes(sizes))
    except ValueError as exc:
        raise ValidationError({"block_sizes": str(exc).split(": ", 1)[-1]}) from None
    _deactivate_active(kind, user)
    alist = AllocationList(
        kind=kind,
        source=AllocationList.Source.GENERATED,
        seed=blocks.new_seed(),
        block_sizes=sizes,
        factors=strata_factors(),
        created_by=user,
    )
    save_clinical(alist, user=user, reason="List generated")
    sites = list(Site.objects.filter(active=True).order_by("code"))
    if not sites:
        raise ValidationError({"kind": gettext("There is no active site to generate strata for.")})
    for stratum in _strata_for_sites(alist, sites):
        _append_generated(alist, stratum, slots_per_stratum, user)
    return alist


def _append_generated(alist: AllocationList, stratum: Stratum, more: int, user: Any) -> int:
    existing = stratum.slots.count()
    sequence = blocks.generate_sequence(
        seed=alist.seed, stratum=stratum.key, length=existing + more, block_sizes=alist.block_sizes
    )
    new = [
        AllocationSlot(
            stratum=stratum,
            position=s.position,
            block_number=s.block_number,
            block_size=s.block_size,
            arm=str(s.arm),
        )
        for s in sequence[existing:]
    ]
    bulk_create_with_history(
        new, AllocationSlot, default_user=user, default_change_reason="Slots generated"
    )
    return len(new)


@transaction.atomic
def allocation_list_append(
    *, user: Any, allocation_list: AllocationList, slots_per_stratum: int
) -> int:
    """Append whole blocks to every stratum of a generated list (also new sites' strata)."""
    alist = AllocationList.objects.select_for_update().get(pk=allocation_list.pk)
    if alist.source != AllocationList.Source.GENERATED:
        raise ValidationError(
            {"slots_per_stratum": gettext("Append to an uploaded list by uploading rows.")}
        )
    if not 1 <= slots_per_stratum <= 10_000:
        raise ValidationError({"slots_per_stratum": gettext("Give 1 to 10000 slots per stratum.")})
    sites = list(Site.objects.filter(active=True).order_by("code"))
    added = 0
    for stratum in _strata_for_sites(alist, sites):
        added += _append_generated(alist, stratum, slots_per_stratum, user)
    return added


@dataclass(frozen=True)
class UploadRow:
    line: int
    site: str
    renal_impairment: bool | None
    position: int
    block_number: int
    arm: str


UPLOAD_COLUMNS = ("site", "renal_impairment", "position", "block", "arm")
# Upload bounds (issue 14, defect 5): no field of a valid list is longer than this, no
# position or block number larger; the error list shows the first UPLOAD_MAX_ERRORS.
UPLOAD_MAX_FIELD_LENGTH = 200
UPLOAD_MAX_NUMBER = 1_000_000
UPLOAD_MAX_ERRORS = 50


def _bounded_int(raw: str) -> int:
    """A whole number in 1..UPLOAD_MAX_NUMBER (ValueError otherwise, never OverflowError)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(UPLOAD_MAX_NUMBER)):
        raise ValueError
    value = int(raw)
    if not 1 <= value <= UPLOAD_MAX_NUMBER:
        raise ValueError
    return value


def cap_errors(errors: list[str], limit: int = UPLOAD_MAX_ERRORS) -> list[str]:
    """The first `limit` errors, then one line saying how many more there are."""
    if len(errors) <= limit:
        return errors
    more = gettext("… and %(n)s more errors (fix these first).") % {"n": len(errors) - limit}
    return [*errors[:limit], more]


def parse_upload(text: str, factors: list[str]) -> tuple[list[UploadRow], list[str]]:
    """Verify a statistician's CSV row by row. Returns (rows, errors)."""
    errors: list[str] = []
    rows: list[UploadRow] = []
    for number, line_text in enumerate(text.splitlines(), start=1):
        if len(line_text) > UPLOAD_MAX_FIELD_LENGTH * len(UPLOAD_COLUMNS) * 2:
            return [], [
                gettext(
                    "row %(row)s: the line is %(length)s characters long; a list row is a few "
                    "dozen (is this the allocation list CSV?)"
                )
                % {"row": number, "length": f"{len(line_text):,}"}
            ]
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _parse_rows(reader, factors, errors, rows)
    except csv.Error as exc:  # e.g. an unterminated quote running past the field limit
        unreadable = gettext("row %(row)s: not readable as CSV (%(error)s)") % {
            "row": reader.line_num,
            "error": exc,
        }
        return [], [*errors, unreadable]


def _parse_rows(
    reader: csv.DictReader[str], factors: list[str], errors: list[str], rows: list[UploadRow]
) -> tuple[list[UploadRow], list[str]]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in UPLOAD_COLUMNS if c not in header]
    if "renal_impairment" not in factors and "renal_impairment" in missing:
        missing.remove("renal_impairment")
    if missing:
        return [], [
            gettext("header: missing column(s) %(missing)s; expected %(expected)s")
            % {"missing": ", ".join(missing), "expected": ", ".join(UPLOAD_COLUMNS)}
        ]
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        problems = []
        long_fields = [k for k, v in row.items() if len(v) > UPLOAD_MAX_FIELD_LENGTH]
        if long_fields:
            errors.append(
                gettext("row %(row)s: %(fields)s longer than %(n)s characters")
                % {"row": line, "fields": ", ".join(long_fields[:5]), "n": UPLOAD_MAX_FIELD_LENGTH}
            )
            continue
        unsafe = [k for k, v in row.items() if problem_in(v) is not None]
        if unsafe:
            errors.append(
                gettext("row %(row)s: %(fields)s contains a NUL byte or invalid character")
                % {"row": line, "fields": ", ".join(unsafe[:5])}
            )
            continue
        renal: bool | None = None
        if "renal_impairment" in factors:
            value = row.get("renal_impairment", "").lower()
            if value not in ("yes", "no"):
                problems.append(gettext("renal_impairment must be yes or no"))
            renal = value == "yes"
        try:
            position = _bounded_int(row.get("position", ""))
        except ValueError:
            problems.append(
                gettext("position must be a whole number from 1 to %(n)s")
                % {"n": UPLOAD_MAX_NUMBER}
            )
            position = 0
        try:
            block_number = _bounded_int(row.get("block", ""))
        except ValueError:
            problems.append(
                gettext("block must be a whole number from 1 to %(n)s") % {"n": UPLOAD_MAX_NUMBER}
            )
            block_number = 0
        arm = row.get("arm", "").lower()
        if arm not in [a.value for a in Arm]:
            problems.append(gettext("arm must be cyclosporine or steroids"))
        if not row.get("site"):
            problems.append(gettext("site is empty"))
        if problems:
            errors.extend(
                gettext("row %(row)s: %(problem)s") % {"row": line, "problem": p} for p in problems
            )
            continue
        rows.append(UploadRow(line, row["site"].upper(), renal, position, block_number, arm))
    if not rows and not errors:
        errors.append(gettext("file: no rows"))
    return rows, errors


@transaction.atomic
def allocation_list_upload(
    *, user: Any, kind: str, text: str, allocation_list: AllocationList | None = None
) -> AllocationList:
    """Import a verified list (new, or rows appended to an uploaded list). All or nothing."""
    if kind not in [k.value for k in ListKind]:
        raise ValidationError({"kind": gettext("Choose TEST or LIVE.")})
    factors = strata_factors() if allocation_list is None else list(allocation_list.factors)
    rows, errors = parse_upload(text, factors)
    sites = {s.code: s for s in Site.objects.filter(active=True)}
    for r in rows:
        if r.site not in sites:
            errors.append(
                gettext("row %(row)s: unknown or inactive site %(site)s")
                % {"row": r.line, "site": r.site}
            )
    by_stratum: dict[str, list[UploadRow]] = defaultdict(list)
    for r in rows:
        by_stratum[
            blocks.stratum_key(r.site, stratum_factors_for(r.renal_impairment, factors))
        ].append(r)
    starts: dict[str, int] = {}
    if allocation_list is not None:
        for stratum in allocation_list.strata.all():
            starts[stratum.key] = stratum.slots.count()
    for key, stratum_rows in by_stratum.items():
        positions = [r.position for r in stratum_rows]
        first = starts.get(key, 0) + 1
        expected = list(range(first, first + len(stratum_rows)))
        if sorted(positions) != expected:
            errors.append(
                gettext(
                    "stratum %(stratum)s: positions must run %(first)s..%(last)s without gaps or "
                    "repeats"
                )
                % {"stratum": key, "first": first, "last": expected[-1]}
            )
        per_block: dict[int, list[str]] = defaultdict(list)
        for r in stratum_rows:
            per_block[r.block_number].append(r.arm)
        for number, arms in per_block.items():
            if arms.count(Arm.CYCLOSPORINE) != arms.count(Arm.STEROIDS):
                errors.append(
                    gettext("stratum %(stratum)s: block %(block)s is not balanced 1:1")
                    % {"stratum": key, "block": number}
                )
    if errors:
        raise ValidationError({"file": cap_errors(errors)})
    if allocation_list is None:
        _deactivate_active(kind, user)
        alist = AllocationList(
            kind=kind,
            source=AllocationList.Source.UPLOADED,
            seed="",
            block_sizes=sorted({len(v) for v in _blocks_of(rows)}),
            factors=factors,
            created_by=user,
        )
        save_clinical(alist, user=user, reason="List uploaded")
    else:
        alist = AllocationList.objects.select_for_update().get(pk=allocation_list.pk)
    new_slots = []
    block_sizes = {(r.site, r.renal_impairment, r.block_number): 0 for r in rows}
    for r in rows:
        block_sizes[(r.site, r.renal_impairment, r.block_number)] += 1
    for key, stratum_rows in by_stratum.items():
        site = sites[stratum_rows[0].site]
        stratum, _ = Stratum.objects.get_or_create(
            allocation_list=alist,
            key=key,
            defaults={"site": site, "renal_impairment": stratum_rows[0].renal_impairment},
        )
        for r in sorted(stratum_rows, key=lambda x: x.position):
            new_slots.append(
                AllocationSlot(
                    stratum=stratum,
                    position=r.position,
                    block_number=r.block_number,
                    block_size=block_sizes[(r.site, r.renal_impairment, r.block_number)],
                    arm=r.arm,
                )
            )
    bulk_create_with_history(
        new_slots, AllocationSlot, default_user=user, default_change_reason="Slots uploaded"
    )
    return alist


def _blocks_of(rows: list[UploadRow]) -> list[list[UploadRow]]:
    grouped: dict[tuple[str, bool | None, int], list[UploadRow]] = defaultdict(list)
    for r in rows:
        grouped[(r.site, r.renal_impairment, r.block_number)].append(r)
    return list(grouped.values())


def participant_randomize(
    *, participant: Participant, user: Any, list_kind: str = "live"
) -> Allocation:
    """Allocate the next unused slot of the participant's stratum, in one transaction.

    A second request for the same participant returns the same allocation and uses
    no slot. Raises NoSlotError (after alerting admins) when the stratum is exhausted.
    """
    try:
        return _randomize(participant=participant, user=user, list_kind=list_kind)
    except NoSlotError as exc:
        _alert_no_slot(participant, exc)
        raise


@transaction.atomic
def _randomize(*, participant: Participant, user: Any, list_kind: str) -> Allocation:
    from dosing.services import regimen_start
    from outcomes.services import visit_schedule_start

    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    existing = Allocation.objects.filter(participant=locked).first()
    if existing is not None:
        existing.created_now = False
        return existing
    data_entry_allowed(locked, "participant")
    if locked.status != Participant.Status.ENROLLED:
        raise ValidationError(
            {"participant": gettext("A withdrawn participant cannot be randomized.")}
        )
    if locked.screening_id is not None and not locked.screening.eligible:  # type: ignore[union-attr]
        raise ValidationError(
            {"participant": gettext("Only an eligible participant can be randomized.")}
        )
    if not locked.consent_at:
        raise ValidationError(
            {"participant": gettext("Consent must be recorded before randomization.")}
        )
    require_duty(user, locked.site, Duty.RANDOMIZATION, field="participant")
    alist = AllocationList.objects.filter(kind=list_kind, active=True).first()
    if alist is None:
        raise ValidationError(
            {
                "participant": gettext(
                    "There is no active %(kind)s allocation list yet. Ask the statistician to "
                    "generate or upload one."
                )
                % {"kind": list_kind.upper()}
            }
        )
    key = stratum_key_for_participant(locked, list(alist.factors))
    stratum = Stratum.objects.select_for_update().filter(allocation_list=alist, key=key).first()
    if stratum is None:
        raise NoSlotError(key)
    slot = (
        AllocationSlot.objects.filter(stratum=stratum, allocation__isnull=True)
        .order_by("position")
        .first()
    )
    if slot is None:
        raise NoSlotError(key)
    now = timezone.now()
    allocation = Allocation(
        participant=locked,
        slot=slot,
        arm=slot.arm,
        stratum_key=key,
        list_kind=list_kind,
        randomized_at=now,
        randomized_by=user,
    )
    save_clinical(allocation, user=user, reason="Randomized")
    day1 = timezone.localdate(now, timezone=locked.site.tz)
    locked.study_day_1 = day1
    locked.randomized_on = day1  # milestones (enrollment.status derives the status)
    locked.randomized_arm = slot.arm
    locked.current_arm = slot.arm
    save_clinical(locked, user=user, reason=f"Randomized to {slot.arm}; study day 1 = {day1}")
    regimen_start(participant=locked, arm=slot.arm, day1=day1, user=user)
    visit_schedule_start(participant=locked, day1=day1, user=user)
    transaction.on_commit(
        lambda: log_event(
            SecurityEvent.Kind.RANDOMIZATION,
            user=user,
            participant=locked.study_id,
            stratum=key,
            list_kind=list_kind,
        )
    )
    allocation.created_now = True
    return allocation


def _alert_no_slot(participant: Participant, exc: NoSlotError) -> None:
    """Outside the failed transaction, so the alert survives its rollback."""
    from django.urls import reverse

    from notifications.services import alert_raise

    try:
        alert_raise(
            site=participant.site,
            subject=participant,
            kind="no_slot",
            title=gettext_noop("No allocation slot left"),
            message=str(exc),
            roles=("admin", "statistician"),
            label=participant.study_id,
            url=reverse("participant_detail", kwargs={"pk": participant.pk}),
        )
    except Exception:  # the alert must never hide the original error
        logger.exception("event=alert_failed kind=no_slot participant=%s", participant.pk)


@transaction.atomic
def participant_withdraw(
    *, participant: Participant, user: Any, kind: str, withdrawn_on: Any, reason: str
) -> Participant:
    """A withdrawal and its consequences, in one transaction (this floor can reach both
    dosing and outcomes, as randomization starts both):
    - any kind ends study treatment: no orders after its date, no decision due;
    - withdrew from follow-up or consent: visits no longer due, their reminders closed;
    - withdrew consent: no new data (the outcomes and enrollment services refuse it),
      flagged for the analysis sets.
    """
    from dosing.services import regimen_withdraw
    from enrollment.services import participant_withdraw as enrollment_withdraw
    from outcomes.services import follow_up_withdraw

    updated = enrollment_withdraw(
        participant=participant, user=user, kind=kind, withdrawn_on=withdrawn_on, reason=reason
    )
    note = f"Withdrawal: {updated.get_withdrawal_kind_display()}"
    regimen_withdraw(participant=updated, user=user, reason=note)
    if updated.status == Participant.Status.WITHDRAWN:
        follow_up_withdraw(participant=updated, user=user, reason=note)
    return updated
