"""Benchmark of the data connection API (数据对接, issue #8): the upload rate of hazards (隐患排查治理台账) in batches
of 1,000 records, on PostgreSQL (SQLite as an optional second backend), against a bare multi-row INSERT of the same
hazard rows in the same run.

Data: the enterprises of bench/generate.py (--enterprises, default 5,000: a small province; the same ones as
bench.run for the same seed), with --hazards-per-enterprise hazards each already on file (default 10, generated as
bench.hazards generates them, with their yearly summaries), so that the uploads go into a table and indexes that are
not empty. The uploader is an approved subscription (ApiSubscription, interface hazards) of the province's
organisation (河南省应急管理厅, bench.run.regulators), whose key id and secret (worksafe.api.keys) are exchanged once
for a bearer token at POST /api/v1/token. The enterprises it covers (covers()) are checked against the province's;
should that ever come out wrong (fewer than 20 covered), the run says so in its notes and measures with the
subscription of the county organisation with the most enterprises instead.

Each batch: --batch-size records (default 1,000) over --batch-enterprises enterprises (default 40, drawn afresh for
every batch from those the subscription covers; records spread over them with a skew, lognormal weights), each record
with the fields of 表4 and 辅助表1 as an enterprise's own system sends them (from bench.hazards' templates: name,
place, content, category, kind, source, substance, consequence, precautions, requirements, method, deadline and
planned completion, responsible and filler, current status; about 3% 重大隐患 with their possible loss, casualties,
surroundings and planned funds), found over the last two years, 已上报 (history: 上报) or 整改中 (history: 上报,
开始整改), and the sender's own id (external_id). The JSON bodies are encoded before any timing.

Measured, per backend, through the real API: Django's test Client POSTs /api/v1/hazards with the bearer token (DEBUG
off: authentication, rate-limit check, body parsing, validation, the hazards handler, the call log, the answer's
serialisation), timed from the POST to the response; three phases of --batches batches each (default 10, i.e.
10,000 hazards), after one warm-up batch that goes through the same three phases untimed:

  1. 新增: new records (every record answers created);
  2. 原样重传: the same batches again, unchanged (every record answers unchanged);
  3. 修改后重传: the same batches changed (every record answers updated): a new current status and the deadline
     (and planned completion) a week later on every record; the 已上报 ones also move to 整改中 with a 开始整改 step
     added to their history (so their steps are replaced).

The baselines (裸写入), alternately with each API batch (API, then each baseline, batch by batch) in every phase:
the same batch's hazard rows, with every column the API writes to hazards_hazard (the record's fields,
enterprise_id, the region_id / industry_id copies, external_id — a fresh one, the sender's id with another prefix —
review pending for the major ones, created_at / updated_at), converted to the database's parameter values (and, for
the multi-row INSERT, the statement built) beforehand, then written in one transaction through connection.cursor(),
timed from BEGIN to COMMIT, then deleted (untimed) so that the table stays the size the API makes it:

  - 多行 INSERT (PostgreSQL): one INSERT … VALUES (…),(…) of the whole batch — the issue's baseline, and the one the
    targets are judged against; note that psycopg splits such a statement's 53,000 placeholders in Python, which
    takes most of its time;
  - executemany: a one-row INSERT executed for every row (PostgreSQL: psycopg's pipeline mode; SQLite: the only
    baseline, its 999-variable limit allows no 1,000-row VALUES list, and the one the targets are judged against);
  - COPY (PostgreSQL, for reference only): COPY hazards_hazard FROM STDIN, the fastest way in.

The baselines write the hazard table only: the API also writes each hazard's steps, a change record per hazard, the
yearly summaries and the call log.

Reported per phase: records/s over the phase (records / the sum of the batches' times), the median and P90 batch
time, each baseline's records/s and median, the ratio API/baseline (records/s over records/s), the statements per
batch and the share of the batch's time spent inside them (an execute wrapper: statements as sent, the driver's
own Python included, COMMIT not), and for phase 1 whether the targets hold: ≥ 2,000 records/s and ≥ 0.25 of the
first baseline's rate.

Checked after every phase: the answers' counts (all created / unchanged / updated, none rejected), the ids answered
equal the rows in the table for the batches' external ids, the steps and change records written, the changed field
in the table; at the end, the yearly summaries against COUNT queries (bench.hazards.verify_summary) and the call
log (one ApiCall per upload, with its record count). A failed check is noted (核对 ✗) and the run goes on; a
warm-up batch that does not answer as expected stops the run (there would be nothing to measure).

Profiled (cProfile), after the timed phases: one more batch as new records, then identical, then changed; for each,
the top functions by cumulative time, the functions with the most time of their own, the own time by module, and the
statements by kind (count and milliseconds).

    python -m bench.api                                               # PostgreSQL, 5,000 enterprises, 10 batches
    python -m bench.api --backends postgres,sqlite --batches 20
    python -m bench.api --backends sqlite --reuse                     # keep bench/out/api.sqlite3 between runs

Every backend runs in its own child process (bench.run.run_backend); results go to bench/out/api.md and
bench/out/api.json. The API's rate limit is raised for the run (WORKSAFE_API_RATE_LIMITS, unless set): every call
still counts the subscription's calls as it does in production, but 3 × --batches calls within a minute must not be
refused.
"""
import argparse
import collections
import cProfile
import datetime
import gc
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path

