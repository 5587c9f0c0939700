"""The portal's pages, at the paths they have always had: "/" and "/participants/<pk>/"
(mounted before the enrollment pages, so the participant page keeps its path)."""

from django.urls import path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("participants/<int:pk>/", views.participant_detail, name="participant_detail"),
]
