import time
import uuid

from django.shortcuts import redirect
from django.urls import reverse

from . import audit


class RequestContextMiddleware:
    """Makes the acting user and a request id available to the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        request.started = time.monotonic()
        with audit.acting_as(request.user, request.id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class PasswordChangeRequiredMiddleware:
    """Accounts holding a one-time password may do nothing but change it."""

    allowed = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.allowed}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("password_change")
        return self.get_response(request)
