from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("enterprises/<int:pk>/<slug:table>/edit/", views.edit, name="table_edit"),
    path("enterprises/<int:pk>/<slug:table>/xlsx/", views.table_xlsx, name="table_xlsx"),
    path("enterprises/<int:pk>/<slug:table>/pdf/", views.table_pdf, name="table_pdf"),
    path("<slug:table>/export/", views.bulk_export, name="table_bulk_export"),
]
