from django.urls import path

from trialadmin import api

urlpatterns = [
    path("people/<int:pk>/training", api.person_training, name="person-training"),
]
