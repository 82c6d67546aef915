from axes.models import AccessAttempt, AccessLog
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import permissions
from .display import paginate_changes
from .filters import ChangeRecordFilter
from .forms import LoginForm, PasswordChangeForm, ProfileForm, StaffCreateForm, UserCreateForm
from .listing import paginate
from .models import ChangeRecord
from .passwords import issue_one_time_password
from .scoping import change_q, users_for


def redirect_next(request, default):
    """Redirect to the posted `next` when it is a page of this site (never off-site), else to `default`."""
    url = request.POST.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(url)
    return redirect(default)


@login_required
def home(request):
    if request.user.is_enterprise_user:
        return redirect("workbench:index")
    return redirect("archive:enterprise_list")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user = form.save(commit=False)
        user.must_change_password = False
        user.save()
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。")
        return redirect(self.success_url)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "个人信息已保存。")
        return redirect("profile")
    return render(request, "core/profile.html", {"form": form})


def _require_log_viewer(user):
    if not permissions.can_view_logs(user):
        raise PermissionDenied


def _require_user_manager(user):
    if not permissions.can_manage_users(user):
        raise PermissionDenied


@login_required
def user_list(request):
    _require_user_manager(request.user)
    qs = users_for(request.user).order_by("organization__region_id", "enterprise__region_id", "username")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(full_name__icontains=q)
    return render(request, "core/user_list.html", {"page": paginate(request, qs), "q": q})


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


@login_required
@require_POST
def user_reset_password(request, pk):
    _require_user_manager(request.user)
    user = get_object_or_404(users_for(request.user), pk=pk)
    if user == request.user:
        raise PermissionDenied
    with transaction.atomic():
        password = issue_one_time_password(user)
    messages.success(request, f"账号 {user.username} 的新一次性密码：{password}（仅显示一次，首次登录须修改）")
    return redirect_next(request, "core:user_list")


def _managed_usernames(user):
    return users_for(user).values("username")


@login_required
def login_log(request):
    """Successful logins and current lock-outs of the accounts the user manages."""
    _require_log_viewer(request.user)
    logs = AccessLog.objects.order_by("-attempt_time")
    attempts = AccessAttempt.objects.order_by("-attempt_time")
    if not request.user.is_sysadmin:
        logs = logs.filter(username__in=_managed_usernames(request.user))
        attempts = attempts.filter(username__in=_managed_usernames(request.user))
    q = request.GET.get("q", "").strip()
    if q:
        logs, attempts = logs.filter(username__icontains=q), attempts.filter(username__icontains=q)
    return render(request, "core/login_log.html", {"page": paginate(request, logs), "attempts": attempts[:50], "q": q})


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
