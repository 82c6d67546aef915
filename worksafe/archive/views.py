"""一企一档 pages: the regulators' list, the one-page archive, editing, review, 属地调整, 类型设置."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from worksafe.core import impersonation, permissions
from worksafe.core.access import OutOfScope, regulator_only, require, save_in_scope, saved_in_scope, scoped_enterprise, scoped_or_404
from worksafe.core.display import field_rows, paginate_changes
from worksafe.core.filters import ChangeRecordFilter
from worksafe.core.listing import paginate
from worksafe.core.models import AuditAction, ChangeRecord, Role, User
from worksafe.core.passwords import issue_one_time_password
from worksafe.core.scoping import change_q
from worksafe.core.views import redirect_next

from . import review, sections, supervision
from .forms import EnterpriseForm, KeySupervisionItemForm, MoveRegionForm, ReturnForm, SecondaryUnitForm, SetTypeForm
from .listing import filtered_enterprises
from .models import RISK_SUMMARY_FIELDS, ChangeState, Enterprise, KeySupervisionItem, ReviewState, SecondaryUnit


@login_required
def enterprise_list(request):
    regulator_only(request)
    filterset, qs, sort_key = filtered_enterprises(request)
    qs = qs.select_related("competent_department")  # the rows show its name (a reference table, core.refdata)
    # A keyword search reads its page by id first: a guard against PostgreSQL's join plans (listing.Paginator).
    page = paginate(request, qs, by_id=bool(request.GET.get("q", "").strip()))
    sections.mark_badges(page)  # the flags later features put on rows (under an active 联合惩戒 ...)
    context = {
        "filter": filterset,
        "page": page,
        "sort": sort_key,
        "return_form": ReturnForm(),
        "can_add": permissions.can_add_enterprise(request.user),
        "can_reset_passwords": permissions.can_reset_passwords_in_bulk(request.user),
        "list_actions": sections.list_actions(request),
    }
    template = "archive/enterprise_list_rows.html" if request.htmx and not request.htmx.boosted else "archive/enterprise_list.html"
    return render(request, template, context)


def supervision_card(user, enterprise):
    """分级负责 on the archive page (regulators): who supervises, the pending change and what the user may do."""
    if not user.is_regulator:
        return None
    pending = enterprise.supervision_changes.filter(state=ChangeState.PENDING).select_related("to_department").first()
    if pending is not None:
        pending.steps = supervision.FLOW.available(user, pending)
    return {"pending": pending, "can_request": pending is None and supervision.may_request(user, enterprise),
            "parks": list(enterprise.park_memberships.values_list("park__name", flat=True))}


@login_required
def enterprise_detail(request, pk):
    enterprise = scoped_enterprise(request, pk)
    sections.mark_badges([enterprise])
    user = request.user
    history = ChangeRecord.objects.filter(enterprise_id=enterprise.pk).select_related("content_type")
    # The reviewer's question first: what changed since the last approval (the whole history stays below).
    reviewing = enterprise.review_state == ReviewState.SUBMITTED and not user.is_enterprise_user
    context = {
        "e": enterprise,
        "basic": field_rows(enterprise, exclude={"name", "uscc", "review_state", "review_reason", "supervision_level",
                                                 "supervising_department", *RISK_SUMMARY_FIELDS}),
        # Later features (risks, hazards, ledgers, the QR code) add their cards through sections.py.
        "sections": sections.render(sections.ARCHIVE, request, enterprise),
        "units": enterprise.secondary_units.select_related("industry", "competent_department"),
        "items": enterprise.key_items.select_related("accident_category"),
        "reviews": enterprise.reviews.all()[:20],
        "history": paginate_changes(request, history),
        "admin_account": enterprise.users.filter(role=Role.ENTERPRISE_ADMIN).first(),
        "can_edit": permissions.can_edit_archive(user, enterprise),
        "can_submit": review.REVIEW.can(user, enterprise, "submit"),
        "can_review": review.REVIEW.can(user, enterprise, "approve"),
        "can_manage": permissions.can_manage_enterprise(user, enterprise),
        "can_delete": permissions.can_delete_enterprise(user, enterprise),
        "can_impersonate": permissions.can_impersonate(user, enterprise),
        "return_form": ReturnForm(),
        "review_diff": review.changes_since_approval(enterprise) if reviewing else None,
        "supervision": supervision_card(user, enterprise),
    }
    return render(request, "archive/enterprise_detail.html", context)


@login_required
@require_POST
def enterprise_impersonate(request, pk):
    """快速登录企业端 (seed 001 1.1): the enterprise's side, as it sees it, read-only (core.impersonation)."""
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_impersonate(request.user, enterprise))
    impersonation.start(request, enterprise)
    return redirect("archive:workbench")


