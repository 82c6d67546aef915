from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from . import exports, login_guard, permissions, todo, xlsx
from . import home as tiles
from .display import paginate_changes
from .filters import ChangeRecordFilter
from .listing import paginate
from .models import ChangeRecord
from .scoping import change_q, users_for


def next_url(request, default):
    """The `next` the request carries (posted, else in the query) when it is a page of this site (never off-site),
    else `default`."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default


def redirect_next(request, default):
    return redirect(next_url(request, default))


@login_required
def home(request):
    """`/` leads each role to its home: the enterprise to 我的工作台 (its 待办 on top), a regulator of any level to
    this page (待办, then the jurisdiction's key counts: core/todo.py, core/home.py), the 三员, who have no jurisdiction,
    to their duty's page (accounts, logs, system status)."""
    user = request.user
    if user.is_enterprise_user:
        return redirect("archive:workbench")
    if user.is_regulator:
        org = user.organization
        return render(request, "core/home.html", {
            "org": org, "today": timezone.localdate(), "todo": todo.for_user(user), "panels": tiles.for_user(user),
            "industries": "、".join(i.name for i in org.industries.all()),
        })
    if permissions.can_manage_users(user):
        return redirect("core:user_list")
    if permissions.can_view_logs(user):
        return redirect("core:operation_log_list")
    if permissions.has(user, permissions.CONFIGURE):
        return redirect("core:system_status")
    return redirect("core:profile")


def _require_log_viewer(user):
    if not permissions.can_view_logs(user):
        raise PermissionDenied


def _managed_usernames(user):
    return users_for(user).values("username")


def _logins(request):
    """(logs, failures, locks, q): successful logins, failures and current locks of the accounts the user manages (all
    of them for the audit administrators), searched by username."""
    _require_log_viewer(request.user)
    logs = AccessLog.objects.order_by("-attempt_time")
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    locks = login_guard.locks().order_by("-last_failure")
    if not permissions.has(request.user, permissions.AUDIT_LOGS):
        managed = _managed_usernames(request.user)
        logs, failures, locks = logs.filter(username__in=managed), failures.filter(username__in=managed), locks.filter(username__in=managed)
    q = request.GET.get("q", "").strip()
    if q:
        logs, failures, locks = (qs.filter(username__icontains=q) for qs in (logs, failures, locks))
    return logs, failures, locks, q


@login_required
def login_log(request):
    logs, failures, locks, q = _logins(request)
    accounts = {u.username: u for u in users_for(request.user).filter(username__in={lock.username for lock in locks[:50]})}
    return render(request, "core/login_log.html", {
        "page": paginate(request, logs), "failures": failures[:20], "q": q,
        "locks": [(lock, accounts.get(lock.username)) for lock in locks[:50]],
    })


LOGINS_SPEC = xlsx.Spec([
    xlsx.Column("登录时间", "attempt_time", width=20, format=lambda r: timezone.localtime(r.attempt_time).strftime("%Y-%m-%d %H:%M:%S")),
    xlsx.Column("用户名", "username", width=22),
    xlsx.Column("IP 地址", "ip_address", width=18),
    xlsx.Column("浏览器", "user_agent", width=50),
    xlsx.Column("退出时间", "logout_time", width=20,
                format=lambda r: timezone.localtime(r.logout_time).strftime("%Y-%m-%d %H:%M:%S") if r.logout_time else ""),
], key="attempt_time", title="登录日志")


@login_required
@exports.view(allowed=permissions.can_view_logs)
def login_log_export(request):
    """The searched login log as xlsx, for the log readers (the export is recorded in the operation log)."""
    logs, _, _, q = _logins(request)
    return exports.Sheet(logs, LOGINS_SPEC.export, "登录日志", "logins", "登录日志", {"用户名": q} if q else None,
                         back=reverse("core:login_log_list"))


def _operations(request):
    """(filterset, rows): every recorded change within the user's reach (in their jurisdiction or by accounts they
    manage; all of them for the audit administrators), filtered."""
    _require_log_viewer(request.user)
    qs = ChangeRecord.objects.select_related("content_type")
    user = request.user
    if permissions.has(user, permissions.AUDIT_LOGS):
        pass  # every change: the audit administrator's duty
    elif user.is_regulator:
        qs = qs.filter(change_q(user) | Q(user_id__in=users_for(user).values("pk")))
    else:
        qs = qs.filter(change_q(user))
    filterset = ChangeRecordFilter(request.GET, qs)
    return filterset, filterset.qs


@login_required
def operation_log(request):
    filterset, rows = _operations(request)
    return render(request, "core/operation_log.html", {"filter": filterset, "page": paginate_changes(request, rows)})


OPERATIONS_SPEC = xlsx.Spec([
    xlsx.Column("时间", "time", width=20, format=lambda r: timezone.localtime(r.time).strftime("%Y-%m-%d %H:%M:%S")),
    xlsx.Column("操作用户", "user_name", width=18),
    xlsx.Column("操作类型", "action", width=14, format=lambda r: r.get_action_display()),
    xlsx.Column("对象类型", "content_type", width=16, format=lambda r: str(r.content_type.model_class()._meta.verbose_name)
                if r.content_type.model_class() else r.content_type.model),
    xlsx.Column("对象", "object_repr", width=30),
    xlsx.Column("属地", "region_code", width=10),
    xlsx.Column("说明", "message", width=50),
    xlsx.Column("请求编号", "request_id", width=34),
], key="time", title="操作日志")


@login_required
@exports.view(allowed=permissions.can_view_logs)
def operation_log_export(request):
    """The filtered operation log as xlsx (审计管理员 export the logs; nobody can change them). The export itself is
    recorded in the log."""
    filterset, rows = _operations(request)
    return exports.Sheet(rows, OPERATIONS_SPEC.export, "操作日志", "operations", "操作日志", filterset,
                         back=reverse("core:operation_log_list"))
