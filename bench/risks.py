"""Benchmarks of 风险分级管控 at province scale: the regulators' risk statistics and event list, SQLite and PostgreSQL.

Data: the enterprises of bench/generate.py (the same ones as bench.run for the same seed), each with a risk list of
`--events-per-enterprise` events (default 30) under 3 analysis objects × 2 units × 1–3 hazard sources, 1–2 control
measures per event, levels skewed as in practice (about 3% 重大, 12% 较大, 35% 一般, 50% 低; a minority of
enterprises holds the major and high risks, more of them in the risky industries), values consistent with their LEC or
LS factors, major and high explosion/fire/poisoning risks mostly under 重点管控, and 1–6 patrols per enterprise over the
last two years (counted from the moment of the run), each checking 2–5 measures (whose last/next check times follow).
What the app derives is computed while generating and checked afterwards: the enterprise's risk summary (risk_grade,
risk_major … risk_low) against COUNT queries, the yearly patrol summaries (PatrolYear) against the patrol rows.
Rows go in per batch of 10,000 enterprises, in the enterprises' transaction (bench.generate's `extra` hook), with
explicit ids (executemany on SQLite, COPY on PostgreSQL) through bench.generate's Loader; the risk tables' secondary
indexes (and on PostgreSQL their foreign keys and unique constraints) are dropped for the load and rebuilt after it
(bench.pages.deferred_indexes).

Measured, per backend, by bench.pages as bench.run measures pages (Django's test Client, DEBUG off, alternating with
the baseline the same number of times after a warm-up; fewer times, at least 3, when a page would take over --budget
seconds):

- 风险统计 (risks:risk_stats) as the province, a city (郑州), a county (金水区) and a park regulator (a park by
  membership on 金水区: bench.run.regulators), and its patrol part (risks:patrol_stats, which the page loads as a
  second, htmx request);
- 风险清单 (risks:event_list): province ?level=major, city ?level=high, county and park unfiltered, province
  unfiltered, and a deep page of the province's major risks (the middle page, or the last one offered when the list
  caps its count).

The baseline (裸 SQL) is the page's own data: the statements the view sends that read enterprises or risk tables,
recorded once per path (sql and parameters, through an execute wrapper) and re-run raw, fetching every row. What is
left out is the cost every page has (session, user, organisation, the region and industry lists of the filters).
Each page is checked once against numbers counted here by hand (the totals per level, this year's patrols and
their items, the list's total); a page that answers with an error is skipped with a note, a failed check is noted
(核对 ✗) and the run goes on. Each statement is also timed alone; the slowest one of the two slowest scenarios is
EXPLAINed (PostgreSQL: EXPLAIN ANALYZE, BUFFERS; SQLite: EXPLAIN QUERY PLAN), and every data statement of the
park's list (the membership join's plan).

    python -m bench.risks                                         # 300,000 enterprises × 30 events, both databases
    python -m bench.risks --enterprises 2000 --backends sqlite --repeat 5
    python -m bench.risks --reuse                                 # keep bench/out/risks.sqlite3 between runs

Every backend runs in its own child process (bench.pages.main, through bench.run.run_backend); results go to
bench/out/risks.md and bench/out/risks.json. With --stand-in (or while risks:event_list and risks:risk_stats do not exist)
the enterprise list (filtered by risk_grade) and the enterprise statistics stand in for them (marked 代用).
"""
import datetime
import re
import sys
import time
from decimal import Decimal
from itertools import product

from bench import pages
from bench.pages import Scenario, count_limit, scope_sql, shown
from bench.run import Bench, log, parse, regulators

PER_PAGE = 20
# Tables whose statements are the page's data (the rest: session, user, organisation, filter choices).
DATA_TABLES = re.compile(r'\b"?(archive_enterprise|risks_\w+)"?\b')

# ---------------------------------------------------------------------------------------------------- parent


