"""Every route of 风险分级管控 (/risks/), grouped by the views module that serves it."""
from django.urls import path, re_path

from . import views, views_io, views_map, views_patrol, views_scope, views_stats

app_name = "risks"
KIND = r"(?P<kind>object|unit|source|event|measure)"
urlpatterns = [
    # views: the enterprise's risk list (a five-level tree) and its nodes
    path("enterprises/<int:pk>/", views.register, name="register_detail"),
    re_path(rf"^add/{KIND}/(?P<parent>\d+)/$", views.node_add, name="node_add"),
    re_path(rf"^{KIND}s/(?P<pk>\d+)/edit/$", views.node_edit, name="node_edit"),
    re_path(rf"^{KIND}s/(?P<pk>\d+)/delete/$", views.node_delete, name="node_delete"),
    # views_io: the risk list as xlsx (export, template, import) and 表3
    path("enterprises/<int:pk>/list/export/", views_io.list_export, name="register_export"),
    path("enterprises/<int:pk>/list/template/", views_io.list_template, name="register_template"),
    path("enterprises/<int:pk>/list/import/", views_io.list_import, name="register_import"),
    path("enterprises/<int:pk>/table3/", views_io.table3, name="table3_detail"),
    path("enterprises/<int:pk>/table3/xlsx/", views_io.table3_xlsx, name="table3_xlsx"),
    path("enterprises/<int:pk>/table3/pdf/", views_io.table3_pdf, name="table3_pdf"),
    # views_map: 风险四色图, its files, placing units; the regulators' list of maps
    path("enterprises/<int:pk>/map/", views_map.map_page, name="map_detail"),
    path("enterprises/<int:pk>/map/plan/", views_map.plan_file, name="map_plan"),
    path("enterprises/<int:pk>/map/plan/upload/", views_map.plan_upload, name="map_plan_upload"),
    path("enterprises/<int:pk>/map/ready/", views_map.ready_file, name="map_ready"),
    path("enterprises/<int:pk>/map/ready/upload/", views_map.ready_upload, name="map_ready_upload"),
    path("enterprises/<int:pk>/map/ready/delete/", views_map.ready_delete, name="map_ready_delete"),
    path("units/<int:pk>/place/", views_map.unit_place, name="unit_place"),
    path("maps/", views_map.map_list, name="map_list"),
    # views_patrol: 风险巡检 (due checks, recording a patrol, history, item photos)
    path("enterprises/<int:pk>/patrols/", views_patrol.patrol_list, name="patrol_list"),
    path("enterprises/<int:pk>/patrols/due/", views_patrol.patrol_due, name="patrol_due"),
    path("enterprises/<int:pk>/patrols/add/", views_patrol.patrol_add, name="patrol_add"),
    path("patrols/<int:pk>/", views_patrol.patrol_detail, name="patrol_detail"),
    path("patrol-items/<int:pk>/photo/", views_patrol.patrol_item_photo, name="patrol_item_photo"),
    # views_scope: the regulators' lists of the jurisdiction's risk rows
    path("objects/", views_scope.view("objects"), name="object_list"),
    path("units/", views_scope.view("units"), name="unit_list"),
    path("events/", views_scope.view("events"), name="event_list"),
    path("measures/", views_scope.view("measures"), name="measure_list"),
    path("patrol-records/", views_scope.view("patrol_records"), name="patrol_record_list"),
    # views_stats: 风险统计分析
    path("stats/", views_stats.risk_stats, name="risk_stats"),
    path("stats/patrols/", views_stats.patrol_stats, name="patrol_stats"),
]
