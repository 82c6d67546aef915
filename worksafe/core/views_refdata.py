"""参考数据维护: one set of pages for every reference table registered with core.refdata (行政区域, 行业分类, 主管部门,
事故类别, 隐患类别 …), at /system/reference/<key>/. The system administrator's duty (permissions.CONFIGURE, seed 001 六
1.2–1.4 under 系统管理); every change is audited by the model's registration with core.audit."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from . import imports, permissions, refdata
from .access import require
from .audit import record_export
from .xlsx import RowError, error_context, xlsx_response

PAGE = 100


def _table(request, key):
    require(permissions.has(request.user, permissions.CONFIGURE))
    table = refdata.get(key)
    if table is None:
        raise Http404
    return table


def _rows(table, request):
    qs = table.model.objects.select_related(*table.relations)
    q = request.GET.get("q", "").strip()
    if q:
        cond = Q(pk__startswith=q)
        for name in table.search:
            cond |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(cond)
    state = request.GET.get("state", "all")
    if state in ("active", "inactive"):
        qs = qs.filter(is_active=state == "active")
    return qs, q, state


@login_required
def refdata_list(request):
    require(permissions.has(request.user, permissions.CONFIGURE))
    return render(request, "core/refdata_list.html", {"tables": refdata.tables()})


@login_required
def refdata_table(request, key):
    table = _table(request, key)
    qs, q, state = _rows(table, request)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    rows = [(obj, [_display(obj, name) for name, _ in table.columns]) for obj in page]
    return render(request, "core/refdata_table.html",
                  {"table": table, "tables": refdata.tables(), "page": page, "rows": rows, "q": q, "state": state})


def _display(obj, name):
    field = obj._meta.get_field(name)
    if field.choices:
        return getattr(obj, f"get_{name}_display")()
    value = getattr(obj, name)
    if field.is_relation and value is not None:
        return f"{value.pk} {value.name}"
    return "—" if value in (None, "") else value


@login_required
def refdata_edit(request, key, code=None):
    table = _table(request, key)
    obj = get_object_or_404(table.model, pk=code) if code is not None else None
    form = table.form_class()(request.POST or None, instance=obj, table=table)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(request, f"已保存{table.title}“{saved.name}”。")
        return redirect("core:refdata_table", key)
    return render(request, "core/refdata_form.html", {"table": table, "form": form, "obj": obj})


@login_required
@require_POST
def refdata_state(request, key, code, action):
    """停用 / 启用 (a value in use is only ever deactivated) or 删除 (a value nothing refers to)."""
    table = _table(request, key)
    if action not in ("activate", "deactivate", "delete"):
        raise Http404
    obj = get_object_or_404(table.model, pk=code)
    back = redirect("core:refdata_table", key)
    if action == "delete":
        used = refdata.uses(obj, limit=3)
        if used:
            what = "、".join(label for label, _ in used)
            messages.error(request, f"{table.title}“{obj.name}”已被{what}引用，不能删除，只能停用。")
            return back
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError:  # referred to since the check
            messages.error(request, f"{table.title}“{obj.name}”已被引用，不能删除，只能停用。")
            return back
        messages.success(request, f"已删除{table.title}“{obj.name}”。")
        return back
    with transaction.atomic():
        obj.is_active = action == "activate"
        obj.save(update_fields=["is_active"])
    messages.success(request, f"已{'启用' if obj.is_active else '停用'}{table.title}“{obj.name}”。")
    return back


@login_required
def refdata_import(request, key):
    table = _table(request, key)
    errors = []
    upload = request.FILES.get("file") if request.method == "POST" else None
    if request.method == "POST" and upload is None:
        errors = [RowError(None, "", "请选择要导入的 xlsx 文件")]
    elif upload is not None:
        job, result = imports.run(request, upload, refdata.IMPORT_JOB, lambda f: refdata.import_rows(table, f),
                                  label=f"导入{table.title}", key=key)
        if job:
            return redirect(job)
        if result.ok:
            messages.success(request, f"已导入{table.title}：{result.message}")
            return redirect("core:refdata_table", key)
        errors = result.errors
    return render(request, "core/refdata_import.html",
                  {"table": table, "columns": table.spec.import_columns, **error_context(errors)})


@login_required
@require_GET
def refdata_template(request, key):
    table = _table(request, key)
    return xlsx_response(table.spec.template(), f"{table.title}导入模板.xlsx", f"{key}_template.xlsx")


@login_required
@require_GET
def refdata_export(request, key):
    table = _table(request, key)
    qs, _, _ = _rows(table, request)
    rows = list(qs)
    record_export(request, table.model, table.title, len(rows))
    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_response(table.spec.export(rows), f"{table.title}{stamp}.xlsx", f"{key}_{stamp}.xlsx")

