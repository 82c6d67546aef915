"""接口订阅管理 (/connect/): the pages people use; the API itself is at /api/v1/ (api.py)."""
from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("", views.subscription_list, name="subscription_list"),
    path("add/", views.subscription_add, name="subscription_add"),
    path("grant/", views.subscription_grant, name="subscription_grant"),
    path("<int:pk>/", views.subscription_detail, name="subscription_detail"),
    path("<int:pk>/edit/", views.subscription_edit, name="subscription_edit"),
    path("<int:pk>/secret/", views.subscription_secret, name="subscription_secret"),
    path("<int:pk>/<str:action>/", views.subscription_step, name="subscription_step"),
]
