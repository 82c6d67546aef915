"""xlsx export and import of enterprises, and new one-time passwords in bulk: the pages around worksafe.archive.io
and the jobs of worksafe.archive.jobs."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from worksafe.core import audit, exports, imports, jobs, permissions
from worksafe.core.access import regulator_only, require
from worksafe.core.views import redirect_next
from worksafe.core.xlsx import RowError, error_context, xlsx_response

from . import jobs as archive_jobs
from .io import ENTERPRISE_SPEC, import_enterprises
from .listing import enterprise_filter, filtered_enterprises, selected_rows
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
    qs = qs.select_related("competent_department")  # a reference table (core.refdata): its name in each row
    return exports.Sheet(qs, ENTERPRISE_SPEC.export, "生产经营单位", "enterprises", "生产经营单位列表", filterset, model=Enterprise)


@login_required
def enterprise_import_template(request):
    require(permissions.can_add_enterprise(request.user))
    workbook = ENTERPRISE_SPEC.template({"user": request.user})
    return xlsx_response(workbook, "生产经营单位导入模板.xlsx", "enterprise_import_template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    """Upload form; a small file without new enterprises is imported at once (its result page), a large one or one
    creating enterprise administrator accounts by a background job (its page; the passwords are its once-only result)."""
    user = request.user
    require(permissions.can_add_enterprise(user))
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [RowError(None, "", "请选择要导入的 xlsx 文件")]
        else:
            job, result = imports.run(request, upload, archive_jobs.IMPORT,
                                      lambda f: import_enterprises(f, user, defer_accounts=True),
                                      label=f"导入生产经营单位（{upload.name}）")
            if job:
                return redirect(job)
            if result.ok:
                return render(request, "archive/enterprise_import_result.html", {"result": result, "filename": upload.name})
            errors = result.errors
    context = {"columns": ENTERPRISE_SPEC.import_columns, **error_context(errors)}
    return render(request, "archive/enterprise_import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_bulk_reset_password(request):
    """批量重置密码: new one-time passwords for the enterprise administrators of the list as filtered (the query string)
    or of its ticked rows (POST selected=1). A confirmation page first; confirmed, a background job issues them and
    holds them as its once-only result."""
    regulator_only(request)
    user = request.user
    require(permissions.can_reset_passwords_in_bulk(user))
    filterset = enterprise_filter(user, request.GET)
    qs, ids = filterset.qs, None
    back = f"{reverse('archive:enterprise_list')}?{request.GET.urlencode()}"
    if request.method == "POST" and request.POST.get("selected") == "1":
        ids = sorted({int(i) for i in request.POST.getlist("pk") if i.isdigit()})
        qs = qs.filter(pk__in=ids)
    count = qs.count()
    if not count:
        messages.warning(request, "请先勾选企业，或筛选出要重置密码的企业。" if ids is not None else "筛选结果中没有企业。")
        return redirect(back)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        job = jobs.start(user, archive_jobs.PASSWORDS, f"批量重置企业管理员密码（{count} 家企业）", total=count,
                         query=request.GET.urlencode(), ids=ids)
        return redirect(job)
    context = {"count": count, "ids": ids, "filters": audit.describe_filter(request, filterset), "back": back}
    return render(request, "archive/enterprise_bulk_password.html", context)
