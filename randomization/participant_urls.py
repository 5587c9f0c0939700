"""Participant pages that compose several apps' services (mounted at /participants/)."""

from django.urls import path

from randomization import views

urlpatterns = [
    path("<int:pk>/withdraw/", views.participant_withdraw, name="participant_withdraw"),
]
