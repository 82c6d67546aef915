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
indexes (and on PostgreSQL their foreign keys and unique constraints) are dropped for the load and rebuilt after it.

Measured, per backend, as bench.run measures pages (Django's test Client, DEBUG off, alternating with the baseline
the same number of times after a warm-up; fewer times, at least 3, when a page would take over --budget seconds):

- 风险统计 (risks:stats) as the province, a city (郑州) and a county (金水区) regulator, and its patrol part
  (risks:stats_patrols, which the page loads as a second, htmx request);
- 风险清单 (risks:events): province ?level=major, city ?level=high, county unfiltered, province unfiltered, and a
  deep page of the province's major risks (the middle page, or the last one offered when the list caps its count).

The baseline (裸 SQL) is the page's own data: the statements the view sends that read enterprises or risk tables,
recorded once per path (sql and parameters, through an execute wrapper) and re-run raw, fetching every row. What is
left out is the cost every page has (session, user, organisation, the region and industry lists of the filters).
Each page is checked once against numbers counted here by hand (the totals per level, this year's patrols, the
list's total). Each statement is also timed alone; the slowest one of the two slowest scenarios is EXPLAINed
(PostgreSQL: EXPLAIN ANALYZE, BUFFERS; SQLite: EXPLAIN QUERY PLAN).

    python -m bench.risks                                         # 300,000 enterprises × 30 events, both databases
    python -m bench.risks --enterprises 2000 --backends sqlite --repeat 5
    python -m bench.risks --reuse                                 # keep bench/out/risks.sqlite3 between runs

Every backend runs in its own child process (bench.run.run_backend); results go to bench/out/risks.md and
bench/out/risks.json. With --stand-in (or while risks:events and risks:stats do not exist) the enterprise list
(filtered by risk_grade) and the enterprise statistics stand in for them (marked 代用).
"""
import argparse
import datetime
import gc
import json
import os
import platform
import re
import statistics
import sys
import time
from decimal import Decimal
from itertools import product
from pathlib import Path

from bench.run import OUT, Bench, log, ms, regulators, run_backend

PER_PAGE = 20
# Tables whose statements are the page's data (the rest: session, user, organisation, filter choices).
DATA_TABLES = re.compile(r'\b"?(archive_enterprise|risks_\w+)"?\b')

# ---------------------------------------------------------------------------------------------------- parent


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.risks", description="省级规模性能基准：风险统计与风险清单")
    p.add_argument("--enterprises", type=int, default=300_000, help="生成的企业数（默认 300000）")
    p.add_argument("--events-per-enterprise", type=int, default=30, help="每家企业的安全风险数（默认 30）")
    p.add_argument("--backends", default="sqlite,postgres", help="逗号分隔：sqlite,postgres")
    p.add_argument("--repeat", type=int, default=30, help="每个场景重复次数（默认 30）")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--reuse", action="store_true", help="保留并复用 bench/out/risks.sqlite3（已有数据时跳过生成）")
    p.add_argument("--budget", type=float, default=120, help="每个场景计时的大致秒数上限：页面很慢时少重复几次（至少 3 次）")
    p.add_argument("--stand-in", action="store_true", help="用企业列表和企业统计页代替风险清单和风险统计页")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    argv = ["--enterprises", str(args.enterprises), "--events-per-enterprise", str(args.events_per_enterprise),
            "--repeat", str(args.repeat), "--seed", str(args.seed), "--budget", str(args.budget), *(["--stand-in"] if args.stand_in else [])]
    reports = [run_backend(b.strip(), args, module="bench.risks", name="risks", argv=argv)
               for b in args.backends.split(",") if b.strip()]
    text = markdown(reports)
    (OUT / "risks.md").write_text(text, encoding="utf-8")
    (OUT / "risks.json").write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(text)
    return 0


def markdown(reports):
    lines = []
    for report in reports:
        meta = report["meta"]
        lines.append(f"### {meta['backend']} · {meta['enterprises']:,} 家企业 · {meta['events']:,} 条安全风险")
        lines.append("")
        lines.append(f"{meta['engine']}；" + (f"生成 {meta['generate_s']:.0f} s" if meta["generate_s"] else "复用已生成的数据")
                     + f"；{meta['rows']}；重复 {meta['repeat']} 次；{meta['machine']}；结束时负载 {meta['load']}")
        lines.append("")
        lines.append("| 数据库 | 场景 | 中位数 ms | P90 ms | 裸 SQL 中位数 ms | 裸 SQL P90 ms | 倍数 | 查询数（数据） | 最慢语句 ms |")
        lines.append("|---|---|--:|--:|--:|--:|--:|--:|--:|")
        for r in report["results"]:
            bare = f"{r['bare_median_ms']:.1f}" if r.get("bare_median_ms") is not None else "—"
            bare90 = f"{r['bare_p90_ms']:.1f}" if r.get("bare_p90_ms") is not None else "—"
            ratio = f"{r['ratio']:.1f}×" if r.get("ratio") is not None else "—"
            queries = f"{r['queries']}（{r['data_queries']}）" if r.get("data_queries") is not None else (r.get("queries") or "—")
            slowest = f"{r['slowest_ms']:.1f}" if r.get("slowest_ms") is not None else "—"
            lines.append(f"| {meta['backend']} | {r['scenario']} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} | {bare} | "
                         f"{bare90} | {ratio} | {queries} | {slowest} |")
        for note in report.get("notes", []):
            lines.append(f"\n- {note}")
        for plan in report.get("plans", []):
            lines.append(f"\n#### {meta['backend']}：{plan['scenario']} 最慢的语句（{plan['ms']:.1f} ms）\n")
            lines.append("```sql\n" + plan["sql"] + "\n```\n")
            lines.append("```\n" + plan["plan"] + "\n```")
        lines.append("")
    lines.append("倍数 = 页面中位数 / 裸 SQL 中位数；裸 SQL = 视图读取企业表和风险表的那些语句（记录一次，原样重跑并取回全部行）；"
                 "查询数 = 页面的全部查询（其中读数据的）；最慢语句 = 裸 SQL 中单独计时最慢的一条（3 次中位数）。")
    return "\n".join(lines) + "\n"


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

        from django.utils import timezone

        from worksafe.archive.fake import person
        from worksafe.risks.fake import MEASURES
        from zoneinfo import ZoneInfo

        from django.conf import settings

        from worksafe.risks.models import (ControlMeasure, HazardSource, Patrol, PatrolItem, PatrolYear, RiskEvent,
                                           RiskObject, RiskUnit)

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
        for e, row in zip(enterprises, rows):
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
            for source, k in zip(sources, per_source):
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
        for model, parent in zip(self.models, self.parents):
            model_rows = out[model]
            for pk, r in zip(loader.ids(model, len(model_rows)), model_rows):
                r["id"] = pk
            if parent:
                for r in model_rows:
                    r[f"{parent}_id"] = r.pop(parent)["id"]
        for r in items_:
            r["measure_id"] = r.pop("measure")["id"]
        for key, model in zip(self.names, self.models):
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


class deferred_indexes:
    """Drop the secondary indexes (and, on PostgreSQL, the foreign keys and unique constraints) of `tables` for a
    bulk load, and build them again afterwards: one sort per index instead of millions of B-tree inserts and
    foreign-key lookups. The rows are checked when the constraints come back (ADD CONSTRAINT validates them)."""

    def __init__(self, connection, tables, log=log):
        self.connection, self.tables, self.log = connection, list(tables), log
        self.restore, self.seconds = [], 0.0

    def _run(self, statements):
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def __enter__(self):
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
                    " WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u') ORDER BY contype, conname",
                    [self.tables])
                constraints = cursor.fetchall()
                cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
                               " AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname", [self.tables])
                indexes = cursor.fetchall()
                drop = [f'ALTER TABLE {t} DROP CONSTRAINT "{c}"' for t, c, _, _ in constraints]
                drop += [f'DROP INDEX "{name}"' for name, _ in indexes]
                self.restore = [sql for _, sql in indexes]
                self.restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{c}" {d}' for t, c, d, kind in constraints if kind == "u"]
                self.restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{c}" {d}' for t, c, d, kind in constraints if kind == "f"]
            else:
                marks = ", ".join(["%s"] * len(self.tables))
                cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                               f" AND tbl_name IN ({marks}) ORDER BY name", self.tables)
                indexes = cursor.fetchall()
                drop = [f'DROP INDEX "{name}"' for name, _ in indexes]
                self.restore = [sql for _, sql in indexes]
        self._run(drop)
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is not None:
            return
        t0 = time.perf_counter()
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SET maintenance_work_mem = '1GB'")
        self._run(self.restore)
        self.seconds = time.perf_counter() - t0
        self.log(f"  {len(self.restore)} 个索引和约束重建 {self.seconds:.0f} s")


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
    from worksafe.risks.grading import overall

    for pk, grade, *values in rows:
        stored, counts = values[:4], values[4:]
        want = overall(k for k, n in zip(("major", "high", "medium", "low"), counts) if n) or ""
        if stored != counts or grade != want:
            raise AssertionError(f"企业 {pk}：汇总 {grade} {stored}，按安全风险计 {want} {counts}")
    return (f"企业风险汇总已核对：四个等级的合计与 COUNT 一致（{sum(expected):,} 条），抽查 {len(rows)} 家逐一一致；"
            f"年度巡检汇总的合计与巡检 {patrols[0]:,}、巡检项 {patrols[1]:,}、未落实 {patrols[2]:,} 一致")


# ---------------------------------------------------------------------------------------------------- measuring


class Recorder:
    """Records the statements (sql, params) sent on `connection`, as an execute wrapper."""

    def __init__(self, connection):
        self.connection, self.statements = connection, []

    def __call__(self, execute, sql, params, many, context):
        if not many:
            self.statements.append((sql, tuple(params) if params is not None else None))
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)


def record(client, path, connection):
    """All statements of one GET of `path`, and those reading the page's data (enterprises, risk tables)."""
    with Recorder(connection) as rec:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} → HTTP {response.status_code}")
    data = [(sql, params) for sql, params in rec.statements
            if DATA_TABLES.search(sql) and not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "UPDATE", "INSERT"))]
    return rec.statements, data, response.content.decode()


