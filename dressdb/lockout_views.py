"""Admins lift lockouts from the app: the locked accounts and addresses, an Unlock button."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dressdb import lockout
from dressdb.access import require_role
from dressdb.models import Role


@never_cache
@require_role(Role.ADMIN)
def lockouts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registration/lockouts.html",
        {
            "locks": lockout.active_locks(),
            "account_limit": lockout.account_limit(),
            "address_limit": lockout.address_limit(),
            "cool_off_minutes": int(lockout.cool_off().total_seconds() // 60),
            "account": lockout.ACCOUNT,
        },
    )


@require_role(Role.ADMIN)
@require_POST
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    key = request.POST.get("key", "").strip()
    if kind not in (lockout.ACCOUNT, lockout.ADDRESS) or not key or len(key) > 150 or "\0" in key:
        messages.error(request, gettext("Choose a locked account or address to unlock."))
        return redirect("lockouts")
    cleared = lockout.unlock(kind=kind, key=key, by=request.user, request=request)
    what = "Account" if kind == lockout.ACCOUNT else "Address"
    if cleared:
        messages.success(
            request,
            gettext("%(what)s %(key)s unlocked (%(cleared)s failure records cleared).")
            % {"what": what, "key": key, "cleared": cleared},
        )
    else:
        messages.info(
            request, gettext("%(what)s %(key)s was not locked.") % {"what": what, "key": key}
        )
    return redirect("lockouts")
