"""The second factor (等保 2.0 level 3, 双因素认证): a TOTP authenticator app (django-otp) and one-time recovery codes.

Required for every account whose role holds a permission registered with `second_factor` (account management, logs,
the 三员's duties: regulator administrators and the three administrators by default) and for break-glass
superusers, optional for everyone else; demo accounts outside
production are exempt. A user enrols and renews recovery codes from the profile page; once enrolled, only another
administrator can reset it (audited), so a stolen password alone can never remove it. `User.has_second_factor`
mirrors "has a confirmed authenticator" so that requests need not ask the device tables (django-otp's own
middleware then loads the verified device only for sessions that have one).
"""
import segno
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditAction
from .permissions import REGISTRY

RECOVERY_CODES = 10
APP_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"


def required(user):
    if user.is_exempt:
        return False
    return user.is_superuser or any(REGISTRY[code].second_factor for code in user.role_info.granted if code in REGISTRY)


def pending(user):
    """The authenticator being set up (unconfirmed): the same one until it is confirmed, so a reload keeps the QR."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def secret_text(device):
    """The key as people type it into an app: base32 in groups of four."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_svg(device):
    """The otpauth:// URI as an inline SVG QR code (no image request, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def confirm(request, device, token):
    """Confirm `device` with the first code from the app: the recovery codes (shown once) on success, else None."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    user = request.user
    with transaction.atomic():
        device.confirmed = True
        device.save()
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = new_recovery_codes(user)
        _set_flag(user, True, "启用双因素认证")
    otp_login(request, device)
    return codes


def new_recovery_codes(user):
    """RECOVERY_CODES fresh one-time codes; the earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def remaining_codes(user):
    return StaticToken.objects.filter(device__user=user).count()


def verify(request, token):
    """Check `token`: six digits against the authenticator, anything else against the recovery codes (so a recovery
    code does not count as a wrong app code). "" on success (the session is then verified), else why not."""
    token = (token or "").strip().replace(" ", "").lower()
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    device = model.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return "验证码不正确。"
    allowed, data = device.verify_is_allowed()
    if not allowed:  # django-otp's throttle: each wrong code doubles the wait
        wait = max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1) if data and data.get("locked_until") else 1
        return f"验证码错误次数过多，请 {wait} 秒后再试。"
    if not device.verify_token(token):
        return "验证码不正确或已过期，请输入身份验证器中当前显示的 6 位数字，或一个未用过的恢复码。"
    otp_login(request, device)
    return ""


def remove(user, message, action=None):
    """Delete every device of `user` (the authenticator and the recovery codes)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _set_flag(user, False, message, action)


def reset(user, by):
    """An administrator's reset of another user's second factor: they enrol again at their next login."""
    remove(user, f"由 {by.get_username()} 重置双因素认证", AuditAction.RESET_OTP)


def _set_flag(user, value, message, action=None):
    user.has_second_factor = value
    user._audit_message = message
    user._audit_action = action
    user.save(update_fields=["has_second_factor"])
