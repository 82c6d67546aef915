"""安全风险分级管控清单: one analysis object per record, with its units, hazard sources, risk events and measures.

A record is the whole truth about its object: nodes are matched by name under their parent (measures by their
text), changed ones updated, new ones created, and those the record no longer names deleted. Events are graded as
the form grades them (RiskEvent.clean). An object first uploaded under a name the enterprise already has (entered
here, or imported from xlsx) is adopted rather than duplicated. Writes are ordinary saves, so the change log and
the enterprise's risk summary follow through the signals.
"""
from django.core.exceptions import ValidationError
from django.utils import timezone

from worksafe.core.models import AccidentCategory
from worksafe.core.risk_levels import RiskLevel
from worksafe.risks.grading import SCALES, numeral
from worksafe.risks.models import ControlMeasure, HazardSource, Method, RiskEvent, RiskObject, RiskUnit

from ..schemas import RiskObjectRecord
from .base import Kind, reject

OBJECT_FIELDS = ("name", "kind", "department", "person")
EVENT_FIELDS = ("description", "consequence", "tense", "state", "procedure", "method", "lec_l", "lec_e", "lec_c", "ls_l",
                "ls_s", "level", "reason", "key_control", "note")
MEASURE_FIELDS = ("category", "tier", "post", "person", "frequency_value", "frequency_unit")
# (list name in the record, model, parent field, key field, copied fields, the next level)
LEVELS = [("units", RiskUnit, "object", "name", ()), ("sources", HazardSource, "unit", "name", ()),
          ("events", RiskEvent, "source", "name", EVENT_FIELDS), ("measures", ControlMeasure, "event", "content", MEASURE_FIELDS)]
TITLES = {"units": "安全风险分析单元", "sources": "危险源", "events": "安全风险", "measures": "管控措施"}


def _values(obj, names):
    return {n: getattr(obj, n) for n in names}


class RiskObjects(Kind):
    interface = "risks"
    schema = RiskObjectRecord
    model = RiskObject
    label = "安全风险分析对象"
    options = {"complete": ("整单上传", "为 true 时本批即所涉企业的完整清单：这些企业此前经接口上传、本批未包含的安全风险分析对象"
                                     "（连同其下各级）将被撤回；某企业有记录被拒收时，不撤回该企业的任何对象")}

    def finish(self, subscription, items, complete=False):
        """整单上传: the batch is the whole list of each enterprise in it; their other uploaded objects are withdrawn
        (not those entered here, which have no sender id), unless one of the enterprise's records was refused."""
        if not complete:
            return {}
        keep, refused = {}, set()
        for it in items:
            if it.result == "rejected":  # by the enterprise it names, even when the record was unreadable
                uscc = it.enterprise.uscc if it.enterprise else (it.raw.get("enterprise") if isinstance(it.raw, dict) else None)
                refused.add(str(uscc).strip().upper())
            elif it.enterprise is not None:
                keep.setdefault(it.enterprise, set()).add(it.record.external_id)
        withdrawn = 0
        for enterprise, ids in keep.items():
            if enterprise.uscc in refused:
                continue
            enterprise_id = enterprise.pk
            for obj in RiskObject.objects.filter(enterprise_id=enterprise_id).exclude(external_id="").exclude(external_id__in=ids):
                self.withdraw(obj)
                withdrawn += 1
        return {"withdrawn": withdrawn}

    def plan(self, items):
        categories = {c.code: c for c in AccidentCategory.objects.all()}
        existing = self.existing(items)
        by_name = {(o.enterprise_id, o.name): o for o in RiskObject.objects.filter(
            enterprise_id__in={it.enterprise.pk for it in items}, name__in={it.record.name for it in items})}
        for it in items:
            rec, errors, ops = it.record, [], []
            obj = existing.get((it.enterprise.pk, rec.external_id))
            namesake = by_name.get((it.enterprise.pk, rec.name))
            if namesake is not None and (obj is None or namesake.pk != obj.pk):
                if obj is not None or namesake.external_id:
                    it.reject([reject("name", "安全风险分析对象：本企业已有同名对象"
                                              + (f"（发送方记录编号 {namesake.external_id}）" if namesake.external_id else ""))])
                    continue
                obj = namesake  # adopt the object entered here (or imported from xlsx) under the same name
            if obj is None:
                obj = RiskObject(enterprise=it.enterprise)
            before = _values(obj, OBJECT_FIELDS + ("external_id",)) if obj.pk else None
            for name in OBJECT_FIELDS:
                setattr(obj, name, getattr(rec, name))
            obj.external_id = rec.external_id
            if before is None or before != _values(obj, OBJECT_FIELDS + ("external_id",)):
                ops.append(("save", obj, None))
            children = _load(obj) if obj.pk else {}
            _sync(obj, 0, rec.units, children, "", ops, errors, categories)
            if errors:
                it.reject(errors)
                continue
            it.id = obj.pk
            it.result = "created" if obj.pk is None else ("updated" if ops else "unchanged")
            it.plan = ops

    def write(self, items):
        now = timezone.now()
        for it in items:
            if it.plan and it.plan[0][1].__class__ is not RiskObject:
                # Only the tree below changed: the object's updated_at still moves, for read-back's updated_since.
                RiskObject.objects.filter(pk=it.id).update(updated_at=now)
            for op, node, parent in it.plan:
                node._audit_message = "数据对接上传"
                if op == "delete":
                    node.delete()
                    continue
                if parent is not None:
                    setattr(node, LEVELS[parent[0]][2], parent[1])
                node.save()
            it.id = it.plan[0][1].pk if it.plan and it.plan[0][1].__class__ is RiskObject else it.id

    def queryset(self, subscription):
        return super().queryset(subscription).prefetch_related(
            "units__sources__events__measures", "units__sources__events__accident_category")

    def serialize(self, o):
        def measure(m):
            return {"content": m.content, **_values(m, MEASURE_FIELDS)}

        def event(e):
            return {"name": e.name, "accident_category": e.accident_category_id or "", **_values(e, EVENT_FIELDS),
                    "measures": [measure(m) for m in e.measures.all()]}

        return {"id": o.pk, "external_id": o.external_id or None, "enterprise": o.enterprise.uscc, "enterprise_name": o.enterprise.name,
                "updated_at": o.updated_at, **_values(o, OBJECT_FIELDS),
                "units": [{"name": u.name, "sources": [{"name": s.name, "events": [event(e) for e in s.events.all()]}
                                                       for s in u.sources.all()]} for u in o.units.all()]}


