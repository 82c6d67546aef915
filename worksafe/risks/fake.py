"""Plausible risk lists (安全风险辨识清单) for the demo, tests and benchmarks, reproducible from a seed."""
import io
from decimal import Decimal as D

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from worksafe.core.fake import person

from . import grading
from .models import ControlMeasure, FourColourMap, HazardSource, Method, RiskEvent, RiskObject, RiskUnit

# (object, kind, department, [(unit, [(hazard source, [(event, GB 6441 code, consequence, factors, procedure)])])])
# factors: (L, E, C) for LEC, (L, S) for LS, or (level, reason) for a direct judgement.
CATALOGUE = [
    ("甲醇罐区", "place", "安环部", [
        ("甲醇储罐微单元", [
            ("甲醇储罐", [("泄漏造成火灾", "08", "爆炸、火灾", (D(3), D(6), D(40)), ""),
                          ("储罐超压爆炸", "17", "爆炸", ("major", "构成危险化学品重大危险源的储罐区，直接判定为重大风险"), "")]),
            ("装卸鹤管", [("装卸作业静电引燃", "08", "火灾", (3, 4), "")]),
        ]),
        ("罐区检修区", [("检修平台", [("检修作业高空坠落", "09", "高处坠落", (D(1), D(3), D(15)), "")])]),
    ]),
    ("配电室", "facility", "设备部", [
        ("高低压配电柜", [("配电柜", [("带电作业触电", "05", "触电", (2, 4), ""), ("电缆过热起火", "08", "火灾", (D(1), D(6), D(7)), "")])]),
    ]),
    ("机加工车间", "place", "生产部", [
        ("车床区", [("车床旋转部件", [("卷入造成机械伤害", "03", "机械伤害", (D(3), D(6), D(3)), "")])]),
        ("行车作业区", [("桥式起重机", [("吊物坠落", "04", "起重伤害", (2, 3), "吊装作业")])]),
    ]),
    ("有限空间作业", "activity", "安环部", [
        ("污水池", [("污水池内部", [
            ("硫化氢中毒", "19", "中毒、窒息", ("major", "有限空间作业未落实通风检测，直接判定为重大风险"), "有限空间作业"),
        ])]),
    ]),
    ("反应釜", "facility", "生产部", [
        ("加氢反应单元", [("加氢反应釜", [("反应失控爆炸", "18", "爆炸、火灾", (4, 5), "加氢工艺"), ("物料泄漏灼烫", "07", "灼烫", (2, 3), "")])]),
    ]),
    ("厂内运输", "activity", "物流部", [
        ("叉车作业区", [("叉车", [("叉车撞人", "02", "车辆伤害", (D(1), D(6), D(7)), "")])]),
    ]),
]
MEASURES = [
    ("engineering", "设置可燃气体报警仪并与紧急切断联锁", "company", "中控室", ("1", "shift")),
    ("maintenance", "每月校验安全阀、压力表", "workshop", "设备员", ("1", "month")),
    ("operation", "严格执行操作规程，巡检液位、压力", "team", "操作工", ("1", "day")),
    ("emergency", "配备应急物资并定期演练", "company", "安全员", ("1", "quarter")),
    ("ppe", "作业人员佩戴防护用品", "post", "作业人员", ("1", "shift")),
    ("management", "作业前办理作业票并进行安全交底", "workshop", "班组长", ("1", "week")),
]


def grade_event(event, factors):
    if isinstance(factors[0], str):
        event.method, (event.level, event.reason) = Method.DIRECT, factors
    elif len(factors) == 3:
        event.method, (event.lec_l, event.lec_e, event.lec_c) = Method.LEC, factors
        event.value, event.level = grading.lec(*factors)
    else:
        event.method, (event.ls_l, event.ls_s) = Method.LS, factors
        event.value, event.level = grading.ls(*factors)


