"""The data connection API (/api/v1/): token exchange, uploads, withdrawals and read-back per interface.

Every call of a subscription is logged (ApiCall: who, what, how many records, result) in `create_response`, which
django-ninja runs for every answer, errors included; the same log is what the per-subscriber rate limit counts. Calls
without a valid subscription are logged up to a bound per client (guard.py), so a flood of bad tokens cannot grow
the log without end. Errors are JSON {"code", "detail", "errors": [{"field", "message"}]} in Chinese, with the status
codes the OpenAPI document lists for each operation.
"""
import json
import time
from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from worksafe.core import audit, clients
from worksafe.core.xlsx import human_size

from . import guard, keys
from .errors import translate_ninja
from .models import ApiCall, ApiSubscription, Interface
from .schemas import Error

UPLOAD_ERRORS = {400: Error, 401: Error, 403: Error, 413: Error, 422: Error, 429: Error}
READ_ERRORS = {401: Error, 403: Error, 422: Error, 429: Error}
WITHDRAW_ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class ApiError(Exception):
    def __init__(self, status, code, detail, errors=(), headers=None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors, self.headers = status, code, detail, list(errors), headers or {}


class Api(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The document, with the record schemas the upload bodies refer to (they are read by hand, not by ninja,
        so that one bad record does not refuse the batch)."""
        from .kinds import HANDLERS

        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for handler in HANDLERS.values():
            record = handler.schema.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(record.pop("$defs", {}))
            components[handler.schema.__name__] = record
        return schema

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        _log(request, response.status_code, data)
        for name, value in getattr(request, "api_headers", {}).items():
            response[name] = value
        return response


def _log(request, status, data):
    sub = getattr(request, "auth", None)
    sub = sub if isinstance(sub, ApiSubscription) else None  # refused calls have none
    info = getattr(request, "api_log", {})
    message = ""
    if status >= 400 and isinstance(data, dict):
        message = str(data.get("detail", ""))[:500]
    if sub is None:
        left_out = guard.log_unauthenticated(request)
        if left_out is None:
            return
        if left_out:
            message = f"（此前该来源地址另有 {left_out} 次未认证的调用未逐条记录）{message}"
    started = getattr(request, "started", None)
    ApiCall.objects.create(
        subscription=sub, key_id=_text(sub.key_id if sub else info.get("key_id", ""), 32),
        operation=_text(operation_of(request), 64), method=_text(request.method, 8), path=_text(request.path, 200), status=status,
        records=info.get("records", 0), summary=info.get("summary", {}), message=_text(message, 500),
        client=_text(clients.client_address(request), 64), duration_ms=int((time.monotonic() - started) * 1000) if started else 0,
    )


def _text(value, length):
    """What the caller sent, as the log can store it: PostgreSQL text holds no NUL."""
    return str(value).replace("\x00", "\ufffd")[:length]


def operation_of(request):
    """What the log calls an operation: its route, e.g. /api/v1/hazards (with the method beside it)."""
    match = request.resolver_match
    return "/" + match.route if match else request.path


def throttle(request, limits, **where):
    """Refuse the call (429) when the calls logged for `where` exceed any (window, count) of `limits`. Only calls of a
    subscription are all logged: `where` must name one."""
    now = timezone.now()
    for window, count in limits:
        since = now - timedelta(seconds=window)
        if ApiCall.objects.filter(time__gt=since, **where).count() >= count:
            oldest = ApiCall.objects.filter(time__gt=since, **where).order_by("time").values_list("time", flat=True).first()
            wait = max(1, int(((oldest or now) + timedelta(seconds=window) - now).total_seconds()) + 1)
            raise ApiError(429, "rate_limited", f"调用过于频繁：每 {window} 秒最多 {count} 次，请 {wait} 秒后再试",
                           headers={"Retry-After": str(wait)})


class Bearer(HttpBearer):
    def authenticate(self, request, token):
        sub = keys.subscription_for(token)
        if sub is None:
            return None
        request.auth = sub  # so a refused call is logged against it
        throttle(request, settings.API_RATE_LIMITS, subscription=sub)
        return sub


api = Api(
    title="安全生产综合监管平台 数据对接接口",
    version="1.0",
    description=("企业、园区、市县自建双重预防机制系统上传安全风险分级管控清单、隐患排查记录、隐患排查治理台账和安全风险四色分布图"
                 "（河南省双重预防机制数据对接方案）。先用企业标识和授权KEY换取访问令牌，再在每次调用的 Authorization 头中携带"
                 "“Bearer 令牌”。说明文档：docs/api.md。"),
    urls_namespace="apiv1",
    auth=Bearer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status, code, detail, errors=(), headers=None):
    request.api_headers = headers or {}
    return api.create_response(request, {"code": code, "detail": detail, "errors": list(errors)}, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc):
    return _error(request, exc.status, exc.code, exc.detail, exc.errors, exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return _error(request, 401, "unauthorized", "访问令牌缺失、无效或已过期（订阅被注销、吊销或授权KEY已更换时令牌立即失效），请重新获取令牌",
                  headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = translate_ninja(exc.errors)
    return _error(request, 422, "invalid_parameters", "；".join(e["message"] for e in errors)[:500] or "参数有误", errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", str(exc) if str(exc) else "记录不存在")


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 400:  # django-ninja could not decode a JSON body it was to read
        return _error(request, 400, "malformed_json", "请求体不是有效的 JSON 对象")
    return _error(request, exc.status_code, "error", str(exc))


def require(request, interface):
    """The caller's subscription, refused (403) unless it includes `interface`."""
    sub = request.auth
    if interface not in sub.interfaces:
        raise ApiError(403, "interface_not_subscribed", f"本订阅未包含“{Interface(interface).label}”接口，请在接口订阅管理中申请")
    return sub


def acting(request, sub):
    """Changes made by a call are recorded in the change log as the subscriber's."""
    return audit.acting_as(None, getattr(request, "id", None), name=f"数据对接：{sub.system_name}（{sub.key_id}）")


JSON_PROBLEMS = {
    "Expecting property name enclosed in double quotes": "属性名应写在双引号中",
    "Expecting value": "此处应有一个值",
    "Extra data": "JSON 结束后还有多余内容",
    "Unterminated string starting at": "字符串缺少结束的双引号",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Invalid control character at": "字符串中有未转义的控制字符",
    "Invalid \\escape": "无效的转义字符",
}


def _json_problem(msg):
    return JSON_PROBLEMS.get(msg, msg)


def read_batch(request, options=()):
    """The decoded body of an upload: (records, all_or_nothing, {option: bool}) for the kind's boolean `options`;
    400 or 413 with the reason otherwise."""
    limit = settings.API_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise ApiError(413, "body_too_large", f"请求体过大（{human_size(declared)}，最大 {human_size(limit)}），请分批上传")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise ApiError(413, "body_too_large", f"请求体过大（最大 {human_size(limit)}），请分批上传")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "malformed_json", "请求体嵌套过深") from None
    except ValueError as e:
        where = f"：第 {e.lineno} 行第 {e.colno} 列，{_json_problem(e.msg)}" if isinstance(e, json.JSONDecodeError) else "（应为 UTF-8 编码）"
        raise ApiError(400, "malformed_json", f"请求体不是有效的 JSON{where}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_body", "请求体应为 JSON 对象：{\"records\": [...], \"all_or_nothing\": false}")
    unknown = sorted(set(data) - {"records", "all_or_nothing", *options}, key=str)
    if unknown:
        raise ApiError(400, "malformed_body", f"请求体含不认识的字段：{'、'.join(map(str, unknown))}",
                       [{"field": k, "message": "不认识的字段"} for k in unknown])
    records, aon = data.get("records"), data.get("all_or_nothing", False)
    if not isinstance(records, list) or not records:
        raise ApiError(400, "malformed_body", "records：必填，应为至少含 1 条记录的数组", [{"field": "records", "message": "应为非空数组"}])
    if len(records) > settings.API_MAX_BATCH:
        raise ApiError(413, "batch_too_large", f"每批最多 {settings.API_MAX_BATCH} 条记录，本次 {len(records)} 条，请分批上传")
    chosen = {name: data.get(name, False) for name in options}
    for name, value in {"all_or_nothing": aon, **chosen}.items():
        if not isinstance(value, bool):
            raise ApiError(400, "malformed_body", f"{name}：应为 true 或 false", [{"field": name, "message": "应为 true 或 false"}])
    return records, aon, chosen


from . import endpoints  # noqa: E402,F401  (the operations register on `api`)
