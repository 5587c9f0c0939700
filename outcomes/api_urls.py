"""JSON API routes of the outcomes app, mounted under /api/v1/."""

from django.urls import path

from outcomes import api

urlpatterns = [
    path("participants/<int:pk>/visits", api.participant_visits, name="api-participant-visits"),
    path(
        "participants/<int:pk>/visits/<str:visit>/endpoints",
        api.visit_endpoints,
        name="api-visit-endpoints",
    ),
    path(
        "participants/<int:pk>/visits/<str:visit>/missed",
        api.visit_missed,
        name="api-visit-missed",
    ),
    path(
        "participants/<int:pk>/visits/<str:visit>/sign-off",
        api.visit_sign_off,
        name="api-visit-sign-off",
    ),
    path(
        "participants/<int:pk>/hospital-course",
        api.participant_hospital_course,
        name="api-participant-hospital-course",
    ),
    path(
        "participants/<int:pk>/visits/<str:visit>/unlock",
        api.visit_unlock,
        name="api-visit-unlock",
    ),
]