def fetch(connection, statements):
    """Every row of each statement [(sql, params)]."""
    with connection.cursor() as cursor:
        result = []
        for sql, params in statements:
            cursor.execute(sql, params)
            result.append(cursor.fetchall())
        return result


def time_statements(connection, statements, runs=3):
    """[(median ms, sql, params)] for each statement run alone, slowest first."""
    timed = []
    for sql, params in statements:
        times = []
        with connection.cursor() as cursor:
            for _ in range(runs):
                t0 = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                times.append(time.perf_counter() - t0)
        timed.append((ms(statistics.median(times)), sql, params))
    return sorted(timed, key=lambda t: -t[0])


def explain(connection, sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            return "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(f"{r[0]:>3} {r[1]:>3} {r[-1]}" for r in cursor.fetchall())


def _inline(sql, params):
    if not params:
        return sql
    quoted = [f"'{p}'" if isinstance(p, (str, datetime.datetime)) else "NULL" if p is None else str(p) for p in params]
    return sql.replace("%s", "{}").format(*quoted) if "{" not in sql else sql


class Scenario:
    def __init__(self, label, user, path, check=None, htmx=False):
        self.label, self.user, self.path, self.check, self.htmx = label, user, path, check, htmx


def shown(html, n):
    """Whether the page shows the number `n` (as 12345 or 12,345)."""
    return re.search(rf"(?<![\d,]){n}(?![\d,])", html) is not None or f"{n:,}" in html


def scope_sql(prefix):
    low, high = prefix, str(int(prefix) + 1).zfill(len(prefix))
    return "e.region_id >= %s AND e.region_id < %s", [low, high]


def event_count(prefix, level=None):
    """How many risk events the regulator of `prefix` sees (of `level`): written by hand, for the checks."""
    from django.db import connection

    where, params = scope_sql(prefix)
    if level:
        where, params = f"{where} AND v.level = %s", [*params, level]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM risks_riskevent v JOIN archive_enterprise e ON e.id = v.enterprise_id WHERE {where}", params)
        return cursor.fetchone()[0]


def summary_totals(prefix):
    from django.db import connection

    where, params = scope_sql(prefix)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(risk_major), SUM(risk_high), SUM(risk_medium), SUM(risk_low)"
                       f" FROM archive_enterprise e WHERE {where}", params)
        return cursor.fetchone()


