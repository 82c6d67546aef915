"""风险巡检 pages: due checks, recording a patrol (on a phone, walking the site), the history, item photos.

Anyone who may see the enterprise sees these pages (regulators read-only); recording is the enterprise's own
users' work (perms.can_patrol). Out of scope: 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from worksafe.core import storage, uploads
from worksafe.core.access import require, scoped_enterprise, scoped_or_404, still_in_scope
from worksafe.core.listing import paginate
from worksafe.hazards.models import Hazard

from . import patrols, perms
from .forms_patrol import PatrolForm, PatrolItemForm
from .models import ControlMeasure, Patrol, PatrolItem, RiskUnit


@login_required
def patrol_due(request, pk):
    """Every control measure with its frequency, last check, deadline and status; ?show=due: only those due."""
    enterprise = scoped_enterprise(request, pk)
    now = timezone.now()
    only_due = request.GET.get("show") == "due"
    context = {
        "e": enterprise, "now": now, "only_due": only_due,
        "counts": patrols.status_counts(enterprise.pk, now),
        "groups": patrols.due_groups(enterprise, now, only_due=only_due),
        "statuses": patrols.STATUSES,
        "can_edit": perms.can_patrol(request.user, enterprise),
    }
    return render(request, "risks/patrol_due.html", context)


@login_required
def patrol_add(request, pk):
    """Record a patrol: ?unit=<id> offers that unit's measures, ?all=1 all of them, by default those due."""
    enterprise = scoped_enterprise(request, pk)
    require(perms.can_patrol(request.user, enterprise))
    now = timezone.now()
    unit = None
    if request.GET.get("unit"):
        unit = get_object_or_404(RiskUnit.objects.select_related("object"), pk=_int(request.GET["unit"]), enterprise=enterprise)
    include_all = request.GET.get("all") == "1"
    if request.method == "POST":
        # The measures shown when the form was opened (the due list moves on meanwhile); only this enterprise's.
        measures = patrols.measures_by_ids(enterprise, request.POST.getlist("measure"))
        rows = [patrols.Row(m, patrols.status_of(m, now)) for m in measures]
    else:
        rows = patrols.measures_to_check(enterprise, unit=unit, include_all=include_all, now=now)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = PatrolForm(data, now=now, initial={
        "patrolled_at": timezone.localtime(now).replace(second=0, microsecond=0),
        "patroller_name": request.user.full_name,
    })
    items = [PatrolItemForm(data, files, measure=r.measure, status=r.status) for r in rows]
    if request.method == "POST":
        valid = all([form.is_valid(), *[f.is_valid() for f in items]])
        checked = [f for f in items if f.answered]
        if valid and not checked:
            form.add_error(None, "请至少检查一项管控措施（选择“落实”或“未落实”）")
        elif valid:
            d = form.cleaned_data
            patrol = storage.save(form, lambda: still_in_scope(request, patrols.record_patrol(
                enterprise, request.user, d["patrolled_at"], d["patroller_name"], [f.check() for f in checked],
                note=d["note"])))
            if patrol is not storage.NOT_SAVED:
                failed = sum(1 for f in checked if f.cleaned_data["result"] == PatrolItemForm.NOT_IN_PLACE)
                messages.success(request, _patrol_saved(patrol, len(checked), failed))
                return redirect("risks:patrol_detail", patrol.pk)
        if request.FILES and not (valid and checked):  # a storage failure's message says so already
            messages.warning(request, "保存未成功，已选择的照片需要重新选择。")
    invalid = [f for f in items if f.is_bound and f.errors]
    context = {
        "e": enterprise, "form": form, "items": items, "unit": unit, "include_all": include_all,
        "groups": _grouped(items), "now": now,
        "items_invalid": invalid,
    }
    return render(request, "risks/patrol_form.html", context)


def _patrol_saved(patrol, checked, failed):
    """What the patrol's result page says first: the count, and the hazards its 未落实 items raised (the hazards
    module raises them, and tells the enterprise's accounts, once the patrol has committed: hazards/signals.py)."""
    text = f"已记录巡检：检查 {checked} 项管控措施"
    if not failed:
        return text + "，全部落实。"
    raised = Hazard.objects.filter(patrol_item__patrol=patrol).count()
    if not raised:
        return text + f"，其中 {failed} 项未落实。"
    return text + f"，其中 {failed} 项未落实，已形成 {raised} 条隐患（已上报），已通知本单位人员整改，见下方各项的隐患链接。"


def _grouped(item_forms):
    """[(unit, [item form])] in the given order."""
    groups = []
    for f in item_forms:
        unit = f.measure.event.source.unit
        if not groups or groups[-1][0] != unit:
            groups.append((unit, []))
        groups[-1][1].append(f)
    return groups


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
def patrol_list(request, pk):
    """巡检记录: the enterprise's patrols, newest first; ?measure=<id>: those that checked one measure."""
    enterprise = scoped_enterprise(request, pk)
    qs = enterprise.risk_patrols.annotate(
        item_count=Count("items"), failed_count=Count("items", filter=Q(items__in_place=False)),
    ).order_by("-patrolled_at", "-pk")
    measure = None
    if request.GET.get("measure"):
        measure = get_object_or_404(ControlMeasure, pk=_int(request.GET["measure"]), enterprise=enterprise)
        qs = qs.filter(pk__in=PatrolItem.objects.filter(measure=measure).values("patrol_id"))
    context = {
        "e": enterprise, "page": paginate(request, qs), "measure": measure,
        "can_edit": perms.can_patrol(request.user, enterprise),
    }
    return render(request, "risks/patrol_list.html", context)


@login_required
def patrol_detail(request, pk):
    patrol = scoped_or_404(request, Patrol, pk=pk)
    enterprise = scoped_enterprise(request, patrol.enterprise_id)
    items = list(patrol.items.select_related("measure__event__source__unit", "hazard"))
    register = reverse("risks:register_detail", args=[enterprise.pk])
    for item in items:
        item.tree_url = f"{register}#controlmeasure-{item.measure_id}" if item.measure_id else None
    context = {
        "e": enterprise, "patrol": patrol, "items": items, "failed": sum(1 for i in items if not i.in_place),
        "can_edit": perms.can_patrol(request.user, enterprise),
    }
    return render(request, "risks/patrol_detail.html", context)


patrol_item_photo = uploads.serve_view(PatrolItem, "photo", lambda item: f"巡检照片-{item.pk}")

