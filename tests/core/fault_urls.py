"""The app's URLs plus routes that fail on purpose (tests/core/test_database_fault.py)."""

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from dressdb.urls import handler500
from dressdb.urls import urlpatterns as app_urlpatterns


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("server closed the connection unexpectedly")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("fault/database/", database_gone),
    path("api/v1/fault/database/", database_gone),
    path("fault/bug/", broken),
    path("api/v1/fault/bug/", broken),
    *app_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
