"""Every route of 隐患排查治理 (/hazards/), grouped by the views module that serves it."""
from django.urls import path

from . import views, views_checks, views_major, views_public, views_reporting, views_scope, views_stats

app_name = "hazards"
urlpatterns = [
    # views: the enterprise's ledger, a hazard and its closed loop, photos, the rectification notice
    path("enterprises/<int:pk>/", views.hazard_list, name="hazard_list"),
    path("enterprises/<int:pk>/add/", views.hazard_add, name="hazard_add"),
    path("<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("<int:pk>/edit/", views.hazard_edit, name="hazard_edit"),
    path("<int:pk>/delete/", views.hazard_delete, name="hazard_delete"),
    path("<int:pk>/step/<str:action>/", views.hazard_step, name="hazard_step"),
    path("<int:pk>/rectify/", views.hazard_rectify, name="hazard_rectify"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="hazard_notice_pdf"),
    path("photos/<int:photo_pk>/", views.hazard_photo, name="photo_detail"),
    path("photos/<int:photo_pk>/delete/", views.photo_delete, name="photo_delete"),
    # views_checks: checklists (自查标准, 自定义标准), check plans and check records
    path("checklists/", views_checks.checklist_list, name="checklist_list"),
    path("checklists/import/", views_checks.checklist_import, name="checklist_import"),
    path("checklists/template/", views_checks.checklist_template, name="checklist_template"),
    path("checklists/custom/", views_checks.custom_checklists, name="checklist_custom_list"),
    path("checklists/<int:pk>/", views_checks.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/export/", views_checks.checklist_export, name="checklist_export"),
    path("checklists/<int:pk>/derive/", views_checks.checklist_derive, name="checklist_derive"),
    path("checklists/<int:pk>/edit/", views_checks.checklist_edit, name="checklist_edit"),
    path("checklists/<int:pk>/delete/", views_checks.checklist_delete, name="checklist_delete"),
    path("checklists/<int:pk>/submit/", views_checks.checklist_submit, name="checklist_submit"),
    path("checklists/<int:pk>/review/", views_checks.checklist_review, name="checklist_review"),
    path("enterprises/<int:pk>/plans/", views_checks.plan_list, name="plan_list"),
    path("enterprises/<int:pk>/plans/add/", views_checks.plan_add, name="plan_add"),
    path("plans/<int:pk>/edit/", views_checks.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/delete/", views_checks.plan_delete, name="plan_delete"),
    path("enterprises/<int:pk>/checks/", views_checks.check_list, name="check_list"),
    path("enterprises/<int:pk>/checks/add/", views_checks.check_add, name="check_add"),
    path("checks/<int:pk>/", views_checks.check_detail, name="check_detail"),
    path("checks/items/<int:pk>/photo/", views_checks.check_photo, name="check_photo"),
    # views_major: 重大隐患 review, supervision and its notice, the enterprise's rectification plan
    path("<int:pk>/major/review/", views_major.major_review, name="hazard_major_review"),
    path("<int:pk>/major/supervise/", views_major.supervise, name="hazard_supervise"),
    path("<int:pk>/major/notice.pdf", views_major.major_notice_pdf, name="hazard_major_notice_pdf"),
    path("<int:pk>/major/plan/", views_major.plan, name="hazard_major_plan"),
    # views_public: 随手拍, anyone's report and its receipt; the regulators' queue
    path("report/", views_public.public_report, name="public_report"),
    path("report/status/", views_public.public_status, name="public_status"),
    path("report/receipt/<str:receipt>/", views_public.public_receipt, name="public_receipt"),
    path("report/<str:signed>/", views_public.public_report, name="public_report_code"),
    path("public/", views_public.public_queue, name="public_list"),
    path("public/<int:pk>/", views_public.public_detail, name="public_detail"),
    path("public/photos/<int:pk>/", views_public.public_photo, name="public_photo"),
    # views_reporting: 隐患排查上报, the duties, 填报情况 and 上报率
    path("enterprises/<int:pk>/report/", views_reporting.report, name="report_edit"),
    path("duties/", views_reporting.duty_list, name="duty_list"),
    path("duties/bulk/", views_reporting.duty_bulk, name="duty_bulk"),
    path("duties/<int:enterprise_pk>/", views_reporting.duty_edit, name="duty_edit"),
    path("filing/", views_reporting.filing, name="filing_list"),
    path("filing/export/", views_reporting.filing_export, name="filing_export"),
    path("stats/reporting/", views_reporting.reporting_stats, name="reporting_stats"),
    # views_scope: the regulators' lists and their exports, 表4 and the ledgers, 隐患增删改记录
    path("open/", views_scope.open_list, name="open_list"),
    path("open/export/", views_scope.open_export, name="open_export"),
    path("major/", views_scope.major_list, name="major_list"),
    path("major/export/", views_scope.major_export, name="major_export"),
    path("all/", views_scope.all_list, name="all_list"),
    path("all/export/", views_scope.all_export, name="all_export"),
    path("enterprises/<int:pk>/table4/", views_scope.table4, name="table4_detail"),
    path("enterprises/<int:pk>/table4.xlsx", views_scope.table4_xlsx, name="table4_xlsx"),
    path("enterprises/<int:pk>/ledger.xlsx", views_scope.ledger_all_xlsx, name="ledger_all_xlsx"),
    path("<int:pk>/ledger/", views_scope.ledger, name="ledger_detail"),
    path("<int:pk>/ledger.xlsx", views_scope.ledger_xlsx, name="ledger_xlsx"),
    path("changes/", views_scope.changes, name="change_list"),
    # views_stats: 隐患统计分析
    path("stats/", views_stats.hazard_stats, name="hazard_stats"),
]
