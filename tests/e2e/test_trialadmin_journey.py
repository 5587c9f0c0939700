"""Journey (issue 21): invite -> first login -> delegation -> an action refused outside
delegation. The admin invites a coordinator, delegates screening only (signed by the
site investigator), the coordinator sets a password from the e-mailed link, and the
consent they try to record is refused with a clear message."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Delegation, Duty, Site
from enrollment.models import Participant
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Lantern-Quarry-Obsidian-42"


def test_invite_first_login_delegation_and_a_refusal(page, live_server, demo_users, settings):
    settings.TRIAL_ENFORCE_DELEGATION = True
    base = live_server.url
    usc = Site.objects.get(code="USC")

    # 1. The admin invites a coordinator.
    log_in(page, base, "admin", DEMO_PASSWORD)
    page.goto(f"{base}/trial-admin/people/invite/")
    page.fill("input[name=email]", "nora.new@example.org")
    page.fill("input[name=username]", "nora")
    page.fill("input[name=first_name]", "Nora")
    page.fill("input[name=last_name]", "New")
    page.select_option("select[name=site]", str(usc.pk))
    page.select_option("select[name=role]", "coordinator")
    page.fill("input[name=reason]", "New study nurse at USC")
    page.click("[data-testid=invite-form] button[type=submit]")
    page.wait_for_selector("text=Invitation sent to nora.new@example.org")
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/trial-admin/invitation/\S+/", str(mail.outbox[0].body))
    assert link

    # 2. The admin delegates screening (not consent) to her.
    page.goto(f"{base}/trial-admin/delegation/{usc.pk}/")
    # (the demo's own lines have End forms with a reason each: aim at the new line's form)
    form = "[data-testid=delegation-form]"
    page.select_option(f"{form} select[name=user]", label="nora")
    page.select_option(f"{form} select[name=duty]", Duty.SCREENING)
    page.fill(
        f"{form} input[name=start_on]",
        (timezone.now().date() - dt.timedelta(days=1)).isoformat(),
    )
    page.fill(f"{form} input[name=reason]", "Trained on screening")
    page.click("[data-testid=delegation-form] button[type=submit]")
    page.wait_for_selector("text=not signed")
    page.click("text=Log out")

    # 3. The site investigator signs the line with the signing service.
    log_in(page, base, "investigator", DEMO_PASSWORD)
    page.goto(f"{base}/trial-admin/delegation/{usc.pk}/")
    page.fill("[data-testid=delegation-log] input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=delegation-log] button:has-text('Sign')")
    page.wait_for_selector("text=Delegation signed.")
    assert Delegation.objects.get(user__username="nora").signed_at is not None
    shot(page, "trialadmin-delegation-signed")
    page.click("text=Log out")

    # 4. First login through the invitation link.
    page.goto(link.group(0))
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.click("[data-testid=accept-form] button[type=submit]")
    page.wait_for_selector("[data-testid=current-user]")
    assert "/trial-admin/invitation/" not in page.url

    # 5. She may screen (delegated), but recording consent is refused.
    from django.contrib.auth.models import User

    from tests.enrollment.factories import screen

    screening = screen(usc, User.objects.get(username="nora"))
    page.goto(f"{base}/participants/screening/{screening.pk}/enrol/")
    consent_at = timezone.localtime(timezone.now() - dt.timedelta(hours=1), usc.tz)
    page.fill("input[name=consent_at]", consent_at.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=consent_obtained_by]", "Nora New")
    page.click("form button.btn-success:has-text('Enrol')")
    page.wait_for_selector("text=is not delegated consent at USC")
    shot(page, "trialadmin-consent-refused")
    assert not Participant.objects.filter(screening=screening).exists()
    assert page.console_errors == []
