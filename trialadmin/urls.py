from django.urls import path

from trialadmin import views

app_name = "trialadmin"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path("people/<int:pk>/roles/<int:membership_pk>/end/", views.role_end, name="role_end"),
    path("people/<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("invitation/<str:token>/", views.accept, name="accept"),
    path("delegation/", views.delegation_sites, name="delegation_sites"),
    path("delegation/<int:site_pk>/", views.delegation_log, name="delegation_log"),
    path("delegation/line/<int:pk>/sign/", views.delegation_sign, name="delegation_sign"),
    path("delegation/line/<int:pk>/end/", views.delegation_end, name="delegation_end"),
]
