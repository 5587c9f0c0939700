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
    path(
        "participants/<int:pk>/adverse-events/<int:ae_pk>",
        api.participant_adverse_event,
        name="api-participant-adverse-event",
    ),
    path(
        "participants/<int:pk>/adverse-events/<int:ae_pk>/sign",
        api.adverse_event_sign,
        name="api-adverse-event-sign",
    ),
    path(
        "participants/<int:pk>/adverse-events/<int:ae_pk>/death-report",
        api.adverse_event_death_report,
        name="api-adverse-event-death-report",
    ),
    path(
        "participants/<int:pk>/concomitant-medications/<int:conmed_pk>",
        api.participant_conmed,
        name="api-participant-concomitant-medication",
    ),
    path(
        "participants/<int:pk>/deviations",
        api.participant_deviations,
        name="api-participant-deviations",
    ),
    path(
        "participants/<int:pk>/deviations/<int:dev_pk>",
        api.participant_deviation,
        name="api-participant-deviation",
    ),
    path(
        "participants/<int:pk>/deviations/<int:dev_pk>/decide",
        api.deviation_decide,
        name="api-deviation-decide",
    ),
    path(
        "participants/<int:pk>/deviations/<int:dev_pk>/sign",
        api.deviation_sign,
        name="api-deviation-sign",
    ),
]