from bench.run import OUT, ROOT, log, ms, parse, percentile, regulators, run_backends

TARGET_RATE, TARGET_RATIO = 2000, 0.25
PATH = "/api/v1/hazards"
PHASES = [("new", "1. 新增", "created"), ("same", "2. 原样重传", "unchanged"), ("changed", "3. 修改后重传", "updated")]
RATE_LIMITS = "1000000/60,10000000/3600"

# ---------------------------------------------------------------------------------------------------- parent


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.api", description="数据对接接口性能基准：隐患台账每批 1000 条上传，对比裸 INSERT")
    p.add_argument("--enterprises", type=int, default=5000, help="生成的企业数（默认 5000，小省份）")
    p.add_argument("--hazards-per-enterprise", type=int, default=10, help="每家企业已有的平均隐患数（默认 10，0 为不生成）")
    p.add_argument("--backends", default="postgres", help="逗号分隔：postgres,sqlite（默认只测 postgres）")
    p.add_argument("--batches", type=int, default=10, help="每个阶段计时的批数（默认 10）")
    p.add_argument("--batch-size", type=int, default=1000, help="每批记录数（默认 1000）")
    p.add_argument("--batch-enterprises", type=int, default=40, help="每批记录分布的企业数（默认 40）")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--reuse", action="store_true", help="保留并复用 bench/out/api.sqlite3（已有数据时跳过生成）")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    return parse(p, argv, tiny={"enterprises": 50, "hazards_per_enterprise": 2, "batches": 1, "batch_size": 20,
                                "batch_enterprises": 5})


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WORKSAFE_API_RATE_LIMITS", RATE_LIMITS)  # the children inherit it (bench.run.child_env)
    argv = ["--enterprises", str(args.enterprises), "--hazards-per-enterprise", str(args.hazards_per_enterprise),
            "--batches", str(args.batches), "--batch-size", str(args.batch_size),
            "--batch-enterprises", str(args.batch_enterprises), "--seed", str(args.seed)]
    return run_backends(args, "bench.api", "api", argv, markdown)


