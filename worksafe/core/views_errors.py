"""Error pages Django would otherwise answer in English or without the site's layout: 400 and CSRF failure.

Django renders 400.html without the request (no user, no menu) and says nothing about why; the common cause here
is a form over the body limit (settings.DATA_UPLOAD_MAX_MEMORY_SIZE, the non-file part of a request: files are
limited by content in core.uploads and by nginx's client_max_body_size), which the user can fix once told so.
The exception reaches the handler as `exception` (django.core.handlers.exception.response_for_exception).
"""
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER
from django.shortcuts import render


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
