from django.urls import path

from trialadmin import training_views, views

app_name = "trialadmin"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path("people/<int:pk>/roles/<int:membership_pk>/end/", views.role_end, name="role_end"),
    path("people/<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("people/<int:pk>/training/", training_views.training_page, name="training"),
    path(
        "people/<int:pk>/training/<int:record_pk>/",
        training_views.training_edit,
        name="training_edit",
    ),
    path(
        "people/<int:pk>/training/<int:record_pk>/certificate/",
        training_views.training_certificate,
        name="training_certificate",
    ),
    path("invitation/<str:token>/", views.accept, name="accept"),
    path("delegation/", views.delegation_sites, name="delegation_sites"),
    path("delegation/<int:site_pk>/", views.delegation_log, name="delegation_log"),
    path("delegation/line/<int:pk>/sign/", views.delegation_sign, name="delegation_sign"),
    path("delegation/line/<int:pk>/end/", views.delegation_end, name="delegation_end"),
    path("sites/", views.sites, name="sites"),
    path("sites/new/", views.site_edit, name="site_new"),
    path("sites/<int:pk>/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/deactivate/", views.site_deactivate, name="site_deactivate"),
    path("settings/", views.settings_page, name="settings"),
    path("security-log/", views.security_log, name="security_log"),
    path("security-log.csv", views.security_log_csv, name="security_log_csv"),
]
