"""Pages of the reports app (mounted at /reports/)."""

from django.urls import path

from reports import views

urlpatterns = [
    path("", views.dashboard_home, name="dashboard_home"),
    path("consort/", views.consort, name="dashboard_consort"),
    path("balance/", views.balance, name="dashboard_balance"),
    path("endpoints/", views.endpoints, name="dashboard_endpoints"),
    path("completeness/", views.completeness, name="dashboard_completeness"),
    path("safety/", views.safety, name="dashboard_safety"),
]