def parse_args(argv=None):
    p = pages.parser("risks", "省级规模性能基准：风险统计与风险清单")
    p.add_argument("--events-per-enterprise", type=int, default=30, help="每家企业的安全风险数（默认 30）")
    p.add_argument("--stand-in", action="store_true", help="用企业列表和企业统计页代替风险清单和风险统计页")
    return parse(p, argv, tiny={**pages.TINY, "events_per_enterprise": 5})


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    argv = ["--events-per-enterprise", str(args.events_per_enterprise), *(["--stand-in"] if args.stand_in else [])]
    return pages.main(args, "risks", argv, "{backend} · {enterprises:,} 家企业 · {events:,} 条安全风险",
                      pages.legend("风险表", "各等级合计、本年巡检和巡检项、清单总数"))


# ---------------------------------------------------------------------------------------------------- data

# Analysis objects (name, kind, department); units and hazard sources; risk events (name, GB 6441 code, consequence).
OBJECTS = [
    ("甲醇罐区", "place", "安环部"), ("配电室", "facility", "设备部"), ("机加工车间", "place", "生产部"),
    ("有限空间作业", "activity", "安环部"), ("反应釜", "facility", "生产部"), ("厂内运输", "activity", "物流部"),
    ("锅炉房", "facility", "动力部"), ("危险化学品仓库", "place", "仓储部"), ("动火作业", "activity", "安环部"),
    ("粉尘涉爆车间", "place", "生产部"), ("天然气调压站", "facility", "动力部"), ("冲压生产线", "process", "生产部"),
    ("高处作业", "activity", "工程部"), ("装卸作业", "activity", "物流部"), ("污水处理站", "place", "环保部"),
]
UNITS = ["东区", "西区", "一号线", "二号线", "操作平台", "检修区", "控制室", "泵房", "管廊", "装卸台", "储存区", "地下部分"]
SOURCES = ["储罐", "管道阀门", "输送泵", "压力容器", "电气线路", "起重设备", "叉车", "反应釜", "除尘系统", "有限空间",
           "作业平台", "动火点", "燃气管线", "传动部件", "物料堆垛"]
EVENTS = [
    ("泄漏造成火灾", "08", "爆炸、火灾"), ("储罐超压爆炸", "17", "爆炸"), ("静电引燃", "08", "火灾"),
    ("检修作业高空坠落", "09", "高处坠落"), ("带电作业触电", "05", "触电"), ("电缆过热起火", "08", "火灾"),
    ("卷入造成机械伤害", "03", "机械伤害"), ("吊物坠落", "04", "起重伤害"), ("硫化氢中毒", "19", "中毒、窒息"),
    ("反应失控爆炸", "18", "爆炸、火灾"), ("物料泄漏灼烫", "07", "灼烫"), ("叉车撞人", "02", "车辆伤害"),
    ("粉尘爆炸", "18", "爆炸"), ("锅炉超压爆炸", "16", "爆炸"), ("缺氧窒息", "19", "中毒、窒息"),
    ("物体打击", "01", "物体打击"), ("坍塌掩埋", "10", "坍塌"), ("淹溺", "06", "淹溺"), ("燃气泄漏爆炸", "18", "爆炸、火灾"),
    ("高温烫伤", "07", "灼烫"),
]
# (name, category, consequence, may be put under 重点管控: the consequence is an explosion, fire or poisoning)
EVENTS = [(n, c, q, any(w in q for w in ("爆炸", "火灾", "中毒", "窒息"))) for n, c, q in EVENTS]
KEY_CONTROL = {"major": 0.8, "high": 0.3}  # the share of such events that are
EVENT_DEFAULTS = {"description": "", "procedure": "", "reason": "", "note": "", "tense": "present", "state": "normal",
                  "value": None, "lec_l": None, "lec_e": None, "lec_c": None, "ls_l": None, "ls_s": None,
                  "key_control": False}
REASONS = ["构成危险化学品重大危险源的储罐区，直接判定为重大风险", "有限空间作业未落实通风检测，直接判定为重大风险",
           "涉及重点监管危险化工工艺且自动化控制未达标，直接判定为重大风险"]
