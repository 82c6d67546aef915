"""xlsx export and import of enterprises: the pages around worksafe.archive.io."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from worksafe.core import exports, permissions
from worksafe.core.access import regulator_only, require
from worksafe.core.views import redirect_next
from worksafe.core.xlsx import RowError, error_context, xlsx_response

from .io import ENTERPRISE_SPEC, import_enterprises
from .listing import filtered_enterprises, selected_rows
from .models import Enterprise


@login_required
@require_http_methods(["GET", "POST"])
@exports.view
def enterprise_export(request):
    """GET: the list page's whole filtered list (a background job above settings.EXPORT_JOB_ROWS rows); POST with
    selected=1: the ticked rows (still within scope)."""
    regulator_only(request)
    filterset, qs, _ = filtered_enterprises(request)
    if request.method == "POST":
        qs = selected_rows(request, qs)
        if qs is None:
            messages.warning(request, "请先勾选要导出的企业。")
            return redirect_next(request, "archive:enterprise_list")
    return exports.Sheet(qs, ENTERPRISE_SPEC.export, "生产经营单位", "enterprises", "生产经营单位列表", filterset, model=Enterprise)


@login_required
def enterprise_import_template(request):
    require(permissions.can_manage_enterprise(request.user))
    workbook = ENTERPRISE_SPEC.template({"user": request.user})
    return xlsx_response(workbook, "生产经营单位导入模板.xlsx", "enterprise_import_template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    """Upload form; on success a result page showing the new accounts' one-time passwords, once."""
    require(permissions.can_manage_enterprise(request.user))
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [RowError(None, "", "请选择要导入的 xlsx 文件")]
        else:
            result = import_enterprises(upload, request.user)
            if result.ok:
                response = render(request, "archive/enterprise_import_result.html", {"result": result, "filename": upload.name})
                add_never_cache_headers(response)  # the passwords must not come back from a cache
                return response
            errors = result.errors
    context = {"columns": ENTERPRISE_SPEC.import_columns, **error_context(errors)}
    return render(request, "archive/enterprise_import.html", context)