@login_required
def enterprise_add(request):
    require(permissions.can_add_enterprise(request.user))
    form = EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                enterprise = save_in_scope(request, form.save(commit=False))
                account = User.objects.create(username=enterprise.uscc, role=Role.ENTERPRISE_ADMIN, enterprise=enterprise, full_name=enterprise.name)
                password = issue_one_time_password(account)
        except OutOfScope:
            form.add_error(None, "该企业不在您的管辖范围内（属地或行业），无法添加。")
            return render(request, "archive/enterprise_form.html", {"form": form})
        messages.success(request, f"已添加企业。企业管理员账号 {account.username}，一次性密码：{password}（仅显示一次，首次登录须修改）")
        return redirect(enterprise)
    return render(request, "archive/enterprise_form.html", {"form": form})


@login_required
def enterprise_edit(request, pk):
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_edit_archive(request.user, enterprise))
    form = EnterpriseForm(request.POST or None, instance=enterprise, user=request.user)
    old_uscc = enterprise.uscc  # before validation copies the posted values onto the instance
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                save_in_scope(request, form.instance)
                went_back = form.has_changed() and review.mark_for_review(enterprise, request.user)
                if enterprise.uscc != old_uscc:
                    _follow_uscc(enterprise, old_uscc)
            messages.success(request, review.saved_message("企业基本信息已保存。", went_back))
            return redirect(sections.next_after_basic(enterprise))
        except OutOfScope:
            form.add_error(None, "修改后的企业将超出您的管辖范围，未保存。")
    return render(request, "archive/enterprise_form.html", {"form": form, "e": enterprise, "notice": review.RESUBMIT_NOTICE})


def _follow_uscc(enterprise, old_uscc):
    """The enterprise administrator logs in with the USCC: when the code is corrected, so is the username."""
    for account in enterprise.users.filter(username=old_uscc):
        account.username = enterprise.uscc
        account.save()


@login_required
@require_POST
def enterprise_delete(request, pk):
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_delete_enterprise(request.user, enterprise))
    enterprise.delete()
    messages.success(request, f"已删除企业 {enterprise.name}。")
    return redirect("archive:enterprise_list")


@login_required
@require_POST
def enterprise_review(request, pk, action):
    """submit / approve / return one archive (review.py)."""
    enterprise = scoped_enterprise(request, pk)
    # Who may act does not depend on the state: a reviewer who arrives after a colleague gets the state's message, not a 403.
    require(review.REVIEW.step(action).allowed(request.user, enterprise))
    try:
        review.REVIEW.perform(enterprise, action, request.user, request.POST.get("reason", "") if action == "return" else "")
    except ValidationError as e:
        messages.error(request, "".join(e.messages))
        return redirect(enterprise)
    messages.success(request, {"submit": "已提交审核。", "approve": "审核通过。", "return": "已退回。"}[action])
    return redirect(enterprise)


@login_required
@require_POST
def enterprise_bulk_review(request):
    """Approve or return the selected archives (those not awaiting review, or out of reach, are skipped)."""
    regulator_only(request)
    action = request.POST.get("action")
    if action not in ("approve", "return"):
        raise PermissionDenied
    reason = ""
    if action == "return":
        form = ReturnForm(request.POST)
        if not form.is_valid():
            messages.error(request, "批量退回须填写原因。")
            return redirect_next(request, "archive:enterprise_list")
        reason = form.cleaned_data["reason"]
    ids = [int(i) for i in request.POST.getlist("pk") if i.isdigit()]
    done, skipped = review.REVIEW.perform_many(Enterprise.objects.for_user(request.user).filter(pk__in=ids), action, request.user, reason)
    label = "审核通过" if action == "approve" else "退回"
    messages.success(request, f"已{label} {len(done)} 家企业" + (f"，{len(skipped)} 家不是待审核状态或无权审核，已跳过。" if skipped else "。"))
    return redirect_next(request, "archive:enterprise_list")


@login_required
def enterprise_move(request, pk):
    """属地调整."""
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_manage_enterprise(request.user, enterprise))
    form = MoveRegionForm(request.POST or None, user=request.user, initial={"region": enterprise.region_id})
    if request.method == "POST" and form.is_valid():
        enterprise.region = form.cleaned_data["region"]
        enterprise._audit_action, enterprise._audit_message = AuditAction.MOVE_REGION, form.cleaned_data["reason"]
        if saved_in_scope(request, enterprise, form, "新属地超出您的管辖范围。", "region"):
            messages.success(request, f"属地已调整为 {enterprise.region.full_name}。")
            return redirect(enterprise)
    return render(request, "archive/simple_form.html", {"form": form, "e": enterprise, "title": "属地调整"})


