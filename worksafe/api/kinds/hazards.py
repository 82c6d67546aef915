"""隐患排查治理台账: hazards with their rectification fields and state history, written in bulk.

A batch is a few statements whatever its size: one SELECT of the hazards (and one of their steps) we already
hold, one multi-row INSERT of the new hazards, one UPDATE of the changed ones, the steps and the change log in bulk,
and a recount of each (enterprise, year) touched. Signals are bypassed, so what they would do is done here:
the copies of region and industry, a major hazard's pending review, the yearly counts, the audit records.
"""
from datetime import timedelta

from django.utils import timezone

from worksafe.core import audit, bulk, refdata
from worksafe.core.models import ChangeRecord
from worksafe.hazards import summary
from worksafe.hazards.models import Category, Hazard, HazardCheck, HazardCheckItem, HazardStep, Level, Review, State

from ..schemas import HazardRecord
from .base import Kind, audit_created, audit_updated, coverage_q, reject

FIELDS = [name for name in HazardRecord.model_fields if name not in ("external_id", "enterprise", "history", "check_id", "check_item")]
FACTS = ("found_on", "name", "place", "content", "category", "level")  # frozen once a regulator confirms a major hazard
LABELS = {name: HazardRecord.model_fields[name].title for name in FIELDS}
ATTNAMES = {name: Hazard._meta.get_field(name).attname for name in FIELDS}  # 隐患类别 is a reference table's code


def _steps(hazard):
    return [(s.action, s.target, s.time, s.actor_name, s.actor_org, s.comment) for s in hazard._api_steps]


def _incoming_steps(record):
    return [(s.action, s.state, s.time, s.actor, s.organization, s.comment) for s in sorted(record.history, key=lambda s: s.time)]


