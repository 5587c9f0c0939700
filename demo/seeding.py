"""Seed the demo sites and users of `make run` (demo mode only)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dressdb.demo import DEMO_PASSWORD, DEMO_SITES, DEMO_USERS, DemoUser
from dressdb.models import Delegation, Duty, Role, Site, StaffMembership, TrainingRecord

# Issue 16 item 9: the Paris site works in French (its coordinator reads French pages).
DEMO_SITE_LANGUAGES = {"PAR": "fr"}
# Issue 21: delegation is enforced; each demo site role's duties, signed by the investigator.
DEMO_DUTIES = {
    Role.COORDINATOR: [Duty.SCREENING, Duty.CONSENT, Duty.RANDOMIZATION, Duty.DATA_ENTRY],
    Role.INVESTIGATOR: list(Duty),
    Role.PHARMACIST: [Duty.DRUG_DISPENSING, Duty.DATA_ENTRY],
}
DEMO_DELEGATION_START = dt.date(2020, 1, 1)  # before any demo story day


@transaction.atomic
def seed_demo_sites_and_users() -> list[DemoUser]:
    sites = {}
    for code, name, tz in DEMO_SITES:
        site, _ = Site.objects.get_or_create(code=code, defaults={"name": name, "time_zone": tz})
        # The Paris site works in French (issue 16 item 9): its coordinator reads French.
        language = DEMO_SITE_LANGUAGES.get(code, "en")
        if site.language != language:
            site.language = language
            site.save(update_fields=["language"])
        sites[code] = site
    for demo in DEMO_USERS:
        first, last = demo.full_name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{demo.username}@demo.dressdb.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        if demo.role == Role.ADMIN:
            user.is_staff = True
            user.is_superuser = True
        user.save()
        StaffMembership.objects.get_or_create(user=user, site=sites[demo.site_code], role=demo.role)
    # The investigator covers both demo sites.
    StaffMembership.objects.get_or_create(
        user=User.objects.get(username="investigator"),
        site=sites["PAR"],
        role=Role.INVESTIGATOR,
    )
    _seed_delegations(User.objects.get(username="investigator"))
    _seed_training(User.objects.get(username="admin"))
    return list(DEMO_USERS)


def _seed_training(admin: User) -> None:
    """Each delegated demo user's required training (GCP, protocol), current, so that
    the demo shows no lapsed-training warning; a second run adds nothing."""
    today = timezone.localdate()
    delegated = User.objects.filter(delegations__isnull=False).distinct()
    for user in delegated:
        for course in ("GCP", "protocol"):
            if TrainingRecord.objects.filter(user=user, course=course).exists():
                continue
            row = TrainingRecord(
                user=user,
                course=course,
                completed_on=today - dt.timedelta(days=365),
                valid_until=today + dt.timedelta(days=2 * 365),
                entered_by=admin,
            )
            row._history_user = admin  # type: ignore[attr-defined]
            row._change_reason = "Demo training record"  # type: ignore[attr-defined]
            row.save()


def _seed_delegations(investigator: User) -> None:
    """The demo's delegation log: each site role's duties, signed by the investigator
    (who holds a role at both demo sites); a second run adds nothing."""
    for membership in StaffMembership.objects.filter(
        user__username__in=[d.username for d in DEMO_USERS], role__in=list(DEMO_DUTIES)
    ).select_related("user", "site"):
        for duty in DEMO_DUTIES[Role(membership.role)]:
            if Delegation.objects.filter(
                site=membership.site, user=membership.user, duty=duty
            ).exists():
                continue
            line = Delegation(
                site=membership.site,
                user=membership.user,
                duty=duty,
                start_on=DEMO_DELEGATION_START,
                signed_by=investigator,
                signed_at=timezone.now(),
            )
            line._history_user = investigator  # type: ignore[attr-defined]
            line._change_reason = "Demo delegation log, signed by the site investigator"  # type: ignore[attr-defined]
            line.save()