@login_required
def enterprise_set_type(request, pk):
    """类型设置: industry and competent department."""
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_manage_enterprise(request.user, enterprise))
    form = SetTypeForm(request.POST or None, instance=enterprise)
    if request.method == "POST" and form.is_valid():
        enterprise._audit_action, enterprise._audit_message = AuditAction.SET_TYPE, form.cleaned_data["reason"]
        if saved_in_scope(request, enterprise, form, "调整后的行业不在您的监管范围内。", "industry"):
            messages.success(request, "单位类型已调整。")
            return redirect(enterprise)
    return render(request, "archive/simple_form.html", {"form": form, "e": enterprise, "title": "类型设置"})


@login_required
@require_POST
def enterprise_reset_password(request, pk):
    """A new one-time password for the enterprise administrator (no shared default password exists)."""
    enterprise = scoped_enterprise(request, pk)
    require(permissions.can_manage_enterprise(request.user, enterprise))
    with transaction.atomic():
        account = enterprise.users.filter(role=Role.ENTERPRISE_ADMIN).order_by("pk").first()
        if account is None:
            account, _ = User.objects.get_or_create(
                username=enterprise.uscc, defaults={"role": Role.ENTERPRISE_ADMIN, "enterprise": enterprise, "full_name": enterprise.name}
            )
        if account.enterprise_id != enterprise.pk:
            raise PermissionDenied
        password = issue_one_time_password(account)
    messages.success(request, f"企业管理员 {account.username} 的新一次性密码：{password}（仅显示一次，首次登录须修改）")
    return redirect(enterprise)


def _child_form(request, enterprise, form_class, instance, title):
    require(permissions.can_edit_archive(request.user, enterprise))
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.enterprise = enterprise
        with transaction.atomic():
            save_in_scope(request, obj)
            went_back = review.mark_for_review(enterprise, request.user)
        messages.success(request, review.saved_message(f"{title}已保存。", went_back))
        return redirect(enterprise)
    # Saving here sends an approved archive back to review: the form says so first.
    return render(request, "archive/simple_form.html", {"form": form, "e": enterprise, "title": title, "notice": review.RESUBMIT_NOTICE})


def _child(request, model, pk):
    """A secondary unit or key item, 404 unless its enterprise is in the user's reach."""
    obj = scoped_or_404(request, model, pk=pk)
    return obj, scoped_enterprise(request, obj.enterprise_id)


@login_required
def unit_add(request, pk):
    enterprise = scoped_enterprise(request, pk)
    return _child_form(request, enterprise, SecondaryUnitForm, SecondaryUnit(enterprise=enterprise), "二级生产经营单位")


@login_required
def unit_edit(request, pk):
    unit, enterprise = _child(request, SecondaryUnit, pk)
    return _child_form(request, enterprise, SecondaryUnitForm, unit, "二级生产经营单位")


@login_required
def item_add(request, pk):
    enterprise = scoped_enterprise(request, pk)
    item = KeySupervisionItem(seq=enterprise.key_items.count() + 1)
    return _child_form(request, enterprise, KeySupervisionItemForm, item, "重点监管信息")


@login_required
def item_edit(request, pk):
    item, enterprise = _child(request, KeySupervisionItem, pk)
    return _child_form(request, enterprise, KeySupervisionItemForm, item, "重点监管信息")


@login_required
@require_POST
def child_delete(request, kind, pk):
    model = {"unit": SecondaryUnit, "item": KeySupervisionItem}[kind]
    obj, enterprise = _child(request, model, pk)
    require(permissions.can_edit_archive(request.user, enterprise))
    with transaction.atomic():
        obj.delete()
        went_back = review.mark_for_review(enterprise, request.user)
    messages.success(request, review.saved_message(f"已删除 {obj}。", went_back))
    return redirect(enterprise)


@login_required
def change_list(request):
    """生产经营单位变更信息: changes to archives across the regulator's jurisdiction."""
    regulator_only(request)
    qs = ChangeRecord.objects.exclude(enterprise_id=None).filter(change_q(request.user)).select_related("content_type")
    filterset = ChangeRecordFilter(request.GET, qs)
    return render(request, "archive/change_list.html", {"filter": filterset, "page": paginate_changes(request, filterset.qs)})
