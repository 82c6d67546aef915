"""重大隐患 (seed 001, 2.3): the regulator's review (confirm, or return as a general hazard with a reason), the
supervision listing (县级 / 市级挂牌督办) and its 《重大事故隐患限期整改通知书》, the enterprise's rectification plan.

Acceptance and 销号 are the ordinary workflow steps (workflow.py lets only regulators accept a major hazard). Every
page goes through scoped_hazard (out of scope: 404), then checks who acts (403), then the state (a message: a
colleague may have acted first). The forms also sit in the hazard page's panel (_major_panel.html); these pages
show them alone, and again with their errors.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from worksafe.core.access import require, still_in_scope
from worksafe.core.pdf import render_pdf
from worksafe.core.responses import pdf_response

from . import workflow
from .access import scoped_hazard
from .forms_major import CONFIRM, PlanForm, ReviewForm, SuperviseForm, may_reissue
from .models import Hazard, HazardStep, Review, State, Supervision

NOTICE_TITLE = "重大事故隐患限期整改通知书"
# What the plan must name (seed 001, 2.3), in the notice's words.
PLAN_ELEMENTS = ["责任领导", "整改措施", "整改资金", "整改负责人", "整改期限", "应急预案"]


def awaiting_review(hazard):
    return hazard.is_major and hazard.review == Review.PENDING and hazard.state == State.REPORTED


def _refused(request, hazard, text):
    messages.error(request, text)
    return redirect(hazard)


def _error_text(error):
    return "；".join(error.messages)


@login_required
def major_review(request, pk):
    """确认为重大隐患 (optionally 挂牌督办 at once, one transaction) or 打回为一般隐患 with the reason."""
    hazard = scoped_hazard(request, pk)
    require(workflow.can_review(request.user, hazard))
    if not awaiting_review(hazard):
        return _refused(request, hazard, f"隐患“{hazard.name}”不是待审核的重大隐患（当前：{hazard.get_level_display()}，"
                                         f"{hazard.get_state_display()}），无需审核。")
    form = ReviewForm(request.POST if request.method == "POST" else None, hazard=hazard, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                hazard = workflow.perform(hazard, d["decision"], request.user, d["reason"])
                if d["decision"] == CONFIRM and d["supervision"]:
                    hazard = workflow.supervise(hazard, request.user, d["supervision"], d["notice_number"])
        except ValidationError as e:
            return _refused(request, hazard, _error_text(e))
        if d["decision"] == CONFIRM:
            text = f"已确认“{hazard.name}”为重大隐患，隐患转入整改，企业须填报整改方案。"
            if hazard.supervision:
                text += f"已{hazard.get_supervision_display()}，整改通知书文号 {hazard.notice_number}。"
        else:
            text = f"已将“{hazard.name}”打回为一般隐患，企业按一般隐患整改并自行验收。"
        messages.success(request, text)
        return redirect(hazard)
    return render(request, "hazards/major_review.html", {"hazard": hazard, "e": hazard.enterprise, "form": form})


@login_required
def supervise(request, pk):
    """挂牌督办 a confirmed major hazard (or raise it from 县级 to 市级): sets the unit, the notice number and date."""
    hazard = scoped_hazard(request, pk)
    require(workflow.may_supervise(request.user, hazard))
    if not workflow.can_supervise(request.user, hazard):
        return _refused(request, hazard, f"只有经监管部门确认、尚未销号的重大隐患可以挂牌督办；隐患“{hazard.name}”当前为"
                                         f"{hazard.get_level_display()}（{hazard.get_state_display()}）。")
    if not may_reissue(request.user, hazard):
        return _refused(request, hazard, f"隐患“{hazard.name}”已市级挂牌督办，由市级监管部门重新督办。")
    form = SuperviseForm(request.POST if request.method == "POST" else None, hazard=hazard, user=request.user)
    if request.method == "POST" and form.is_valid():
        before = hazard.get_supervision_display() if hazard.supervision else ""
        try:
            hazard = workflow.supervise(hazard, request.user, form.cleaned_data["level"], form.cleaned_data["notice_number"])
        except ValidationError as e:
            return _refused(request, hazard, _error_text(e))
        change = f"由{before}改为" if before else "已"
        messages.success(request, f"隐患“{hazard.name}”{change}{hazard.get_supervision_display()}，"
                                  f"已生成整改通知书（{hazard.notice_number}）。")
        return redirect(hazard)
    return render(request, "hazards/major_supervise.html", {"hazard": hazard, "e": hazard.enterprise, "form": form})


@login_required
@require_GET
def major_notice_pdf(request, pk):
    """《重大事故隐患限期整改通知书》 of a supervised hazard, for everyone who may see the hazard; 404 before."""
    hazard = scoped_hazard(request, pk)
    if not hazard.supervision or not hazard.notice_number:
        raise Http404("该隐患尚未挂牌督办，没有整改通知书。")
    pdf = render_pdf("hazards/major_notice_pdf.html", {
        "hazard": hazard, "e": hazard.enterprise, "unit": hazard.supervisor, "title": NOTICE_TITLE,
        "elements": PLAN_ELEMENTS, "today": timezone.localdate(),
    })
    return pdf_response(pdf, f"{NOTICE_TITLE}_{hazard.notice_number}.pdf", f"major_hazard_notice_{hazard.pk}.pdf")


@login_required
def plan(request, pk):
    """The enterprise's rectification plan (整改方案) of a confirmed major hazard; each save is a PLAN step."""
    hazard = scoped_hazard(request, pk)
    require(workflow.may_plan(request.user, hazard))
    if not workflow.can_plan(request.user, hazard):
        return _refused(request, hazard, f"只有经监管部门确认、正在整改的重大隐患需要填报整改方案；隐患“{hazard.name}”当前为"
                                         f"{hazard.get_level_display()}（{hazard.get_state_display()}）。")
    if request.method != "POST":
        form = PlanForm(instance=hazard)
        return render(request, "hazards/major_plan_form.html", _plan_context(hazard, form))
    with transaction.atomic():
        # Lock the row so the deadline comparison and the step see what another request may have just saved.
        locked = Hazard.objects.select_for_update().select_related("enterprise").get(pk=hazard.pk)
        if not workflow.can_plan(request.user, locked):
            return _refused(request, locked, f"隐患“{locked.name}”当前为{locked.get_state_display()}，不能再修改整改方案。")
        had_plan = bool(locked.plan_leader)
        form = PlanForm(request.POST, instance=locked)
        if form.is_valid():
            hazard = form.save(commit=False)
            d = form.cleaned_data
            comment = (f"{'修改' if had_plan else ''}整改方案：责任领导 {d['plan_leader']}，整改负责人 {d['plan_person']}，"
                       f"整改资金 {d['plan_funds']} 万元，整改期限 {d['plan_deadline']:%Y-%m-%d}")
            workflow.record_step(hazard, HazardStep.Action.PLAN, request.user, comment, source=hazard.state)
            still_in_scope(request, hazard)
            text = "整改方案已保存。" if had_plan else "整改方案已提交，监管部门可在隐患详情中查看。"
            if hazard.deadline != form.deadline_before:
                text += f"隐患整改期限已调整为 {hazard.deadline:%Y-%m-%d}。"
            messages.success(request, text)
            return redirect(hazard)
    return render(request, "hazards/major_plan_form.html", _plan_context(hazard, form))


def _plan_context(hazard, form):
    return {"hazard": hazard, "e": hazard.enterprise, "form": form, "elements": PLAN_ELEMENTS,
            "notice": hazard.supervision != Supervision.NONE and bool(hazard.notice_number)}