def markdown(reports):
    lines = []
    for report in reports:
        meta = report["meta"]
        lines.append(f"### {meta['backend']} · {meta['enterprises']:,} 家企业 · 已有隐患 {meta['hazards_before']:,} 条 · "
                     f"每批 {meta['batch_size']:,} 条（{meta['batch_enterprises']} 家企业）× {meta['batches']} 批")
        lines.append("")
        lines.append(f"{meta['engine']}；" + (f"生成 {meta['generate_s']:.0f} s" if meta["generate_s"] else "复用已生成的数据")
                     + f"；{meta['rows']}；{meta['machine']}；结束时负载 {meta['load']}")
        lines.append("")
        names = meta["baselines"]
        lines.append("| 数据库 | 阶段 | 记录/s | 每批中位数 ms | P90 ms | " + " | ".join(f"API/裸 {n}" for n in names)
                     + " | 语句数/批 | 语句耗时占比 | 核对 | 目标 |")
        lines.append("|---|---|--:|--:|--:|" + "--:|" * len(names) + "--:|--:|:-:|:-:|")
        for r in report["results"]:
            checked = {True: "✓", False: "✗"}.get(r.get("checked"), "—")
            target = {True: "✓", False: "✗"}.get(r.get("ok"), "")
            lines.append(
                f"| {meta['backend']} | {r['phase']} | {r['rate']:,.0f} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} | "
                + " | ".join(f"{b['ratio']:.2f}" for b in r["baselines"])
                + f" | {r['statements']:.0f} | {r['db_share']:.0%} | {checked} | {target} |")
        lines.append("")
        lines.append("| 数据库 | 同轮的裸写入 | " + " | ".join(f"{n} 记录/s（每批中位数 ms）" for n in names) + " |")
        lines.append("|---|---|" + "--:|" * len(names))
        for r in report["results"]:
            lines.append(f"| {meta['backend']} | {r['phase']} | "
                         + " | ".join(f"{b['rate']:,.0f}（{b['median_ms']:.1f}）" for b in r["baselines"]) + " |")
        first = next((r for r in report["results"] if r["key"] == "new"), None)
        if first:
            others = "；".join(f"对裸 {b['label']} 为 {b['ratio']:.2f}" for b in first["baselines"][1:])
            lines.append("")
            lines.append(f"目标（阶段 1）：≥ {TARGET_RATE:,} 条/s —— 实测 {first['rate']:,.0f} 条/s "
                         f"{'✓' if first['rate'] >= TARGET_RATE else '✗'}；≥ 裸 {names[0]} 的 {TARGET_RATIO} —— 实测 "
                         f"{first['ratio']:.2f} {'✓' if first['ratio'] >= TARGET_RATIO else '✗'}"
                         + (f"（{others}）" if others else ""))
            lines.append("")
            lines.append("阶段 1 每批的语句（平均）：" + "，".join(f"{k} {n:.0f} 条 {t:.1f} ms" for k, n, t in first["by_statement"][:10]))
        for note in report.get("notes", []):
            lines.append(f"\n- {note}")
        for prof in report.get("profiles", []):
            lines.append(f"\n#### {meta['backend']}：剖析 {prof['phase']}（1 批 {prof['records']:,} 条，cProfile 下 "
                         f"{prof['total_ms']:.0f} ms，不计时时 {prof['plain_ms']:.0f} ms）\n")
            lines.append(f"语句 {prof['statements']} 条，耗时 {prof['db_ms']:.0f} ms（不含 COMMIT）：")
            lines.append("")
            lines.append("| 语句 | 条数 | ms |")
            lines.append("|---|--:|--:|")
            for kind, count, spent in prof["by_statement"]:
                lines.append(f"| {kind} | {count} | {spent:.1f} |")
            lines.append("")
            lines.append("自身时间按模块：" + "，".join(f"{name} {share:.0%}" for name, share in prof["by_module"]))
            lines.append("")
            lines.append(f"累计时间最多的函数（不含占 {CHAIN:.0%} 以上的请求调用链：测试客户端、中间件、ninja、endpoints.upload、batch.upload）：")
            lines.append("")
            lines.append("| 累计 ms | 占比 | 自身 ms | 调用次数 | 函数 |")
            lines.append("|--:|--:|--:|--:|---|")
            for f in prof["cumulative"]:
                lines.append(f"| {f['cum_ms']:.1f} | {f['share']:.0%} | {f['own_ms']:.1f} | {f['calls']} | "
                             f"`{f['function']}` |")
            lines.append("")
            lines.append("自身时间最多的函数：" + "，".join(f"`{f['function']}` {f['own_ms']:.1f} ms（{f['calls']} 次）"
                                                  for f in prof["own"]))
        lines.append("")
    lines.append(
        "记录/s = 各批记录数之和 / 各批用时之和（API：测试客户端 POST 到收到响应；裸写入：同一批隐患行、API 写入隐患表的全部列，"
        "参数事先转换好，经 connection.cursor() 在一个事务内写入，BEGIN 到 COMMIT，之后删除不计时；多行 INSERT = 整批一条 "
        "INSERT … VALUES (…),(…)（psycopg 在 Python 中拆分其中 5 万多个占位符，占去大部分时间；Django 5.2 的 bulk_create 在 "
        "PostgreSQL 上改发 INSERT … SELECT FROM UNNEST(每列一个数组)），executemany = 单行 INSERT 批量执行（psycopg 管道模式），"
        "COPY = COPY FROM STDIN，仅供参照）；API/裸 X = 两者记录/s 之比；"
        "语句数/批、语句耗时占比 = API 每批发出的语句（execute wrapper，含驱动在 Python 中转换参数的时间，不含 COMMIT）及其用时占批用时之比；"
        f"目标（阶段 1）：≥ {TARGET_RATE:,} 条/s 且 ≥ 第一种裸写入（PostgreSQL 多行 INSERT，SQLite executemany）的 {TARGET_RATIO}；"
        "核对 = 应答计数全为该阶段的结果且无拒绝、应答的 id 与表中这些发送方编号的行一致、处理记录和变更记录条数、修改的字段已写入。")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------- data


