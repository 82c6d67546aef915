"""Checklists (自查标准 / 自定义标准, seed 001 2.4–2.5), check plans (排查计划) and check records (排查记录, seed 004
二、(二) 2).

Guidelines are seen by every logged-in user and maintained by the organisation that published them; a custom
checklist, a plan and a check are seen by their enterprise and the regulators in scope (404 for anyone else).
Plans and checks are the enterprise's own work; regulators read them and review the custom checklists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, ProtectedError, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from worksafe.core import audit, imports, permissions, storage, uploads
from worksafe.core.access import require, save_in_scope, scoped_enterprise, scoped_or_404, still_in_scope
from worksafe.core.listing import paginate
from worksafe.core.xlsx import error_context, xlsx_response

from . import checklists, checks, jobs, plans
from .forms_checks import (
    CheckForm,
    CheckItemForm,
    ChecklistForm,
    CustomChecklistFilter,
    GuidelineFilter,
    GuidelineImportForm,
    PlanForm,
    ReviewForm,
    checklist_choices,
    item_formset,
)
from .models import Checklist, ChecklistState, CheckPlan, HazardCheck, HazardCheckItem

MAX_EXTRA_ROWS = 50


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _messages(error):
    return "；".join(error.messages)


# ---- checklists -------------------------------------------------------------------------------------------------


def scoped_checklist(request, pk):
    """A guideline, or a custom checklist of an enterprise the user may see; 404 otherwise."""
    qs = checklists.visible(request.user).select_related("industry", "owner", "enterprise__region", "based_on")
    checklist = get_object_or_404(qs, pk=pk)
    if checklist.enterprise_id:
        permissions.mark_in_scope(request.user, checklist.enterprise)
    return checklist


@login_required
@require_GET
def checklist_list(request):
    """自查标准: the guidelines, those of the enterprise's industry first; an enterprise also sees its own ones."""
    user = request.user
    qs = Checklist.objects.filter(enterprise__isnull=True).select_related("industry", "owner").annotate(item_count=Count("items"))
    filterset = GuidelineFilter(request.GET, qs)
    rows = filterset.qs
    own, derived = [], {}
    if user.is_enterprise_user:
        industry = user.enterprise.industry
        mine = [industry.pk] + ([industry.parent_id] if industry.parent_id else [])
        rank = Case(When(industry_id__in=mine, then=Value(0)), When(industry__isnull=True, then=Value(1)), default=Value(2),
                    output_field=IntegerField())
        rows = rows.annotate(rank=rank).order_by("rank", F("industry__sort").asc(nulls_first=True), "industry_id", "name", "pk")
        own = list(Checklist.objects.filter(enterprise_id=user.enterprise_id).select_related("based_on")
                   .annotate(item_count=Count("items")).order_by("name", "pk"))
        derived = {c.based_on_id: c for c in own if c.based_on_id}
        for c in own:
            c.state_color = checklists.STATE_COLORS[c.state]
    else:
        rows = rows.annotate(rank=Value(0, output_field=IntegerField())).order_by(
            F("industry__sort").asc(nulls_first=True), "industry_id", "name", "pk")
    page = paginate(request, rows)
    for c in page.object_list:
        c.own_copy = derived.get(c.pk)
    context = {
        "filter": filterset, "page": page, "own": own, "can_import": checklists.can_import(user),
        "is_reviewer": checklists.is_reviewer(user),
        "pending": _pending_reviews(user) if checklists.is_reviewer(user) else 0,
    }
    return render(request, "hazards/checklist_list.html", context)


def _pending_reviews(user):
    return Checklist.objects.for_user(user).filter(state=ChecklistState.SUBMITTED).count()


