"""The operations of /api/v1/: the same three (upload, withdraw, list) for each record kind, the token exchange,
the four-colour map files, and what the subscription covers."""
import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from ninja import File, Form, Query, Schema
from ninja.files import UploadedFile
from pydantic import Field

from worksafe.core import storage, uploads
from worksafe.risks.models import FourColourMap

from . import batch, guard, keys, schemas
from .api import READ_ERRORS, UPLOAD_ERRORS, WITHDRAW_ERRORS, ApiError, acting, api, read_batch, require
from .kinds import HANDLERS
from .kinds.base import NotWithdrawn, coverage_q
from .models import Interface


class PageQuery(Schema):
    enterprise: str | None = Field(None, max_length=18, description="只列出这家企业（统一社会信用代码）")
    updated_since: datetime | None = Field(None, description="只列出此时间（含）之后更新的记录，如 2026-11-01T00:00:00+08:00")
    page: int = Field(1, ge=1, le=100000, description="页码，从 1 开始")
    page_size: int = Field(100, ge=1, le=500, description="每页条数，最多 500")


def key(value, what="记录"):
    """A path or query value as a lookup key; a NUL (which PostgreSQL cannot even compare) matches nothing: 404."""
    if "\x00" in value:
        raise ApiError(404, "not_found", f"{what}不存在")
    return value.strip()


def paged(request, qs, query, serialize, ordering=("updated_at", "id"), uscc="enterprise__uscc"):
    if query.enterprise:
        qs = qs.none() if "\x00" in query.enterprise else qs.filter(**{uscc: query.enterprise.strip().upper()})
    if query.updated_since:
        try:  # in UTC, as the database compares: an offset like -18:41 is Python's, not PostgreSQL's
            since = query.updated_since
            since = (timezone.make_aware(since) if timezone.is_naive(since) else since).astimezone(UTC)
        except OverflowError:  # before year 1 or after 9999 in UTC: everything, or nothing
            since = None if query.updated_since.year < 2000 else False
        if since is False:
            qs = qs.none()
        elif since is not None:
            qs = qs.filter(updated_at__gte=since)
    qs = qs.order_by(*ordering)
    start = (query.page - 1) * query.page_size
    rows = list(qs[start:start + query.page_size])
    request.api_log = {"records": len(rows)}
    return {"count": qs.count(), "page": query.page, "page_size": query.page_size, "items": [serialize(r) for r in rows]}


# Token ------------------------------------------------------------------------------------------------------------

@api.post("/token", auth=None, response={200: schemas.TokenOut, 400: schemas.Error, 401: schemas.Error, 422: schemas.Error,
                                         429: schemas.Error}, url_name="token", tags=["认证"], summary="用企业标识和授权KEY换取访问令牌")
def token(request, credentials: schemas.TokenIn):
    # Failures count against the client that sent them (guard.py): the right secret is never refused because other
    # clients guessed wrong.
    request.api_log = {"key_id": credentials.key_id}
    refused = guard.token_refusal(request, credentials.key_id)
    if refused:
        wait, reason = refused
        raise ApiError(429, "rate_limited", reason, headers={"Retry-After": str(wait)})
    sub, issued = keys.exchange(credentials.key_id, credentials.secret)
    if sub is None:
        guard.token_failed(request, credentials.key_id)
        raise ApiError(401, "invalid_credentials", "企业标识或授权KEY不正确，或该订阅未获授权、已注销、已吊销")
    request.auth = sub
    value, expires_at = issued
    return {"access_token": value, "expires_in": settings.API_TOKEN_TTL, "expires_at": expires_at}


@api.get("/subscription", response={200: schemas.SubscriptionOut, **READ_ERRORS}, url_name="subscription", tags=["认证"],
         summary="本订阅的信息")
def subscription(request):
    sub = request.auth
    return {"key_id": sub.key_id, "system_name": sub.system_name, "subscriber": str(sub.subscriber),
            "interfaces": sub.interfaces, "staging": sub.staging, "enterprises": sub.covers().count()}


