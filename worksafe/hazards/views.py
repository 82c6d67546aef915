"""The enterprise's hazard pages: the ledger (隐患台账), recording and correcting a hazard, its page in the layout of
辅助表1 with the closed loop's steps, the rectification record (整改记录), photos and the rectification notice (PDF).

Anyone who may see the enterprise sees these pages (regulators read-only except their own steps); what a user may
do is workflow's decision (can_report, can_edit, can_delete, available). Out of scope: 404; not allowed: 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from worksafe.core import storage, uploads
from worksafe.core.access import require, save_in_scope, scoped_enterprise, scoped_or_404
from worksafe.core.listing import paginate, sort
from worksafe.core.pdf import render_pdf
from worksafe.core.responses import pdf_response
from worksafe.core.views import redirect_next

from . import deadlines, sections, workflow
from .access import scoped_hazard
from .forms import HazardFilterForm, HazardForm, RectifyForm, StepForm
from .models import Hazard, HazardPhoto, HazardStep, PublicReport, State

A = HazardStep.Action
Stage = HazardPhoto.Stage
REVIEW_STEPS = {A.CONFIRM, A.DOWNGRADE}
LIST_COLUMNS = {"found_on": "found_on", "deadline": "deadline", "name": "name", "level": "level", "state": "state"}


# ---- helpers ------------------------------------------------------------------------------------------------


def may_rectify(user, hazard):
    """Who fills in the rectification record: those who may submit it for acceptance (state checked separately)."""
    return workflow.FLOW.step(A.SUBMIT).allowed(user, hazard)


def may_delete_photo(user, photo):
    """Before-photos belong to the record (editable while the record is); after-photos to the rectification record,
    changed by those who fill it in, only while rectifying (not while a reviewer is looking at them)."""
    hazard = photo.hazard
    if photo.stage == Stage.BEFORE:
        return workflow.can_edit(user, hazard)
    return hazard.state == State.RECTIFYING and may_rectify(user, hazard)


def notice_number(hazard):
    """The rectification notice's number: YH-<year found>-<id>, stable and unique."""
    return f"YH-{hazard.found_on.year}-{hazard.pk:06d}"


def _save_photos(hazard, files, stage, user):
    """Keep the uploaded (already checked) files as `stage` photos (inside storage.save: a failure removes them)."""
    for upload in files:
        photo = HazardPhoto(hazard=hazard, stage=stage, uploaded_by=user)
        photo.file.save(upload.name, upload, save=False)
        photo.save()


def _delete_files(names):
    for name in names:
        if name:
            default_storage.delete(name)


def _lock_unchanged(hazard, state, review):
    """The hazard row, locked, or None when someone took a step since the form was opened (the form's copy of the
    state would otherwise be written back over theirs)."""
    fresh = Hazard.objects.select_for_update().get(pk=hazard.pk)
    return fresh if (fresh.state, fresh.review) == (state, review) else None


# ---- the ledger -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def hazard_list(request, pk):
    """隐患台账: one enterprise's hazards with their deadline colours, filtered, sorted, paginated; counts on top."""
    enterprise = scoped_enterprise(request, pk)
    base = Hazard.objects.filter(enterprise=enterprise)
    counts = base.aggregate(
        total=Count("id"),
        open=Count("id", filter=~Q(state=State.CLOSED)),
        overdue=Count("id", filter=deadlines.due_q(deadlines.Due.OVERDUE)),
        soon=Count("id", filter=deadlines.due_q(deadlines.Due.SOON)),
        **{s.value: Count("id", filter=Q(state=s)) for s in State},
    )
    filters = HazardFilterForm(request.GET)
    qs, sort_key = sort(request, filters.apply(base).select_related("category"), LIST_COLUMNS, "-found_on")
    context = {
        "e": enterprise, "filters": filters, "page": paginate(request, qs), "sort": sort_key, "counts": counts,
        "states": [(s, counts[s.value]) for s in State],
        "can_report": workflow.can_report(request.user, enterprise),
        "links": sections.enterprise_links(enterprise, exclude={"hazards:hazard_list"}),
        "export_url": reverse("hazards:ledger_all_xlsx", args=[enterprise.pk]),
    }
    return render(request, "hazards/list.html", context)


