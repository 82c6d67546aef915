import time
import uuid
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from . import audit, logs, passwords, second_factor, views_errors
from .models import Side


class RequestContextMiddleware:
    """Makes the acting user and a request id available to the audit trail and to every log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        request.started = time.monotonic()
        with audit.acting_as(request.user, request.id), logs.bound(request):
            response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, a view's error becomes the 503 page (or the API's 503 JSON) instead of a
    500 (views_errors.unavailable).

    process_exception sees only what the view raised. A middleware that reaches the database first (the session
    and the user, loaded by SessionSecurityMiddleware for a logged-in user) raises inside its own layer, where
    Django turns the error into a response at once with handler500; views_errors.server_error makes the same 503
    of it. So this one may sit anywhere in settings.MIDDLEWARE: it is last, to be asked first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if views_errors.database_unavailable(exception):
            return views_errors.unavailable(request, exception)
        return None


class AccountGateMiddleware:
    """What a logged-in user must do before anything else, in this order: prove the second factor if they have one
    (a password alone opens nothing), set a new password (a one-time or expired one, or a demo password in
    production), enrol a second factor where it is required. Until then only that page and logging out answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith("/static/"):
            step = gate(user)
            if step and request.path not in {reverse(step), reverse("core:logout")}:
                url = reverse(step)
                if step == "core:otp_verify" and request.method == "GET" and request.path != "/":
                    url += "?next=" + quote(request.get_full_path())  # back to the page asked for, once verified
                return redirect(url)
        return self.get_response(request)


def gate(user):
    """The URL name of the page `user` must go through first, or None."""
    if user.has_second_factor and not user.is_verified():
        return "core:otp_verify"
    if passwords.change_reason(user):
        return "core:password_change"
    if second_factor.required(user) and not user.has_second_factor:
        return "core:otp_setup"
    return None


class DutyGateMiddleware:
    """三员分立: an account of a system-side role (the system, security and audit administrators) sees no enterprise
    data, whatever a feature page would show an account without a jurisdiction. Such an account reaches core's pages
    (its own account, jobs, notifications, 系统管理, 通讯录), the home page, the admin site (which admits superusers
    only) and the public pages (`core.access.public_page`: a QR code's page, 随手拍), nothing else (403). Break-glass
    superusers pass (logged by core.break_glass)."""

    ALLOWED_NAMESPACES = {"core", "admin"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_superuser or user.side != Side.SYSTEM:
            return None
        match = request.resolver_match
        if (match.namespaces and match.namespaces[0] in self.ALLOWED_NAMESPACES) or match.url_name == "home":
            return None
        if getattr(view_func, "public", False) or request.path.startswith("/api/"):
            return None
        raise PermissionDenied("三员账号不查看企业数据。")
