"""JSON API routes of the randomization app, mounted under /api/v1/."""

from django.urls import path

from randomization import api

urlpatterns = [
    path(
        "participants/<int:pk>/randomize",
        api.participant_randomize,
        name="api-participant-randomize",
    ),
    path(
        "participants/<int:pk>/withdraw",
        api.participant_withdraw,
        name="api-participant-withdraw",
    ),
]
