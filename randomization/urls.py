"""Pages of the randomization app (mounted at /randomization/)."""

from django.urls import path

from randomization import views

urlpatterns = [
    path("lists/", views.allocation_lists, name="allocation_lists"),
    path("lists/<int:pk>/", views.allocation_list_detail, name="allocation_list_detail"),
    path("lists/<int:pk>/append/", views.allocation_list_append, name="allocation_list_append"),
    path("lists/<int:pk>/export.csv", views.allocation_list_export, name="allocation_list_export"),
    path("participants/<int:pk>/", views.randomize, name="randomize"),
    path("participants/<int:pk>/result/", views.randomization_result, name="randomization_result"),
    path("summary/", views.allocation_summary, name="allocation_summary"),
]
