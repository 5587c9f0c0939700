from django.apps import AppConfig


class TrialadminConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "trialadmin"
    verbose_name = "Trial administration"
