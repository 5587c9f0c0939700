"""Pages of the outcomes app (mounted at /visits/)."""

from django.urls import path

from outcomes import views

urlpatterns = [
    path("", views.visit_list, name="visit_list"),
    path("participants/<int:pk>/hospital-course/", views.hospital_course, name="hospital_course"),
    path("participants/<int:pk>/<int:visit_pk>/", views.visit_edit, name="visit_edit"),
    path("participants/<int:pk>/<int:visit_pk>/missed/", views.visit_missed, name="visit_missed"),
    path(
        "participants/<int:pk>/<int:visit_pk>/sign-off/",
        views.visit_sign_off,
        name="visit_sign_off",
    ),
    path("participants/<int:pk>/<int:visit_pk>/unlock/", views.visit_unlock, name="visit_unlock"),
]
