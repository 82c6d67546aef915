"""Failed logins: who gets locked, who gets slowed down, and who never does.

Enterprise usernames are public 统一社会信用代码, so a lock per username alone lets anybody lock any enterprise out,
and whole bureaus sit behind one NAT address, so a lock per address locks a bureau. Hence:

- The client is the address (core.clients) plus a device cookie: a random id signed with SECRET_KEY, set at a
  successful login and kept a year, which also lists the accounts that have logged in from that browser.
- LOGIN_FAILURE_LIMIT failures of one account from one client lock that (account, client) pair for
  LOGIN_LOCK_SECONDS; the same account from any other client, or from a device it logged in from before, is not
  affected.
- Failures from one address across all accounts beyond LOGIN_ADDRESS_FREE_FAILURES within an hour make the address
  wait before its next attempt, doubling from 1 s up to LOGIN_ADDRESS_DELAY_MAX: never a lock. A device that has
  logged in to the account before does not wait.

While a pair is locked or the address must wait, the password is not even checked, so guesses teach nothing.
State lives in LoginThrottle rows, not in the cache's anonymous counters (core.counters): locks are listed for the
administrators who lift them (an audited unlock), and they must not vanish when a cache is culled.
"""
import datetime
import ipaddress
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import audit
from .clients import client_address, keyed_hash
from .models import AuditAction, LoginThrottle, User

DEVICE_COOKIE = "ws_device"
DEVICE_SALT = "worksafe.core.login_guard.device"
DEVICE_AGE = 365 * 24 * 3600
DEVICE_ACCOUNTS = 20  # accounts remembered per device (a shared office computer)
ADDRESS_WINDOW = 3600
STALE_AFTER = 24 * 3600  # a count without a failure for this long, and not locked, is dropped (prune)