def make_batch(rng, pool, b, prefix, size, spread, now, zone):
    """`size` hazard records (JSON-ready dicts) of batch `b` over `spread` enterprises of `pool` [(pk, uscc, industry)],
    external ids f"{prefix}{b:03d}-{i:04d}"."""
    from bench.generate import RISKY
    from bench.hazards import GENERAL, MAJOR, MAJOR_SHARE, PRECAUTIONS, SOURCES, pick
    from worksafe.core.fake import person

    today = now.astimezone(zone).date()
    days = datetime.timedelta
    chosen = rng.sample(pool, min(spread, len(pool)))
    weights = [rng.lognormvariate(0, 0.8) for _ in chosen]
    staff = {pk: [person(rng) for _ in range(3)] for pk, _, _ in chosen}
    records = []
    for i, (pk, uscc, industry) in enumerate(rng.choices(chosen, weights, k=size)):
        major = rng.random() < MAJOR_SHARE[industry[:2] in RISKY]
        name, place, content, category, kind, consequence, substance, method = rng.choice(MAJOR if major else GENERAL)
        found = today - days(days=rng.randrange(0, 730))
        window = rng.randrange(30, 181, 15) if major else rng.choice((7, 10, 15, 15, 30, 30, 30, 60))
        deadline = found + days(days=window)
        responsible, filler, _ = staff[pk]
        reported = min(now, datetime.datetime(found.year, found.month, found.day, rng.randrange(8, 18), rng.randrange(60),
                                              tzinfo=zone))
        history = [{"action": "report", "state": "reported", "time": reported.isoformat(), "actor": filler,
                    "organization": "安全环保部", "comment": ""}]
        state = "reported" if rng.random() < 0.4 else "rectifying"
        if state == "rectifying":
            history.append({"action": "start", "state": "rectifying",
                            "time": min(now, reported + days(hours=rng.randrange(2, 72))).isoformat(), "actor": responsible,
                            "organization": "", "comment": "已制定整改方案，开始整改"})
        record = {
            "external_id": f"{prefix}{b:03d}-{i:04d}", "enterprise": uscc, "found_on": found.isoformat(), "name": name,
            "place": place, "content": content, "category": category, "level": "major" if major else "general",
            "kind": kind, "source": pick(rng, SOURCES), "precautions": rng.choice(PRECAUTIONS),
            "requirements": f"{window}日内完成整改，整改期间落实临时管控措施", "substance": substance,
            "possible_consequence": consequence, "method": method, "deadline": deadline.isoformat(),
            "planned_completion": deadline.isoformat(),
            "current_status": "已上报，待制定整改方案" if state == "reported" else "正在落实整改措施",
            "responsible": responsible, "filled_by": filler, "filled_on": found.isoformat(), "state": state,
            "history": history,
        }
        if major:
            record.update(possible_loss=rng.randrange(50, 5000), possible_casualties=rng.randrange(1, 10),
                          surroundings="厂区周边500米内有居民区和道路", planned_funds=rng.randrange(5, 500))
        records.append(record)
    return records


CHANGED_STATUS = "整改中，已落实临时管控措施（二次报送）"


def changed(record):
    """The record as its sender sends it again a week later: a new status, the deadline extended, and a 已上报 one
    now being rectified (a 开始整改 step added)."""
    r = {**record, "history": list(record["history"])}
    later = (datetime.date.fromisoformat(record["deadline"]) + datetime.timedelta(days=7)).isoformat()
    r.update(current_status=CHANGED_STATUS, deadline=later, planned_completion=later)
    if record["state"] == "reported":
        reported = datetime.datetime.fromisoformat(record["history"][-1]["time"])
        now = datetime.datetime.now(reported.tzinfo).replace(microsecond=0)
        r["state"] = "rectifying"
        r["history"].append({"action": "start", "state": "rectifying",
                             "time": min(now, reported + datetime.timedelta(hours=4)).isoformat(),
                             "actor": record["responsible"], "organization": "", "comment": "已制定整改方案，开始整改"})
    return r


# The baselines: (key, label). The first one the database takes is the one the targets are judged against.
METHODS = {"postgresql": [("multirow", "多行 INSERT"), ("executemany", "executemany"), ("copy", "COPY")],
           "sqlite": [("executemany", "executemany")]}


class BareInsert:
    """The baselines: the hazard rows of a batch as the API writes them, inserted by hand (see the module docstring)."""

    def __init__(self, connection):
        from worksafe.hazards.models import Hazard

        self.connection = connection
        self.methods = METHODS[connection.vendor]
        self.fields = [f for f in Hazard._meta.concrete_fields if not f.primary_key]
        self.table = Hazard._meta.db_table
        quote = connection.ops.quote_name
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.sql = f"INSERT INTO {quote(self.table)} ({self.columns}) VALUES "

    def prepare(self, records, enterprises, now):
        """[[parameter]] per record: validated as the API validates them (HazardRecord), every column filled."""
        from worksafe.api.kinds.hazards import FIELDS
        from worksafe.api.schemas import HazardRecord

        rows = []
        for raw in records:
            rec = HazardRecord.model_validate(raw)
            pk, region, industry = enterprises[rec.enterprise]
            values = {name: getattr(rec, name) for name in FIELDS}
            values.update(enterprise_id=pk, region_id=region, industry_id=industry, external_id="BR" + rec.external_id[2:],
                          review="pending" if rec.level == "major" else "", closed_at=None, created_at=now, updated_at=now)
            row = []
            for f in self.fields:
                # A foreign key the record names by its field (category: a reference table since issue 22).
                key = f.attname if f.attname in values else f.name
                value = values[key] if key in values else f.get_default()
                row.append(f.get_db_prep_save(value, self.connection))
            rows.append(row)
        return rows

    def run(self, method, rows):
        """Insert `rows` in one transaction with `method`, timed; then delete them. Returns the seconds of the insert."""
        from django.db import transaction

        connection = self.connection
        connection.ensure_connection()  # the request may have closed it (CONN_MAX_AGE 0 on SQLite): not the INSERT's cost
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.table}")
            mark = cursor.fetchone()[0]
        if method == "multirow":  # built before the clock starts, as the parameters are
            sql, params = self.sql + ", ".join([self.row] * len(rows)), [v for row in rows for v in row]
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if method == "multirow":
                cursor.execute(sql, params)
            elif method == "executemany":
                cursor.executemany(self.sql + self.row, rows)
            else:
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        seconds = time.perf_counter() - t0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE id > %s", [mark])
            if cursor.rowcount != len(rows):
                raise AssertionError(f"裸 INSERT（{method}）写入 {cursor.rowcount} 行，应为 {len(rows)} 行")
        return seconds


