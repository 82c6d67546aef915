"""快速登录企业端 (seed 001 1.1, issue 21): a regulator opens an enterprise's side as the enterprise sees it, read-only.

A regulator whose role grants core.impersonate starts it on an enterprise in their jurisdiction (a POST from the
archive page); the session then carries the enterprise and the start time. For each request of that session this
middleware, after the real user's session and account checks (sessions, AccountGateMiddleware), puts an unsaved
stand-in account of the enterprise in `request.user` (role roles.VIEWER: the enterprise side, no permission, so every
page is the enterprise's own without a button to act) and keeps the regulator at `request.real_user`. base.html
shows the banner naming both instead of the bell and the account menu.

Never able to act, in three layers:
- any method but GET/HEAD/OPTIONS is refused (403 page), except the stop and logging out (which end the view and run as
  the real user); so are the regulator's own pages (/accounts/, /jobs/, /notifications/, /system/, /admin/), whose
  GETs may write (marking read, taking a one-time result) or show the regulator's own things;
- the stand-in's role grants nothing: exports (core.exports refuses without core.export), job starts and the
  enterprise's forms are refused by the views' own checks; a spreadsheet answered anyway is replaced by the refusal;
- the view runs in a transaction that is rolled back: a GET that writes (a QR code made on first sight) leaves
  nothing behind, and nothing the stand-in's request did is ever committed.

Each request let through is one ChangeRecord (AuditAction.VIEW_AS) on the enterprise, by the regulator, with both
names and the path, written after the rolled-back view. The view ends with the session, by the stop, by logging out,
after settings.IMPERSONATION_MINUTES, or as soon as the regulator may no longer do it (scope or role changed).
"""
import logging

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from . import audit, permissions, xlsx
from .models import AuditAction, User
from .roles import VIEWER

KEY = "ws_view_as"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The regulator's own pages and the admin site: not the enterprise side.
OWN_PREFIXES = ("/accounts/", "/jobs/", "/notifications/", "/system/", "/admin/")
REFUSED = "正在以只读方式查看企业端：不能提交、修改或删除任何内容。如需办理，请先点击横幅上的“退出”，以本人身份操作。"
REFUSED_EXPORT = "正在以只读方式查看企业端：不能导出。如需导出，请先点击横幅上的“退出”，以本人身份在监管端导出。"
REFUSED_OWN = "正在以只读方式查看企业端：不能打开本人账号、通知、后台任务和系统管理的页面。请先点击横幅上的“退出”。"

logger = logging.getLogger("worksafe.impersonation")


def _now():
    return int(timezone.now().timestamp())


def start(request, enterprise):
    """Begin the read-only view of `enterprise` for the request's (checked) regulator."""
    request.session[KEY] = {"enterprise": enterprise.pk, "since": _now()}
    record(request.user, enterprise, "开始只读查看企业端")


def stop(request, reason="退出只读查看企业端"):
    """End the view, if any; returns the enterprise's id it was on (or None)."""
    state = request.session.pop(KEY, None)
    if not state:
        return None
    from worksafe.archive.models import Enterprise

    enterprise = Enterprise.objects.filter(pk=state["enterprise"]).first()
    if enterprise is not None:
        record(getattr(request, "real_user", request.user), enterprise, reason)
    return state["enterprise"]


def active(request):
    """Whether the request's session is looking at an enterprise's side."""
    return KEY in getattr(request, "session", {})


def describe(user):
    """张三（金水区应急管理局）: the regulator as the banner and the audit trail name them."""
    name = user.full_name or user.get_username()
    return f"{name}（{user.organization}）" if user.organization_id else name


def record(real, enterprise, what):
    """One VIEW_AS record on `enterprise` by the regulator `real`, naming both."""
    message = f"监管人员 {describe(real)} 以只读方式查看 {enterprise.name} 的企业端：{what}"
    audit.record(enterprise, AuditAction.VIEW_AS, message=message, enterprise=enterprise, user=real).save()


def stand_in(enterprise):
    """An unsaved account of `enterprise` whose role grants nothing: what the pages are drawn for."""
    user = User(username=enterprise.uscc, full_name=enterprise.name, role=VIEWER.code, enterprise=enterprise)
    user.is_verified = lambda: True  # django_otp's flag: the real user has passed the account gate already
    return user


def _enterprise(real, state):
    """The enterprise being looked at, if `real` may still look at it; else None."""
    from worksafe.archive.models import Enterprise

    queryset = Enterprise.objects.for_user(real).select_related("industry__parent", "region__parent__parent")
    enterprise = queryset.filter(pk=state.get("enterprise")).first()
    if enterprise is None or not permissions.can_impersonate(real, permissions.mark_in_scope(real, enterprise)):
        return None
    return enterprise


def expired(state):
    return _now() - state.get("since", 0) > settings.IMPERSONATION_MINUTES * 60


def refused(request, message):
    logger.warning("impersonation refused: %s %s by %s", request.method, request.path, request.real_user.pk)
    return render(request, "core/impersonation_refused.html", {"message": message}, status=403)


class ImpersonationMiddleware:
    """Swaps in the stand-in for a session looking at an enterprise's side; refuses whatever could act (above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = request.session.get(KEY) if hasattr(request, "session") else None
        if not state or not request.user.is_authenticated:
            return self.get_response(request)
        real = request.user
        enterprise = _enterprise(real, state)
        if enterprise is None or expired(state):
            return self._ended(request, real, enterprise)
        if request.path == reverse("core:impersonation_stop"):
            return self.get_response(request)  # as the regulator: the stop view ends it
        if request.path == reverse("core:logout") and request.method == "POST":
            stop(request, "退出登录，结束只读查看企业端")
            return self.get_response(request)
        request.real_user, request.user = real, stand_in(enterprise)
        if request.method not in SAFE_METHODS or request.path.startswith(OWN_PREFIXES):
            return refused(request, REFUSED if request.method not in SAFE_METHODS else REFUSED_OWN)
        with transaction.atomic():
            response = self.get_response(request)
            transaction.set_rollback(True)  # nothing the stand-in's request did is kept
        if response.get("Content-Type", "").startswith(xlsx.MIME_TYPE):
            # 导出 needs core.export, which the stand-in lacks: whatever export view did not ask, this holds.
            return refused(request, REFUSED_EXPORT)
        record(real, enterprise, f"{request.method} {request.get_full_path()[:300]}")
        return response

    def _ended(self, request, real, enterprise):
        """The view ends by itself: over the time limit, or the regulator may no longer look (scope, role)."""
        if enterprise is None:
            request.session.pop(KEY, None)
            messages.warning(request, "您已无权查看该企业的企业端，只读查看已结束。")
            return redirect("home")
        request.real_user = real
        stop(request, f"已满 {settings.IMPERSONATION_MINUTES} 分钟，自动结束只读查看企业端")
        messages.info(request, f"只读查看企业端已满 {settings.IMPERSONATION_MINUTES} 分钟，已自动退出。")
        return redirect(enterprise)