# ---- recording and correcting ---------------------------------------------------------------------------------


@login_required
def hazard_add(request, pk):
    """登记隐患: the enterprise's own finding, or what a regulator's inspection found; saved with its REPORT step."""
    enterprise = scoped_enterprise(request, pk)
    user = request.user
    require(workflow.can_report(user, enterprise))
    form = HazardForm(request.POST or None, request.FILES or None, instance=Hazard(enterprise=enterprise), user=user)
    if request.method == "POST" and form.is_valid():
        def work():
            hazard = form.save(commit=False)
            hazard.created_by = user
            save_in_scope(request, hazard)
            _save_photos(hazard, form.cleaned_data["photos"], Stage.BEFORE, user)
            workflow.record_step(hazard, A.REPORT, user, f"由{hazard.get_source_display()}发现", save=False)
            return hazard

        hazard = storage.save(form, work)
        if hazard is not storage.NOT_SAVED:
            note = "，待监管部门审核确认" if hazard.is_major else ""
            messages.success(request, f"已登记{hazard.get_level_display()}“{hazard.name}”{note}。")
            return redirect(hazard)
    elif request.method == "POST" and request.FILES:
        messages.warning(request, "保存未成功，请改正标红的内容；已选择的照片需要重新选择。")
    return render(request, "hazards/form.html", {"e": enterprise, "form": form, "hazard": None})


@login_required
def hazard_edit(request, pk):
    hazard = scoped_hazard(request, pk)
    user = request.user
    require(workflow.can_edit(user, hazard))
    title, state, review = hazard.name, hazard.state, hazard.review  # before the form copies the posted values on
    form = HazardForm(request.POST or None, request.FILES or None, instance=hazard, user=user)
    if request.method == "POST" and form.is_valid():
        def work():
            if _lock_unchanged(hazard, state, review) is None:
                return None
            form.save(commit=False)
            # Only what the form edits (and the review a newly major hazard awaits): never a stale copy of the rest.
            edited = [name for name in form.Meta.fields if not form.fields[name].disabled]
            save_in_scope(request, hazard, update_fields=[*edited, "review", "updated_at"])
            _save_photos(hazard, form.cleaned_data["photos"], Stage.BEFORE, user)
            return hazard

        saved = storage.save(form, work)
        if saved is None:
            messages.error(request, "该隐患刚刚有了新的处理步骤，未保存。请查看后重新修改。")
            return redirect(hazard)
        if saved is not storage.NOT_SAVED:
            messages.success(request, f"隐患“{hazard.name}”已保存。")
            return redirect(hazard)
    elif request.method == "POST" and request.FILES:
        messages.warning(request, "保存未成功，请改正标红的内容；已选择的照片需要重新选择。")
    photos = [p for p in hazard.photos.all() if p.stage == Stage.BEFORE]
    return render(request, "hazards/form.html", {"e": hazard.enterprise, "form": form, "hazard": hazard, "title": title,
                                                 "photos": photos})


@login_required
def hazard_delete(request, pk):
    """GET: confirm; POST: delete a hazard nobody has acted on yet (with its photos and steps)."""
    hazard = scoped_hazard(request, pk)
    require(workflow.can_delete(request.user, hazard))
    enterprise = hazard.enterprise
    if request.method == "POST":
        files = list(hazard.photos.values_list("file", flat=True))
        with transaction.atomic():
            hazard.delete()
            transaction.on_commit(lambda: _delete_files(files))
        messages.success(request, f"已删除隐患“{hazard.name}”。")
        return redirect("hazards:hazard_list", enterprise.pk)
    return render(request, "hazards/delete.html", {"e": enterprise, "hazard": hazard,
                                                   "photo_count": hazard.photos.count()})


