"""风险四色图: the enterprise's site plan with its analysis units coloured by their most severe risk, the ready-made
map file, placing units (the enterprise's own users), and the regulators' list of maps in their jurisdiction.

Files are served only through the scoped views here (`uploads.serve`), never from a media URL.
"""
import os
from functools import partial

import pypdfium2
from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from PIL import Image

from worksafe.archive.models import Enterprise
from worksafe.core import permissions, storage, uploads
from worksafe.core.access import regulator_only, require, save_in_scope, scoped_enterprise, scoped_or_404, still_in_scope
from worksafe.core.listing import paginate, sort
from worksafe.core.risk_levels import ORDER, grade, overall

from .forms_map import MapFilter, PlaceForm, PlanForm, ReadyMapForm
from .models import FourColourMap, RiskEvent, RiskUnit

NOT_GRADED = "none"  # data-level of a unit without graded events (a grey marker)
LIST_COLUMNS = {"name": "name", "region": ("region_id", "name"), "updated_at": "four_colour_map__updated_at"}


# ---- the map page ----

def _file_url(name, enterprise, field_file):
    """The scoped URL of a stored file, versioned by its (random) stored name so a replaced file is never cached."""
    if not field_file:
        return ""
    version = os.path.splitext(os.path.basename(field_file.name))[0][:12]
    return f"{reverse(name, args=[enterprise.pk])}?v={version}"


def map_units(enterprise):
    """The enterprise's analysis units, each with `.events` (its graded risks, most severe first), `.level` (the
    most severe, or NOT_GRADED) and `.grade`: two queries."""
    units = list(RiskUnit.objects.filter(enterprise_id=enterprise.pk).select_related("object"))
    events = {}
    rows = (RiskEvent.objects.filter(enterprise_id=enterprise.pk).exclude(level="").order_by()
            .values_list("source__unit_id", "source__name", "name", "level", "key_control", "pk"))
    severity = {level.value: i for i, level in enumerate(ORDER)}
    for unit_id, source, name, level, key_control, pk in rows:
        events.setdefault(unit_id, []).append({"source": source, "name": name, "grade": grade(level), "key_control": key_control,
                                               "pk": pk})
    for unit in units:
        unit.events = sorted(events.get(unit.pk, []), key=lambda ev: (severity[ev["grade"].value], ev["pk"]))
        level = overall(ev["grade"].value for ev in unit.events)
        unit.level = level.value if level else NOT_GRADED
        unit.grade = grade(level)
        unit.placed = unit.map_x is not None and unit.map_y is not None
        if unit.placed:  # CSS percentages, written with a point whatever the locale
            unit.left, unit.top = f"{unit.map_x * 100:.2f}", f"{unit.map_y * 100:.2f}"
    return units


def legend(units):
    """[(Grade or None, number of units)] for the four levels, then 未评级."""
    counts = {level.value: 0 for level in ORDER}
    counts[NOT_GRADED] = 0
    for unit in units:
        counts[unit.level] += 1
    return [(grade(level), counts[level.value]) for level in ORDER] + [(None, counts[NOT_GRADED])]


@csp_replace({"object-src": [SELF]})  # the ready-made map may be a PDF, shown in an <object> (settings: 'none')
def _render_map(request, enterprise, plan_form=None, ready_form=None, place_error="", status=200):
    fcm = FourColourMap.objects.filter(enterprise_id=enterprise.pk).first()
    units = map_units(enterprise)
    can_edit = permissions.can_edit_risks(request.user, enterprise)
    ready_url = _file_url("risks:map_ready", enterprise, fcm.ready_map) if fcm else ""
    context = {
        "e": enterprise,
        "fcm": fcm,
        "plan_url": _file_url("risks:map_plan", enterprise, fcm.plan) if fcm else "",
        "ready_url": ready_url,
        "ready_is_pdf": bool(ready_url) and fcm.ready_map_type == uploads.PDF,
        "units": units,
        "placed": [u for u in units if u.placed],
        "unplaced": [u for u in units if not u.placed],
        "legend": legend(units),
        "can_edit": can_edit,
        "plan_form": plan_form or (PlanForm() if can_edit else None),
        "ready_form": ready_form or (ReadyMapForm() if can_edit else None),
        "place_error": place_error,
    }
    return render(request, "risks/map.html", context, status=status)


