"""The site delegation log, as a check (issue 21): a user acts only within their duties.

`require_duty(user, site, duty)` raises ValidationError({field: message}) when the user
holds no signed delegation of `duty` at `site` in force today (the site's local date).
The check runs only when TRIAL_ENFORCE_DELEGATION is on (default off, so existing flows and
the demo keep working). A superuser is not exempt: break-glass is not a trial duty.
The refusal is not written to the security log: the calling service runs in a
transaction that the refusal rolls back.

Duties and the actions that check them (the services call this):
- screening:        enrollment.services.screening_record
- consent:          enrollment.services.participant_enrol (consent taken and recorded)
- randomization:    randomization.services.participant_randomize
- sign-off:         outcomes.services.visit_sign_off
- dosing decisions, drug dispensing, data entry: not checked yet (their services are
  dosing's and every form's; to add, one require_duty call in each)
This module is on the core floor: it imports no domain app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from dressdb.models import Delegation, Duty, Site


def enforced() -> bool:
    return bool(getattr(settings, "TRIAL_ENFORCE_DELEGATION", False))


def delegations_in_force(site: Site, on: Any = None) -> Any:
    """Signed delegations of the site in force on `on` (default: the site's today)."""
    day = on or timezone.localtime(timezone.now(), site.tz).date()
    return Delegation.objects.filter(site=site, signed_at__isnull=False, start_on__lte=day).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=day)
    )


def has_duty(user: Any, site: Site, duty: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return delegations_in_force(site).filter(user=user, duty=duty).exists()


def require_duty(user: Any, site: Site, duty: str, *, field: str | None = None) -> None:
    """Refuse the action unless `user` is delegated `duty` at `site` (when enforced)."""
    if not enforced() or has_duty(user, site, duty):
        return
    label = Duty(duty).label.lower()
    name = user.get_username() if user is not None else "This user"
    raise ValidationError(
        {
            field or duty: (
                f"{name} is not delegated {label} at {site.code} on the site delegation log: "
                f"only staff delegated {label} (signed by the site investigator) may do this."
            )
        }
    )
