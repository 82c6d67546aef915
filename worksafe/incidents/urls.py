from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("enterprises/<int:pk>/accidents/", views.accidents, name="accidents"),
    path("enterprises/<int:pk>/accidents/xlsx/", views.accidents_xlsx, name="accidents_xlsx"),
    path("enterprises/<int:pk>/accidents/add/", views.accident_add, name="accident_add"),
    path("accidents/<int:pk>/", views.accident_detail, name="accident_detail"),
    path("accidents/<int:pk>/edit/", views.accident_edit, name="accident_edit"),
    path("accidents/<int:pk>/delete/", views.accident_delete, name="accident_delete"),
    path("accidents/<int:pk>/investigation/", views.investigation_edit, name="investigation_edit"),
    path("accidents/<int:pk>/investigation/pdf/", views.investigation_pdf, name="investigation_pdf"),
    path("enterprises/<int:pk>/penalties/", views.penalties, name="penalties"),
    path("enterprises/<int:pk>/penalties/xlsx/", views.penalties_xlsx, name="penalties_xlsx"),
    path("enterprises/<int:pk>/penalties/add/", views.penalty_add, name="penalty_add"),
    path("penalties/<int:pk>/edit/", views.penalty_edit, name="penalty_edit"),
    path("penalties/<int:pk>/delete/", views.penalty_delete, name="penalty_delete"),
]
