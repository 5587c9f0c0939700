from django.urls import path

from enrollment import consent_views, views

urlpatterns = [
    # "<int:pk>/": the participant page is the portal's (portal.urls, same path and name).
    path("<int:pk>/audit/", views.participant_audit, name="participant_audit"),
    path(
        "<int:pk>/renal-impairment/",
        views.participant_renal_impairment,
        name="participant_renal_impairment",
    ),
    path("<int:pk>/consents/", consent_views.participant_consents, name="participant_consents"),
    path("consent-versions/", consent_views.consent_versions, name="consent_versions"),
    path("screening/", views.screening_log, name="screening_log"),
    path("screening/new/", views.screening_new, name="screening_new"),
    path("screening/preview/", views.screening_preview, name="screening_preview"),
    path("screening/<int:pk>/", views.screening_detail, name="screening_detail"),
    path("screening/<int:pk>/enrol/", views.screening_enrol, name="screening_enrol"),
    path(
        "screening/<int:pk>/not-consented/",
        views.screening_not_consented,
        name="screening_not_consented",
    ),
]