# ---- the hazard's page and its steps --------------------------------------------------------------------------


def _origin(request, hazard):
    """Where the hazard came from: (label, text, url or None), or None when it was recorded directly."""
    if hazard.check_item_id:
        item = hazard.check_item
        check = item.check_record
        return ("隐患排查记录", f"{check.checked_on} {check.get_kind_display()}（{check.checker_name}）：{item.text}",
                reverse("hazards:check_detail", args=[check.pk]))
    if hazard.patrol_item_id:
        item = hazard.patrol_item
        patrol = item.patrol
        when = timezone.localtime(patrol.patrolled_at).strftime("%Y-%m-%d %H:%M")
        return ("风险巡检记录", f"{when}（{patrol.patroller_name}）：{item.measure_text}",
                reverse("risks:patrol_detail", args=[patrol.pk]))
    report = PublicReport.objects.filter(hazard=hazard).first()
    if report is not None:
        when = timezone.localtime(report.created_at).strftime("%Y-%m-%d %H:%M")
        if request.user.is_enterprise_user:  # the receipt is the reporter's key to the report: never the enterprise's
            return ("群众举报（随手拍）", f"{when}：{report.text}", None)
        return ("群众举报（随手拍）", f"{when} 回执 {report.receipt}：{report.text}",
                reverse("hazards:public_detail", args=[report.pk]))
    if hazard.external_id:
        return ("数据对接", f"企业自建系统上传，发送方记录编号 {hazard.external_id}", None)
    return None


@login_required
@require_GET
def hazard_detail(request, pk):
    hazard = scoped_hazard(request, pk)
    user = request.user
    photos = list(hazard.photos.all())
    rectifying = hazard.state == State.RECTIFYING
    actions = workflow.available(user, hazard)
    context = {
        "e": hazard.enterprise, "hazard": hazard,
        "before": [p for p in photos if p.stage == Stage.BEFORE],
        "after": [p for p in photos if p.stage == Stage.AFTER],
        "steps": hazard.steps.select_related("actor__enterprise"),  # an enterprise user's unit is its enterprise
        # A major hazard's review (confirm / downgrade, with supervision) is the major panel's form.
        "actions": [s for s in actions if s.action not in REVIEW_STEPS],
        "reviewing": any(s.action in REVIEW_STEPS for s in actions),
        "comment_required": [s.label for s in actions if s.needs_comment and s.action not in REVIEW_STEPS],
        "step_form": StepForm(),
        "origin": _origin(request, hazard),
        "missing": workflow.missing_for_acceptance(hazard) if rectifying else [],
        "number": notice_number(hazard),
        "can_edit": workflow.can_edit(user, hazard),
        "can_delete": workflow.can_delete(user, hazard),
        "can_rectify": rectifying and may_rectify(user, hazard),
        "due": deadlines.due_status(hazard.deadline, is_open=hazard.is_open),
        "due_labels": deadlines.labels(),
    }
    return render(request, "hazards/detail.html", context)


@login_required
@require_POST
def hazard_step(request, pk, action):
    """Take one step of the closed loop (workflow.perform); a refused step is explained on the hazard's page."""
    hazard = scoped_hazard(request, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "意见不能超过 500 字。")
        return redirect(hazard)
    try:
        hazard = workflow.perform(hazard, action, request.user, form.cleaned_data["comment"])
    except ValidationError as e:
        messages.error(request, "".join(e.messages))
        return redirect(hazard)
    messages.success(request, f"已{workflow.FLOW.step(action).label}：隐患“{hazard.name}”当前为“{hazard.get_state_display()}”。")
    return redirect(hazard)