class Hazards(Kind):
    interface = "hazards"
    schema = HazardRecord
    model = Hazard
    label = "隐患"

    def plan(self, items):
        today = timezone.localdate()
        existing = self.existing(items)
        steps = {}
        for s in HazardStep.objects.filter(hazard_id__in=[h.pk for h in existing.values()]).order_by("time", "id"):
            steps.setdefault(s.hazard_id, []).append(s)
        links = CheckLinks(items)
        categories = refdata.Lookup(Category)  # read once for the batch
        for it in items:
            rec = it.record
            errors = _rules(rec, today)
            hazard = existing.get((it.enterprise.pk, rec.external_id))
            values = {name: getattr(rec, name) for name in FIELDS}
            values["category"], reason = categories.resolve(rec.category, hazard.category_id if hazard else None)
            if reason:
                errors.append(reject("category", f"{LABELS['category']}：{reason}"))
            values["check_item_id"] = links.item_of(it, hazard, errors)
            history = _incoming_steps(rec)
            refused = []
            if hazard is not None:
                hazard._api_steps = steps.get(hazard.pk, [])
                changed = [name for name in values if getattr(hazard, ATTNAMES.get(name, name)) != values[name]]
                history_changed = bool(history) and history != _steps(hazard)
                it.id = hazard.pk
                if not changed and not history_changed:
                    it.result = "unchanged"
                    continue
                refused = _update_rules(hazard, changed)
            closing_major = rec.level == Level.MAJOR and rec.state == State.CLOSED
            if not refused and closing_major and getattr(hazard, "state", None) != State.CLOSED:
                refused = [reject("state", "整改状态：重大隐患须由监管部门验收销号，不能以“已销号”上传")]
            errors += refused
            if errors:
                it.reject(errors)
                continue
            if hazard is None:
                hazard = Hazard(enterprise_id=it.enterprise.pk, external_id=rec.external_id, region_id=it.enterprise.region_id,
                                industry_id=it.enterprise.industry_id, **{ATTNAMES.get(n, n): v for n, v in values.items()})
                if hazard.level == Level.MAJOR:
                    hazard.review = Review.PENDING
                it.result, before, old_year, changed = "created", None, None, []
            else:
                before, old_year = audit.before(hazard), hazard.found_on.year
                for name in changed:
                    setattr(hazard, ATTNAMES.get(name, name), values[name])
                if hazard.level == Level.MAJOR and not hazard.review:
                    hazard.review = Review.PENDING
                it.result = "updated"
            if hazard.state == State.CLOSED:
                closing = [s[2] for s in history if s[1] == State.CLOSED]
                hazard.closed_at = hazard.closed_at or (closing[-1] if closing else timezone.now())
            else:
                hazard.closed_at = None
            it.plan = (hazard, before, old_year, history if (history or it.result == "created") else None, changed)

    def write(self, items):
        actor = audit.acting_name()[:150]
        created = [it for it in items if it.result == "created"]
        updated = [it for it in items if it.result == "updated"]
        bulk.insert(Hazard, [it.plan[0] for it in created])
        if updated:
            fields = {"closed_at", "review"}
            for it in updated:
                fields.update(it.plan[4])
            bulk.update(Hazard, [it.plan[0] for it in updated], fields)
        replaced = [it.plan[0].pk for it in updated if it.plan[3] is not None]
        if replaced:
            HazardStep.objects.filter(hazard_id__in=replaced).delete()
        steps, changes, years = [], [], {}
        for it in created + updated:
            hazard, before, old_year, history, _ = it.plan
            it.id = hazard.pk
            if history is not None:
                steps += _step_rows(hazard, history, actor)
            changes.append(audit_created(hazard, it.enterprise) if before is None else audit_updated(hazard, before, it.enterprise))
            for year in {hazard.found_on.year, old_year or hazard.found_on.year}:
                years[(hazard.enterprise_id, year)] = (hazard.region_id, hazard.industry_id)
        bulk.insert(HazardStep, steps)
        bulk.insert(ChangeRecord, changes)
        summary.refresh_many(years)

    def withdrawable(self, hazard):
        if hazard.review in (Review.CONFIRMED, Review.DOWNGRADED) or hazard.supervision:
            return [reject("external_id", "该隐患已由监管部门审核或挂牌督办，不能撤回")]
        return []

    def queryset(self, subscription):
        return (Hazard.objects.filter(coverage_q(subscription, located=True))
                .select_related("enterprise", "check_item__check_record").prefetch_related("steps", "check_item__check_record__items"))

    def serialize(self, h):
        out = {name: getattr(h, ATTNAMES[name]) for name in FIELDS}
        check = h.check_item.check_record if h.check_item_id else None
        if check is not None and check.external_id:
            out.update(check_id=check.external_id, check_item=[i.pk for i in check.items.all()].index(h.check_item_id) + 1)
        out.update(id=h.pk, external_id=h.external_id or None, enterprise=h.enterprise.uscc, enterprise_name=h.enterprise.name,
                   review=h.review, supervision=h.supervision, closed_at=h.closed_at, updated_at=h.updated_at,
                   history=[{"action": s.action, "state": s.target, "time": s.time, "actor": s.actor_name,
                             "organization": s.actor_org, "comment": s.comment} for s in h.steps.all()])
        return out


