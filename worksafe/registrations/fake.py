"""Filled registration tables for the demo, tests and benchmarks, generated from the schemas themselves.

`example(table, rng, full=True)` fills every field, choosing for a choice the value its dependent fields wait for
(so the `when` fields are filled too) and 其他 where there is nothing to wait for (so the 其他____ text is too);
`full=False` leaves some fields empty, as real tables are.
"""
import datetime
import decimal
import random

from worksafe.archive.models import Enterprise
from worksafe.core.fake import WORDS, mobile, person

from .fields import OTHER, Group, json_number
from .models import Registration
from .schema import for_industry


def _wanted(fields):
    """{field key: [values some later field's `when` waits for]}."""
    wanted = {}
    for f in fields:
        for key, values in f.when.items():
            wanted.setdefault(key, []).extend(values)
    return wanted


def _date(rng):
    return datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(0, 3650))


# What a text field's label asks for → a plausible answer (the demo reads better than "联系方式12号").
TEXTS = [
    (("邮编",), lambda rng: f"4{rng.randrange(50000, 79999)}"),
    (("电话", "联系方式"), mobile),
    (("姓名", "负责人", "责任人"), person),
    (("机关", "批复单位"), lambda rng: rng.choice(["河南省应急管理厅", "郑州市应急管理局", "河南省自然资源厅"])),
    (("单位",), lambda rng: f"河南{rng.choice(WORDS)}安全技术有限公司"),
    (("编号", "证号"), lambda rng: f"（豫）FM安许证字〔{rng.randrange(2018, 2026)}〕{rng.randrange(1, 9999):04d}"),
    (("地址",), lambda rng: f"河南省郑州市{rng.choice(WORDS)}路{rng.randrange(1, 300)}号"),
    (("县（市、区）", "所属县"), lambda rng: rng.choice(["金水区", "二七区", "中原区", "新郑市", "巩义市"])),
    (("园区",), lambda rng: rng.choice(["无", "郑州经济技术开发区化工园区", "濮阳新型化工基地"])),
    (("经济类型",), lambda rng: rng.choice(["国有企业", "股份制企业", "私营企业"])),
]


def plausible_text(label, rng):
    for words, make in TEXTS:
        if any(w in label for w in words):
            return make(rng)
    name = label.removesuffix("名称") if label.endswith("名称") else label
    return f"{rng.choice(['一号', '二号', '东区', '西区', '北'])}{name}"


def value(f, rng, wanted, full):
    """{key: value} for one field (with its _other / _unit)."""
    kind = f.type
    if kind in ("text", "textarea"):
        text = plausible_text(f.label, rng) if kind == "text" else f"{f.label}：已按规定落实，定期检查。"
        return {f.key: text[: f.spec.get("max_length", 200)]}
    if kind in ("integer", "number"):
        low = f.spec.get("min", 0)
        low = -300 if low is None else low
        high = min(f.spec.get("max") or 1000, low + 1000)
        out = {f.key: rng.randrange(int(low), int(high) + 1) if kind == "integer"
               else json_number(decimal.Decimal(f"{rng.uniform(low, high):.2f}"))}
        if kind == "number" and f.units:
            out[f"{f.key}_unit"] = rng.choice(f.units)
        return out
    if kind == "date":
        return {f.key: _date(rng).isoformat()}
    if kind == "daterange":
        start = _date(rng)
        return {f.key: [start.isoformat(), (start + datetime.timedelta(days=3 * 365)).isoformat()]}
    if kind == "coordinate":
        return {f.key: round(rng.uniform(31.4, 36.3) if f.spec["axis"] == "lat" else rng.uniform(110.4, 116.6), 6)}
    options = [o for o in f.options if o != OTHER]
    want = [v for v in wanted.get(f.key, []) if v in f.options]
    if kind == "multi":
        chosen = sorted(set(want) | set(rng.sample(options, min(len(options), rng.randrange(1, 3)))), key=f.options.index)
        if f.other and full:
            chosen.append(OTHER)
        out = {f.key: chosen}
    else:
        pick = rng.choice(want) if want else (OTHER if f.other and full else rng.choice(options))
        out = {f.key: pick}
    if OTHER in (out[f.key] if isinstance(out[f.key], list) else [out[f.key]]):
        out[f"{f.key}_other"] = f"{f.label}补充说明"
    return out


def fill(fields, rng, full, blocks=2):
    data = {}
    wanted = _wanted(fields)
    for f in fields:
        if not f.shown(data) or (not full and not f.required and rng.random() < 0.15):
            continue
        if isinstance(f, Group):
            data[f.key] = [fill(f.fields, rng, full) for _ in range(blocks if full else rng.randrange(1, blocks + 1))]
        else:
            data.update(value(f, rng, wanted, full))
    return data


def example(table, rng=None, full=True):
    return fill(table.fields, rng or random.Random(6), full)


def make_registrations(rng, enterprises):
    """A filled table for every enterprise of `enterprises` whose industry has one."""
    rows = [Registration(enterprise=e, table=t.key, data={**example(t, rng, full=False), **t.initial_from(e)})
            for e in enterprises for t in for_industry(e.industry_id)]
    Registration.objects.bulk_create(rows, batch_size=500)
    return rows


# ---- `worksafe demo` step (core/demo.py; registered in apps.py) ----


def demo_registrations(demo):
    """Industry registration tables (尾矿库, 地下矿山 ...), from a stream of their own: the data before stays as it was."""
    make_registrations(demo.stream(6), Enterprise.objects.order_by("pk")[: min(demo.enterprises, 300)].select_related("industry"))
