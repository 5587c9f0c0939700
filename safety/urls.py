"""Pages of the safety app (mounted at /safety/)."""

from django.urls import path

from safety import views

app_name = "safety"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("participants/<int:pk>/adverse-events/", views.ae_list, name="ae_list"),
    path("participants/<int:pk>/adverse-events/new/", views.ae_new, name="ae_new"),
    path("participants/<int:pk>/adverse-events/<int:ae_pk>/", views.ae_detail, name="ae_detail"),
    path("participants/<int:pk>/adverse-events/<int:ae_pk>/edit/", views.ae_edit, name="ae_edit"),
    path("participants/<int:pk>/adverse-events/<int:ae_pk>/sign/", views.ae_sign, name="ae_sign"),
    path(
        "participants/<int:pk>/adverse-events/<int:ae_pk>/death-report/",
        views.death_report,
        name="death_report",
    ),
    path("participants/<int:pk>/medications/", views.conmed_list, name="conmed_list"),
    path("participants/<int:pk>/medications/new/", views.conmed_edit, name="conmed_new"),
    path(
        "participants/<int:pk>/medications/<int:conmed_pk>/",
        views.conmed_edit,
        name="conmed_edit",
    ),
    path("participants/<int:pk>/deviations/", views.deviation_list, name="deviation_list"),
    path("participants/<int:pk>/deviations/new/", views.deviation_edit, name="deviation_new"),
    path(
        "participants/<int:pk>/deviations/<int:dev_pk>/",
        views.deviation_edit,
        name="deviation_edit",
    ),
    path(
        "participants/<int:pk>/deviations/<int:dev_pk>/decide/",
        views.deviation_decide,
        name="deviation_decide",
    ),
    path(
        "participants/<int:pk>/deviations/<int:dev_pk>/sign/",
        views.deviation_sign,
        name="deviation_sign",
    ),
]
