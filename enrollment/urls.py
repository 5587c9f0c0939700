from django.urls import path

from enrollment import views

urlpatterns = [
    path("", views.participant_list, name="participant_list"),
    path("<int:pk>/", views.participant_detail, name="participant_detail"),
    path("<int:pk>/audit/", views.participant_audit, name="participant_audit"),
    path(
        "<int:pk>/renal-impairment/",
        views.participant_renal_impairment,
        name="participant_renal_impairment",
    ),
]