@login_required
@require_GET
def map_page(request, pk):
    """风险四色图 of one enterprise: read-only for regulators, editable by the enterprise's own users."""
    return _render_map(request, scoped_enterprise(request, pk))


# ---- files ----

def _map_of(enterprise):
    return FourColourMap.objects.filter(enterprise_id=enterprise.pk).first() or FourColourMap(enterprise=enterprise)


def _served(request, enterprise, field_file, label):
    ext = os.path.splitext(field_file.name)[1] if field_file else ""
    return uploads.serve(field_file, filename=f"{enterprise.name}{label}{ext}", inline=request.GET.get("download") != "1")


@login_required
@require_GET
def plan_file(request, pk):
    enterprise = scoped_enterprise(request, pk)
    return _served(request, enterprise, _map_of(enterprise).plan, "厂区平面图")


@login_required
@require_GET
@xframe_options_sameorigin  # a PDF map is shown in an <object> on the map page
@csp_replace({"frame-ancestors": [SELF]})
def ready_file(request, pk):
    enterprise = scoped_enterprise(request, pk)
    return _served(request, enterprise, _map_of(enterprise).ready_map, "风险四色图")


def _delete_stored(name):
    if name:
        default_storage.delete(name)


def _store(enterprise, field_name, content, name, **fields):
    """Store `content` as the enterprise's map's `field_name` (creating the map row if needed) and set `fields`, in
    one audited save. The replaced file is deleted once the change is committed; a failed save leaves no new file
    (run inside storage.save, which also says why on the form)."""
    fcm = _map_of(enterprise)
    field_file = getattr(fcm, field_name)
    transaction.on_commit(partial(_delete_stored, field_file.name))
    field_file.save(name, content, save=False)
    for key, value in fields.items():
        setattr(fcm, key, value)
    fcm.save()
    return fcm


def _displayed_size(upload):
    """(width, height) of an uploaded image as a browser shows it: a JPEG's EXIF orientation may turn it by 90°."""
    width, height = uploads.image_size(upload)
    try:
        with Image.open(upload) as img:
            turned = img.getexif().get(0x0112) in (5, 6, 7, 8)
    except OSError:
        turned = False
    finally:
        upload.seek(0)
    return (height, width) if turned else (width, height)


@login_required
@require_POST
def plan_upload(request, pk):
    """Upload or replace the site plan; a PDF's first page is rendered to PNG (the plan is always an image)."""
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_edit_risks(request.user, enterprise))
    form = PlanForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_map(request, enterprise, plan_form=form, status=400)
    upload = form.cleaned_data["plan"]
    if upload.checked_type == uploads.PDF:
        try:
            content, (width, height) = uploads.pdf_first_page_png(upload)
        except pypdfium2.PdfiumError:
            form.add_error("plan", "无法读取该 PDF 的第一页，请另存为图片或重新导出 PDF 后上传")
            return _render_map(request, enterprise, plan_form=form, status=400)
    else:
        content, (width, height) = upload, _displayed_size(upload)
    work = partial(_store, enterprise, "plan", content, content.name, plan_width=width, plan_height=height)
    if storage.save(form, lambda: still_in_scope(request, work()), field="plan") is storage.NOT_SAVED:
        return _render_map(request, enterprise, plan_form=form, status=503)
    messages.success(request, "厂区平面图已上传。选择分析单元后，在平面图上点击即可标注其位置。")
    return redirect("risks:map_detail", enterprise.pk)