# Per enterprise: how likely it holds any major (any high) risks, by industry; per event within such an
# enterprise, the chance of a major (a high) one: overall about 3% major, 12% high, 35% medium, 50% low.
# Likewise for medium risks: the rest are low, and so is the whole list of about one enterprise in ten (shops,
# offices). About a quarter of the enterprises are in the risky industries.
HOLDS_MAJOR = {True: 0.35, False: 0.12}
HOLDS_HIGH = {True: 0.8, False: 0.53}
HOLDS_MEDIUM = {True: 0.9, False: 0.63}
MAJOR, HIGH, MEDIUM = 0.03 / 0.1775, 0.12 / 0.6, 0.35 / 0.85 / 0.7  # within the enterprises that hold them


def level_factors():
    """{level: [(method, factor fields, value)]}: every LEC and LS combination graded as the app grades it."""
    from worksafe.risks import grading

    by_level = {level.value: [] for level in grading.ORDER}
    for l_value, e_value, c_value in product(*((v for v, _ in s) for s in (grading.LEC_L, grading.LEC_E, grading.LEC_C))):
        value, level = grading.lec(l_value, e_value, c_value)
        fields = {"lec_l": l_value, "lec_e": e_value, "lec_c": c_value}
        by_level[level.value].append(("lec", fields, value.quantize(Decimal("0.01"))))
    for l_value, s_value in product((v for v, _ in grading.LS_L), (v for v, _ in grading.LS_S)):
        value, level = grading.ls(l_value, s_value)
        by_level[level.value].append(("ls", {"ls_l": l_value, "ls_s": s_value}, Decimal(value)))
    return by_level


