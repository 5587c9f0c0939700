"""Two-factor authentication (TOTP + backup codes, django-otp).

Who must use it: investigators, statisticians, admins and any Django staff user.
Coordinators and pharmacists may enrol voluntarily; once they have a confirmed device,
they are asked for a code at every login too.

The only exemption is for the demo users of `make run`, and only while DRESSDB_DEMO is
on: production settings never honour it.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dressdb.models import Role, StaffMembership

PRIVILEGED_ROLES = frozenset({Role.INVESTIGATOR, Role.STATISTICIAN, Role.ADMIN, Role.MONITOR})
BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def required_for(user: Any) -> bool:
    """True when the user's roles demand a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return StaffMembership.objects.filter(
        user=user, active=True, role__in=PRIVILEGED_ROLES
    ).exists()


def demo_exempt(user: Any) -> bool:
    """Demo users skip the second factor, only in demo mode."""
    if not settings.DEMO_MODE:
        return False
    from dressdb.demo import DEMO_USERS

    return user.get_username() in {d.username for d in DEMO_USERS}


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_verification(user: Any) -> bool:
    """A logged-in user who must still enter a code in this session."""
    if not user.is_authenticated or user.is_verified():
        return False
    if demo_exempt(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    # required_for(user) or has_confirmed_device(user), in one query (every page asks).
    privileged = StaffMembership.objects.filter(
        user_id=OuterRef("pk"), active=True, role__in=PRIVILEGED_ROLES
    )
    device = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    return bool(
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Exists(privileged) | Exists(device))
        .exists()
    )


def pending_totp_device(user: Any) -> TOTPDevice:
    """The unconfirmed device a user is setting up (created on first use)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no style attributes, CSP-safe)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending device with a first correct code. Wrong code: nothing changes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(token):
        return False
    # One authenticator per user: older confirmed devices are replaced by this one.
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def backup_codes_regenerate(*, user: Any) -> list[str]:
    """A fresh set of single-use backup codes; earlier codes stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(request: HttpRequest, token: str) -> bool:
    """Check a code against the user's confirmed devices; on success mark the session.

    Six digits are tried against the authenticator app, anything else against the
    backup codes, so that a mistyped backup code never throttles the app device.
    """
    import django_otp
    from django_otp import devices_for_user

    token = "".join(token.split())
    if not token or len(token) > 32:
        return False
    kind = TOTPDevice if (len(token) == 6 and token.isdigit()) else StaticDevice
    for device in devices_for_user(request.user, confirmed=True):
        if not isinstance(device, kind):
            continue
        verified = django_otp.verify_token(request.user, device.persistent_id, token)
        if verified is not None:
            django_otp.login(request, verified)
            return True
    return False
