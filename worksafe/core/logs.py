"""Logging filters (settings.LOGGING).

Django logs every refused request (403, and the 400 of a request body over the limit) with the exception's
traceback: a crawler or a user following an old link fills the log with stack traces that say nothing a status
line does not. `OneLineClientErrors` turns 4xx records into one line (status, method, path, user id and the
reason); 5xx records keep their traceback, which is what a server error needs.
"""
import http
import logging
import re

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
