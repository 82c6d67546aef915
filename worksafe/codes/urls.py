from django.urls import path, re_path

from . import views

app_name = "codes"
urlpatterns = [
    path("placards/enterprises/", views.enterprise_placards, name="placard_batch"),
    path("<slug:key>/<int:pk>/", views.code_detail, name="code_detail"),
    re_path(r"^(?P<key>[\w-]+)/(?P<pk>\d+)/qr\.(?P<kind>png|svg)$", views.code_image, name="code_image"),
    path("<slug:key>/<int:pk>/placard.pdf", views.placard, name="code_placard"),
    path("<slug:key>/<int:pk>/regenerate/", views.regenerate, name="code_regenerate"),
]
