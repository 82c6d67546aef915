"""The admin site's share of the audit rules: logs are append-only for everyone, the superuser included.

The change log (ChangeRecord) and django-axes' login and login-failure logs can be read here but never added,
changed or deleted (等保 2.0 level 3, 审计记录保护). Login locks are lifted by an audited unlock on the login log page
(core.login_guard), and second factors are reset on the user list (core.second_factor), never edited here: the
admin would bypass both the audit and `User.has_second_factor`.

The admin site itself is break-glass only (三员分立): no role opens it, only an active superuser, whose every request
there is logged like everywhere else (core.break_glass). Accounts and roles are managed on the site's own pages, which
check and audit what the admin would not.
"""
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ChangeRecord, LoginThrottle, NotificationDelivery


def superusers_only(request):
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = superusers_only
admin.site.site_header = admin.site.site_title = "worksafe 应急管理后台（仅限超级管理员，所有操作记入日志）"


class ReadOnly:
    """Mixed into a ModelAdmin: list and view only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model, base in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin), (AccessFailureLog, AccessFailureLogAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (ReadOnly, base), {}))

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["time", "user_name", "action", "content_type", "object_repr", "message"]
    list_filter = ["action", "content_type"]
    search_fields = ["user_name", "object_repr", "message"]
    date_hierarchy = "time"


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["username", "failures", "first_failure", "last_failure", "locked_until"]
    search_fields = ["username"]


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnly, admin.ModelAdmin):
    """Every attempt to send a notification by e-mail or through the gateway (core.channels), for tracing one."""

    list_display = ["time", "channel", "attempt", "ok", "status", "notification", "detail"]
    list_filter = ["channel", "ok"]
    list_select_related = ["notification"]
    search_fields = ["notification__text", "detail"]
    date_hierarchy = "time"