def make_risk_list(rng, enterprise, objects=None):
    """Create a risk list for `enterprise`: `objects` catalogue entries (2–4 by default)."""
    chosen = rng.sample(CATALOGUE, objects or rng.randrange(2, 5))
    for name, kind, dept, units in chosen:
        obj = RiskObject.objects.create(enterprise=enterprise, name=name, kind=kind, department=dept, person=person(rng))
        for unit_name, sources in units:
            unit = RiskUnit(object=obj, name=unit_name, enterprise=enterprise)
            if rng.random() < 0.8:
                unit.map_x, unit.map_y = round(rng.uniform(0.1, 0.9), 3), round(rng.uniform(0.15, 0.85), 3)
            unit.save()
            for source_name, events in sources:
                source = HazardSource.objects.create(unit=unit, name=source_name, enterprise=enterprise)
                for event_name, category, consequence, factors, procedure in events:
                    event = RiskEvent(source=source, enterprise=enterprise, name=event_name, accident_category_id=category,
                                      consequence=consequence, procedure=procedure)
                    grade_event(event, factors)
                    event.key_control = event.level == "major" and any(w in consequence for w in ("爆炸", "火灾", "中毒"))
                    event.save()
                    for category_, content, tier, post, (value, unit_) in rng.sample(MEASURES, rng.randrange(1, 4)):
                        ControlMeasure.objects.create(
                            event=event, enterprise=enterprise, category=category_, content=content, tier=tier, post=post,
                            person=person(rng), frequency_value=int(value), frequency_unit=unit_,
                        )


def make_site_plan(rng, enterprise, size=(1200, 800)):
    """A drawn site plan (ground, roads, buildings, tanks) as the enterprise's four-colour map base."""
    width, height = size
    img = Image.new("RGB", size, (241, 243, 245))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height // 2 - 25, width, height // 2 + 25), fill=(206, 212, 218))  # the main road
    draw.rectangle((width // 3 - 20, 0, width // 3 + 20, height), fill=(206, 212, 218))
    for _ in range(rng.randrange(5, 9)):
        x, y = rng.randrange(40, width - 260), rng.randrange(40, height - 200)
        draw.rectangle((x, y, x + rng.randrange(120, 240), y + rng.randrange(80, 160)), fill=(173, 181, 189), outline=(73, 80, 87), width=3)
    for _ in range(rng.randrange(2, 5)):
        x, y, r = rng.randrange(80, width - 80), rng.randrange(80, height - 80), rng.randrange(25, 45)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(222, 226, 230), outline=(73, 80, 87), width=3)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(52, 58, 64), width=6)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    site_map = FourColourMap(enterprise=enterprise, plan_width=width, plan_height=height)
    site_map.plan.save("plan.png", ContentFile(out.getvalue()), save=False)
    site_map.save()
    return site_map


def make_patrols(rng, enterprise, days=400):
    """Patrols over the last `days` days, about one a month, a few measures found not in place; the latest
    leaves some measures overdue, as on a real site."""
    import datetime

    from django.utils import timezone

    from .patrols import Check, record_patrol

    measures = list(ControlMeasure.objects.filter(enterprise=enterprise))
    if not measures:
        return
    now = timezone.now()
    moment = now - datetime.timedelta(days=days)
    while True:
        moment += datetime.timedelta(days=rng.uniform(20, 40), hours=rng.uniform(0, 8))
        if moment > now - datetime.timedelta(days=2):
            break
        checks = [Check(m, rng.random() > 0.08, "" if rng.random() > 0.08 else "现场检查发现未落实，已通知整改")
                  for m in rng.sample(measures, max(1, len(measures) // 2))]
        checks = [c if c.in_place or c.note else c._replace(note="措施未落实") for c in checks]
        record_patrol(enterprise, None, moment, person(rng), checks)


# ---- `worksafe demo` step (core/demo.py; registered in apps.py) ----


def demo_risks(demo, e):
    """Each enterprise's risk list, its four-colour map and a year of patrols."""
    make_risk_list(demo.rng, e)
    make_site_plan(demo.rng, e)
    make_patrols(demo.rng, e)