class CheckLinks:
    """The check record items (隐患排查记录, 不符合) a batch's hazards say they were found by: check_id (the check
    record's sender id) and check_item (its item's number, from 1), loaded for the whole batch in three queries."""

    def __init__(self, items):
        wanted = {(it.enterprise.pk, it.record.check_id) for it in items if it.record.check_id}
        self.checks, self.taken, self.claimed = {}, {}, {}  # (enterprise, check id) → items; item → hazard; item → index
        if not wanted:
            return
        rows = (HazardCheck.objects.filter(enterprise_id__in={e for e, _ in wanted}, external_id__in={c for _, c in wanted})
                .prefetch_related("items"))
        self.checks = {(c.enterprise_id, c.external_id): list(c.items.all()) for c in rows}
        ids = [i.pk for checks in self.checks.values() for i in checks]
        self.taken = dict(Hazard.objects.filter(check_item_id__in=ids).values_list("check_item_id", "pk"))

    def item_of(self, it, hazard, errors):
        """The id of the check item `it`'s record names (None: none named); problems go to `errors`."""
        rec = it.record
        if (rec.check_id is None) != (rec.check_item is None):
            errors.append(reject("check_item", "排查记录编号和检查项序号须同时填写"))
            return None
        if rec.check_id is None:
            return None
        items = self.checks.get((it.enterprise.pk, rec.check_id))
        if items is None:
            errors.append(reject("check_id", f"排查记录编号：本企业没有发送方记录编号为 {rec.check_id} 的隐患排查记录（请先上传该排查记录）"))
            return None
        if rec.check_item > len(items):
            errors.append(reject("check_item", f"检查项序号：该排查记录只有 {len(items)} 个检查项"))
            return None
        item = items[rec.check_item - 1]
        if item.result != HazardCheckItem.Result.FAIL:
            errors.append(reject("check_item", f"检查项序号：第 {rec.check_item} 项的检查结果为符合，不能据此登记隐患"))
            return None
        other = self.taken.get(item.pk)
        if item.pk in self.claimed or (other is not None and other != getattr(hazard, "pk", None)):
            errors.append(reject("check_item", f"检查项序号：第 {rec.check_item} 项已对应另一条隐患"))
            return None
        self.claimed[item.pk] = it.index  # one hazard per item, in this batch too
        return item.pk


def _step_rows(hazard, history, actor):
    if not history:  # a new hazard without history: reported by the sender's system, now
        return [HazardStep(hazard_id=hazard.pk, action=HazardStep.Action.REPORT, source="", target=hazard.state,
                           actor_name=actor, comment="数据对接上传")]
    rows, previous = [], ""
    for action, state, time, name, org, comment in history:
        rows.append(HazardStep(hazard_id=hazard.pk, action=action, source=previous, target=state, time=time, actor_name=name,
                               actor_org=org, comment=comment))
        previous = state
    return rows


def _rules(rec, today):
    errors = []
    if rec.found_on > today:
        errors.append(reject("found_on", "隐患排查时间：不能晚于今天"))
    for name in ("deadline", "planned_completion", "completed_on"):
        value = getattr(rec, name)
        if value is not None and value < rec.found_on:
            errors.append(reject(name, f"{LABELS[name]}：不能早于隐患排查时间（{rec.found_on}）"))
    if rec.completed_on is not None and rec.completed_on > today:
        errors.append(reject("completed_on", "实际完成时间：不能晚于今天"))
    if rec.state in (State.ACCEPTING, State.CLOSED):
        if not rec.measures_taken:
            errors.append(reject("measures_taken", "已采取的整改措施：待验收或已销号的隐患必须填写"))
        if rec.completed_on is None:
            errors.append(reject("completed_on", "实际完成时间：待验收或已销号的隐患必须填写"))
    now = timezone.now()
    for i, step in enumerate(rec.history):
        if step.time > now + timedelta(minutes=5):
            errors.append(reject(f"history[{i}].time", f"处理记录 第{i + 1}项 时间：不能晚于现在"))
    if rec.history and sorted(rec.history, key=lambda s: s.time)[-1].state != rec.state:
        errors.append(reject("history", "处理记录：最后一步的操作后状态应与整改状态一致"))
    return errors


def _update_rules(hazard, changed):
    if hazard.review == Review.CONFIRMED and any(name in FACTS for name in changed):
        names = "、".join(LABELS[n] for n in changed if n in FACTS)
        return [reject(n, f"{LABELS[n]}：重大隐患已经监管部门确认，不能再修改（{names}）") for n in changed if n in FACTS][:1]
    if hazard.is_major and hazard.state == State.CLOSED:
        return [reject("state", "整改状态：该重大隐患已由监管部门验收销号，不能再修改")]
    return []
