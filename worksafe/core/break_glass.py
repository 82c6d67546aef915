"""Break-glass: `is_superuser` is for emergencies only (三员分立 leaves no everyday account above the three
administrators), so every use of it is on the record.

Every request a superuser makes is written to the audit trail (a ChangeRecord on the account, action BREAK_GLASS,
with the method, the path and the answer's status) — the admin site's pages included — and each superuser login
tells the audit administrators at once (a notification), so the use cannot pass unseen. Nobody can remove either:
the change log is append-only for everyone, superusers included (core.admin, tests/core/test_append_only.py).
"""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import audit, notify, permissions, roles
from .models import AuditAction, User

LOGGED_IN = notify.kind("core.break_glass", "超级管理员登录")


def record(request, response):
    user = request.user
    audit.record(user, AuditAction.BREAK_GLASS, user=user,
                 message=f"{request.method} {request.get_full_path()[:400]} → {response.status_code}").save()


class BreakGlassMiddleware:
    """Records each request of a superuser (after the view, so the status is known; also when the view raised)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_superuser:
            record(request, response)
        return response


def auditors():
    """The active accounts whose role reads every log (the audit administrators)."""
    return User.objects.filter(is_active=True, role__in=roles.codes(permission=permissions.AUDIT_LOGS))


@receiver(user_logged_in)
def announce(sender, request, user, **kwargs):
    if user.is_superuser:
        notify.notify(auditors(), LOGGED_IN, f"超级管理员 {user.username} 已登录（应急使用，每次请求均记入操作日志）",
                      link="/system/operations/?action=break_glass", obj=user, actor=user)
