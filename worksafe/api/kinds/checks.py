"""隐患排查记录: check records, item by item, each written whole with ordinary saves."""
from django.utils import timezone

from worksafe.core import audit
from worksafe.core.models import ChangeRecord
from worksafe.hazards.models import HazardCheck, HazardCheckItem

from ..schemas import CheckRecord
from .base import Kind, audit_created, reject

FIELDS = {"checked_on": "checked_on", "kind": "kind", "checker": "checker_name", "note": "note"}  # record → model


class Checks(Kind):
    interface = "checks"
    schema = CheckRecord
    model = HazardCheck
    label = "隐患排查记录"

    def plan(self, items):
        today = timezone.localdate()
        existing = self.existing(items, HazardCheck.objects.prefetch_related("items"))
        for it in items:
            rec = it.record
            if rec.checked_on > today:
                it.reject([reject("checked_on", "排查日期：不能晚于今天")])
                continue
            rows = [(i.text, i.result, i.note) for i in rec.items]
            check = existing.get((it.enterprise.pk, rec.external_id))
            if check is None:
                check = HazardCheck(enterprise=it.enterprise, external_id=rec.external_id)
                it.result, before = "created", None
            else:
                it.id, before = check.pk, audit.before(check)
                same = all(getattr(check, attr) == getattr(rec, name) for name, attr in FIELDS.items())
                if same and rows == [(i.text, i.result, i.note) for i in check.items.all()]:
                    it.result = "unchanged"
                    continue
                it.result = "updated"
            for name, attr in FIELDS.items():
                setattr(check, attr, getattr(rec, name))
            it.plan = (check, before, rows)

    def write(self, items):
        changes = []
        for it in items:
            check, before, rows = it.plan
            check._audit_message = "数据对接上传"
            check.save()
            it.id = check.pk
            if before is not None and rows == [(i.text, i.result, i.note) for i in check.items.all()]:
                continue
            check.items.all().delete()  # each deletion is audited by the signals
            made = HazardCheckItem.objects.bulk_create(
                [HazardCheckItem(check_record=check, text=t, result=r, note=n) for t, r, n in rows])
            changes += [audit_created(item, it.enterprise, "数据对接上传：检查项") for item in made]
        ChangeRecord.objects.bulk_create(changes)

    def serialize(self, c):
        return {"id": c.pk, "external_id": c.external_id or None, "enterprise": c.enterprise.uscc, "enterprise_name": c.enterprise.name,
                "checked_on": c.checked_on, "kind": c.kind, "checker": c.checker_name, "note": c.note, "updated_at": c.updated_at,
                "items": [{"text": i.text, "result": i.result, "note": i.note} for i in c.items.all()]}

    def queryset(self, subscription):
        return super().queryset(subscription).prefetch_related("items")
