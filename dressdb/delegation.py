"""The site delegation log, as a check (issue 21): a user acts only within their duties.

`require_duty(user, site, duty)` raises ValidationError({field: message}) when the user
holds no signed delegation of `duty` at `site` in force today (the site's local date), or,
when TRIAL_BLOCK_ON_LAPSED_TRAINING is on, when a course the duty requires
(TRIAL_REQUIRED_TRAINING) is missing or has lapsed. The check runs when
TRIAL_ENFORCE_DELEGATION is on (the default: the issue says a user may act only within
their delegated duties). A superuser is not exempt: break-glass is not a trial duty.
A delegation counts from its start to its end date once the site investigator signed it;
ending it voids that signature (the line changed) but it still counts up to its end date,
and what the user signed while delegated stays valid.

Every refusal is written to the security log (kind "duty_refused"), although the calling
service's transaction rolls it back. The design: a refusal is first *collected* (a
context variable), and written once the service's transaction is over:
- in a request, `RefusalLogMiddleware` collects around the whole view (views and API
  views catch the ValidationError after the service's `atomic` block rolled back; there
  is no ATOMIC_REQUESTS) and writes the collected refusals after the response is built;
- outside any collector (a command, a shell) a refusal raised outside a transaction is
  written at once; inside one it goes to the "dressdb.security" logger only;
- `refusals_logged()` is the collector itself, for any other caller.
(transaction.on_commit would never run: the refusal rolls back.)

Duties and the actions that check them (the services call this):
- screening:        enrollment.services.screening_record
- consent:          enrollment.services.participant_enrol (consent taken and recorded)
- randomization:    randomization.services.participant_randomize
- dosing decisions: dosing.services.assessment_sign (the signed decision, the switch it
                    decides), dosing.services.relapse_record
- drug dispensing:  dosing.services.order_verify (pharmacist verification)
- data entry:       dosing.services.npo_set, weight_correct, administrations_record (the
                    doses given, as the ward records them); outcomes.services.visit_record,
                    visit_mark_missed, hospital_course_save; safety.services.ae_create,
                    ae_update, death_report_save, conmed_save, deviation_save
- sign-off:         outcomes.services.visit_sign_off
This module is on the core floor: it imports no domain app.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dressdb.models import Delegation, Duty, SecurityEvent, Site, TrainingRecord
from dressdb.security_log import log_event

__all__ = ["Duty", "require_duty", "has_duty", "training_gaps", "refusals_logged"]

logger = logging.getLogger("dressdb.security")

DEFAULT_REQUIRED_TRAINING = ("GCP", "protocol")


def enforced() -> bool:
    return bool(getattr(settings, "TRIAL_ENFORCE_DELEGATION", True))


def block_on_lapsed_training() -> bool:
    return bool(getattr(settings, "TRIAL_BLOCK_ON_LAPSED_TRAINING", False))


def required_training(duty: str) -> list[str]:
    """The courses `duty` requires (TRIAL_REQUIRED_TRAINING; GCP and protocol by default)."""
    table = getattr(settings, "TRIAL_REQUIRED_TRAINING", None)
    if table is None:
        return list(DEFAULT_REQUIRED_TRAINING)
    return [str(course) for course in table.get(str(duty), [])]


def site_today(site: Site) -> dt.date:
    return timezone.localtime(timezone.now(), site.tz).date()


def delegations_in_force(site: Site, on: Any = None) -> Any:
    """Signed delegations of the site in force on `on` (default: the site's today)."""
    day = on or site_today(site)
    return Delegation.objects.filter(site=site, signed_at__isnull=False, start_on__lte=day).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=day)
    )


def has_duty(user: Any, site: Site, duty: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return delegations_in_force(site).filter(user=user, duty=duty).exists()


def current_training(user: Any, on: dt.date) -> set[str]:
    """The courses (lower case) the user holds a record of, valid on `on`."""
    rows = TrainingRecord.objects.filter(user=user, completed_on__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    return {course.lower() for course in rows.values_list("course", flat=True)}


def training_gaps(user: Any, duties: list[str], on: dt.date) -> dict[str, list[str]]:
    """Per duty, the required courses the user lacks on `on` (missing or lapsed)."""
    held = current_training(user, on)
    gaps = {}
    for duty in duties:
        missing = [c for c in required_training(duty) if c.lower() not in held]
        if missing:
            gaps[str(duty)] = missing
    return gaps


@dataclass(frozen=True)
class Refusal:
    user: Any
    site_code: str
    duty: str
    field: str
    message: str


_collected: ContextVar[list[Refusal] | None] = ContextVar("delegation_refusals", default=None)


def _write(refusal: Refusal, request: HttpRequest | None = None) -> None:
    log_event(
        SecurityEvent.Kind.DUTY_REFUSED,
        user=refusal.user,
        request=request,
        site=refusal.site_code,
        duty=refusal.duty,
        field=refusal.field,
        path=(request.path[:200] if request is not None else ""),
        message=refusal.message,
    )


@contextmanager
def refusals_logged(request: HttpRequest | None = None) -> Iterator[list[Refusal]]:
    """Collect the refusals raised inside, and write them to the security log on the way
    out (after the services' transactions have rolled back). Call it outside any
    transaction that the refusal would roll back."""
    refusals: list[Refusal] = []
    token = _collected.set(refusals)
    try:
        yield refusals
    finally:
        _collected.reset(token)
        for refusal in refusals:
            _write(refusal, request)


class RefusalLogMiddleware:
    """Writes the request's refusals to the security log once the view has answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with refusals_logged(request):
            return self.get_response(request)


def _refuse(user: Any, site: Site, duty: str, field: str, message: str) -> None:
    refusal = Refusal(user=user, site_code=site.code, duty=str(duty), field=field, message=message)
    collected = _collected.get()
    if collected is not None:
        collected.append(refusal)
    elif not connection.in_atomic_block:
        _write(refusal)
    else:
        logger.warning(
            "event=duty_refused user=%s site=%s duty=%s field=%s (not in the table: no "
            "collector around this transaction)",
            getattr(user, "username", ""),
            site.code,
            duty,
            field,
        )
    raise ValidationError({field: message})


def require_duty(user: Any, site: Site, duty: str, *, field: str | None = None) -> None:
    """Refuse the action unless `user` is delegated `duty` at `site` (when enforced), and,
    when TRIAL_BLOCK_ON_LAPSED_TRAINING is on, holds the training the duty requires."""
    if not enforced():
        return
    name = user.get_username() if user is not None else "This user"
    label = Duty(duty).label.lower()
    where = field or str(duty)
    if not has_duty(user, site, duty):
        _refuse(
            user,
            site,
            duty,
            where,
            f"{name} is not delegated {label} at {site.code} on the site delegation log: "
            f"only staff delegated {label} (signed by the site investigator) may do this.",
        )
    if block_on_lapsed_training():
        gaps = training_gaps(user, [str(duty)], site_today(site)).get(str(duty))
        if gaps:
            _refuse(
                user,
                site,
                duty,
                where,
                f"{name}'s training for {label} is missing or has lapsed "
                f"({', '.join(gaps)}): renew it before doing this "
                f"(trial administration, training records).",
            )
