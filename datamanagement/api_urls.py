"""JSON API routes of the data-management app, mounted under /api/v1/."""

from django.urls import path

from datamanagement import api

urlpatterns = [
    path(
        "participants/<int:pk>/queries",
        api.participant_queries,
        name="api-participant-queries",
    ),
    path("queries/<int:query_pk>/answer", api.query_answer, name="api-query-answer"),
    path("queries/<int:query_pk>/close", api.query_close, name="api-query-close"),
]
