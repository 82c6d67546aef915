"""用户管理 (issue 21): the accounts an administrator manages, and what it may do to each.

Who manages which account is scoping.users_for (security administrators: every account but break-glass superusers;
regulator administrators: their organisation's and lower organisations' accounts and those of enterprises in scope;
enterprise administrators: their staff); an account outside it is a 404. Which role an administrator may give is
roles.assignable (never more than its own). Nobody changes, disables or deletes their own account here (one's own
details are the profile's; one's role and organisation are another administrator's decision). Every change is
audited (core.accounts does the changes, core.audit records them).
"""
from axes.models import AccessLog
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import accounts, permissions, roles, second_factor
from .access import require
from .filters import UserFilter
from .forms import StaffCreateForm, UnlockForm, UserCreateForm, UserEditForm
from .listing import paginate
from .models import ChangeRecord, User, UserSession
from .passwords import issue_one_time_password
from .scoping import users_for
from .views import redirect_next


def _require_user_manager(user):
    require(permissions.can_manage_users(user))


def _managed_user(request, pk, others_only=True):
    """An account the acting administrator manages (404 otherwise); not their own where `others_only` (403): one's
    own password, second factor, role and organisation are another administrator's to change."""
    _require_user_manager(request.user)
    user = get_object_or_404(users_for(request.user), pk=pk)
    require(not (others_only and user == request.user))
    return user


@login_required
def user_list(request):
    _require_user_manager(request.user)
    qs = users_for(request.user).order_by("organization__region_id", "enterprise__region_id", "username")
    filterset = UserFilter(request.GET, qs, user=request.user)
    page = paginate(request, filterset.qs)
    page.object_list = roles.attach(page.object_list)
    return render(request, "core/user_list.html", {
        "page": page, "filter": filterset, "locked": accounts.locked_usernames(u.username for u in page),
    })


@login_required
def user_add(request):
    _require_user_manager(request.user)
    form_class = StaffCreateForm if request.user.is_enterprise_user else UserCreateForm
    form = form_class(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            password = issue_one_time_password(user)
        messages.success(request, f"已创建账号 {user.username}，一次性密码：{password}（仅显示一次，首次登录须修改）")
        return redirect("core:user_list")
    title = "添加员工账号" if request.user.is_enterprise_user else "添加监管用户"
    return render(request, "core/user_form.html", {"form": form, "title": title})


def _shows_logs(actor):
    """Whether the detail page shows an account's logins and change history: not to a security administrator, who
    manages accounts but reads no logs (三员分立), unless it may read logs anyway."""
    return actor.is_superuser or permissions.can_view_logs(actor) or not permissions.has(actor, permissions.MANAGE_ACCOUNTS)


@login_required
def user_detail(request, pk):
    """One account: its facts, its role and what the role grants, its sessions, and (for those who read logs) its
    recent logins and the changes made to it."""
    account = _managed_user(request, pk, others_only=False)
    context = {
        "account": account, "grants": permissions.grouped(account.role_info.granted),
        "sessions": UserSession.objects.filter(user=account), "locked": bool(accounts.locked_usernames([account.username])),
        "unlock_form": UnlockForm(), "shows_logs": _shows_logs(request.user), "is_self": account == request.user,
    }
    if context["shows_logs"]:
        context["logins"] = AccessLog.objects.filter(username=account.username).order_by("-attempt_time")[:10]
        context["changes"] = ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(account.pk)).select_related("content_type")[:20]
    return render(request, "core/user_detail.html", context)


@login_required
def user_edit(request, pk):
    account = _managed_user(request, pk)
    form = UserEditForm(request.POST or None, instance=account, actor=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            accounts.save_edit(form, request.user)
            require(users_for(request.user).filter(pk=account.pk).exists())  # still one the administrator manages
        messages.success(request, f"已保存账号 {account.username}。")
        return redirect("core:user_detail", account.pk)
    return render(request, "core/user_edit.html", {"form": form, "account": account})


@login_required
@require_POST
def user_disable(request, pk):
    account = _managed_user(request, pk)
    # The enterprise's own login account is not one of its staff: its regulators decide over it, not another
    # administrator of the enterprise (who could otherwise lock the enterprise out of its own archive).
    require(not (request.user.is_enterprise_user and accounts.is_enterprise_login(account)))
    if not account.is_active:
        messages.info(request, f"账号 {account.username} 已是停用状态。")
    else:
        ended = accounts.disable(account, request.user)
        messages.success(request, f"已停用账号 {account.username}，该账号不能再登录" + (f"，已结束其 {ended} 个登录会话。" if ended else "。"))
    return redirect_next(request, "core:user_list")


@login_required
@require_POST
def user_enable(request, pk):
    account = _managed_user(request, pk)
    if account.is_active:
        messages.info(request, f"账号 {account.username} 未停用。")
    else:
        accounts.enable(account, request.user)
        messages.success(request, f"已启用账号 {account.username}。")
    return redirect_next(request, "core:user_list")


@login_required
def user_delete(request, pk):
    """Delete an account without history; one with history is shown why it cannot go, and offered 停用."""
    account = _managed_user(request, pk)
    reasons = accounts.history(account)
    if accounts.is_enterprise_login(account):
        reasons.insert(0, "这是企业的登录账号（统一社会信用代码），随企业档案一并删除")
    if request.method == "POST" and not reasons:
        name = account.username
        accounts.delete(account, request.user)
        messages.success(request, f"已删除账号 {name}。")
        return redirect("core:user_list")
    return render(request, "core/user_delete.html", {"account": account, "reasons": reasons})


@login_required
@require_POST
def user_reset_password(request, pk):
    user = _managed_user(request, pk)
    with transaction.atomic():
        password = issue_one_time_password(user)
    messages.success(request, f"账号 {user.username} 的新一次性密码：{password}（仅显示一次，首次登录须修改）")
    return redirect_next(request, "core:user_list")


@login_required
def user_unlock(request, pk):
    """Lift the login locks of an account the administrator manages, for a stated reason (audited on the account).
    The list and the login log post here from a small form; a missing reason comes back to this page."""
    user = _managed_user(request, pk, others_only=False)
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = accounts.unlock(user, request.user, form.cleaned_data["reason"])
        messages.success(request, f"已解除账号 {user.username} 的登录锁定。" if count else f"账号 {user.username} 没有被锁定。")
        return redirect_next(request, "core:user_list")
    back = request.POST.get("next") or request.GET.get("next", "")  # where to go afterwards (checked by redirect_next)
    return render(request, "core/user_unlock.html", {"form": form, "account": user, "next": back})


@login_required
@require_POST
def user_reset_otp(request, pk):
    """Reset another account's second factor (lost phone): they enrol again at their next login. Audited."""
    user = _managed_user(request, pk)
    second_factor.reset(user, request.user)
    messages.success(request, f"已重置账号 {user.username} 的双因素认证，该用户下次登录时须重新绑定身份验证器。")
    return redirect_next(request, "core:user_list")
