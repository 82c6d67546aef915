"""One upload of up to API_MAX_BATCH records of one kind, the same for the API and the staging import.

Every record is validated first (its schema, then the kind's rules, then whether the subscription covers its
enterprise); the valid ones are then written in one transaction by the kind's handler. A record is never half
written: a handler writes a record whole or not at all, and if the batch's transaction fails (a concurrent upload
of the same id, say) each record is retried in its own savepoint. One bad record does not sink the others unless
the caller asks for all-or-nothing, in which case nothing is written and the good records answer "skipped".
"""
from collections import Counter
from dataclasses import dataclass, field

import pydantic
from django.db import DatabaseError, transaction

from .errors import field_error, translate

RESULTS = ("created", "updated", "unchanged", "rejected", "skipped")


class Rejected(Exception):
    """A record the kind's rules refuse: `errors` as [{"field", "message"}]."""

    def __init__(self, *errors):
        super().__init__(errors)
        self.errors = list(errors)


@dataclass
class Item:
    index: int
    raw: object
    record: object = None  # the validated schema instance
    enterprise: object = None  # the Enterprise it belongs to
    result: str = ""
    errors: list = field(default_factory=list)
    id: int | None = None  # ours, once known
    plan: object = None  # what the handler will write

    def reject(self, errors):
        self.result, self.errors = "rejected", list(errors)

    def answer(self):
        raw = self.raw if isinstance(self.raw, dict) else {}
        ext = self.record.external_id if self.record else raw.get("external_id")
        ent = self.record.enterprise if self.record else raw.get("enterprise")
        return {"index": self.index, "external_id": ext if isinstance(ext, str) else None,
                "enterprise": ent if isinstance(ent, str) else None, "result": self.result, "id": self.id,
                "errors": self.errors}


def upload(subscription, handler, records, all_or_nothing=False, **options):
    """Apply `records` (decoded JSON) with `handler`; the answer the API returns (BatchResult). `options` are the
    kind's (handler.options), applied by its `finish` once the records are written."""
    items = [Item(i, raw) for i, raw in enumerate(records)]
    _validate(items, handler.schema)
    _dedupe(items)
    _resolve_enterprises(subscription, items)
    valid = [it for it in items if not it.result]
    if valid:
        handler.plan(valid)  # sets result (created/updated/unchanged) and plan, or rejects
    rejected = any(it.result == "rejected" for it in items)
    to_write = [it for it in items if it.result in ("created", "updated")]
    if all_or_nothing and rejected:
        for it in items:
            if it.result != "rejected":
                it.result, it.id = "skipped", it.id if it.result == "unchanged" else None
        applied = False
    else:
        _write(handler, to_write, all_or_nothing)
        applied = not (all_or_nothing and any(it.result == "rejected" for it in items))
        if not applied:
            for it in items:
                if it.result in ("created", "updated", "unchanged"):
                    it.result = "skipped"
    counts = Counter(it.result for it in items)
    answer = {"applied": applied, "counts": {r: counts.get(r, 0) for r in RESULTS}, "results": [it.answer() for it in items]}
    if applied and any(options.values()):
        with transaction.atomic():
            answer["counts"].update(handler.finish(subscription, items, **options))
    return answer


def _validate(items, schema):
    for it in items:
        if not isinstance(it.raw, dict):
            it.reject([field_error("", "每条记录应为 JSON 对象")])
            continue
        try:
            it.record = schema.model_validate(it.raw)
        except pydantic.ValidationError as e:
            it.reject(translate(e, schema))


def _dedupe(items):
    seen = {}
    for it in items:
        if it.result:
            continue
        key = (it.record.enterprise, it.record.external_id)
        if key in seen:
            it.reject([field_error("external_id", f"发送方记录编号：与本批第 {seen[key] + 1} 条记录（序号 {seen[key]}）重复")])
        else:
            seen[key] = it.index


def _resolve_enterprises(subscription, items):
    codes = {it.record.enterprise for it in items if not it.result}
    covered = {e.uscc: e for e in subscription.covers().filter(uscc__in=codes).select_related(None)} if codes else {}
    for it in items:
        if it.result:
            continue
        it.enterprise = covered.get(it.record.enterprise)
        if it.enterprise is None:
            it.reject([field_error("enterprise", f"统一社会信用代码：企业 {it.record.enterprise} "
                                                 "不在本订阅的覆盖范围内（或未在平台登记），不能为其上传")])


def _write(handler, items, all_or_nothing):
    if not items:
        return
    try:
        with transaction.atomic():
            handler.write(items)
        return
    except (DatabaseError, Rejected):
        if all_or_nothing:
            for it in items:
                it.reject([field_error("", "写入时发生冲突（可能有其他请求同时上传了相同记录），整批未写入，请重试")])
            return
    # One at a time, each in its own savepoint: the failing record is named, the others go in.
    for it in items:
        status = it.result
        try:
            with transaction.atomic():
                handler.plan([it])
                if it.result in ("created", "updated"):
                    handler.write([it])
        except Rejected as e:
            it.reject(e.errors)
        except DatabaseError:
            it.reject([field_error("", "写入时发生冲突（可能有其他请求同时上传了相同记录），请重新上传该记录")])
        else:
            if it.result not in ("created", "updated", "unchanged", "rejected"):
                it.result = status
