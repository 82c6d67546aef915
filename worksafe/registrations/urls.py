from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("enterprises/<int:pk>/<slug:table>/edit/", views.edit, name="edit"),
    path("enterprises/<int:pk>/<slug:table>/xlsx/", views.table_xlsx, name="xlsx"),
    path("enterprises/<int:pk>/<slug:table>/pdf/", views.table_pdf, name="pdf"),
    path("<slug:table>/export/", views.bulk_export, name="bulk_export"),
]
