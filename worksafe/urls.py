from django.contrib import admin
from django.urls import include, path

from worksafe.api.api import api as data_api
from worksafe.codes import views as code_views
from worksafe.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    # core and archive spell their own prefixes (/accounts/, /notifications/ and /system/; /archive/ and /workbench/)
    path("", include("worksafe.core.urls")),
    path("", include("worksafe.archive.urls")),
    path("codes/", include("worksafe.codes.urls")),
    path("risks/", include("worksafe.risks.urls")),
    path("hazards/", include("worksafe.hazards.urls")),
    path("registrations/", include("worksafe.registrations.urls")),
    path("incidents/", include("worksafe.incidents.urls")),
    path("api/v1/", data_api.urls),
    path("connect/", include("worksafe.api.urls")),
    # What the QR codes encode: keep it short (a smaller, easier-to-scan symbol) and never change it.
    path("q/<str:signed>", code_views.scan, name="scan"),
    path("admin/", admin.site.urls),
]

# Django's 400 page is English and renders without the request (no menu); ours says why (a body over the limit).
handler400 = "worksafe.core.views_errors.bad_request"
# 500 shows the request id (错误编号) the log lines carry; an unreachable database answers 503 instead.
handler500 = "worksafe.core.views_errors.server_error"
