"""The application's log lines (settings.LOGGING): one line per event, saying which request it belongs to.

Every line carries the time, level, logger, the request id (the X-Request-ID the response carries and the error page
shows, so a user's 错误编号 finds the line), the user id and the path: `TextFormatter` writes them as words,
`JsonFormatter` (WORKSAFE_LOG_FORMAT=json) as one JSON object per line with the traceback inside it, for a log
collector. No dependency: two small logging.Formatters. The request comes from `bound()` (set by
core.middleware.RequestContextMiddleware) or from the record itself (Django's request logger passes it; its error
lines are written after the middleware has returned); outside a request, the audit context's id (a command or a job
acting as someone) still ties the lines to its change records. Reading the user never loads it: a log line must
not query the database, least of all while the database is what failed.

Django logs every refused request (403, and the 400 of a request body over the limit) with the exception's
traceback: a crawler or a user following an old link fills the log with stack traces that say nothing a status
line does not. `OneLineClientErrors` turns 4xx records into one line (status, method, path, user id and the
reason); 5xx records keep their traceback, which is what a server error needs.
"""
import contextvars
import datetime
import http
import json
import logging
import re
from contextlib import contextmanager

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _escaped(text):
    """Control characters escaped: a crafted path or message cannot start a new log line (Chinese stays readable)."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


class OneLineClientErrors(logging.Filter):
    """Attached to the loggers that log 4xx responses (django.request, the django.security ones of an oversized
    body); rewrites their records in place, so every handler gets the one line."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500 or getattr(record, "one_line", False):
            return True  # a server error, or done already (runserver configures logging twice: filters pile up)
        request = getattr(record, "request", None)
        exc = record.exc_info[1] if record.exc_info else None
        try:
            user_id = getattr(getattr(request, "user", None), "pk", None) or "-"
        except Exception:  # the lazy user needs the database; a log line must not fail on it
            user_id = "-"
        reason = _escaped(exc) if exc is not None and str(exc) else ""
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        record.msg = "%s %s %s %s user=%s%s"
        record.args = (
            status, phrase, getattr(request, "method", "-"), _escaped(getattr(request, "path", "-")),
            user_id, f" ({reason})" if reason else "",
        )
        record.exc_info = record.exc_text = None
        record.one_line = True
        return True


# One line per event --------------------------------------------------------------------------------------------

_request = contextvars.ContextVar("log_request", default=None)


@contextmanager
def bound(request):
    """Log lines written inside the block carry `request`'s id, user and path."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def _user_id(user):
    """The user's id if the user has been loaded already (else None): unwraps the lazy objects of the auth and OTP
    middleware without evaluating them."""
    while isinstance(user, LazyObject):
        user = user._wrapped
        if user is empty:
            return None
    return getattr(user, "pk", None)


def context(record):
    """(request id, user id, path) of the request `record` belongs to; None for what is not known."""
    from . import audit

    request = getattr(record, "request", None)
    if not isinstance(request, HttpRequest):  # runserver's access log passes its socket under the same name
        request = _request.get()
    if request is not None:
        # The account behind the request: for 快速登录企业端 the regulator, not the stand-in (core.impersonation).
        user = getattr(request, "real_user", None) or getattr(request, "user", None)
        return getattr(request, "id", None), _user_id(user), request.path
    return audit.current_request_id(), _user_id(audit.current_user()), None


def _time(record):
    # Local time with its offset (Django sets the process's zone to settings.TIME_ZONE), to the millisecond.
    return datetime.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """`2026-12-07T18:54:56.123+08:00 ERROR django.request req=… user=12 path=/hazards/5/ message`; "-" where
    unknown. The message is kept on its line (control characters escaped); a traceback follows on its own lines."""

    def format(self, record):
        request_id, user_id, path = context(record)
        line = (f"{_time(record)} {record.levelname} {record.name} req={request_id or '-'} user={user_id or '-'} "
                f"path={_escaped(path) if path else '-'} {_escaped(record.getMessage())}")
        detail = self._detail(record)
        return f"{line}\n{detail}" if detail else line

    def _detail(self, record):
        parts = []
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(self.formatStack(record.stack_info))
        return "\n".join(parts)


class JsonFormatter(TextFormatter):
    """One JSON object per line: time, level, logger, request_id, user_id, path, message, and the traceback (as one
    string) when there is one. Chinese is written as is."""

    def format(self, record):
        request_id, user_id, path = context(record)
        entry = {
            "time": _time(record), "level": record.levelname, "logger": record.name,
            "request_id": request_id, "user_id": user_id, "path": path, "message": record.getMessage(),
        }
        detail = self._detail(record)
        if detail:
            entry["traceback"] = detail
        return json.dumps(entry, ensure_ascii=False, default=str)
