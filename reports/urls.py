"""Pages of the reports app (mounted at /reports/)."""

from django.urls import path

from reports import export_views, views

urlpatterns = [
    path("", views.dashboard_home, name="dashboard_home"),
    path("consort/", views.consort, name="dashboard_consort"),
    path("balance/", views.balance, name="dashboard_balance"),
    path("endpoints/", views.endpoints, name="dashboard_endpoints"),
    path("completeness/", views.completeness, name="dashboard_completeness"),
    path("safety/", views.safety, name="dashboard_safety"),
    path("exports/", export_views.export_home, name="export_home"),
    path("exports/dictionary.csv", export_views.export_dictionary, name="export_dictionary"),
    path("exports/load_dressdb.R", export_views.export_r_script, name="export_r_script"),
    path("exports/syntax/<str:tool>/", export_views.export_syntax, name="export_syntax"),
    path("exports/dressdb-odm.xml", export_views.export_odm, name="export_odm"),
    path("exports/pack/", export_views.export_pack_start, name="export_pack_start"),
    path("exports/pack/<int:pk>/", export_views.export_pack, name="export_pack"),
    path(
        "exports/pack/<int:pk>/download/",
        export_views.export_pack_download,
        name="export_pack_download",
    ),
    path("exports/<str:dataset>.csv", export_views.export_download, name="export_download"),
]
