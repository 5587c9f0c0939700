from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from dressdb import services
from dressdb.models import ApiToken, SecurityEvent, Site, StaffMembership


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "time_zone", "active")
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: Site, form: Any, change: bool) -> None:
        services.site_save(site=obj, by=request.user)


@admin.register(StaffMembership)
class StaffMembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "site", "role", "active", "created_at")
    list_filter = ("role", "site", "active")
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)

    def save_model(
        self, request: HttpRequest, obj: StaffMembership, form: Any, change: bool
    ) -> None:
        services.membership_save(membership=obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: StaffMembership) -> None:
        services.membership_delete(membership=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            services.membership_delete(membership=obj, by=request.user)


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    fields = ("site", "role", "active")


class DressdbUserAdmin(UserAdmin):
    inlines = [MembershipInline]

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not StaffMembership:
            super().save_formset(request, form, formset, change)
            return
        instances: list[StaffMembership] = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            services.membership_delete(membership=deleted, by=request.user)
        for obj in instances:
            services.membership_save(membership=obj, by=request.user)


admin.site.unregister(User)
admin.site.register(User, DressdbUserAdmin)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "username", "ip_address")
    list_filter = ("kind",)
    search_fields = ("username",)
    readonly_fields = ("at", "kind", "user", "username", "ip_address", "detail")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """No secret is shown: the table holds only a hash, and the hash is not displayed."""

    list_display = (
        "prefix",
        "name",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    fields = (*list_display, "revoked_by")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created on the tokens page or with create_api_token

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        from dressdb import tokens

        for token in queryset:
            tokens.token_revoke(token_id=token.pk, by=request.user, request=request)
