"""JSON API routes of the reports app, mounted under /api/v1/."""

from django.urls import path

from reports import api

urlpatterns = [
    path("exports/odm.xml", api.export_odm, name="api-export-odm"),
    path("exports/<str:dataset>.csv", api.export_dataset, name="api-export-dataset"),
]