def _load(obj):
    """{(level, parent pk): {key: instance}} for the object's subtree, four queries."""
    out = {}
    qs = [RiskUnit.objects.filter(object=obj), HazardSource.objects.filter(unit__object=obj),
          RiskEvent.objects.filter(source__unit__object=obj).select_related("accident_category"),
          ControlMeasure.objects.filter(event__source__unit__object=obj)]
    for level, rows in enumerate(qs):
        _, _, parent, key, _ = LEVELS[level]
        for row in rows.order_by("id"):
            out.setdefault((level, getattr(row, f"{parent}_id")), {}).setdefault(getattr(row, key), row)
    return out


def _sync(parent, level, incoming, children, path, ops, errors, categories):
    """Match `incoming` (records of LEVELS[level]) to the existing children of `parent`; append the saves and
    deletions to `ops`, the problems to `errors`."""
    name, model, parent_field, key, fields = LEVELS[level]
    current = dict(children.get((level, parent.pk), {})) if parent.pk else {}
    seen = {}
    for i, rec in enumerate(incoming):
        where = f"{path}{name}[{i}]"
        label = f"{TITLES[name]}“{getattr(rec, key)}”"
        k = getattr(rec, key)
        if k in seen:
            errors.append(reject(f"{where}.{key}", f"{label}：与同一上级下的第 {seen[k] + 1} 项重复"))
            continue
        seen[k] = i
        node = current.pop(k, None)
        before = _values(node, fields + ("accident_category_id",) if level == 2 else fields) if node is not None else None
        if node is None:
            node = model(**{key: k}, enterprise=parent.enterprise)
        setattr(node, parent_field, parent)
        for f in fields:
            setattr(node, f, getattr(rec, f))
        if level == 2 and not _event(node, rec, where, label, errors, categories):
            continue
        if level == 2 or level == 3:
            try:
                node.full_clean(exclude=["enterprise", parent_field, "accident_category"], validate_unique=False,
                                validate_constraints=False)
            except ValidationError as e:
                for f, messages in e.message_dict.items():
                    errors.append(reject(f"{where}.{f}", f"{label}：{'；'.join(messages)}"))
                continue
        if level == 2 and rec.level and rec.method != Method.DIRECT and rec.level != node.level:
            errors.append(reject(f"{where}.level", f"{label}：安全风险等级与评价结果不符：填写为“{RiskLevel(rec.level).label}”，"
                                                  f"按{Method(node.method).label}计算风险值 {numeral(node.value)}，"
                                                  f"应为“{RiskLevel(node.level).label}”"))
            continue
        after = _values(node, fields + ("accident_category_id",) if level == 2 else fields)
        if before is None or before != after:
            ops.append(("save", node, (level, parent)))
        if level + 1 < len(LEVELS):
            _sync(node, level + 1, getattr(rec, LEVELS[level + 1][0]), children, f"{where}.", ops, errors, categories)
    for gone in current.values():
        ops.append(("delete", gone, None))  # its subtree goes with it


def _event(node, rec, where, label, errors, categories):
    """Set the event's category and factors; False when they cannot be graded."""
    node.accident_category = None
    if rec.accident_category:
        found = categories.get(rec.accident_category.zfill(2))
        if found is None:
            errors.append(reject(f"{where}.accident_category", f"{label}：事故类别代码应为 GB 6441 的 01–20"))
            return False
        node.accident_category = found
    if rec.method == Method.DIRECT:
        return True
    ok = True
    for _column, attr, scale in SCALES[rec.method]:
        value = getattr(rec, attr)
        allowed = [number for number, _ in scale]
        if value is not None and value not in allowed:
            errors.append(reject(f"{where}.{attr}", f"{label}：{attr} 应为 {'、'.join(numeral(n) for n in allowed)} 之一"))
            ok = False
        elif value is not None:
            setattr(node, attr, allowed[allowed.index(value)])
    return ok
