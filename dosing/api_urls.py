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
    path("participants/<int:pk>/relapse", api.participant_relapse, name="api-participant-relapse"),
    path("participants/<int:pk>/npo", api.participant_npo, name="api-participant-npo"),
    path("participants/<int:pk>/weight", api.participant_weight, name="api-participant-weight"),
    path("protocol-preview", api.protocol_preview, name="api-protocol-preview"),
]

urlpatterns += [
    path(
        "participants/<int:pk>/administrations",
        api.participant_administrations,
        name="api-participant-administrations",
    ),
    path(
        "participants/<int:pk>/verify",
        api.participant_order_verify,
        name="api-participant-order-verify",
    ),
]
