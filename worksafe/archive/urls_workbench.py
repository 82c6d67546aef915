from django.urls import path

from . import views_workbench

app_name = "workbench"
urlpatterns = [path("", views_workbench.index, name="index")]