def axes_address(request):
    """The client address for django-axes' logs: a valid IP address or None (its column is an IP address type)."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


@dataclass
class Device:
    id: str
    accounts: list  # user ids that have logged in from this device

    def knows(self, user_id):
        return user_id is not None and user_id in self.accounts


def device(request):
    """The request's device cookie, or None when it has none or a forged or unreadable one."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=DEVICE_SALT, max_age=DEVICE_AGE)
        return Device(str(data["d"])[:32], [int(u) for u in data["u"]][:DEVICE_ACCOUNTS])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def remember_device(request, response, user):
    """After a successful login: (re)issue the device cookie with `user` among its accounts."""
    known = device(request) or Device(secrets.token_hex(16), [])
    accounts = [user.pk, *[u for u in known.accounts if u != user.pk]][:DEVICE_ACCOUNTS]
    response.set_cookie(DEVICE_COOKIE, signing.dumps({"d": known.id, "u": accounts}, salt=DEVICE_SALT),
                        max_age=DEVICE_AGE, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def _client(request):
    known = device(request)
    return keyed_hash("login", f"{client_address(request)}|{known.id if known else ''}")


def _address(request):
    return keyed_hash("login-address", client_address(request))


@dataclass
class Refusal:
    """Why an attempt is refused before the password is checked, and for how many seconds."""

    locked: bool  # the pair is locked (else: the address must wait)
    seconds: int

    @property
    def message(self):
        wait = _duration(self.seconds)
        if self.locked:
            return (f"该账号在本设备上连续 {settings.LOGIN_FAILURE_LIMIT} 次密码错误，已临时锁定，请 {wait}后再试；"
                    "也可以在曾经登录过的设备上登录，或请管理员解除锁定。")
        return f"本网络登录失败次数过多，请 {wait}后再试。"


def _duration(seconds):
    if seconds < 60:
        return f"{seconds} 秒"
    minutes = -(-seconds // 60)
    return f"{minutes} 分钟" if minutes < 60 else f"{minutes // 60} 小时 {minutes % 60} 分钟"


def _user_id(username):
    return User.objects.filter(username=username).values_list("pk", flat=True).first()


def refusal(request, username, now=None):
    """A Refusal if this attempt must not be checked now, else None."""
    now = now or timezone.now()
    pair = LoginThrottle.objects.filter(username=username, client=_client(request), locked_until__gt=now).first()
    if pair is not None:
        return Refusal(True, _seconds(pair.locked_until - now))
    known = device(request)
    if known is not None and known.knows(_user_id(username)):
        return None  # this browser has logged in to the account before: the address's trouble is not its own
    row = LoginThrottle.objects.filter(username="", client=_address(request)).first()
    if row is not None:
        ready = row.last_failure + datetime.timedelta(seconds=address_delay(row, now))
        if ready > now:
            return Refusal(False, _seconds(ready - now))
    return None


def address_delay(row, now):
    """Seconds the address waits after its last failure: 0 within the free allowance, then 1, 2, 4 … up to the max."""
    if row.first_failure <= now - datetime.timedelta(seconds=ADDRESS_WINDOW):
        return 0
    over = row.failures - settings.LOGIN_ADDRESS_FREE_FAILURES
    return 0 if over <= 0 else min(settings.LOGIN_ADDRESS_DELAY_MAX, 2 ** min(over - 1, 30))


def _seconds(delta):
    return max(1, int(delta.total_seconds() + 0.999))


def failed(request, username, now=None):
    """Count a failed attempt for the pair and the address; returns the Refusal the next attempt will meet, if any."""
    now = now or timezone.now()
    pair = _count(username, _client(request), now, window=settings.LOGIN_LOCK_SECONDS)
    if pair.failures >= settings.LOGIN_FAILURE_LIMIT and pair.locked_until is None:
        pair.locked_until = now + datetime.timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
        LoginThrottle.objects.filter(pk=pair.pk).update(locked_until=pair.locked_until)
    _count("", _address(request), now, window=ADDRESS_WINDOW)
    return refusal(request, username, now)


def _count(username, client, now, window):
    """The row of (username, client) with one more failure; a row idle for `window` starts again from zero."""
    with transaction.atomic():
        row = LoginThrottle.objects.select_for_update().filter(username=username, client=client).first()
        if row is None:
            try:
                with transaction.atomic():
                    return LoginThrottle.objects.create(username=username, client=client, failures=1,
                                                        first_failure=now, last_failure=now)
            except IntegrityError:  # another process created it just now
                row = LoginThrottle.objects.select_for_update().get(username=username, client=client)
        expired = row.locked_until is not None and row.locked_until <= now
        if expired or row.last_failure <= now - datetime.timedelta(seconds=window):
            row.failures, row.first_failure, row.locked_until = 0, now, None
        row.failures += 1
        row.last_failure = now
        row.save()
        return row


def succeeded(request, username):
    """A successful login clears its pair (the address's count stays: it decays with time)."""
    LoginThrottle.objects.filter(username=username, client=_client(request)).delete()


def locks(now=None):
    """The pairs locked now."""
    return LoginThrottle.objects.exclude(username="").filter(locked_until__gt=now or timezone.now())


def unlock(username, by=None, reason=""):
    """Lift every lock of `username` (an administrator's decision, `by`, for `reason`: audited on the account, with
    the reason, when `by` is given)."""
    count = LoginThrottle.objects.filter(username=username).exclude(username="").delete()[0]
    user = User.objects.filter(username=username).first() if by is not None else None
    if user is not None and count:
        message = f"解除登录锁定（{count} 处）" + (f"，原因：{reason}" if reason else "")
        audit.record(user, AuditAction.UNLOCK, message=message, user=by).save()
    return count


def prune(now=None):
    """Drop the counts that no longer hold anything: not locked now and without a failure for a day (or for the
    lock's length, if longer: a count idle that long starts from zero anyway). A lock stays until it ends; returns
    how many rows went. Run daily (worksafe prune_sessions)."""
    now = now or timezone.now()
    quiet = datetime.timedelta(seconds=max(STALE_AFTER, settings.LOGIN_LOCK_SECONDS, ADDRESS_WINDOW))
    stale = LoginThrottle.objects.filter(last_failure__lt=now - quiet).exclude(locked_until__gt=now)
    return stale.delete()[0]
