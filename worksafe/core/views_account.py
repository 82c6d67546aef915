"""The user's own account: logging in (core.login_guard), the second factor (core.second_factor), changing the
password (core.passwords), and the list of their sessions (core.sessions)."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from . import audit, impersonation, login_guard, passwords, second_factor, sessions
from .forms import LoginForm, PasswordChangeForm, ProfileForm, TokenForm
from .models import AuditAction
from .views import next_url


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        self.username = LoginForm.normalize(request.POST.get("username", ""))[:150]
        refusal = login_guard.refusal(request, self.username)
        if refusal is not None:
            return self.refused(refusal)
        return super().post(request, *args, **kwargs)

    def refused(self, refusal):
        """The attempt is not checked at all (the pair is locked, or the address must wait): 429 and how long."""
        form = self.get_form_class()(self.request, initial={"username": self.username})
        form.refusal = refusal.message
        return self.render_to_response(self.get_context_data(form=form), status=429)

    def form_invalid(self, form):
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            refusal = login_guard.failed(self.request, self.username)
            if refusal is not None:  # this attempt was checked; the next one will have to wait: say how long
                form.refusal = refusal.message
        return super().form_invalid(form)

    def form_valid(self, form):
        login_guard.succeeded(self.request, self.username)
        response = super().form_valid(form)
        login_guard.remember_device(self.request, response, form.get_user())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(reason=passwords.change_reason(self.request.user), **kwargs)

    def form_valid(self, form):
        user = form.save(commit=False)
        user.must_change_password = False
        if settings.PRODUCTION:
            user.is_demo = False  # its password is no longer the published one
        user._audit_action, user._audit_message = AuditAction.UPDATE, "修改密码"
        user.save()
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。")
        return redirect(self.success_url)


@login_required
def otp_verify(request):
    """The second step of logging in for a user with an authenticator."""
    user = request.user
    if not user.has_second_factor or user.is_verified():
        return redirect(next_url(request, "home"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = second_factor.verify(request, form.cleaned_data["token"])
        if not problem:
            return redirect(next_url(request, "home"))
        form.add_error("token", problem)
    return render(request, "registration/otp_verify.html", {"form": form, "next": next_url(request, "")})


@login_required
def otp_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with its first code."""
    user = request.user
    if user.has_second_factor:
        return redirect("core:profile")
    device = second_factor.pending(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm(request, device, form.cleaned_data["token"])
        if codes is not None:
            return render(request, "registration/otp_codes.html", {"codes": codes, "first": True})
        form.add_error("token", "验证码不正确：请确认手机时间准确，并输入身份验证器中当前显示的 6 位数字。")
    return render(request, "registration/otp_setup.html", {
        "form": form, "qr": second_factor.qr_svg(device), "secret": second_factor.secret_text(device),
        "required": second_factor.required(user),
    })


@login_required
@require_POST
def otp_recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    if not request.user.has_second_factor:
        raise Http404
    codes = second_factor.new_recovery_codes(request.user)
    return render(request, "registration/otp_codes.html", {"codes": codes, "first": False})


@login_required
@require_POST
def otp_disable(request):
    """Turn the optional second factor off; where it is required only another administrator can reset it."""
    user = request.user
    if second_factor.required(user):
        raise PermissionDenied
    if user.has_second_factor:
        second_factor.remove(user, "停用双因素认证")
        messages.success(request, "已停用双因素认证。")
    return redirect("core:profile")


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "个人信息已保存。")
        return redirect("core:profile")
    user = request.user
    return render(request, "core/profile.html", {
        "form": form, "sessions": sessions.sessions_of(user), "current": request.session.session_key,
        "otp_required": second_factor.required(user),
        "recovery_left": second_factor.remaining_codes(user) if user.has_second_factor else 0,
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
    })


@login_required
@require_POST
def session_end(request, pk):
    """End one of the user's own sessions (another browser, a lost phone), or all the others (pk 0)."""
    rows = [s for s in sessions.sessions_of(request.user) if s.session_key != request.session.session_key]
    if pk:
        rows = [s for s in rows if s.pk == pk]
        if not rows:
            raise Http404
    for row in rows:
        sessions.end(row)
    if rows:
        audit.record(request.user, AuditAction.REVOKE_SESSION, message=f"注销登录会话 {len(rows)} 个").save()
    messages.success(request, f"已注销 {len(rows)} 个其他登录会话。" if not pk else "已注销该登录会话。")
    return redirect("core:profile")


@login_required
@require_POST
def impersonation_stop(request):
    """退出 on the banner of 快速登录企业端 (core.impersonation): back to the enterprise's archive as oneself."""
    pk = impersonation.stop(request)
    if pk is None:
        return redirect("home")
    messages.info(request, "已退出只读查看企业端。")
    return redirect("archive:enterprise_detail", pk)
