"""/healthz: what a load balancer, systemd or a monitor asks before sending traffic to this process.

A registry of named checks (`check`): the database, and the job queue (the age of its oldest waiting job, so a
monitor sees workers that are down or too few before users do). Each check raises when its part is down, and may
return figures to report beside it. The answer is 200 {"status": "ok", "database": "ok", "queue": "ok",
"queue_wait_seconds": 0} or 503 with "error" beside the part that failed; why it failed goes to the log only (the
body is public and a connection error names hosts).

It is answered by a middleware at the top of settings.MIDDLEWARE, before any other: probes come over plain http
from the balancer's or the machine's own address, which the https redirect (WORKSAFE_HTTPS) and ALLOWED_HOSTS would
refuse, and a probe must not cost a session, a user lookup or a CSRF cookie. Nothing here is cached.
"""
import logging

from django.db import connections
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

PATHS = {"/healthz", "/healthz/"}

logger = logging.getLogger("worksafe.health")
_checks = {}  # name -> function that raises when that part is down


def check(name):
    """Register the decorated function as the check `name`."""

    def register(function):
        _checks[name] = function
        return function

    return register


@check("database")
def database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@check("queue")
def queue():
    """Fails when a job has waited longer than settings.JOB_QUEUE_MAX_WAIT seconds: no worker is taking jobs."""
    from django.conf import settings

    from .jobs import oldest_wait

    wait = oldest_wait()
    if wait > settings.JOB_QUEUE_MAX_WAIT:
        raise RuntimeError(f"the oldest queued job has waited {wait} s")
    return {"queue_wait_seconds": wait}


def run():
    """(healthy, {name: "ok" | "error", figure: value}), every check run even after one failed."""
    results, figures = {}, {}
    for name, function in _checks.items():
        try:
            figures.update(function() or {})
        except Exception as e:
            logger.error("health check %s failed: %s: %s", name, type(e).__name__, str(e).strip())
            results[name] = "error"
        else:
            results[name] = "ok"
    return all(v == "ok" for v in results.values()), {**results, **figures}


def response():
    healthy, results = run()
    answer = JsonResponse({"status": "ok" if healthy else "error", **results}, status=200 if healthy else 503)
    add_never_cache_headers(answer)
    return answer


class HealthCheckMiddleware:
    """Answers /healthz itself; every other request goes on down the stack untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PATHS:
            return response()
        return self.get_response(request)
