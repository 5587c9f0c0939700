"""Pages of the data-management app (namespace "datamanagement")."""

from django.urls import path

from datamanagement import views

app_name = "datamanagement"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("queries/", views.ageing, name="ageing"),
    path("rules/", views.rules_page, name="rules"),
    path("sdv/", views.sdv_dashboard, name="sdv_dashboard"),
    path("sdv/report/", views.monitoring_report, name="monitoring_report"),
    path("freeze/", views.freezes, name="freezes"),
    path("freeze/<int:freeze_pk>/release/", views.freeze_release, name="freeze_release"),
    path("participants/<int:pk>/", views.participant_queries, name="participant_queries"),
    path("participants/<int:pk>/queries/new/", views.query_new, name="query_new"),
    path("participants/<int:pk>/checks/", views.checks_now, name="checks_now"),
    path("participants/<int:pk>/sdv/", views.sdv_verify, name="sdv_verify"),
    path("participants/<int:pk>/casebook/sign/", views.casebook_sign, name="casebook_sign"),
    path("participants/<int:pk>/freeze/", views.participant_freeze, name="participant_freeze"),
    path("queries/<int:query_pk>/<str:action>/", views.query_action, name="query_action"),
]
