"""接口订阅管理 (/connect/): the pages people use; the API itself is at /api/v1/ (api.py)."""
from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("add/", views.subscription_add, name="add"),
    path("grant/", views.subscription_grant, name="grant"),
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/edit/", views.subscription_edit, name="edit"),
    path("<int:pk>/secret/", views.subscription_secret, name="secret"),
    path("<int:pk>/<str:action>/", views.subscription_step, name="step"),
]
