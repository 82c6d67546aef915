"""An account's life after it is created (issue 21, 用户管理): edit, disable and enable, unlock with a reason, delete
while it has no history. The views (core.views_users) check who may act on which account (scoping.users_for,
roles.assignable); these functions do the change, audit it and tell whom it concerns.

Every change goes through the User model's save or delete, which core.audit records (before/after, the acting user
from the request); `_audit_message` says what the administrator did.
"""
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from . import login_guard, notify, sessions
from .models import Notification, PasswordHistory, User, UserSession

ROLE_CHANGED = notify.kind("core.role_changed", "角色变更")

# Rows that are the account's own state, not something it did: they go with the account. Its earlier password
# hashes, its logged-in sessions, the notifications it received, its authenticator devices (django_otp's apps).
OWN_STATE = {PasswordHistory, UserSession, Notification}
OWN_STATE_APPS = {"otp_totp", "otp_static"}


# ---- history -------------------------------------------------------------------------------------------------------


def history_sources():
    """(model, field) of every foreign key or many-to-many field to User, outside the account's own state.

    Why each counts: a row naming the account is a trace of what the person did in the system (a ChangeRecord it
    authored, a background Job it started, a workflow step it took, a hazard it entered, a report it filed, a
    subscription it decided, a code it revoked, a Django admin LogEntry…). Deleting the account would either delete
    that trace with it (CASCADE: jobs, admin log entries) or leave it pointing at nobody (SET_NULL: the name of who did
    it is gone). Either way the record of who did what would be lost, which 等保 and the audit trail forbid. Read
    from the models themselves, so a new module's foreign key to User counts without an edit here."""
    out = []
    for model in apps.get_models():
        if model in OWN_STATE or model._meta.app_label in OWN_STATE_APPS:
            continue
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if field.is_relation and field.remote_field.model is User:
                out.append((model, field))
    return out


def history(user):
    """Why `user` has a history (what ties the account to the record of what happened), as Chinese phrases; empty
    when it has none. One EXISTS query per source, and only the delete page asks."""
    from axes.models import AccessLog

    reasons = []
    # Logged in: the login log (axes' AccessLog, kept by username) names the account; an audit of who was in the
    # system then must still find who it was. last_login covers logs pruned since.
    if user.last_login is not None or AccessLog.objects.filter(username=user.username).exists():
        reasons.append("曾登录系统（登录日志中有该账号的记录）")
    for model, field in history_sources():
        if model._base_manager.filter(**{field.name: user}).exists():
            reasons.append(f"{model._meta.verbose_name}中有该账号作为“{field.verbose_name}”的记录")
    return reasons


def has_history(user):
    """Whether deleting `user` would lose part of the record of what happened (see `history`); such an account is
    disabled instead."""
    return bool(history(user))


def is_enterprise_login(user):
    """The enterprise's own login account (its 统一社会信用代码 as username): it comes and goes with the enterprise,
    and stays its administrator."""
    return user.enterprise_id is not None and user.username == user.enterprise.uscc


# ---- changes -------------------------------------------------------------------------------------------------------


def save_edit(form, by):
    """Save an edit form of an account (core.forms.UserEditForm); when its role changed, tell the account."""
    account = form.instance
    old_role = form.initial.get("role")
    account._audit_message = f"编辑账号（{by.get_username()}）"
    with transaction.atomic():
        account = form.save()
        if old_role != account.role:
            from .roles import of

            notify.notify(account, ROLE_CHANGED, f"管理员将您的角色由“{of(old_role).name}”调整为“{account.role_info.name}”。",
                          link=reverse("core:profile"), obj=account, actor=by)
    return account


def disable(user, by):
    """Disable `user`: it cannot log in (Django refuses inactive accounts), and its sessions end now. Accounts hold no
    API tokens (the API's tokens belong to subscriptions, api.models.ApiToken), so nothing else carries its access."""
    with transaction.atomic():
        user.is_active = False
        user._audit_message = f"停用账号（{by.get_username()}）"
        user.save()
        ended = sessions.end_all(user)
    return ended


def enable(user, by):
    with transaction.atomic():
        user.is_active = True
        user._audit_message = f"启用账号（{by.get_username()}）"
        user.save()


def unlock(user, by, reason):
    """Lift the login locks of `user` (login_guard's, and axes' counts): audited with `reason`; returns how many."""
    from axes.utils import reset

    with transaction.atomic():
        count = login_guard.unlock(user.username, by=by, reason=reason)
        reset(username=user.username)
    return count


def delete(user, by):
    """Delete `user`, which has no history (the caller checked): audited as a deletion."""
    user._audit_message = f"删除账号（无使用记录，{by.get_username()}）"
    with transaction.atomic():
        user.delete()


def locked_usernames(usernames):
    """Of `usernames`, those locked now (one query)."""
    return set(login_guard.locks().filter(username__in=list(usernames)).values_list("username", flat=True))
