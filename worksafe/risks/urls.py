from django.urls import path, re_path

from . import views

app_name = "risks"
KIND = r"(?P<kind>object|unit|source|event|measure)"
urlpatterns = [
    path("enterprises/<int:pk>/", views.register, name="register"),
    re_path(rf"^add/{KIND}/(?P<parent>\d+)/$", views.node_add, name="node_add"),
    re_path(rf"^{KIND}s/(?P<pk>\d+)/edit/$", views.node_edit, name="node_edit"),
    re_path(rf"^{KIND}s/(?P<pk>\d+)/delete/$", views.node_delete, name="node_delete"),
]
