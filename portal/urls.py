"""The portal's pages, at the paths they have always had: "/", "/participants/" and
"/participants/<pk>/" (mounted before the enrollment pages, so they keep their paths),
and the record-status grid at "/records/"."""

from django.urls import path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("records/", views.record_grid, name="record_grid"),
    path("participants/", views.participant_list, name="participant_list"),
    path("participants/<int:pk>/", views.participant_detail, name="participant_detail"),
]
