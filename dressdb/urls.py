from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dressdb import i18n, lockout_views, token_views, two_factor_views, views

urlpatterns = [
    path("", include("portal.urls")),  # "/" (home) and "participants/<pk>/"
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/language/", i18n.language_set, name="language_set"),
    path("accounts/two-factor/", two_factor_views.two_factor_overview, name="two_factor"),
    path("accounts/two-factor/setup/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/two-factor/verify/",
        two_factor_views.two_factor_verify,
        name="two_factor_verify",
    ),
    path(
        "accounts/two-factor/backup-codes/",
        two_factor_views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/", token_views.api_tokens, name="api_tokens"),
    path("accounts/tokens/revoke/", token_views.api_token_revoke, name="api_token_revoke"),
    path("accounts/tokens/all/", token_views.api_tokens_admin, name="api_tokens_admin"),
    path("accounts/lockouts/", lockout_views.lockouts, name="lockouts"),
    path("accounts/lockouts/unlock/", lockout_views.lockout_unlock, name="lockout_unlock"),
    path("admin/", admin.site.urls),
    path("participants/", include("randomization.participant_urls")),
    path("participants/", include("enrollment.urls")),
    path("randomization/", include("randomization.urls")),
    path("dosing/", include("dosing.urls")),
    path("visits/todo/", include("notifications.urls")),
    path("visits/", include("outcomes.urls")),
    path("safety/", include("safety.urls")),
    path("reports/", include("reports.urls")),
    path("data-management/", include("datamanagement.urls")),
    path("trial-admin/", include("trialadmin.urls")),
    path("api/v1/", include("enrollment.api_urls")),
    path("api/v1/", include("randomization.api_urls")),
    path("api/v1/", include("dosing.api_urls")),
    path("api/v1/", include("outcomes.api_urls")),
    path("api/v1/", include("safety.api_urls")),
    path("api/v1/", include("reports.api_urls")),
    path("api/v1/", include("datamanagement.api_urls")),
    path("api/v1/", include(("trialadmin.api_urls", "trialadmin_api"))),
    # Both need a logged-in user (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the docs page
    # sends an anonymous visitor to the login page.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

handler500 = "dressdb.views.server_error"
