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
    path("participants/<int:pk>/sdv", api.participant_sdv_verify, name="api-participant-sdv"),
    path(
        "participants/<int:pk>/casebook/sign",
        api.participant_casebook_sign,
        name="api-participant-casebook-sign",
    ),
    path("participants/<int:pk>/freeze", api.participant_freeze, name="api-participant-freeze"),
    path(
        "participants/<int:pk>/unfreeze",
        api.participant_unfreeze,
        name="api-participant-unfreeze",
    ),
    path("study/freeze", api.study_freeze, name="api-study-freeze"),
    path("study/unfreeze", api.study_unfreeze, name="api-study-unfreeze"),
    path("database-lock", api.database_lock, name="api-database-lock"),
    path(
        "database-lock/unlock-request",
        api.database_unlock_request,
        name="api-database-unlock-request",
    ),
    path(
        "database-lock/unlock-approve",
        api.database_unlock_approve,
        name="api-database-unlock-approve",
    ),
]