# ---------------------------------------------------------------------------------------------------- measuring

STATEMENT = re.compile(r'^\s*(\w+)')
TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def statement_kind(sql):
    verb = (STATEMENT.match(sql).group(1) if STATEMENT.match(sql) else "?").upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "SAVEPOINT / RELEASE"
    table = TABLE.search(sql)
    kind = f"{verb} {table.group(1) if table else ''}".strip()
    if verb == "SELECT" and re.search(r"\bCOUNT\(", sql):
        kind += "（计数）"
    if verb == "SELECT" and "FOR UPDATE" in sql.upper():
        kind += "（FOR UPDATE）"
    return kind


class Statements:
    """An execute wrapper counting the statements sent, their kinds and the time spent inside them."""

    def __init__(self):
        self.count, self.seconds = collections.Counter(), collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = statement_kind(sql)
            self.count[kind] += 1
            self.seconds[kind] += time.perf_counter() - t0

    @property
    def total(self):
        return sum(self.count.values())

    @property
    def total_seconds(self):
        return sum(self.seconds.values())


class Uploader:
    """POST a batch to /api/v1/hazards with the bearer token, through Django's test Client."""

    def __init__(self, connection, token):
        from django.test import Client

        self.connection, self.client = connection, Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(self, body, statements=None):
        """(seconds, answer): the POST timed, the answer decoded afterwards."""
        if statements is None:
            statements = Statements()
        with self.connection.execute_wrapper(statements):
            t0 = time.perf_counter()
            response = self.client.post(PATH, body, content_type="application/json", **self.headers)
            seconds = time.perf_counter() - t0
        if response.status_code != 200:
            body = response.content[:300].decode(errors="replace")
            raise RuntimeError(f"POST {PATH} → HTTP {response.status_code}：{body}")
        return seconds, response.json()


def module_of(filename, name):
    for marker, label in (("worksafe/api", "worksafe.api"), ("worksafe/core/audit", "worksafe.core.audit（变更记录）"),
                          ("worksafe/hazards", "worksafe.hazards"), ("worksafe/", "worksafe（其他）"),
                          ("django/db/models/sql", "django ORM 生成 SQL"), ("django/db/models", "django ORM 模型与查询集"),
                          ("django/db/backends", "django 数据库后端"), ("django/test", "django 测试客户端"),
                          ("django/", "django（其他）"), ("ninja", "django-ninja"), ("pydantic", "pydantic"),
                          ("psycopg", "psycopg"), ("sqlite3", "sqlite3"), ("json", "json")):
        if marker in filename:
            return label
    if filename == "~":
        if "sqlite3" in name or "psycopg" in name:
            return "数据库驱动（C）"
        return "内建函数"
    return "其他"