def count_limit():
    """The event list counts up to this many rows (None: exactly)."""
    try:
        from worksafe.risks import views_scope
    except ImportError:
        return None
    return getattr(views_scope, "COUNT_LIMIT", None)


def patrol_check(prefix):
    """The patrol statistics show this year's patrols and items in the jurisdiction, counted from the patrol rows."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    year = timezone.localdate().year
    zone, adapt = ZoneInfo(settings.TIME_ZONE), connection.ops.adapt_datetimefield_value
    bounds = [adapt(datetime.datetime(year, 1, 1, tzinfo=zone)), adapt(datetime.datetime(year + 1, 1, 1, tzinfo=zone))]
    where, params = scope_sql(prefix)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT p.id), COUNT(i.id) FROM risks_patrol p JOIN archive_enterprise e"
                       f" ON e.id = p.enterprise_id LEFT JOIN risks_patrolitem i ON i.patrol_id = p.id"
                       f" WHERE {where} AND p.patrolled_at >= %s AND p.patrolled_at < %s", [*params, *bounds])
        wanted = cursor.fetchone()

    def check(html, _rows, _i):
        missing = [n for n in wanted if n and not shown(html, n)]
        if missing:
            raise AssertionError(f"巡检统计 {prefix} {year}年：页面上没有 {missing}（按巡检记录计 {wanted}）")

    return check


def scenarios(stand_in=False):
    """The pages to time: the real risk views when they exist, else the enterprise list and statistics (代用)."""
    from django.urls import NoReverseMatch, reverse

    from worksafe.archive.models import Enterprise
    from worksafe.core.scoping import region_q

    try:
        if stand_in:
            raise NoReverseMatch
        events, stats, real = reverse("risks:events"), reverse("risks:stats"), True
    except NoReverseMatch:
        events, stats, real = reverse("archive:enterprise_list"), reverse("archive:enterprise_stats"), False
    try:  # the patrol part of the statistics, loaded by the page as a second (htmx) request
        patrols = reverse("risks:stats_patrols") if real else None
    except NoReverseMatch:
        patrols = None
    limit = count_limit() if real else None
    tag = "" if real else "（代用）"
    result = []
    for key, prefix in (("province", "41"), ("city", "4101"), ("county", "410105")):
        totals = summary_totals(prefix)

        def check(html, _rows, _i, totals=totals, prefix=prefix):
            wanted = totals[1:] if real else totals[:1]
            missing = [n for n in wanted if n and not shown(html, n)]
            if missing:
                raise AssertionError(f"风险统计 {prefix}：页面上没有 {missing}（企业汇总 {totals}）")

        level = dict(province="省级", city="市级", county="县级")[key]
        result.append(Scenario(f"风险统计 {level}{tag}", key, stats, check))
        if patrols:
            result.append(Scenario(f"风险统计 {level}：巡检部分（htmx 第二次请求）", key, patrols, patrol_check(prefix), htmx=True))

    def count_check(prefix, level):
        if real:
            wanted = event_count(prefix, level)
        else:
            qs = Enterprise.objects.filter(region_q(prefix))
            wanted = (qs.filter(risk_grade=level) if level else qs).count()
        visible = min(wanted, limit) if limit else wanted  # a capped count shows the cap ("超过 10000 条")

        def check(html, _rows, _i):
            if not shown(html, visible):
                raise AssertionError(f"风险清单 {prefix} {level or '全部'}：页面上没有总数 {visible}（实有 {wanted}）")

        return check, wanted

    lvl = "level" if real else "risk_grade"
    for label, key, prefix, level in (("省级 重大风险", "province", "41", "major"), ("市级 较大风险", "city", "4101", "high"),
                                      ("县级 不筛选", "county", "410105", None), ("省级 不筛选", "province", "41", None)):
        check, _ = count_check(prefix, level)
        query = f"?{lvl}={level}" if level else ""
        result.append(Scenario(f"风险清单 {label} 第1页{tag}", key, events + query, check))
    check, total = count_check("41", "major")
    # The middle page; with a capped count, the last page offered.
    deep = min(max(1, total // PER_PAGE // 2), limit // PER_PAGE) if limit else max(1, total // PER_PAGE // 2)
    result.append(Scenario(f"风险清单 省级 重大风险 第{deep:,}页（深分页）{tag}", "province",
                           f"{events}?{lvl}=major&page={deep}", check))
    return result, real


def bench_pages(bench, users, connection, stand_in=False, budget=120):
    """Every scenario: one recorded GET (statements, query count, check), then page against bare SQL, alternately,
    --repeat times or as often as `budget` seconds allow (at least 3), then each statement alone."""
    from django.test import Client

    plans, statements = [], {}
    for s in scenarios(stand_in)[0]:
        if s.htmx:
            client = Client(headers={"HX-Request": "true"})
            client.force_login(users[s.user], backend="django.contrib.auth.backends.ModelBackend")
        else:
            client = bench.client(users[s.user])
        t0 = time.perf_counter()
        everything, data, html = record(client, s.path, connection)
        first = time.perf_counter() - t0
        if s.check:
            s.check(html, None, 0)
        repeat = max(3, min(bench.args.repeat, int(budget / (2 * first))))
        bench.page(s.label, client, [s.path], lambda _i, data=data: data, None, target=None, repeat=repeat,
                   warmup=3 if first < 0.5 else 1, queries=len(everything))
        timed = time_statements(connection, data, runs=3 if first < 2 else 1)
        row = bench.results[-1]
        row["path"], row["data_queries"] = s.path, len(data)
        row["slowest_ms"] = timed[0][0] if timed else None
        row["statements"] = [{"ms": t, "sql": _inline(sql, params)} for t, sql, params in timed]
        statements[s.label] = timed
        log(f"    数据查询 {len(data)}/{len(everything)}；最慢 {row['slowest_ms'] or 0:.1f} ms；重复 {repeat} 次")
    # EXPLAIN the slowest statement of the two slowest scenarios.
    for row in sorted(bench.results, key=lambda r: -(r["slowest_ms"] or 0))[:2]:
        timed = statements[row["scenario"]]
        if not timed:
            continue
        t, sql, params = timed[0]
        plans.append({"scenario": row["scenario"], "ms": t, "sql": _inline(sql, params), "plan": explain(connection, sql, params)})
    return plans


def child(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worksafe.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import analyze, generate
    from worksafe.archive.models import Enterprise
    from worksafe.risks.models import RiskEvent

    assert not settings.DEBUG, "基准测试须关闭 DEBUG"
    backend = args.child
    log(f"== {backend}: 迁移")
    call_command("migrate", interactive=False, verbosity=0)
    existing = Enterprise.objects.count()
    generate_s, notes = 0.0, []
    wanted_events = args.enterprises * args.events_per_enterprise
    if existing == 0:
        log(f"== {backend}: 生成 {args.enterprises:,} 家企业，每家 {args.events_per_enterprise} 条安全风险")
        lists = RiskLists(args.seed, args.events_per_enterprise)
        gc.disable()  # millions of small dicts without cycles: the collector would only walk them again and again
        t0 = time.perf_counter()
        with deferred_indexes(connection, [m._meta.db_table for m in lists.models]) as deferred:
            generate(args.enterprises, args.seed, log=log, extra=lists)
        generate_s = time.perf_counter() - t0
        gc.enable()
        notes.append(f"生成 {generate_s:.0f} s（{wanted_events / generate_s:,.0f} 条安全风险/s，含风险表索引和约束事后重建 "
                     f"{deferred.seconds:.0f} s）：" + lists.describe())
        log("  " + notes[-1])
    elif existing != args.enterprises or RiskEvent.objects.count() != wanted_events:
        raise SystemExit(f"数据库已有 {existing} 家企业、{RiskEvent.objects.count()} 条安全风险，与参数不符：去掉 --reuse 重新生成")
    else:
        log(f"== {backend}: 复用已有的 {existing:,} 家企业")
    t0 = time.perf_counter()
    visible = analyze()
    notes.append(f"ANALYZE {time.perf_counter() - t0:.0f} s")
    log(f"== {backend}: {notes[-1]}，企业表全可见页 {visible:.0%}")
    t0 = time.perf_counter()
    notes.append(verify_summary() + f"（{time.perf_counter() - t0:.1f} s）")
    log("  " + notes[-1])

    bench = Bench(args)
    users = regulators()
    log(f"== {backend}: 页面（每个场景 {args.repeat} 次）")
    plans = bench_pages(bench, users, connection, args.stand_in, args.budget)
    if not scenarios(args.stand_in)[1]:
        notes.append("risks:events / risks:stats 尚不存在：以企业列表（按 risk_grade 筛选）和企业统计页代用")

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            engine = f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute("SELECT sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]}"
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        size = cursor.fetchone()[0]
    from django.apps import apps

    counts = []
    for label in ("risks.RiskObject", "risks.RiskUnit", "risks.HazardSource", "risks.RiskEvent", "risks.ControlMeasure",
                  "risks.Patrol", "risks.PatrolItem", "risks.PatrolYear"):
        model = apps.get_model(label)
        counts.append(f"{model._meta.verbose_name} {model.objects.count():,}")
    counts.append(f"数据库 {size / 2**30:.1f} GB")
    meta = {
        "backend": backend, "engine": engine, "enterprises": Enterprise.objects.count(),
        "events": RiskEvent.objects.count(), "generate_s": generate_s, "repeat": args.repeat, "rows": "，".join(counts),
        "all_visible": visible, "load": "，".join(f"{x:.1f}" for x in os.getloadavg()),
        "machine": f"Python {platform.python_version()}，Django {django.get_version()}，{os.cpu_count()} CPU",
    }
    Path(args.result).write_text(json.dumps({"meta": meta, "results": bench.results, "notes": notes, "plans": plans},
                                            ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
