"""The risk list as xlsx (export, template, import) and 表3 风险辨识分级管控登记表 (page, xlsx, PDF).

Everything is scoped to an enterprise the user may see (404 otherwise); only the enterprise itself imports (403).
"""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from worksafe.core import audit, imports, permissions
from worksafe.core.access import require, scoped_enterprise
from worksafe.core.responses import pdf_response
from worksafe.core.xlsx import RowError, error_context, xlsx_response

from . import io, jobs
from .models import RiskEvent


def _stamp():
    return timezone.localtime().strftime("%Y%m%d_%H%M")


@login_required
@require_GET
def list_export(request, pk):
    """The whole list in the 附件2 layout, with the trailing columns that make it importable without loss."""
    require(permissions.can_export(request.user))
    e = scoped_enterprise(request, pk)
    stamp = _stamp()
    rows = audit.Counted(io.list_rows(e))
    response = xlsx_response(io.export_list(rows), f"{e.name}_安全风险分级管控清单_{stamp}.xlsx", f"risk_list_{e.pk}_{stamp}.xlsx")
    audit.record_export(request, RiskEvent, "安全风险分级管控清单", rows.count, enterprise=e)
    return response


@login_required
@require_GET
def list_template(request, pk):
    scoped_enterprise(request, pk)
    return xlsx_response(io.template(), "安全风险分级管控清单导入模板.xlsx", "risk_list_template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def list_import(request, pk):
    """Upload form; a file with any error changes nothing and lists the errors, a clean one shows what changed."""
    e = scoped_enterprise(request, pk)
    require(permissions.can_edit_risks(request.user, e))
    errors, replace = [], False
    if request.method == "POST":
        upload = request.FILES.get("file")
        replace = request.POST.get("replace") == "on"
        if upload is None:
            errors = [RowError(None, "", "请选择要导入的 xlsx 文件")]
        else:
            job, result = imports.run(request, upload, jobs.IMPORT,
                                      lambda f: io.import_list(f, e, request.user, replace=replace),
                                      label=f"导入安全风险分级管控清单（{e.name}，{upload.name}）", enterprise=e.pk, replace=replace)
            if job:
                return redirect(job)
            if result.ok:
                return render(request, "risks/io_result.html", {"e": e, "result": result, "filename": upload.name})
            errors = result.errors
    context = {
        "e": e,
        **error_context(errors),
        "replace": replace,
        "columns": io.COLUMNS,
        "needed": io.NEEDED,
        "core": io.CORE,
    }
    return render(request, "risks/io_import.html", context)


@login_required
@require_GET
def table3(request, pk):
    e = scoped_enterprise(request, pk)
    context = {"e": e, "events": io.table3_events(e), "headers": io.TABLE3_HEADERS, "notes": io.TABLE3_NOTES}
    return render(request, "risks/table3.html", context)


@login_required
@require_GET
def table3_xlsx(request, pk):
    require(permissions.can_export(request.user))
    e = scoped_enterprise(request, pk)
    events = io.table3_events(e)
    response = xlsx_response(io.table3_workbook(e, events), f"{e.name}_{io.TABLE3_TITLE}.xlsx", f"table3_{e.pk}.xlsx")
    audit.record_export(request, RiskEvent, io.TABLE3_TITLE, len(events), enterprise=e)
    return response


@login_required
@require_GET
def table3_pdf(request, pk):
    require(permissions.can_export(request.user))
    e = scoped_enterprise(request, pk)
    events = io.table3_events(e)
    response = pdf_response(io.table3_pdf(e, events), f"{e.name}_{io.TABLE3_TITLE}.pdf", f"table3_{e.pk}.pdf")
    audit.record_export(request, RiskEvent, f"{io.TABLE3_TITLE}（PDF）", len(events), enterprise=e)
    return response