def short(filename, line, name):
    if filename == "~":
        return name
    for marker in ("site-packages/", str(ROOT) + "/", f"/python{sys.version_info.major}.{sys.version_info.minor}/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line} {name}"


CHAIN = 0.97  # the profile's cumulative list leaves out the functions holding more of the batch (the call chain)


def profile(uploader, body, records, plain_ms, label):
    """One upload under cProfile: its statements by kind, the top functions by cumulative and own time, the own time
    by module. Returns (the report's dict, the answer)."""
    statements = Statements()
    profiler = cProfile.Profile()
    profiler.enable()
    seconds, answer = uploader.post(body, statements)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = seconds
    own_total = sum(tt for (_, _, tt, _, _) in stats.values()) or 1
    by_module = collections.Counter()
    for (filename, _, name), (_, _, tt, _, _) in stats.items():
        by_module[module_of(filename, name)] += tt
    rows = [(ct, tt, nc, short(*key)) for key, (_, nc, tt, ct, _) in stats.items()]
    # Below the request's call chain (client, middleware, ninja, the endpoint: each nearly the whole batch).
    cumulative = [{"cum_ms": ms(ct), "share": ct / total, "own_ms": ms(tt), "calls": nc, "function": fn}
                  for ct, tt, nc, fn in sorted(rows, key=lambda r: -r[0]) if 0.01 * total <= ct < CHAIN * total][:30]
    own = [{"own_ms": ms(tt), "calls": nc, "function": fn} for ct, tt, nc, fn in sorted(rows, key=lambda r: -r[1])[:12]]
    by_statement = sorted(((k, statements.count[k], ms(statements.seconds[k])) for k in statements.count),
                          key=lambda r: -r[2])
    return {"phase": label, "records": records, "total_ms": ms(total), "plain_ms": plain_ms, "statements": statements.total,
            "db_ms": ms(statements.total_seconds), "by_statement": by_statement,
            "by_module": [(name, tt / own_total) for name, tt in by_module.most_common(8)],
            "cumulative": cumulative, "own": own}, answer


# ---------------------------------------------------------------------------------------------------- checks


def check_phase(answers, batches, expected, first, after, marks):
    """The answers of a phase against the table: every record answers `expected` (none rejected), the ids answered
    are the rows holding the batches' external ids (`first` <= external_id < `after`), steps and change records as
    the records say. Returns what it checked (raises AssertionError otherwise)."""
    from django.contrib.contenttypes.models import ContentType

    from worksafe.core.models import ChangeRecord
    from worksafe.hazards.models import Hazard, HazardStep

    sent = sum(len(b) for b in batches)
    counts = collections.Counter()
    answered = {}
    for answer, records in zip(answers, batches, strict=False):
        counts.update({k: v for k, v in answer["counts"].items() if v})
        if not answer["applied"]:
            raise AssertionError(f"批次未应用：{answer['counts']}")
        for result, record in zip(answer["results"], records, strict=False):
            if result["result"] != expected:
                raise AssertionError(f"{record['external_id']}：应答 {result['result']}（应为 {expected}）{result['errors'][:2]}")
            answered[record["external_id"]] = result["id"]
    if counts != {expected: sent}:
        raise AssertionError(f"应答计数 {dict(counts)}，应为 {expected} {sent}")
    ours = Hazard.objects.filter(external_id__gte=first, external_id__lt=after)  # the batches' external ids
    table = dict(ours.values_list("external_id", "pk"))
    if table != answered:
        missing = sorted(set(answered) - set(table))[:3]
        wrong = sorted(ext for ext in set(answered) & set(table) if answered[ext] != table[ext])[:3]
        raise AssertionError(f"应答的 id 与表不一致：表中 {len(table)} 行，应答 {len(answered)} 条；缺 {missing}，id 不同 {wrong}")
    steps = HazardStep.objects.filter(hazard__in=ours).count()
    want_steps = sum(len(r["history"]) for b in batches for r in b)
    if steps != want_steps:
        raise AssertionError(f"处理记录 {steps} 条，按上传的 history 应为 {want_steps} 条")
    hazard_type = ContentType.objects.get_for_model(Hazard)
    changes = ChangeRecord.objects.filter(pk__gt=marks["changes"], content_type=hazard_type).count()
    want_changes = 0 if expected == "unchanged" else sent
    if changes != want_changes:
        raise AssertionError(f"本阶段隐患变更记录 {changes} 条，应为 {want_changes} 条")
    text = f"{sent:,} 条全部应答 {expected}，表中 {len(table):,} 行与应答 id 一致，处理记录 {steps:,} 条，本阶段变更记录 {changes:,} 条"
    if expected == "updated":
        status = ours.filter(current_status=CHANGED_STATUS).count()
        if status != sent:
            raise AssertionError(f"修改后的目前状况写入 {status} 行，应为 {sent} 行")
        text += f"，修改后的目前状况 {status:,} 行"
    return text


def marks():
    from worksafe.core.models import ChangeRecord

    return {"changes": ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0}


def check_calls(sub, uploads, size):
    """One ApiCall per upload of this subscription, each with the batch's record count and status 200."""
    from django.db.models import Count, Sum

    from worksafe.api.models import ApiCall

    calls = ApiCall.objects.filter(subscription=sub, operation__contains="hazards", method="POST")
    got = calls.aggregate(n=Count("id"), records=Sum("records"))
    bad = calls.exclude(status=200).count()
    if got["n"] != uploads or (got["records"] or 0) != uploads * size or bad:
        raise AssertionError(f"调用日志：{got['n']} 次上传、{got['records']} 条记录、{bad} 次非 200，应为 {uploads} 次、{uploads * size} 条")
    return f"调用日志已核对：{uploads} 次上传，各 {size:,} 条记录，状态均为 200"


# ---------------------------------------------------------------------------------------------------- child


def subscription(org):
    """An approved subscription of `org` to the hazard ledger, with its secret: (subscription, secret)."""
    from worksafe.api import keys
    from worksafe.api.models import ApiSubscription, SubscriptionState

    sub = ApiSubscription.objects.create(
        organization=org, region_id=org.region_id, interfaces=["hazards"], system_name=f"{org.name}双重预防机制信息系统（基准）",
        vendor="基准测试", contact="张工", phone="13800000000", state=SubscriptionState.APPROVED, key_id=keys.new_key_id())
    return sub, keys.issue_secret(sub)


def coverage(sub, org, notes):
    """The enterprises [(pk, uscc, industry)] the subscription covers, and a note when that is not every enterprise
    of the organisation's region."""
    from worksafe.archive.models import Enterprise
    from worksafe.core.scoping import region_q, supervised_industries

    covered = list(sub.covers().order_by("pk").values_list("pk", "uscc", "industry_id"))
    expected = Enterprise.objects.filter(region_q(org.region))
    if supervised_industries(org):
        expected = expected.filter(industry_id__in=sorted(supervised_industries(org)))
    n = expected.count()
    if len(covered) != n:
        notes.append(f"覆盖范围有误：{org.name}（{org.region_id}）的订阅覆盖 {len(covered):,} 家企业，其辖区应有 {n:,} 家"
                     "（ApiSubscription.covers()）")
        log("  " + notes[-1])
    return covered


def pick_uploader(users, notes):
    """The province organisation's subscription; if its coverage is wrong (see coverage()), the subscription of the
    county organisation with the most enterprises that does cover its own, so that the run still measures."""
    from django.db.models import Count

    from worksafe.archive.models import Enterprise
    from worksafe.core.models import Organization, OrgLevel, Region

    org = users["province"].organization
    sub, secret = subscription(org)
    pool = coverage(sub, org, notes)
    if len(pool) >= 20:
        return org, sub, secret, pool
    top = (Enterprise.objects.values("region_id").annotate(n=Count("id")).order_by("-n", "region_id").first())
    region = Region.objects.get(pk=top["region_id"])
    county, _ = Organization.objects.get_or_create(name=f"{region.name}应急管理局（基准）", level=OrgLevel.COUNTY, region=region)
    sub, secret = subscription(county)
    pool = coverage(sub, county, notes)
    notes.append(f"改用 {county.name}（{region.code}）的订阅：覆盖 {len(pool):,} 家企业，每批记录分布在其中 "
                 f"{min(len(pool), 40)} 家以内（省级订阅覆盖有误时的退路，数字不同于省级订阅）")
    log("  " + notes[-1])
    return county, sub, secret, pool


def phase_row(key, label, api_t, bare_t, methods, size, statements, batches):
    """A phase's report row: the API's rate and batch times, each baseline's (bare_t: {method: [seconds]}) and the
    ratio to it; the targets (phase 1) against the first baseline."""
    records = size * len(api_t)
    rate = records / sum(api_t)
    baselines = []
    for method, method_label in methods:
        times = bare_t[method]
        bare_rate = records / sum(times)
        baselines.append({"method": method, "label": method_label, "rate": bare_rate,
                          "median_ms": ms(statistics.median(times)), "p90_ms": ms(percentile(times, 0.9)),
                          "ratio": rate / bare_rate, "times_ms": [ms(t) for t in times]})
    row = {"key": key, "phase": label, "n": len(api_t), "records": records, "rate": rate,
           "median_ms": ms(statistics.median(api_t)), "p90_ms": ms(percentile(api_t, 0.9)), "baselines": baselines,
           "ratio": baselines[0]["ratio"], "statements": statements.total / batches,
           "db_share": statements.total_seconds / sum(api_t),
           "by_statement": sorted(((k, statements.count[k] / batches, ms(statements.seconds[k]) / batches)
                                   for k in statements.count), key=lambda r: -r[2]),
           "times_ms": [ms(t) for t in api_t], "checked": None, "ok": None}
    if key == "new":
        row["ok"] = rate >= TARGET_RATE and row["ratio"] >= TARGET_RATIO
    log(f"  {label:<10} {rate:8,.0f} 条/s  每批 {row['median_ms']:7.1f} ms（P90 {row['p90_ms']:7.1f}）  "
        f"语句 {row['statements']:.0f}/批，占 {row['db_share']:.0%}")
    for b in baselines:
        log(f"    裸 {b['label']:<12} {b['rate']:9,.0f} 条/s  每批 {b['median_ms']:6.1f} ms  API/裸 {b['ratio']:.2f}")
    return row


def child(args):
    from bench import pages

    pages.setup(args)
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.hazards import prepare, verify_summary
    from worksafe.archive.models import Enterprise
    from worksafe.hazards.models import Hazard

    backend, existing = args.child, Enterprise.objects.count()
    generate_s, notes = prepare(args, backend, existing)
    pages.analyze(backend, verify_summary, notes)
    hazards_before = Hazard.objects.count()

    users = regulators()
    org, sub, secret, pool = pick_uploader(users, notes)
    response = Client().post("/api/v1/token", {"key_id": sub.key_id, "secret": secret}, content_type="application/json")
    if response.status_code != 200:
        raise SystemExit(f"换取令牌失败：HTTP {response.status_code} {response.content[:300]!r}")
    uploader = Uploader(connection, response.json()["access_token"])
    bare = BareInsert(connection)

    # The batches: warm-up (0), timed (1..N), profiled (N + 1); their bodies and baseline rows, before any timing.
    rng = random.Random(args.seed * 7919 + 8)
    zone = timezone.get_current_timezone()
    now = timezone.now().replace(microsecond=0)
    prefix = f"YH{sub.pk:02d}-"
    log(f"== {backend}: 准备 {args.batches + 2} 批 × {args.batch_size} 条（{org.name}，覆盖 {len(pool):,} 家企业）")
    located = dict(Enterprise.objects.filter(pk__in=[p for p, _, _ in pool]).values_list("uscc", "pk"))
    regions = {pk: (region, industry) for pk, region, industry in
               Enterprise.objects.filter(pk__in=located.values()).values_list("pk", "region_id", "industry_id")}
    enterprises = {uscc: (pk, *regions[pk]) for uscc, pk in located.items()}
    batches = {"new": [make_batch(rng, pool, b, prefix, args.batch_size, args.batch_enterprises, now, zone)
                       for b in range(args.batches + 2)]}
    batches["same"] = batches["new"]
    batches["changed"] = [[changed(r) for r in b] for b in batches["new"]]
    bodies = {key: [json.dumps({"records": b}, ensure_ascii=False).encode() for b in value]
              for key, value in batches.items()}
    bare_rows = {key: [bare.prepare(b, enterprises, now) for b in value] for key, value in batches.items()}
    size_kb = statistics.median(len(b) for b in bodies["new"]) / 1024
    sent = [r for b in batches["new"] for r in b]
    notes.append(f"上传方：{org.name} 的订阅（覆盖 {len(pool):,} 家企业）；每批请求体约 {size_kb:,.0f} KB；"
                 f"重大隐患 {sum(r['level'] == 'major' for r in sent) / len(sent):.1%}，"
                 f"已上报 {sum(r['state'] == 'reported' for r in sent) / len(sent):.0%}；"
                 f"阶段 3 中已上报的改为整改中并增加一步处理记录，其余只改字段；限流阈值 WORKSAFE_API_RATE_LIMITS="
                 f"{os.environ.get('WORKSAFE_API_RATE_LIMITS', '（默认）')}（每次调用照常查询限流计数）")

    log(f"== {backend}: 预热（第 0 批，三个阶段各一次，不计时）")
    for key, _, expected in PHASES:
        _, answer = uploader.post(bodies[key][0])
        if answer["counts"].get(expected) != len(batches[key][0]):
            raise SystemExit(f"预热批 {key}：应答 {answer['counts']}，应为全部 {expected}：{answer['results'][0]}")
        for method, _ in bare.methods:
            bare.run(method, bare_rows[key][0])

    results = []
    timed = range(1, args.batches + 1)
    gc.collect()
    for key, label, expected in PHASES:
        log(f"== {backend}: {label}（{args.batches} 批，与裸 INSERT 交替）")
        before = marks()
        statements, api_t, answers = Statements(), [], []
        bare_t = {method: [] for method, _ in bare.methods}
        for b in timed:
            seconds, answer = uploader.post(bodies[key][b], statements)
            api_t.append(seconds)
            answers.append(answer)
            for method, _ in bare.methods:
                bare_t[method].append(bare.run(method, bare_rows[key][b]))
        row = phase_row(key, label, api_t, bare_t, bare.methods, args.batch_size, statements, args.batches)
        try:
            row["check"] = check_phase(answers, [batches[key][b] for b in timed], expected,
                                       f"{prefix}{timed[0]:03d}-", f"{prefix}{timed[-1] + 1:03d}-", before)
            row["checked"] = True
        except AssertionError as error:
            row["check"], row["checked"] = f"核对失败：{label}：{error}", False
        notes.append(f"{label}：{row['check']}")
        log("  " + notes[-1])
        results.append(row)

    log(f"== {backend}: 剖析（第 {args.batches + 1} 批：新增、原样重传、修改后重传）")
    profiles = []
    last = args.batches + 1
    for key, label, expected in PHASES:
        plain = statistics.median(results[[k for k, _, _ in PHASES].index(key)]["times_ms"])
        prof, answer = profile(uploader, bodies[key][last], args.batch_size, plain, label)
        if answer["counts"].get(expected) != args.batch_size:
            notes.append(f"剖析批 {label}：应答 {answer['counts']}，应为全部 {expected}")
        profiles.append(prof)
        log(f"  {label}：cProfile 下 {prof['total_ms']:.0f} ms，语句 {prof['statements']} 条 {prof['db_ms']:.0f} ms")

    uploads = 3 * (args.batches + 2)
    for check in (verify_summary, lambda: check_calls(sub, uploads, args.batch_size)):
        try:
            notes.append(check())
        except AssertionError as error:
            notes.append(f"核对失败：{error}")
        log("  " + notes[-1])

    args.repeat = args.batches  # what bench.pages.finish reports as the repeat count
    meta = {"enterprises": Enterprise.objects.count(), "hazards_before": hazards_before, "generate_s": generate_s,
            "batches": args.batches, "batch_size": args.batch_size, "batch_enterprises": args.batch_enterprises,
            "uploader": org.name, "covered": len(pool), "baselines": [label for _, label in bare.methods]}
    pages.finish(args, meta, ("hazards.Hazard", "hazards.HazardStep", "hazards.HazardYear", "core.ChangeRecord",
                              "dataapi.ApiCall"), results, notes, [])
    report = json.loads(Path(args.result).read_text())
    report["profiles"] = profiles
    Path(args.result).write_text(json.dumps(report, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
