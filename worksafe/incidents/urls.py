from django.urls import path

from . import views, views_reports

app_name = "incidents"
urlpatterns = [
    path("enterprises/<int:pk>/accidents/", views.accidents, name="accident_list"),
    path("enterprises/<int:pk>/accidents/xlsx/", views.accidents_xlsx, name="accident_export"),
    path("enterprises/<int:pk>/accidents/add/", views.accident_add, name="accident_add"),
    path("accidents/<int:pk>/", views.accident_detail, name="accident_detail"),
    path("accidents/<int:pk>/edit/", views.accident_edit, name="accident_edit"),
    path("accidents/<int:pk>/delete/", views.accident_delete, name="accident_delete"),
    path("accidents/<int:pk>/investigation/", views.investigation_edit, name="investigation_edit"),
    path("accidents/<int:pk>/investigation/pdf/", views.investigation_pdf, name="investigation_pdf"),
    path("enterprises/<int:pk>/penalties/", views.penalties, name="penalty_list"),
    path("enterprises/<int:pk>/penalties/xlsx/", views.penalties_xlsx, name="penalty_export"),
    path("enterprises/<int:pk>/penalties/add/", views.penalty_add, name="penalty_add"),
    path("penalties/<int:pk>/edit/", views.penalty_edit, name="penalty_edit"),
    path("penalties/<int:pk>/delete/", views.penalty_delete, name="penalty_delete"),
    path("reports/", views_reports.report_list, name="report_list"),
    path("reports/stats/", views_reports.report_stats, name="report_stats"),
    path("enterprises/<int:pk>/reports/add/", views_reports.report_add, name="report_add"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/follow-up/", views_reports.follow_up_add, name="follow_up_add"),
    path("reports/<int:pk>/close/", views_reports.report_close, name="report_close"),
]
