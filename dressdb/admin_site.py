"""The Django admin site, which also demands a verified second factor."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class TrialAdminSite(admin.AdminSite):
    site_header = "dressdb administration"
    site_title = "dressdb admin"

    def has_permission(self, request: HttpRequest) -> bool:
        from dressdb import two_factor

        return super().has_permission(request) and not two_factor.needs_verification(request.user)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """One login page for the whole app, followed by the second factor."""
        if request.user.is_authenticated:
            raise PermissionDenied("The administration is for trial admins.")
        from dressdb.redirects import safe_next

        target = safe_next(request, "admin:index")
        return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


class TrialAdminConfig(AdminConfig):
    """The Django admin app, with TrialAdminSite as its default site."""

    default_site = "dressdb.admin_site.TrialAdminSite"