class RiskLists:
    """bench.generate's `extra`: each batch's risk lists and patrols, and the enterprises' risk summaries."""

    def __init__(self, seed, events_per_enterprise):
        import random
        from zoneinfo import ZoneInfo

        from django.conf import settings
        from django.utils import timezone

        from worksafe.core.fake import person
        from worksafe.risks.fake import MEASURES
        from worksafe.risks.models import ControlMeasure, HazardSource, Patrol, PatrolItem, PatrolYear, RiskEvent, RiskObject, RiskUnit

        self.rng = random.Random(seed * 7919 + 4)  # not generate()'s: the enterprises stay those of bench.run
        self.events = events_per_enterprise
        self.person = person
        self.measure_kinds = [{"category": c, "content": text, "tier": tier, "post": post, "frequency_value": int(v),
                               "frequency_unit": unit} for c, text, tier, post, (v, unit) in MEASURES]
        self.by_level = level_factors()
        self.now = timezone.now().replace(microsecond=0)
        self.epoch = self.now - datetime.timedelta(days=730)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.models = (RiskObject, RiskUnit, HazardSource, RiskEvent, ControlMeasure, Patrol, PatrolYear, PatrolItem)
        self.names = ("objects", "units", "sources", "events", "measures", "patrols", "years", "items")
        self.parents = (None, "object", "unit", "source", "event", None, None, "patrol")
        self.totals = dict.fromkeys((*self.names, "key"), 0)
        self.levels = dict.fromkeys(("major", "high", "medium", "low"), 0)
        self.grades = dict.fromkeys(("major", "high", "medium", "low", ""), 0)
        self.seconds = 0.0

    def __call__(self, loader, enterprises, rows):
        from bench.generate import RISKY
        from worksafe.risks.schedule import due_after

        started = time.perf_counter()
        rng = self.rng
        out = {m: [] for m in self.models}
        objects_, units_, sources_, events_, measures_, patrols_, years_, items_ = (out[m] for m in self.models)
        random, by_level = rng.random, self.by_level
        for e, row in zip(enterprises, rows, strict=False):
            pk = e.pk
            risky = e.industry_id[:2] in RISKY
            p_major = MAJOR if rng.random() < HOLDS_MAJOR[risky] else 0.0
            p_high = HIGH if rng.random() < HOLDS_HIGH[risky] else 0.0
            p_medium = MEDIUM if rng.random() < HOLDS_MEDIUM[risky] else 0.0
            staff = [self.person(rng) for _ in range(4)]
            created = self.epoch + datetime.timedelta(seconds=rng.randrange(0, 200 * 86400))
            # The tree: 3 objects × 2 units × 1–3 sources, then the events spread over the sources.
            sources = []
            for name, kind, dept in rng.sample(OBJECTS, 3):
                obj = {"enterprise_id": pk, "name": name, "kind": kind, "department": dept, "person": rng.choice(staff)}
                objects_.append(obj)
                for unit_name in rng.sample(UNITS, 2):
                    unit = {"enterprise_id": pk, "object": obj, "name": f"{name}{unit_name}",
                            "map_x": round(rng.uniform(0.1, 0.9), 3), "map_y": round(rng.uniform(0.15, 0.85), 3)}
                    units_.append(unit)
                    for source_name in rng.sample(SOURCES, rng.choice((1, 2, 2, 3))):
                        sources.append({"enterprise_id": pk, "unit": unit, "name": source_name})
            sources = sources[: self.events]
            sources_.extend(sources)
            per_source = [1] * len(sources)
            for i in rng.choices(range(len(sources)), k=self.events - len(sources)):
                per_source[i] += 1
            counts = dict.fromkeys(self.levels, 0)
            measures = []
            base = dict(EVENT_DEFAULTS, enterprise_id=pk)
            kinds = [dict(m, enterprise_id=pk, created_at=created, last_checked_at=None) for m in self.measure_kinds]
            n_kinds, p_major_high = len(kinds), p_major + p_high
            for source, k in zip(sources, per_source, strict=False):
                picked = rng.sample(EVENTS, k) if k <= len(EVENTS) else [
                    (f"{n}（{i // len(EVENTS) + 1}）", *rest) for i, (n, *rest) in enumerate(EVENTS * (k // len(EVENTS) + 1))][:k]
                for name, category, consequence, keyword in picked:
                    u = random()
                    level = "major" if u < p_major else "high" if u < p_major_high else (
                        "medium" if random() < p_medium else "low")
                    counts[level] += 1
                    event = base.copy()
                    event["source"], event["name"], event["level"] = source, name, level
                    event["accident_category_id"], event["consequence"] = category, consequence
                    if level == "major" and random() < 0.4:
                        event["method"], event["reason"] = "direct", REASONS[int(random() * len(REASONS))]
                    else:
                        graded = by_level[level]
                        method, factors, value = graded[int(random() * len(graded))]
                        event.update(factors)
                        event["method"], event["value"] = method, value
                    if keyword and level in KEY_CONTROL and random() < KEY_CONTROL[level]:
                        event["key_control"] = True
                        self.totals["key"] += 1
                    events_.append(event)
                    i = int(random() * n_kinds)
                    for j in ((i,) if random() < 0.5 else (i, (i + 1 + int(random() * (n_kinds - 1))) % n_kinds)):
                        measure = kinds[j].copy()
                        measure["event"], measure["person"] = event, staff[int(random() * 4)]
                        measures.append(measure)
            measures_.extend(measures)
            # Patrols between the list's creation and now, each checking a few measures.
            span = int((self.now - created).total_seconds())
            years = {}  # the yearly summaries the app keeps as patrols are recorded (patrols.count_patrol)
            for when in sorted(created + datetime.timedelta(seconds=rng.randrange(3600, span))
                               for _ in range(rng.randint(1, 6))):
                patrol = {"enterprise_id": pk, "patrolled_at": when, "patroller_id": None,
                          "patroller_name": rng.choice(staff), "note": "", "created_at": when}
                patrols_.append(patrol)
                year = years.setdefault(when.astimezone(self.zone).year, [0, 0, 0])
                year[0] += 1
                for m in rng.sample(measures, min(len(measures), rng.randint(2, 5))):
                    m["last_checked_at"] = when
                    in_place = rng.random() < 0.95
                    items_.append({"patrol": patrol, "measure": m, "measure_text": m["content"],
                                   "in_place": in_place, "note": "", "photo": ""})
                    year[1] += 1
                    year[2] += not in_place
            years_.extend({"enterprise_id": pk, "year": y, "patrols": n, "items": k, "failed": f}
                          for y, (n, k, f) in years.items())
            due = {}
            for m in measures:
                key = (m["last_checked_at"] or created, m["frequency_value"], m["frequency_unit"])
                if key not in due:
                    due[key] = due_after(*key)
                m["next_due_at"] = due[key]
            # The summary the app keeps (risks.summary.refresh), computed from the same events.
            grade = next((level for level in self.levels if counts[level]), "")
            row.update(risk_identified=True, risk_grade=grade, **{f"risk_{k}": n for k, n in counts.items()})
            self.grades[grade] += 1
            for k, n in counts.items():
                self.levels[k] += n
        # Ids, parents first, then the parent dicts replaced by their ids.
        for model, parent in zip(self.models, self.parents, strict=False):
            model_rows = out[model]
            for pk, r in zip(loader.ids(model, len(model_rows)), model_rows, strict=False):
                r["id"] = pk
            if parent:
                for r in model_rows:
                    r[f"{parent}_id"] = r.pop(parent)["id"]
        for r in items_:
            r["measure_id"] = r.pop("measure")["id"]
        for key, model in zip(self.names, self.models, strict=False):
            self.totals[key] += len(out[model])
        self.seconds += time.perf_counter() - started
        return [(m, out[m]) for m in self.models]

    def describe(self):
        t, n = self.totals, sum(self.levels.values()) or 1
        e = sum(self.grades.values()) or 1
        shares = "，".join(f"{k} {v / n:.1%}" for k, v in self.levels.items())
        grades = "，".join(f"{k or '无'} {v / e:.1%}" for k, v in self.grades.items())
        return (f"分析对象 {t['objects']:,}，单元 {t['units']:,}，危险源 {t['sources']:,}，安全风险 {t['events']:,}"
                f"（{shares}；重点管控 {t['key']:,}），管控措施 {t['measures']:,}，巡检 {t['patrols']:,}，巡检项 {t['items']:,}，"
                f"年度巡检汇总 {t['years']:,}；"
                f"企业风险等级：{grades}；其中 Python 造行 {self.seconds:.0f} s")


def verify_summary(sample=500):
    """The enterprises' summary columns agree with their events: totals, and a sample enterprise by enterprise."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(risk_major), SUM(risk_high), SUM(risk_medium), SUM(risk_low) FROM archive_enterprise")
        sums = cursor.fetchone()
        cursor.execute("SELECT level, COUNT(*) FROM risks_riskevent GROUP BY level")
        counted = dict(cursor.fetchall())
        expected = tuple(counted.get(k, 0) for k in ("major", "high", "medium", "low"))
        if tuple(sums) != expected:
            raise AssertionError(f"企业风险汇总之和 {sums} 与安全风险计数 {expected} 不符")
        cursor.execute("SELECT SUM(patrols), SUM(items), SUM(failed) FROM risks_patrolyear")
        years = tuple(cursor.fetchone())
        cursor.execute("SELECT (SELECT COUNT(*) FROM risks_patrol), COUNT(*), COUNT(*) FILTER (WHERE NOT in_place)"
                       " FROM risks_patrolitem")
        patrols = tuple(cursor.fetchone())
        if years != patrols:
            raise AssertionError(f"年度巡检汇总之和 {years} 与巡检、巡检项计数 {patrols} 不符")
        cursor.execute("SELECT MAX(id) FROM archive_enterprise")
        top = cursor.fetchone()[0]
        step = max(1, top // sample)
        cursor.execute(
            "SELECT e.id, e.risk_grade, e.risk_major, e.risk_high, e.risk_medium, e.risk_low,"
            " (SELECT COUNT(*) FROM risks_riskevent v WHERE v.enterprise_id = e.id AND v.level = 'major'),"
            " (SELECT COUNT(*) FROM risks_riskevent v WHERE v.enterprise_id = e.id AND v.level = 'high'),"
            " (SELECT COUNT(*) FROM risks_riskevent v WHERE v.enterprise_id = e.id AND v.level = 'medium'),"
            " (SELECT COUNT(*) FROM risks_riskevent v WHERE v.enterprise_id = e.id AND v.level = 'low')"
            " FROM archive_enterprise e WHERE e.id %% %s = 0", [step])
        rows = cursor.fetchall()
    from worksafe.core.risk_levels import overall

    for pk, grade, *values in rows:
        stored, counts = values[:4], values[4:]
        want = overall(k for k, n in zip(("major", "high", "medium", "low"), counts, strict=False) if n) or ""
        if stored != counts or grade != want:
            raise AssertionError(f"企业 {pk}：汇总 {grade} {stored}，按安全风险计 {want} {counts}")
    return (f"企业风险汇总已核对：四个等级的合计与 COUNT 一致（{sum(expected):,} 条），抽查 {len(rows)} 家逐一一致；"
            f"年度巡检汇总的合计与巡检 {patrols[0]:,}、巡检项 {patrols[1]:,}、未落实 {patrols[2]:,} 一致")


# ---------------------------------------------------------------------------------------------------- checks


def event_count(prefix, level=None, park=None):
    """How many risk events the regulator of `prefix` (the park `park`: its members) sees (of `level`): written by
    hand, for the checks."""
    from django.db import connection

    where, params = scope_sql(prefix, park)
    if level:
        where, params = f"{where} AND v.level = %s", [*params, level]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM risks_riskevent v JOIN archive_enterprise e ON e.id = v.enterprise_id WHERE {where}", params)
        return cursor.fetchone()[0]


def summary_totals(prefix, park=None):
    from django.db import connection

    where, params = scope_sql(prefix, park)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(risk_major), SUM(risk_high), SUM(risk_medium), SUM(risk_low)"
                       f" FROM archive_enterprise e WHERE {where}", params)
        return cursor.fetchone()


def patrol_check(prefix, park=None):
    """The patrol statistics show this year's patrols and items in the jurisdiction, counted from the patrol rows."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    year = timezone.localdate().year
    zone, adapt = ZoneInfo(settings.TIME_ZONE), connection.ops.adapt_datetimefield_value
    bounds = [adapt(datetime.datetime(year, 1, 1, tzinfo=zone)), adapt(datetime.datetime(year + 1, 1, 1, tzinfo=zone))]
    where, params = scope_sql(prefix, park)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT p.id), COUNT(i.id) FROM risks_patrol p JOIN archive_enterprise e"
                       f" ON e.id = p.enterprise_id LEFT JOIN risks_patrolitem i ON i.patrol_id = p.id"
                       f" WHERE {where} AND p.patrolled_at >= %s AND p.patrolled_at < %s", [*params, *bounds])
        wanted = cursor.fetchone()

    def check(html):
        missing = [n for n in wanted if n and not shown(html, n)]
        if missing:
            raise AssertionError(f"巡检统计 {prefix} {year}年：页面上没有 {missing}（按巡检记录计 {wanted}）")

    return check


def scenarios(park, stand_in=False):
    """The pages to time: the real risk views when they exist, else the enterprise list and statistics (代用).
    `park`: the pk of the park regulator's organisation (bench.run.regulators)."""
    from django.urls import NoReverseMatch, reverse

    from worksafe.archive.models import Enterprise
    from worksafe.core.scoping import region_q

    try:
        if stand_in:
            raise NoReverseMatch
        events, stats, real = reverse("risks:event_list"), reverse("risks:risk_stats"), True
    except NoReverseMatch:
        events, stats, real = reverse("archive:enterprise_list"), reverse("archive:enterprise_stats"), False
    try:  # the patrol part of the statistics, loaded by the page as a second (htmx) request
        patrols = reverse("risks:patrol_stats") if real else None
    except NoReverseMatch:
        patrols = None
    limit = count_limit("risks") if real else None
    tag = "" if real else "（代用）"
    result = []
    for key, prefix in (("province", "41"), ("city", "4101"), ("county", "410105"), ("park", "410105")):
        member = park if key == "park" else None
        totals = summary_totals(prefix, member)

        def check(html, totals=totals, prefix=prefix):
            wanted = totals[1:] if real else totals[:1]
            missing = [n for n in wanted if n and not shown(html, n)]
            if missing:
                raise AssertionError(f"风险统计 {prefix}：页面上没有 {missing}（企业汇总 {totals}）")

        level = dict(province="省级", city="市级", county="县级", park="园区")[key]
        result.append(Scenario(f"风险统计 {level}{tag}", key, stats, check))
        if patrols:
            result.append(Scenario(f"风险统计 {level}：巡检部分（htmx 第二次请求）", key, patrols, patrol_check(prefix, member),
                                   htmx=True))

    def count_check(prefix, level, park=None):
        if real:
            wanted = event_count(prefix, level, park)
        else:
            qs = Enterprise.objects.filter(region_q(prefix))
            if park:
                qs = qs.filter(park_memberships__park_id=park)
            wanted = (qs.filter(risk_grade=level) if level else qs).count()
        visible = min(wanted, limit) if limit else wanted  # a capped count shows the cap ("超过 10000 条")

        def check(html):
            if not shown(html, visible):
                raise AssertionError(f"风险清单 {prefix} {level or '全部'}：页面上没有总数 {visible}（实有 {wanted}）")

        return check, wanted

    lvl = "level" if real else "risk_grade"
    for label, key, prefix, level in (("省级 重大风险", "province", "41", "major"), ("市级 较大风险", "city", "4101", "high"),
                                      ("县级 不筛选", "county", "410105", None), ("园区 不筛选", "park", "410105", None),
                                      ("省级 不筛选", "province", "41", None)):
        check, _ = count_check(prefix, level, park if key == "park" else None)
        query = f"?{lvl}={level}" if level else ""
        result.append(Scenario(f"风险清单 {label} 第1页{tag}", key, events + query, check, explain=key == "park"))
    check, total = count_check("41", "major")
    # The middle page; with a capped count, the last page offered.
    deep = min(max(1, total // PER_PAGE // 2), limit // PER_PAGE) if limit else max(1, total // PER_PAGE // 2)
    result.append(Scenario(f"风险清单 省级 重大风险 第{deep:,}页（深分页）{tag}", "province",
                           f"{events}?{lvl}=major&page={deep}", check))
    return result, real


# ---------------------------------------------------------------------------------------------------- child


def child(args):
    pages.setup(args)
    from django.db import connection

    from worksafe.archive.models import Enterprise
    from worksafe.risks.models import RiskEvent

    backend, existing = args.child, Enterprise.objects.count()
    generate_s, notes = 0.0, []
    wanted_events = args.enterprises * args.events_per_enterprise
    if existing == 0:
        log(f"== {backend}: 生成 {args.enterprises:,} 家企业，每家 {args.events_per_enterprise} 条安全风险")
        lists = RiskLists(args.seed, args.events_per_enterprise)
        generate_s, rebuild_s = pages.load(args, lists)
        notes.append(f"生成 {generate_s:.0f} s（{wanted_events / generate_s:,.0f} 条安全风险/s，含风险表索引和约束事后重建 "
                     f"{rebuild_s:.0f} s）：" + lists.describe())
        log("  " + notes[-1])
    elif existing != args.enterprises or RiskEvent.objects.count() != wanted_events:
        raise SystemExit(f"数据库已有 {existing} 家企业、{RiskEvent.objects.count()} 条安全风险，与参数不符：去掉 --reuse 重新生成")
    else:
        log(f"== {backend}: 复用已有的 {existing:,} 家企业")
    visible = pages.analyze(backend, verify_summary, notes)

    users = regulators()
    found, real = scenarios(users["park"].organization_id, args.stand_in)
    if not real:
        notes.append("risks:event_list / risks:risk_stats 尚不存在：以企业列表（按 risk_grade 筛选）和企业统计页代用")
    log(f"== {backend}: 页面（每个场景 {args.repeat} 次）")
    bench = Bench(args)
    plans, page_notes = pages.bench_pages(bench, users, connection, found, DATA_TABLES, args.budget)
    notes += page_notes

    meta = {"enterprises": Enterprise.objects.count(), "events": RiskEvent.objects.count(), "generate_s": generate_s,
            "all_visible": visible}
    labels = ("risks.RiskObject", "risks.RiskUnit", "risks.HazardSource", "risks.RiskEvent", "risks.ControlMeasure",
              "risks.Patrol", "risks.PatrolItem", "risks.PatrolYear")
    return pages.finish(args, meta, labels, bench.results, notes, plans)


if __name__ == "__main__":
    sys.exit(main())