@api.get("/enterprises", response={200: schemas.EnterprisePage, **READ_ERRORS}, url_name="enterprises", tags=["认证"],
         summary="本订阅覆盖的企业")
def enterprises(request, query: Query[PageQuery]):
    from worksafe.archive.models import Enterprise

    qs = Enterprise.objects.filter(coverage_q(request.auth, path="")).select_related("region", "industry")
    if query.updated_since:
        query.updated_since = None  # enterprises are listed whole; the filter applies to records
    return paged(request, qs, query, lambda e: {"uscc": e.uscc, "name": e.name, "region": e.region_id, "region_name": e.region.name,
                                                "industry": e.industry_id, "industry_name": e.industry.name}, ("uscc",), "uscc")


# Records: upload, withdraw, list ----------------------------------------------------------------------------------

OUT = {"hazards": schemas.HazardPage, "checks": schemas.CheckPage, "risks": schemas.RiskObjectPage}
PATHS = {"hazards": "hazards", "checks": "checks", "risks": "risk-objects"}
TAGS = {"hazards": "隐患排查治理台账", "checks": "隐患排查记录", "risks": "安全风险分级管控清单"}


def _operations(interface):
    handler, path, tag = HANDLERS[interface], PATHS[interface], TAGS[interface]
    record = handler.schema.__name__

    def upload(request):
        sub = require(request, interface)
        records, all_or_nothing, options = read_batch(request, handler.options)
        with acting(request, sub):
            answer = batch.upload(sub, handler, records, all_or_nothing, **options)
        request.api_log = {"records": len(records), "summary": answer["counts"]}
        return answer

    def withdraw(request, enterprise: str, external_id: str):
        sub = require(request, interface)
        try:
            with acting(request, sub):
                handler.withdraw_record(sub, key(enterprise, "企业"), key(external_id))
        except NotWithdrawn as e:
            raise ApiError(e.status, "not_found" if e.status == 404 else "not_withdrawable", e.message, e.errors) from None
        request.api_log = {"records": 1, "summary": {"withdrawn": 1}}
        return {"result": "withdrawn", "external_id": external_id, "enterprise": enterprise.strip().upper()}

    def listing(request, query: Query[PageQuery]):
        sub = require(request, interface)
        return paged(request, handler.queryset(sub), query, handler.serialize)

    for fn, name in ((upload, "upload"), (withdraw, "withdraw"), (listing, "list")):
        fn.__name__ = f"{interface}_{name}"
    body = {"requestBody": {"required": True, "content": {"application/json": {"schema": schemas.batch_schema(handler.schema, handler.options)}}}}
    api.post(f"/{path}", response={200: schemas.BatchResult, **UPLOAD_ERRORS}, url_name=f"{interface}_upload", tags=[tag],
             summary=f"上传{handler.label}（每批最多 {settings.API_MAX_BATCH} 条）", openapi_extra=body,
             description=f"每条记录为一个 {record}。同一发送方记录编号再次上传：内容相同为 unchanged，不同则更新。")(upload)
    api.delete(f"/{path}/{{enterprise}}/{{path:external_id}}", response={200: schemas.Withdrawn, **WITHDRAW_ERRORS},
               url_name=f"{interface}_withdraw", tags=[tag], summary=f"撤回一条{handler.label}记录")(withdraw)
    api.get(f"/{path}", response={200: OUT[interface], **READ_ERRORS}, url_name=f"{interface}_list", tags=[tag],
            summary=f"列出平台保存的{handler.label}记录（对账）")(listing)


for _interface in PATHS:
    _operations(_interface)


# Four-colour maps -------------------------------------------------------------------------------------------------

MAP_TAG = "安全风险四色分布图"


