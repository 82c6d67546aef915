from django.contrib import admin
from django.urls import include, path

from worksafe.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("worksafe.core.urls_auth")),
    path("system/", include("worksafe.core.urls")),
    path("archive/", include("worksafe.archive.urls")),
    path("workbench/", include("worksafe.archive.urls_workbench")),
    path("admin/", admin.site.urls),
]