@login_required
@require_POST
def ready_upload(request, pk):
    """Upload or replace the ready-made four-colour map (an image or a PDF, kept as uploaded)."""
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_edit_risks(request.user, enterprise))
    form = ReadyMapForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_map(request, enterprise, ready_form=form, status=400)
    upload = form.cleaned_data["ready_map"]
    work = partial(_store, enterprise, "ready_map", upload, upload.name, ready_map_type=upload.checked_type)
    if storage.save(form, lambda: still_in_scope(request, work()), field="ready_map") is storage.NOT_SAVED:
        return _render_map(request, enterprise, ready_form=form, status=503)
    messages.success(request, "风险四色图文件已上传。")
    return redirect("risks:map_detail", enterprise.pk)


@login_required
@require_POST
def ready_delete(request, pk):
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_edit_risks(request.user, enterprise))
    fcm = FourColourMap.objects.filter(enterprise_id=enterprise.pk).first()
    if fcm and fcm.ready_map:
        with transaction.atomic():
            transaction.on_commit(partial(_delete_stored, fcm.ready_map.name))
            fcm.ready_map = ""
            fcm.ready_map_type = ""
            fcm.save()
        messages.success(request, "风险四色图文件已删除。")
    return redirect("risks:map_detail", enterprise.pk)


# ---- placing a unit ----

def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def unit_place(request, pk):
    """Place a unit at (x, y), fractions of the plan's width and height, or take it off the map (`clear`).

    Answers JSON to a script (Accept: application/json); a plain form post is redirected back to the map, or the
    map is shown again with the error."""
    unit = scoped_or_404(request, RiskUnit, pk=pk)
    enterprise = scoped_enterprise(request, unit.enterprise_id)
    require(permissions.can_edit_risks(request.user, enterprise))
    form = PlaceForm(request.POST)
    error = ""
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
    elif not form.cleaned_data["clear"] and not FourColourMap.objects.filter(enterprise_id=enterprise.pk).exclude(plan="").exists():
        error = "请先上传厂区平面图，再标注分析单元的位置"
    if error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": error}, status=400)
        return _render_map(request, enterprise, place_error=f"{unit.name}：{error}", status=400)
    clear = form.cleaned_data["clear"]
    unit.map_x, unit.map_y = (None, None) if clear else (round(form.cleaned_data["x"], 4), round(form.cleaned_data["y"], 4))
    with transaction.atomic():
        save_in_scope(request, unit)  # audited: 平面图横坐标/纵坐标 before → after
        _touch(enterprise)
    message = f"已将“{unit.name}”从平面图移除" if clear else f"已标注“{unit.name}”的位置"
    if _wants_json(request):
        return JsonResponse({"ok": True, "unit": unit.pk, "x": unit.map_x, "y": unit.map_y, "message": message})
    messages.success(request, message)
    return redirect("risks:map_detail", enterprise.pk)


def _touch(enterprise):
    """The map's 更新时间 follows its markers (updated_at is not audited: no second change record)."""
    fcm = FourColourMap.objects.filter(enterprise_id=enterprise.pk).first()
    if fcm:
        fcm.save(update_fields=["updated_at"])


# ---- the regulators' list ----

@login_required
@require_GET
def map_list(request):
    """风险四色图 of the enterprises in the user's jurisdiction: plan uploaded, units placed, ready map, risk grade."""
    regulator_only(request)
    base = Enterprise.objects.for_user(request.user).select_related("region", "industry", "four_colour_map")
    filterset = MapFilter(request.GET, base, user=request.user)
    qs, sort_key = sort(request, filterset.qs, LIST_COLUMNS, "region")
    page = paginate(request, qs, by_id=bool(request.GET.get("q", "").strip()))
    ids = [e.pk for e in page]
    counts = {
        row["enterprise_id"]: row
        for row in RiskUnit.objects.filter(enterprise_id__in=ids).order_by().values("enterprise_id")
        .annotate(total=Count("id"), placed=Count("id", filter=Q(map_x__isnull=False, map_y__isnull=False)))
    }
    for e in page:
        e.fcm = getattr(e, "four_colour_map", None)
        row = counts.get(e.pk, {})
        e.units_total, e.units_placed = row.get("total", 0), row.get("placed", 0)
    return render(request, "risks/map_list.html", {"filter": filterset, "page": page, "sort": sort_key})
