"""Logged-in sessions: an idle timeout besides the absolute lifetime, no caching of what a logged-in user sees, and
the list of a user's sessions that the profile page shows and ends (等保 2.0 level 3: 会话超时, 剩余信息保护).

The session keeps when the login happened and when the user was last seen; the last-seen time is written at most
once a minute, so an ordinary page view writes nothing. UserSession mirrors the session store by user, which the
store itself cannot be searched by.
"""
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in, user_logged_out
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import timezone

from .clients import client_address
from .models import UserSession

LOGIN_AT, SEEN_AT = "ws_login_at", "ws_seen_at"
TOUCH_EVERY = 60  # seconds between writes of the last-seen time


def _now():
    return int(timezone.now().timestamp())


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = _now()
    request.session[LOGIN_AT] = request.session[SEEN_AT] = now
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(session_key=request.session.session_key, defaults={
        "user": user, "created_at": timezone.now(), "last_seen": timezone.now(),
        "address": client_address(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
    })


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def expired_reason(session, now):
    """Why a logged-in session ends now ("" if it does not): idle too long, or older than the absolute lifetime."""
    seen, login_at = session.get(SEEN_AT), session.get(LOGIN_AT)
    if login_at is None or seen is None:
        return ""  # a session from before these checks: the middleware starts its clocks now
    if now - seen > settings.SESSION_IDLE_TIMEOUT:
        return f"您已超过 {settings.SESSION_IDLE_TIMEOUT // 60} 分钟未操作，为保护账号安全已自动退出，请重新登录。"
    if now - login_at > settings.SESSION_COOKIE_AGE:
        return "登录已超过有效时长，请重新登录。"
    return ""


class SessionSecurityMiddleware:
    """Ends idle and over-age sessions; marks every response to a logged-in user `Cache-Control: no-store`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and hasattr(request, "session"):
            now = _now()
            reason = expired_reason(request.session, now)
            if reason:
                logout(request)
                messages.info(request, reason)
                return redirect(settings.LOGIN_URL)
            if LOGIN_AT not in request.session:
                request.session[LOGIN_AT] = request.session[SEEN_AT] = now
            elif now - request.session.get(SEEN_AT, now) >= TOUCH_EVERY:
                request.session[SEEN_AT] = now
                UserSession.objects.filter(session_key=request.session.session_key).update(last_seen=timezone.now())
        response = self.get_response(request)
        if request.user.is_authenticated:
            # Pages, exports and file downloads alike: nothing a logged-in user saw stays in a shared cache or on disk.
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def _store():
    # SESSION_ENGINE names a module (as Django's SessionMiddleware reads it), not an attribute: import_string would
    # find it only where the middleware had imported it already, never in a management command.
    return import_module(settings.SESSION_ENGINE).SessionStore


def sessions_of(user):
    """The user's live sessions (rows of ended ones are dropped on the way), newest activity first."""
    store, alive = _store(), []
    for row in UserSession.objects.filter(user=user):
        session = store(session_key=row.session_key)
        if not session.exists(row.session_key) or expired_reason(session, _now()) or _foreign(session, user):
            row.delete()
        else:
            alive.append(row)
    return alive


def _foreign(session: SessionBase, user):
    return str(session.get("_auth_user_id")) != str(user.pk)


def expired_count():
    """How many stored sessions have expired (None when the store cannot tell: only a database store can)."""
    store = _store()
    if not hasattr(store, "get_model_class"):
        return None
    return store.get_model_class().objects.filter(expire_date__lt=timezone.now()).count()


def prune():
    """Drop the rows of sessions the store no longer has (expired and cleared, or ended elsewhere); returns how many.
    Run daily after clearsessions (worksafe prune_sessions); the profile page drops such rows of its user as well."""
    store = _store()
    if hasattr(store, "get_model_class"):  # a database store: one query
        alive = store.get_model_class().objects.values("session_key")
        return UserSession.objects.exclude(session_key__in=alive).delete()[0]
    gone = [row.pk for row in UserSession.objects.only("session_key") if not store().exists(row.session_key)]
    return UserSession.objects.filter(pk__in=gone).delete()[0]


def end(row):
    """End one session: the session itself (its cookie stops working at once) and its row."""
    _store()(session_key=row.session_key).delete()
    row.delete()


def end_all(user):
    """End every session of `user` (an administrator disabled the account); returns how many there were."""
    rows = list(UserSession.objects.filter(user=user))
    for row in rows:
        end(row)
    return len(rows)
