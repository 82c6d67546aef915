from django.urls import path, re_path

from . import views, views_io, views_map, views_patrol, views_scope, views_stats

app_name = "risks"
KIND = r"(?P<kind>object|unit|source|event|measure)"
urlpatterns = [
    path("enterprises/<int:pk>/", views.register, name="register"),
    re_path(rf"^add/{KIND}/(?P<parent>\d+)/$", views.node_add, name="node_add"),
    re_path(rf"^{KIND}s/(?P<pk>\d+)/edit/$", views.node_edit, name="node_edit"),
    re_path(rf"^{KIND}s/(?P<pk>\d+)/delete/$", views.node_delete, name="node_delete"),
]
# Each feature module lists its own routes.
for module in (views_io, views_map, views_patrol, views_scope, views_stats):
    urlpatterns += module.urlpatterns