@login_required
@require_GET
def checklist_detail(request, pk):
    checklist = scoped_checklist(request, pk)
    user = request.user
    items = list(checklist.items.select_related("category"))
    own_copies = []
    if checklist.is_guideline and user.is_enterprise_user:
        own_copies = list(Checklist.objects.filter(enterprise_id=user.enterprise_id, based_on=checklist))
    manages = checklists.can_manage_guideline(user, checklist)
    context = {
        "c": checklist, "groups": checklists.grouped(items), "item_count": len(items), "own_copies": own_copies,
        "state_color": checklists.STATE_COLORS.get(checklist.state),
        "can_edit": checklists.can_edit(user, checklist), "can_delete": checklists.can_delete(user, checklist),
        "can_replace": manages, "can_derive": checklists.can_derive(user, checklist),
        "can_submit": checklists.REVIEW.can(user, checklist, "submit"),
        "can_review": checklists.REVIEW.can(user, checklist, "approve"),
        "awaiting_review": checklists.is_own(user, checklist) and checklist.state == ChecklistState.SUBMITTED,
        "plan_count": checklist.plans.count() if (manages or checklists.is_own(user, checklist)) else None,
        "review_form": ReviewForm(),
    }
    return render(request, "hazards/checklist_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_import(request):
    """Import a guideline from xlsx, or (?replace=<pk>) replace the items of one the user manages."""
    user = request.user
    require(checklists.can_import(user))
    replace = None
    if request.GET.get("replace"):
        replace = get_object_or_404(Checklist.objects.filter(enterprise__isnull=True), pk=_int(request.GET["replace"]))
        require(checklists.can_manage_guideline(user, replace))
    initial = {"name": replace.name, "industry": replace.industry_id, "note": replace.note} if replace else {}
    form = GuidelineImportForm(request.POST or None, request.FILES or None, initial=initial)
    errors = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        job, result = imports.run(
            request, d["file"], jobs.IMPORT,
            lambda f: checklists.import_guideline(f, user, name=d["name"], industry=d["industry"], note=d["note"], replace=replace),
            label=f"导入指引标准《{d['name']}》", name=d["name"], industry=d["industry"].pk if d["industry"] else None,
            note=d["note"], replace=replace.pk if replace else None)
        if job:
            return redirect(job)
        if result.ok:
            messages.success(request, result.message)
            return redirect("hazards:checklist_detail", result.checklist.pk)
        errors = result.errors
    context = {"form": form, "replace": replace, "columns": checklists.SPEC.columns, **error_context(errors)}
    return render(request, "hazards/checklist_import.html", context)


@login_required
@require_GET
def checklist_template(request):
    return xlsx_response(checklists.template(), "隐患排查标准导入模板.xlsx", "checklist_template.xlsx")


@login_required
@require_GET
def checklist_export(request, pk):
    require(permissions.can_export(request.user))
    checklist = scoped_checklist(request, pk)
    stamp = timezone.localtime().strftime("%Y%m%d")
    items = audit.Counted(checklist.items.select_related("category"))
    response = xlsx_response(checklists.export(items), f"{checklist.name}_{stamp}.xlsx", f"checklist_{checklist.pk}_{stamp}.xlsx")
    audit.record_export(request, Checklist, f"隐患排查标准“{checklist.name}”", items.count, enterprise=checklist.enterprise)
    return response


@login_required
@require_POST
def checklist_derive(request, pk):
    """Copy a guideline into the enterprise's own draft (自定义标准) and open it for editing."""
    guideline = scoped_checklist(request, pk)
    require(checklists.can_derive(request.user, guideline))
    with transaction.atomic():
        checklist = still_in_scope(request, checklists.derive(guideline, request.user))
    messages.success(request, f"已依据指引标准《{guideline.name}》制定本企业标准（未提交）：请删改检查内容，保存后提交审核。")
    return redirect("hazards:checklist_edit", checklist.pk)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_edit(request, pk):
    """The checklist's fields and its items (keep, edit, delete, add); a changed approved checklist goes back to
    未提交 and must be submitted again."""
    checklist = scoped_checklist(request, pk)
    user = request.user
    if checklists.is_own(user, checklist) and checklist.state == ChecklistState.SUBMITTED:
        messages.error(request, f"标准《{checklist.name}》正在等待监管部门审核，审核完成前不能修改。")
        return redirect("hazards:checklist_detail", checklist.pk)
    require(checklists.can_edit(user, checklist))
    extra = min(max(_int(request.GET.get("add")) or 2, 1), MAX_EXTRA_ROWS)
    data = request.POST if request.method == "POST" else None
    form = ChecklistForm(data, instance=checklist)
    # New rows continue the numbering (an untouched blank row is not saved).
    last = checklist.items.aggregate(last=Max("order"))["last"] or 0
    formset = item_formset(extra)(data, instance=checklist, prefix="items", queryset=checklist.items.all(),
                                  initial=[{"order": last + n} for n in range(1, extra + 1)])
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        changed = form.has_changed() or formset.has_changed()
        with transaction.atomic():
            if changed:  # the checklist's 更新时间 follows its items too
                form.save()
            formset.save()
            still_in_scope(request, checklist)
            reopened = changed and checklists.reopen(checklist, user)
        if reopened:
            messages.warning(request, "标准已保存。该标准原已审核通过，修改后须重新提交审核。")
        else:
            messages.success(request, "标准已保存。" if changed else "没有修改。")
        return redirect("hazards:checklist_detail", checklist.pk)
    context = {"c": checklist, "form": form, "formset": formset, "extra": extra,
               "approved": checklist.state == ChecklistState.APPROVED and not checklist.is_guideline}
    return render(request, "hazards/checklist_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_delete(request, pk):
    checklist = scoped_checklist(request, pk)
    require(checklists.can_delete(request.user, checklist))
    plan_count = checklist.plans.count()
    if request.method == "POST":
        try:
            with transaction.atomic():
                checklist.delete()
        except ProtectedError:
            messages.error(request, f"标准《{checklist.name}》正被 {checklist.plans.count()} 个排查计划使用，不能删除。"
                                    "请先修改这些计划的排查标准或删除计划。")
            return redirect("hazards:checklist_detail", checklist.pk)
        messages.success(request, f"已删除排查标准《{checklist.name}》。")
        return redirect("hazards:checklist_list")
    return render(request, "hazards/checklist_delete.html", {"c": checklist, "plan_count": plan_count})


@login_required
@require_POST
def checklist_submit(request, pk):
    checklist = scoped_checklist(request, pk)
    require(checklists.can_submit(request.user, checklist))  # the enterprise's own, whatever the state
    try:
        checklists.REVIEW.perform(checklist, "submit", request.user)
    except ValidationError as e:
        messages.error(request, _messages(e))
    else:
        messages.success(request, f"标准《{checklist.name}》已提交，等待监管部门审核。")
    return redirect("hazards:checklist_detail", checklist.pk)


@login_required
@require_POST
def checklist_review(request, pk):
    """approve / return (with the reason) a submitted custom checklist."""
    checklist = scoped_checklist(request, pk)
    action = request.POST.get("action")
    require(action in ("approve", "return") and checklists.can_review(request.user, checklist))
    form = ReviewForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else request.POST.get("reason", "")
    try:
        checklists.REVIEW.perform(checklist, action, request.user, reason)
    except ValidationError as e:
        messages.error(request, _messages(e))
        return redirect("hazards:checklist_detail", checklist.pk)
    done = "审核通过" if action == "approve" else "退回"
    messages.success(request, f"{checklist.enterprise.name}的标准《{checklist.name}》已{done}。")
    return redirect("hazards:checklist_custom_list")


@login_required
@require_GET
def custom_checklists(request):
    """自定义标准管理: the custom checklists of the enterprises in scope, those awaiting review first."""
    user = request.user
    require(checklists.is_reviewer(user))
    qs = (Checklist.objects.for_user(user)
          .select_related("enterprise__region", "based_on", "industry"))
    filterset = CustomChecklistFilter(request.GET, qs, user=user)
    waiting = Case(When(state=ChecklistState.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = filterset.qs.annotate(waiting=waiting).order_by("waiting", "-updated_at", "-pk")
    page = paginate(request, rows, by_id=True)
    counts = dict(Checklist.objects.filter(pk__in=[c.pk for c in page.object_list]).order_by()
                  .values_list("pk").annotate(n=Count("items")))
    for c in page.object_list:
        c.item_count, c.state_color = counts.get(c.pk, 0), checklists.STATE_COLORS[c.state]
    context = {"filter": filterset, "page": page, "pending": _pending_reviews(user)}
    return render(request, "hazards/checklist_custom.html", context)


# ---- plans ------------------------------------------------------------------------------------------------------


def scoped_plan(request, pk):
    plan = scoped_or_404(request, CheckPlan.objects.select_related("enterprise", "checklist"), pk=pk)
    permissions.mark_in_scope(request.user, plan.enterprise)
    return plan


@login_required
@require_GET
def plan_list(request, pk):
    """排查计划 with each plan's current period (本期已排查 / 待排查) and the missed periods among the last 12."""
    e = scoped_enterprise(request, pk)
    today = timezone.localdate()
    rows = list(e.check_plans.select_related("checklist__industry"))
    statuses = plans.statuses(rows, today)
    for p in rows:
        p.status = statuses[p.pk]
    context = {
        "e": e, "plans": rows, "today": today, "history": plans.HISTORY,
        "due": sum(1 for p in rows if p.status.key == "due"),
        "missed": sum(p.status.missed for p in rows),
        "can_edit": checks.can_check(request.user, e),
    }
    return render(request, "hazards/plan_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_add(request, pk):
    e = scoped_enterprise(request, pk)
    require(checks.can_check(request.user, e))
    form = PlanForm(request.POST or None, enterprise=e, instance=CheckPlan(enterprise=e))
    if request.method == "POST" and form.is_valid():
        plan = save_in_scope(request, form)
        messages.success(request, f"已添加排查计划“{plan.name}”。")
        return redirect("hazards:plan_list", e.pk)
    return render(request, "hazards/plan_form.html", {"e": e, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = scoped_plan(request, pk)
    e = plan.enterprise
    require(checks.can_check(request.user, e))
    form = PlanForm(request.POST or None, enterprise=e, instance=plan)
    if request.method == "POST" and form.is_valid():
        save_in_scope(request, form)
        messages.success(request, f"排查计划“{plan.name}”已保存。")
        return redirect("hazards:plan_list", e.pk)
    return render(request, "hazards/plan_form.html", {"e": e, "form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def plan_delete(request, pk):
    """Deleting a plan keeps its check records (they lose the link to the plan)."""
    plan = scoped_plan(request, pk)
    e = plan.enterprise
    require(checks.can_check(request.user, e))
    if request.method == "POST":
        plan.delete()
        messages.success(request, f"已删除排查计划“{plan.name}”，其排查记录仍保留。")
        return redirect("hazards:plan_list", e.pk)
    return render(request, "hazards/plan_delete.html", {"e": e, "plan": plan, "check_count": plan.checks.count()})


# ---- check records ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def check_list(request, pk):
    """排查记录: date, kind, plan, checker, items, 不符合 and the hazards raised; ?plan=<id>: one plan's checks."""
    e = scoped_enterprise(request, pk)
    qs = e.hazard_checks.select_related("plan").annotate(
        item_count=Count("items"), fail_count=Count("items", filter=Q(items__result=HazardCheckItem.Result.FAIL)),
        hazard_count=Count("items__hazard"),
    ).order_by("-checked_on", "-pk")
    plan = None
    if request.GET.get("plan"):
        plan = get_object_or_404(e.check_plans, pk=_int(request.GET["plan"]))
        qs = qs.filter(plan=plan)
    context = {"e": e, "page": paginate(request, qs), "plan": plan, "can_edit": checks.can_check(request.user, e)}
    return render(request, "hazards/check_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def check_add(request, pk):
    """Record a check (a phone form, item by item): ?plan=<id> by a plan; ?checklist=<id> or ?measures=1 ad hoc;
    without either, choose."""
    e = scoped_enterprise(request, pk)
    user = request.user
    require(checks.can_check(user, e))
    today = timezone.localdate()
    plan, checklist, use_measures = None, None, False
    if request.GET.get("plan"):
        plan = get_object_or_404(e.check_plans.select_related("checklist"), pk=_int(request.GET["plan"]))
        checklist, use_measures = plan.checklist, plan.use_measures
    elif request.GET.get("checklist"):
        checklist = get_object_or_404(Checklist.objects.filter(checklists.usable_q(e)), pk=_int(request.GET["checklist"]))
    elif request.GET.get("measures") == "1":
        use_measures = True
    else:
        rows = list(e.check_plans.filter(active=True).select_related("checklist"))
        statuses = plans.statuses(rows, today)
        for p in rows:
            p.status = statuses[p.pk]
        context = {"e": e, "plans": rows, "checklists": checklist_choices(e),
                   "measure_count": checks.measures_of(e).count()}
        return render(request, "hazards/check_choose.html", context)

    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    items = list(checklist.items.all()) if checklist else []
    measures = list(checks.measures_of(e)) if use_measures else []
    item_forms = [CheckItemForm(data, files, text=i.content, item=i) for i in items]
    measure_forms = [CheckItemForm(data, files, text=m.content, measure=m) for m in measures]
    form = CheckForm(data, today=today, initial={
        "checked_on": today, "checker_name": user.full_name or (plan.person if plan else ""),
        "kind": plan.kind if plan else "daily",
    })
    if request.method == "POST":
        all_forms = item_forms + measure_forms
        valid = all([form.is_valid(), *[f.is_valid() for f in all_forms]])
        answered = [f for f in all_forms if f.answered]
        if valid and not answered:
            form.add_error(None, "请至少检查一项（选择“符合”或“不符合”）")
        elif valid:
            d = form.cleaned_data
            def work():
                recorded = checks.record_check(
                    e, user, [f.answer() for f in answered], checked_on=d["checked_on"], checker_name=d["checker_name"],
                    kind=d["kind"], plan=plan, checklist=checklist, note=d["note"])
                still_in_scope(request, recorded.check)
                return recorded

            recorded = storage.save(form, work)
            if recorded is not storage.NOT_SAVED:
                n, m = len(recorded.items), recorded.failed
                if m:
                    messages.success(request, f"已记录排查：{n} 项，不符合 {m} 项，已生成 {m} 条隐患，请补充整改要求")
                else:
                    messages.success(request, f"已记录排查：{n} 项，全部符合。")
                return redirect("hazards:check_detail", recorded.check.pk)
        if files and not (valid and answered):  # a storage failure's message says so already
            messages.warning(request, "保存未成功，已选择的照片需要重新选择。")
    groups = [(section, [f for f in item_forms if f.item.section == section]) for section, _ in checklists.grouped(items)]
    by_measure = {f.measure.pk: f for f in measure_forms}
    groups += [(f"风险管控措施 · {unit.object.name} / {unit.name}", [by_measure[m.pk] for m in ms])
               for unit, ms in checks.measure_groups(measures)]
    context = {
        "e": e, "form": form, "plan": plan, "checklist": checklist, "use_measures": use_measures, "groups": groups,
        "total": len(item_forms) + len(measure_forms),
        "invalid": [f for f in item_forms + measure_forms if f.is_bound and f.errors],
        "not_approved": checklist is not None and not checklist.is_guideline and checklist.state != ChecklistState.APPROVED,
    }
    return render(request, "hazards/check_form.html", context)


@login_required
@require_GET
def check_detail(request, pk):
    check = scoped_or_404(request, HazardCheck.objects.select_related("enterprise", "plan", "checklist"), pk=pk)
    e = permissions.mark_in_scope(request.user, check.enterprise)
    items = list(check.items.select_related("item", "measure__event__source__unit", "hazard"))
    for item in items:
        item.raised = getattr(item, "hazard", None)
    context = {
        "e": e, "check": check, "items": items, "failed": sum(1 for i in items if i.result == HazardCheckItem.Result.FAIL),
        "can_edit": checks.can_check(request.user, e),
    }
    return render(request, "hazards/check_detail.html", context)


check_photo = uploads.serve_view(HazardCheckItem, "photo", lambda item: f"排查照片-{item.pk}")

