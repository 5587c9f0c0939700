"""JSON API routes of the outcomes app, mounted under /api/v1/ in dressdb/urls.py."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