def _rectified(request, hazard, user):
    """After the rectification record is saved: back to it, or (保存并提交验收) on to the acceptance."""
    if "submit" not in request.POST:
        messages.success(request, "整改记录已保存。")
        return redirect("hazards:hazard_rectify", hazard.pk)
    try:
        workflow.perform(hazard, A.SUBMIT, user)
    except ValidationError as e:
        messages.error(request, "整改记录已保存，但未能提交验收：" + "".join(e.messages))
        return redirect("hazards:hazard_rectify", hazard.pk)
    messages.success(request, "整改记录已保存并提交验收。")
    return redirect(hazard)


@login_required
def hazard_rectify(request, pk):
    """整改记录: filled in while rectifying; 保存并提交验收 saves it and then submits it (which names what is missing)."""
    hazard = scoped_hazard(request, pk)
    user = request.user
    require(may_rectify(user, hazard))
    if hazard.state != State.RECTIFYING:
        messages.info(request, f"隐患当前状态为“{hazard.get_state_display()}”，整改记录只能在整改中填写。")
        return redirect(hazard)
    state, review = hazard.state, hazard.review
    form = RectifyForm(request.POST or None, request.FILES or None, instance=hazard)
    if request.method == "POST" and form.is_valid():
        def work():
            if _lock_unchanged(hazard, state, review) is None:
                return None
            save_in_scope(request, hazard, update_fields=[*form.Meta.fields, "updated_at"])
            _save_photos(hazard, form.cleaned_data["photos"], Stage.AFTER, user)
            return hazard

        saved = storage.save(form, work)
        if saved is None:
            messages.error(request, "该隐患刚刚有了新的处理步骤，整改记录未保存。请查看后重新填写。")
            return redirect(hazard)
        if saved is not storage.NOT_SAVED:
            return _rectified(request, hazard, user)
    elif request.method == "POST" and request.FILES:
        messages.warning(request, "保存未成功，请改正标红的内容；已选择的照片需要重新选择。")
    context = {
        "e": hazard.enterprise, "hazard": hazard, "form": form,
        "photos": list(hazard.photos.filter(stage=Stage.AFTER)),
        "missing": workflow.missing_for_acceptance(hazard),
    }
    return render(request, "hazards/rectify.html", context)


# ---- photos and the notice ------------------------------------------------------------------------------------


def _scoped_photo(request, photo_pk):
    return scoped_or_404(request, HazardPhoto.objects.select_related("hazard__enterprise"), pk=photo_pk)


hazard_photo = uploads.serve_view(HazardPhoto, "file", lambda photo: f"隐患{photo.hazard_id}-{photo.get_stage_display()}-{photo.pk}",
                                  kwarg="photo_pk")


@login_required
@require_POST
def photo_delete(request, photo_pk):
    photo = _scoped_photo(request, photo_pk)
    require(may_delete_photo(request.user, photo))
    name = photo.file.name
    with transaction.atomic():
        photo.delete()
        transaction.on_commit(lambda: _delete_files([name]))
    messages.success(request, f"已删除一张{photo.get_stage_display()}照片。")
    return redirect_next(request, photo.hazard.get_absolute_url())


@login_required
@require_GET
def notice_pdf(request, pk):
    """隐患整改通知单 (A4): what, where, how serious, what is required and by when, who answers for it; signatures."""
    hazard = scoped_hazard(request, pk)
    issuer = hazard.enterprise.name
    if hazard.created_by_id and hazard.created_by.organization_id and not hazard.created_by.is_enterprise_user:
        issuer = hazard.created_by.organization.name  # a regulator's inspection: the regulator issues the notice
    number = notice_number(hazard)
    pdf = render_pdf("hazards/notice_pdf.html", {
        "hazard": hazard, "e": hazard.enterprise, "number": number, "issuer": issuer, "today": timezone.localdate(),
    })
    return pdf_response(pdf, f"隐患整改通知单_{number}.pdf", f"hazard_notice_{hazard.pk}.pdf")

