"""The archive's routes: 一企一档 (/archive/) and the enterprise's workbench (/workbench/).

Included at the root: the two prefixes are kept as they always were, each wrapping its own list."""
from django.urls import include, path, re_path

from . import views, views_io, views_parks, views_stats, views_workbench

app_name = "archive"
urlpatterns = [
    # views, views_io, views_stats: the enterprises, their units and items, import/export, statistics, changes
    path("archive/", include([
        path("enterprises/", views.enterprise_list, name="enterprise_list"),
        path("enterprises/add/", views.enterprise_add, name="enterprise_add"),
        path("enterprises/review/", views.enterprise_bulk_review, name="enterprise_bulk_review"),
        path("enterprises/export/", views_io.enterprise_export, name="enterprise_export"),
        path("enterprises/import/", views_io.enterprise_import, name="enterprise_import"),
        path("enterprises/import/template/", views_io.enterprise_import_template, name="enterprise_import_template"),
        path("enterprises/reset-passwords/", views_io.enterprise_bulk_reset_password, name="enterprise_bulk_reset_password"),
        path("enterprises/stats/", views_stats.enterprise_stats, name="enterprise_stats"),
        path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
        path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
        path("enterprises/<int:pk>/delete/", views.enterprise_delete, name="enterprise_delete"),
        re_path(r"^enterprises/(?P<pk>\d+)/review/(?P<action>submit|approve|return)/$", views.enterprise_review, name="enterprise_review"),
        path("enterprises/<int:pk>/move/", views.enterprise_move, name="enterprise_move"),
        path("enterprises/<int:pk>/type/", views.enterprise_set_type, name="enterprise_set_type"),
        path("enterprises/<int:pk>/reset-password/", views.enterprise_reset_password, name="enterprise_reset_password"),
        path("enterprises/<int:pk>/impersonate/", views.enterprise_impersonate, name="enterprise_impersonate"),
        path("enterprises/<int:pk>/units/add/", views.unit_add, name="unit_add"),
        path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
        path("enterprises/<int:pk>/items/add/", views.item_add, name="item_add"),
        path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
        re_path(r"^(?P<kind>unit|item)s/(?P<pk>\d+)/delete/$", views.child_delete, name="child_delete"),
        path("changes/", views.change_list, name="change_list"),
        # views_parks: 园区企业名单 and 分级负责
        path("parks/<int:pk>/members/", views_parks.parkmember_list, name="parkmember_list"),
        path("parks/members/<int:pk>/", views_parks.parkmember_edit, name="parkmember_edit"),
        path("enterprises/<int:pk>/supervision/", views_parks.supervisionchange_add, name="supervisionchange_add"),
        path("supervision/", views_parks.supervisionchange_list, name="supervisionchange_list"),
        path("supervision/<int:pk>/<str:action>/", views_parks.supervisionchange_step, name="supervisionchange_step"),
    ])),
    # views_workbench: the enterprise side's home page
    path("workbench/", views_workbench.index, name="workbench"),
]
