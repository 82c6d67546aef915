"""库表对接: import the rows city systems write into the staging table (api_staging), with the API's own rules.

Rows are taken in id order, a chunk at a time, each chunk in one transaction that locks its rows (PostgreSQL:
FOR UPDATE SKIP LOCKED, so runs that overlap share the work instead of repeating it; SQLite: the IMMEDIATE
transaction serialises them). Each chunk is grouped by key id, interface and action; upserts go through the same
batch upload as the API (one bad row does not sink the others), withdrawals through the same handler. Every row ends
done (with its result) or failed (with the reason), and each group is logged as one call of its subscription.
"""
import time
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.utils import timezone

from worksafe.core import audit

from . import batch
from .kinds import HANDLERS
from .kinds.base import NotWithdrawn
from .models import ApiCall, ApiSubscription, Interface, StagingRecord, StagingStatus, SubscriptionState

CHUNK = 1000


def import_pending(chunk=CHUNK):
    """Import every pending row; Counter of the rows' outcomes (done/failed) and results."""
    totals = Counter()
    while True:
        with transaction.atomic():
            rows = _claim(chunk)
            if not rows:
                return totals
            for (key_id, interface, action), group in _groups(rows).items():
                _import_group(key_id, interface, action, group)
            StagingRecord.objects.bulk_update(rows, ["status", "result", "reason", "processed_at"])
        totals.update(r.status for r in rows)
        totals.update(f"result:{r.result}" for r in rows if r.result)


def _claim(chunk):
    qs = StagingRecord.objects.filter(status=StagingStatus.PENDING).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return list(qs[:chunk])


def _groups(rows):
    groups = defaultdict(list)
    for row in rows:
        groups[(row.key_id, row.interface, row.action)].append(row)
    return groups


def _fail(rows, reason):
    now = timezone.now()
    for row in rows:
        row.status, row.result, row.reason, row.processed_at = StagingStatus.FAILED, "rejected", reason[:2000], now


def _done(row, result):
    row.status, row.result, row.reason, row.processed_at = StagingStatus.DONE, result, "", timezone.now()


def _subscription(key_id):
    sub = (ApiSubscription.objects.select_related("organization", "enterprise")
           .filter(key_id=key_id, state=SubscriptionState.APPROVED, staging=True).first())
    return sub


def _import_group(key_id, interface, action, rows):
    started = time.monotonic()
    sub = _subscription(key_id)
    handler = HANDLERS.get(interface)
    if sub is None:
        return _fail(rows, f"企业标识 {key_id} 没有已授权的库表对接订阅（未授权、已注销、已吊销或未开通库表对接）")
    if connection.vendor == "postgresql":
        strangers = [r for r in rows if r.db_user != sub.staging_role]
        _fail(strangers, f"写入该行的数据库账号与企业标识 {key_id} 绑定的中间库账号不符（worksafe staging_role 绑定），不予导入")
        rows = [r for r in rows if r.db_user == sub.staging_role]
        if not rows:
            return
    if handler is None:
        return _fail(rows, f"interface 应为 hazards、checks 或 risks（四色图文件请通过接口上传），而不是 {interface}")
    if interface not in sub.interfaces:
        return _fail(rows, f"本订阅未包含“{Interface(interface).label}”接口")
    with audit.acting_as(None, name=f"库表对接：{sub.system_name}（{sub.key_id}）"):
        if action == "upsert":
            summary = _upsert(sub, handler, rows)
        elif action == "withdraw":
            summary = _withdraw(sub, handler, rows)
        else:
            _fail(rows, f"action 应为 upsert（新增或更新）或 withdraw（撤回），而不是 {action}")
            summary = {"rejected": len(rows)}
    ApiCall.objects.create(subscription=sub, key_id=sub.key_id, operation="api_staging", method="IMPORT", path=f"{interface}/{action}",
                           status=200, records=len(rows), summary=summary, duration_ms=int((time.monotonic() - started) * 1000))


def _upsert(sub, handler, rows):
    """Rows in order; a record written twice before an import runs is applied twice, in turn (a batch holds each
    record once, so a repeated one starts the next batch)."""
    summary, run, keys = Counter(), [], set()
    for row in rows:
        key = (row.enterprise.strip().upper(), row.external_id.strip())
        if key in keys:
            summary.update(_upsert_batch(sub, handler, run))
            run, keys = [], set()
        run.append(row)
        keys.add(key)
    summary.update(_upsert_batch(sub, handler, run))
    return {k: v for k, v in summary.items() if v}


def _upsert_batch(sub, handler, rows):
    records = []
    for row in rows:
        payload = row.payload if isinstance(row.payload, dict) else None
        records.append(None if payload is None else {**payload, "enterprise": row.enterprise, "external_id": row.external_id})
    answer = batch.upload(sub, handler, [r if r is not None else [] for r in records])
    for row, record, result in zip(rows, records, answer["results"], strict=False):
        if record is None:
            _fail([row], "payload 应为一条记录的 JSON 对象（与接口上传的记录格式相同）")
        elif result["result"] == "rejected":
            _fail([row], "；".join(e["message"] for e in result["errors"]))
        else:
            _done(row, result["result"])
    return answer["counts"]


def _withdraw(sub, handler, rows):
    summary = Counter()
    for row in rows:
        try:
            handler.withdraw_record(sub, row.enterprise, row.external_id)
        except NotWithdrawn as e:
            _fail([row], e.message)
        else:
            _done(row, "withdrawn")
        summary["withdrawn" if row.status == StagingStatus.DONE else "rejected"] += 1
    return dict(summary)
