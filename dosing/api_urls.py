"""JSON API routes of the dosing app, mounted under /api/v1/."""

from django.urls import path

from dosing import api

urlpatterns = [
    path("participants/<int:pk>/orders", api.participant_orders, name="api-participant-orders"),
    path(
        "participants/<int:pk>/assessments",
        api.participant_assessment,
        name="api-participant-assessments",
    ),
]
