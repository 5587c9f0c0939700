"""JSON API routes of the enrollment app, mounted under /api/v1/ in dressdb/urls.py."""

from django.urls import path

from enrollment import api, consent_api

urlpatterns = [
    path("screenings/", api.screening_create, name="api-screening-create"),
    path("screenings/<int:pk>/enrol", api.screening_enrol, name="api-screening-enrol"),
    path(
        "screenings/<int:pk>/not-consented",
        api.screening_not_consented,
        name="api-screening-not-consented",
    ),
    path(
        "participants/<int:pk>/renal-impairment",
        api.participant_renal_impairment,
        name="api-participant-renal-impairment",
    ),
    path("consent-versions", consent_api.consent_versions, name="api-consent-versions"),
    path(
        "participants/<int:pk>/consents",
        consent_api.participant_consents,
        name="api-participant-consents",
    ),
]
