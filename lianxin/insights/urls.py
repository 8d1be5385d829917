from django.urls import path

from lianxin.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="records"),
    path("records.csv", views.records_csv, name="records_csv"),
    path("records.xlsx", views.records_xlsx, name="records_xlsx"),
    path("grids/", views.grid_ranking, name="grids"),
    path("grids/<int:pk>/", views.grid_board, name="grid"),
    path("grids.geojson", views.grids_export, name="grids_export"),
    path("grids/import/", views.grids_import, name="grids_import"),
    path("before-after/", views.before_after, name="before_after"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>.pdf", views.report_pdf, name="report_pdf"),
]
