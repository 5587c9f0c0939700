"""JSON API routes of the enrollment app, mounted under /api/v1/ in dressdb/urls.py."""

from django.urls import path

from enrollment import api

urlpatterns = [
    path("screenings/", api.screening_create, name="api-screening-create"),
]
