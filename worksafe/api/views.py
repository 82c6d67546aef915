"""接口订阅管理 pages (/connect/): the list, an enterprise's application and its changes, the grant to a park or
city/county organisation, a subscription's page (its steps and its call log) and the secret, shown once.

Every page loads subscriptions through ApiSubscription.objects.for_user (out of scope: 404); what a user may do is
workflow's decision (not allowed: 403).
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from worksafe.core.access import require, still_in_scope
from worksafe.core.listing import paginate
from worksafe.core.lists import Column, List, Table

from . import workflow
from .filters import SubscriptionFilter
from .forms import ApplicationForm, GrantForm, StepForm
from .models import ApiSubscription, SubscriptionState

RESULT_LABELS = {"created": "新增", "updated": "更新", "unchanged": "未变", "rejected": "拒绝", "skipped": "未写入",
                 "withdrawn": "撤回", "done": "已导入", "failed": "失败"}


def _may_use(user):
    return user.is_enterprise_user or user.is_regulator or user.is_sysadmin


def _subscription(request, pk):
    qs = ApiSubscription.objects.for_user(request.user).select_related("enterprise__region", "organization__region", "region",
                                                                 "applicant", "decided_by__organization")
    return get_object_or_404(qs, pk=pk)


COLUMNS = [
    Column("对接系统名称", "system_name", cell='<a href="{{ row.get_absolute_url }}">{{ value }}</a>'
           '{% if row.staging %} <span class="badge bg-azure-lt">库表对接</span>{% endif %}'
           '{% if row.vendor %}<div class="small text-secondary">{{ row.vendor }}</div>{% endif %}'),
    Column("订阅单位", "subscriber", format=lambda s: s.enterprise.name if s.enterprise_id else s.organization.name,
           cell='{{ value }}{% if row.enterprise_id %}<div class="small text-secondary font-monospace">{{ row.enterprise.uscc }}</div>'
                '{% else %}<div class="small text-secondary">园区/市县系统</div>{% endif %}'),
    Column("属地", "region", format=lambda s: (s.enterprise.region if s.enterprise_id else s.region).name),
    Column("订阅接口", "interfaces", format=lambda s: "、".join(s.interface_labels()), css="small"),
    Column("企业标识", "key_id", css="font-monospace small", cell='{{ value|default:"—" }}'),
    Column("申请时间", "applied_at", css="text-nowrap", cell='{{ value|date:"Y-m-d H:i" }}'),
    Column("状态", "state", format=lambda s: s.get_state_display(), cell='<span class="badge bg-{{ row.state_color }}-lt">{{ value }}</span>'),
]


def _may_see_list(request):
    require(_may_use(request.user))


def _subscriptions(request):
    return ApiSubscription.objects.for_user(request.user).select_related("enterprise__region", "organization", "region")


def list_header(request, filterset):
    """待审核 counted over every subscription in reach (not only the filtered ones), and what the user may start."""
    user = request.user
    can_apply = workflow.can_apply(user)
    empty = "没有接口订阅。"
    if can_apply:
        empty = format_html('{}需要对接自建系统时，请<a href="{}">新增订阅申请</a>。', empty, reverse("api:subscription_add"))
    return {"pending": ApiSubscription.objects.for_user(user).filter(state=SubscriptionState.PENDING).count(),
            "can_apply": can_apply, "can_grant": workflow.can_grant(user), "empty": empty}


SUBSCRIPTIONS = List(
    "接口订阅管理", "api/list.html", _subscriptions, lambda request, queryset: SubscriptionFilter(request.GET, queryset),
    Table(COLUMNS, title="接口订阅", row=' data-state="{{ row.state }}"'), {"pending": workflow.ORDER},
    audience=_may_see_list, extra=list_header, capped=False, model=ApiSubscription,
)
subscription_list = SUBSCRIPTIONS.page_view("subscription_list", get_only=False)
subscription_list.__doc__ = "接口订阅管理: the subscriptions in the user's reach, 待审核 first, then the newest."


@login_required
def subscription_add(request):
    user = request.user
    require(workflow.can_apply(user))
    e = user.enterprise
    form = ApplicationForm(request.POST or None, instance=ApiSubscription(enterprise=e, region_id=e.region_id))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            sub = still_in_scope(request, workflow.apply(form.save(commit=False), user))
        messages.success(request, f"接口订阅申请“{sub.system_name}”已提交，待{e.region.name}应急管理部门审核；审核前可修改。")
        return redirect(sub)
    return render(request, "api/form.html", {"form": form, "title": "新增订阅申请", "back": reverse("api:subscription_list"),
                                             "intro": f"为{e.name}申请数据对接接口。审核通过后可在订阅详情中获取企业标识和授权KEY。"})


@login_required
def subscription_edit(request, pk):
    sub = _subscription(request, pk)
    user = request.user
    require(sub.enterprise_id and workflow.is_subscriber_admin(user, sub))
    if not workflow.can_edit(user, sub):
        messages.error(request, workflow.edit_refused(sub))
        return redirect(sub)
    form = ApplicationForm(request.POST or None, instance=sub)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                still_in_scope(request, workflow.apply(form.save(commit=False), user))
        except ValidationError as e:  # decided while the form was open
            messages.error(request, "".join(e.messages))
        else:
            messages.success(request, "订阅申请已修改。")
        return redirect(sub)
    return render(request, "api/form.html", {"form": form, "title": "修改订阅申请", "sub": sub, "back": sub.get_absolute_url()})


@login_required
def subscription_grant(request):
    user = request.user
    require(workflow.can_grant(user))
    form = GrantForm(request.POST or None, actor=user, instance=ApiSubscription())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            sub = still_in_scope(request, workflow.grant(form.save(commit=False), user))
        messages.success(request, f"已授予{sub.organization}接口订阅，企业标识 {sub.key_id}。授权KEY由该单位的监管管理员（或您）在订阅详情中获取。")
        return redirect(sub)
    return render(request, "api/form.html", {
        "form": form, "title": "授予园区/市县系统订阅", "back": reverse("api:subscription_list"),
        "intro": "园区或市县应急管理局自建的双重预防机制系统，经授予后上报其管辖区域内企业的数据（接口对接或库表对接）。",
    })


def _detail(request, sub, step_form=None):
    user = request.user
    calls = paginate(request, sub.calls.all())
    for call in calls:
        call.results = [(RESULT_LABELS.get(k, k), v) for k, v in (call.summary or {}).items() if v]
    actions = workflow.available(user, sub)
    context = {
        "sub": sub, "e": sub.enterprise, "org": sub.organization,
        "covered": None if sub.enterprise_id else sub.covers().count(),
        "actions": actions, "step_form": step_form or StepForm(),
        "reason_required": [a.label for a in actions if a.needs_comment],
        "reason_label": workflow.REASON_LABELS.get(sub.state, "意见"),
        "can_edit": workflow.can_edit(user, sub),
        "can_issue": workflow.can_issue_secret(user, sub),
        "page": calls,
    }
    return render(request, "api/detail.html", context)


@login_required
def subscription_detail(request, pk):
    return _detail(request, _subscription(request, pk))


@login_required
@require_POST
def subscription_step(request, pk, action):
    """审核通过 / 驳回 / 吊销 / 注销: a missing reason or a state that changed meanwhile re-renders the page with why."""
    sub = _subscription(request, pk)
    step = workflow.FLOW.step(action)
    if step is None:
        raise Http404("没有这个操作")
    require(step.allowed(request.user, sub))
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            sub = workflow.perform(sub, action, request.user, form.cleaned_data["reason"])
        except ValidationError as e:
            form.add_error("reason" if e.code == "comment" else None, e.messages)
        else:
            done = {"approve": f"已审核通过，企业标识 {sub.key_id}。", "reject": "已驳回订阅申请。",
                    "revoke": "已吊销该订阅，其访问令牌已失效。", "cancel": "已注销该订阅，其访问令牌已失效。"}[action]
            messages.success(request, done)
            return redirect(sub)
    return _detail(request, _subscription(request, pk), step_form=form)


@login_required
@require_POST
def subscription_secret(request, pk):
    """获取 / 重新生成授权KEY: the secret is in this response only (never stored, never cached, never shown again)."""
    sub = _subscription(request, pk)
    require(workflow.holds_secret(request.user, sub))
    try:
        sub, secret, first = workflow.issue_secret(sub, request.user)
    except ValidationError as e:
        messages.error(request, "".join(e.messages))
        return redirect(sub)
    response = render(request, "api/secret.html", {"sub": sub, "secret": secret, "first": first})
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    return response
