"""Error pages Django would otherwise answer in English or without the site's layout: 400, CSRF failure, 500, and
503 while the database is unreachable.

Django renders 400.html without the request (no user, no menu) and says nothing about why; the common cause here
is a form over the body limit (settings.DATA_UPLOAD_MAX_MEMORY_SIZE, the non-file part of a request: files are
limited by content in core.uploads and by nginx's client_max_body_size), which the user can fix once told so.
The exception reaches the handler as `exception` (django.core.handlers.exception.response_for_exception).

The 500 and 503 pages show the request's id as 错误编号, the id its log lines carry (core.logs), so a user can
quote it. handler500 is given only the request, but Django calls it while handling the exception, so
sys.exception() says what happened: a database that cannot be reached becomes the 503 page (pages) or the API's
503 JSON ({"code", "detail", "errors"}, as worksafe/api/api.py answers), which may be retried, instead of a 500.
Both pages are rendered without the request's context (error_page.html needs no user and no messages): nothing on
them touches the database.
"""
import logging
import sys
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger("worksafe.request")
RETRY_AFTER = 30  # seconds a client is asked to wait while the database is unreachable
API_PREFIX = "/api/"
UNAVAILABLE_DETAIL = "服务暂时不可用（数据库暂时无法访问），请稍后重试"


def _megabytes(n):
    return f"{n / (1024 * 1024):g}"


def bad_request_message(exception):
    """What went wrong, in words the user can act on."""
    if isinstance(exception, RequestDataTooBig):
        return (f"提交的内容过大（超过 {_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} MB）。"
                "请减少填写的文字或分批提交；文件请用页面上的上传按钮上传。")
    if isinstance(exception, TooManyFieldsSent):
        return f"提交的内容过多（超过 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 项）。请分批提交。"
    if isinstance(exception, TooManyFilesSent):
        return f"一次上传的文件过多（超过 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个）。请分批上传。"
    return "请求无法处理：提交的内容不完整或格式不正确。请返回上一页刷新后重试。"


def bad_request(request, exception=None):
    """handler400 (worksafe/urls.py)."""
    return render(request, "400.html", {"message": bad_request_message(exception)}, status=400)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a form posted from a page opened before logging in or out, or long ago."""
    if reason == REASON_NO_CSRF_COOKIE:
        message = "浏览器没有保存本站的 Cookie，无法验证提交来源。请允许本站使用 Cookie 后刷新页面重试。"
    elif reason == REASON_NO_REFERER:
        message = "浏览器没有发送来源页面信息（Referer），无法验证提交来源。请检查浏览器的隐私设置后刷新页面重试。"
    else:
        message = "页面已过期（可能在其他窗口登录或退出过），提交未被接受。请返回上一页，刷新后重新提交。"
    return render(request, "403_csrf.html", {"message": message, "reason": reason if settings.DEBUG else ""}, status=403)


def database_unavailable(exception):
    """Whether `exception` means the database cannot be used now (connection refused or lost, server shutting down,
    SQLite's file unopenable or locked): Django's wrappers of the driver's errors, psycopg's included."""
    return isinstance(exception, (OperationalError, InterfaceError))


def request_id(request):
    """The request's id (core.middleware.RequestContextMiddleware); one made now if the error came before it."""
    if not getattr(request, "id", None):
        request.id = uuid.uuid4().hex  # set on the request: Django's error log line reads it from there
    return request.id


def unavailable(request, exception):
    """503 while the database is unreachable: JSON for the API, the Chinese page otherwise; logged as one line (a
    traceback per request during an outage says nothing the first one did not)."""
    rid = request_id(request)
    logger.error("503 Service Unavailable %s %s (database unavailable: %s: %s)", request.method,
                 request.path, type(exception).__name__, str(exception).strip(), extra={"request": request})
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse({"code": "service_unavailable", "detail": UNAVAILABLE_DETAIL, "errors": []},
                                status=503, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"request_id": rid}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["X-Request-ID"] = rid
    response._has_been_logged = True  # the line above: Django's request logger would add another
    return response


def server_error(request):
    """handler500 (worksafe/urls.py)."""
    exception = sys.exception()  # Django calls handler500 inside its `except` block
    if database_unavailable(exception):
        return unavailable(request, exception)
    rid = request_id(request)
    response = HttpResponse(loader.render_to_string("500.html", {"request_id": rid}), status=500)
    response["X-Request-ID"] = rid
    return response