def _map_enterprise(sub, enterprise):
    from worksafe.archive.models import Enterprise

    found = Enterprise.objects.filter(coverage_q(sub, path=""), uscc=key(enterprise, "企业").upper()).first()
    if found is None:
        raise ApiError(404, "not_found", f"企业 {enterprise} 不在本订阅的覆盖范围内（或未在平台登记）",
                       [{"field": "enterprise", "message": "不在本订阅的覆盖范围内"}])
    return found


@api.post("/four-colour-maps", response={200: schemas.MapResult, 400: schemas.Error, 401: schemas.Error, 403: schemas.Error,
                                         404: schemas.Error, 413: schemas.Error, 422: schemas.Error, 429: schemas.Error,
                                         507: schemas.Error},
          url_name="maps_upload", tags=[MAP_TAG], summary="上传企业的安全风险四色分布图（图片或 PDF）")
def map_upload(request, enterprise: Form[str], file: File[UploadedFile]):
    sub = require(request, Interface.MAPS)
    target = _map_enterprise(sub, enterprise)
    if file.size > uploads.max_bytes():
        raise ApiError(413, "file_too_large", f"文件过大（最大 {uploads.human_size(uploads.max_bytes())}）")
    try:
        stored, content_type = uploads.checked_file(file, kinds=("image", "pdf"))  # an image without its metadata
    except DjangoValidationError as e:
        raise ApiError(400, "invalid_file", f"file：{e.messages[0]}", [{"field": "file", "message": e.messages[0]}]) from None
    stored.seek(0)
    data = stored.read()
    request.api_log = {"records": 1}
    try:
        with storage.all_or_nothing(), acting(request, sub):
            fcm, created = FourColourMap.objects.select_for_update().get_or_create(enterprise=target)
            if fcm.ready_map and _digest_of(fcm.ready_map) == hashlib.sha256(data).hexdigest():
                result = "unchanged"
            else:
                result = "updated" if fcm.ready_map else "created"
                stored.seek(0)
                fcm.ready_map.save(stored.name, stored, save=False)
                fcm.ready_map_type = content_type
                fcm._audit_message = "数据对接上传四色图"
                fcm.save()
    except storage.StorageFailed:
        storage.logger.error("four-colour map not stored: the storage refused it", exc_info=True)
        raise ApiError(507, "storage_unavailable", storage.API_MESSAGE) from None
    request.api_log["summary"] = {result: 1}
    return {"enterprise": target.uscc, "result": result, "content_type": content_type}


def _digest_of(field_file):
    try:
        with field_file.open("rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return ""


@api.delete("/four-colour-maps/{enterprise}", response={200: schemas.MapResult, **WITHDRAW_ERRORS}, url_name="maps_withdraw",
            tags=[MAP_TAG], summary="撤回企业的四色图文件")
def map_withdraw(request, enterprise: str):
    sub = require(request, Interface.MAPS)
    target = _map_enterprise(sub, enterprise)
    fcm = FourColourMap.objects.filter(enterprise=target).first()
    if fcm is None or not fcm.ready_map:
        raise ApiError(404, "not_found", f"企业 {target.uscc} 没有四色图文件")
    with transaction.atomic(), acting(request, sub):
        fcm.ready_map.delete(save=False)
        fcm.ready_map_type = ""
        fcm._audit_message = "数据对接撤回四色图"
        fcm.save()
    request.api_log = {"records": 1, "summary": {"withdrawn": 1}}
    return {"enterprise": target.uscc, "result": "withdrawn"}


@api.get("/four-colour-maps", response={200: schemas.MapPage, **READ_ERRORS}, url_name="maps_list", tags=[MAP_TAG],
         summary="列出覆盖企业的四色图文件情况")
def map_list(request, query: Query[PageQuery]):
    sub = require(request, Interface.MAPS)
    qs = FourColourMap.objects.filter(coverage_q(sub)).select_related("enterprise")
    return paged(request, qs, query, lambda m: {"enterprise": m.enterprise.uscc, "enterprise_name": m.enterprise.name,
                                                "has_map": bool(m.ready_map), "content_type": m.ready_map_type,
                                                "updated_at": m.updated_at})
