"""JSON API routes of the safety app, mounted under /api/v1/."""

from django.urls import path

from safety import api

urlpatterns = [
    path(
        "participants/<int:pk>/adverse-events",
        api.participant_adverse_events,
        name="api-participant-adverse-events",
    ),
    path(
        "participants/<int:pk>/concomitant-medications",
        api.participant_conmeds,
        name="api-participant-concomitant-medications",
    ),
]
