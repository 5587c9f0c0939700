"""Pages of the safety app (mounted at /safety/)."""

from django.urls import path

from safety import views

app_name = "safety"

urlpatterns = [
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
]
