from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from . import home as tiles
from . import login_guard, permissions, todo
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


@login_required
def login_log(request):
    """Successful logins, recent failures and current locks of the accounts the user manages."""
    _require_log_viewer(request.user)
    logs = AccessLog.objects.order_by("-attempt_time")
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    locks = login_guard.locks().order_by("-last_failure")
    if not request.user.is_sysadmin:
        managed = _managed_usernames(request.user)
        logs, failures, locks = logs.filter(username__in=managed), failures.filter(username__in=managed), locks.filter(username__in=managed)
    q = request.GET.get("q", "").strip()
    if q:
        logs, failures, locks = (qs.filter(username__icontains=q) for qs in (logs, failures, locks))
    accounts = {u.username: u for u in users_for(request.user).filter(username__in={lock.username for lock in locks[:50]})}
    return render(request, "core/login_log.html", {
        "page": paginate(request, logs), "failures": failures[:20], "q": q,
        "locks": [(lock, accounts.get(lock.username)) for lock in locks[:50]],
    })


@login_required
def operation_log(request):
    """Every recorded change made within the user's reach: in their jurisdiction or by accounts they manage."""
    _require_log_viewer(request.user)
    qs = ChangeRecord.objects.select_related("content_type")
    user = request.user
    if user.is_regulator:
        qs = qs.filter(change_q(user) | Q(user_id__in=users_for(user).values("pk")))
    else:
        qs = qs.filter(change_q(user))
    filterset = ChangeRecordFilter(request.GET, qs)
    return render(request, "core/operation_log.html", {"filter": filterset, "page": paginate_changes(request, filterset.qs)})
