"""Pages of the dosing app (mounted at /dosing/)."""

from django.urls import path

from dosing import views

urlpatterns = [
    path("decisions/", views.decisions_due, name="decisions_due"),
    path("orders/today/", views.todays_orders, name="todays_orders"),
    path("preview/", views.protocol_preview, name="protocol_preview"),
    path("participants/<int:pk>/assess/", views.assessment_new, name="assessment_new"),
    path(
        "participants/<int:pk>/assess/suggest/", views.assessment_suggest, name="assessment_suggest"
    ),
    path("participants/<int:pk>/relapse/", views.relapse_new, name="relapse_new"),
    path("participants/<int:pk>/npo/", views.npo_change, name="npo_change"),
    path("participants/<int:pk>/weight/", views.weight_change, name="weight_change"),
    path("participants/<int:pk>/order-sheet/", views.order_sheet, name="order_sheet"),
]

urlpatterns += [
    path(
        "participants/<int:pk>/administrations/",
        views.administrations_day,
        name="administrations_day",
    ),
    path("participants/<int:pk>/verify/", views.order_verify, name="order_verify"),
]
