"""Benchmark of 行业登记表 (issue #6) at province scale: the regulators' bulk export of one table kind, and the archive
page of an enterprise with a filled table, SQLite and PostgreSQL.

Data: the enterprises of bench/generate.py (the same ones as bench.run for the same seed), then a Registration for
every enterprise whose industry has a table (schema.for_industry), its data `fake.example(table, rng, full=False)`
(some optional fields left empty, 1–2 blocks per repeating group), from a random generator of its own (the
enterprises stay those of bench.run), saved with bulk_create in batches. The counts per table are in the report.

Measured, per backend, with Django's test Client, DEBUG off, as a province, a city (郑州) and a county (金水区)
regulator (bench.run.regulators):

- the bulk export GET /registrations/<table>/export/ (no filters: the whole jurisdiction) of 尾矿库 (tailings_pond,
  no repeating groups) and of 金属非金属地下矿山 (underground_mine, 12 repeating groups, each on a sheet of its own),
  the response read to its end. Alternately with it, the same number of times after a warm-up (fewer, at least 3,
  when a round would take over --budget seconds):
  - the baseline «SQL + xlsx»: the bare SQL that fetches the same rows (the enterprises of the table's industries in
    the jurisdiction, LEFT JOIN their registration of that table, the list's order), then openpyxl write-only
    writing the same number of cells (the same sheets, rows and columns) straight from the stored JSON — no schema
    engine: values as stored (lists joined, a group's column its block count and its blocks as JSON) — saved to a
    temporary file as the view does;
  - the bare SQL alone (fetching every row), and the view's own data statements re-run raw (应用 SQL).
  Each export is checked once against the bare SQL: the main sheet lists the same enterprises in the same order
  with the same 已填写/未填写 marks and as many columns as the baseline, each group sheet holds one row per block.
  One more export per table as the province is split into its steps (the ORM's rows, the workbook's rows, the save)
  and profiled (cProfile: where the workbook's time goes, by module).
- the archive page (archive:enterprise_detail) of one underground mine with a filled table (the one with the most
  group blocks in 金水区, else 郑州, else the province), as bench.pages measures pages: against the page's own data
  statements re-run raw.

The export's query (the view's, province, both tables) and the bare SQL are EXPLAINed (PostgreSQL: EXPLAIN ANALYZE,
BUFFERS; SQLite: EXPLAIN QUERY PLAN).

    python -m bench.registrations                                   # 300,000 enterprises, both databases
    python -m bench.registrations --enterprises 3000 --backends sqlite --repeat 3
    python -m bench.registrations --reuse                           # keep bench/out/registrations.sqlite3

Every backend runs in its own child process (bench.run.run_backend); results go to bench/out/registrations.md and
bench/out/registrations.json.
"""
import collections
import cProfile
import datetime
import gc
import io
import json
import pstats
import random
import re
import statistics
import sys
import tempfile
import time

from bench import pages
from bench.pages import Recorder, Scenario, explain, inline, scope_sql
from bench.run import OUT, Bench, log, ms, number, parse, percentile, regulators, run_backends

EXPORT_TABLES = ("tailings_pond", "underground_mine")
LEVELS = (("省级", "province", "41"), ("市级", "city", "4101"), ("县级", "county", "410105"))
# Statements that read the page's data (the rest: session, user, organisation, filter choices).
DATA_TABLES = re.compile(r'\b"?(archive_\w+|registrations_\w+|core_changerecord)"?\b')
BATCH = 2000  # registrations per bulk_create transaction

# ---------------------------------------------------------------------------------------------------- parent


def parse_args(argv=None):
    return parse(pages.parser("registrations", "行业登记表性能基准：批量导出与档案页"), argv, tiny=pages.TINY)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    argv = ["--enterprises", str(args.enterprises), "--repeat", str(args.repeat), "--seed", str(args.seed),
            "--budget", str(args.budget)]
    return run_backends(args, "bench.registrations", "registrations", argv, markdown)


def markdown(reports):
    lines = []
    for report in reports:
        meta = report["meta"]
        lines.append(f"### {meta['backend']} · {meta['enterprises']:,} 家企业 · {meta['registrations']:,} 张登记表")
        lines.append("")
        lines.append(f"{meta['engine']}；" + (f"生成 {meta['generate_s']:.0f} s" if meta["generate_s"] else "复用已生成的数据")
                     + f"；{meta['rows']}；重复 {meta['repeat']} 次（慢的场景按 --budget 减少，至少 3 次）；"
                     f"{meta['machine']}；结束时负载 {meta['load']}")
        lines.append("")
        lines.append("每张登记表的行数：" + "，".join(f"{k} {n:,}" for k, n in meta["per_table"].items()))
        lines.append("")
        lines.append("| 数据库 | 导出 | 企业行 | 组表行 | 导出中位数 ms | P90 ms | 基线 SQL+xlsx ms | 倍数 | 裸 SQL ms | "
                     "对裸 SQL 倍数 | 应用 SQL ms | 企业行/s | 文件 KB（基线） | 查询数 | 核对 |")
        lines.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|")
        for r in report["exports"]:
            checked = {True: "✓", False: "✗"}.get(r.get("checked"), "—")
            lines.append(
                f"| {meta['backend']} | {r['scenario']} | {r['rows']:,} | {r['group_rows']:,} | {r['median_ms']:.1f} | "
                f"{r['p90_ms']:.1f} | {r['baseline_median_ms']:.1f} | {number(r['ratio'], '{:.1f}×')} | "
                f"{r['sql_median_ms']:.1f} | {number(r['sql_ratio'], '{:.0f}×')} | {r['app_sql_median_ms']:.1f} | "
                f"{number(r['rows_per_s'], '{:,.0f}')} | {r['bytes'] / 1024:,.0f}（{r['baseline_bytes'] / 1024:,.0f}） | "
                f"{r['queries']} | {checked} |")
        if report["results"]:
            lines.append("")
            lines.append("| 数据库 | 页面 | 中位数 ms | P90 ms | 裸 SQL 中位数 ms | 倍数 | 查询数（数据） | 最慢语句 ms | 核对 |")
            lines.append("|---|---|--:|--:|--:|--:|--:|--:|:-:|")
            for r in report["results"]:
                checked = {True: "✓", False: "✗"}.get(r.get("checked"), "—")
                lines.append(f"| {meta['backend']} | {r['scenario']} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} | "
                             f"{number(r.get('bare_median_ms'))} | {number(r.get('ratio'), '{:.1f}×')} | "
                             f"{r['queries']}（{r.get('data_queries', '—')}） | {number(r.get('slowest_ms'))} | {checked} |")
        for note in report.get("notes", []):
            lines.append(f"\n- {note}")
        for plan in report.get("plans", []):
            lines.append(f"\n#### {meta['backend']}：{plan['scenario']}（{plan['ms']:.1f} ms）\n")
            lines.append("```sql\n" + plan["sql"] + "\n```\n")
            lines.append("```\n" + plan["plan"] + "\n```")
        lines.append("")
    lines.append(
        "导出中位数 = GET 导出并读完响应；基线 SQL+xlsx = 裸 SQL 取同样的行（表的行业的企业 LEFT JOIN 其该表登记，列表顺序）"
        "+ openpyxl write-only 直接写同样多的单元格（同样的工作表、行、列，值按存储原样，不经登记表引擎）并保存；"
        "倍数 = 导出中位数 / 基线中位数；裸 SQL = 只跑这条 SQL 并取回全部行；应用 SQL = 视图读数据的语句原样重跑；"
        "企业行/s = 主表行数 / 导出中位数；组表行 = 各重复组工作表的行数之和（每块一行）；"
        "核对 = 主表企业及顺序、填写状态、列数与裸 SQL 一致，组表行数与登记内容的块数一致。")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------- data


def make_registrations(seed, log=log):
    """A Registration of every table of every enterprise whose industry has one; returns ({table: rows}, seconds in
    fake.example, seconds in bulk_create)."""
    from django.db import transaction

    from worksafe.archive.models import Enterprise
    from worksafe.registrations import fake, schema
    from worksafe.registrations.models import Registration

    rng = random.Random(seed * 7919 + 6)  # not generate()'s: the enterprises stay those of bench.run
    codes = sorted({code for t in schema.tables() for code in t.industries})
    targets = list(Enterprise.objects.filter(industry_id__in=codes).order_by("pk").values_list("pk", "industry_id"))
    counts, make_s, save_s = collections.Counter(), 0.0, 0.0
    pending = []

    def flush():
        nonlocal save_s
        t0 = time.perf_counter()
        with transaction.atomic():
            Registration.objects.bulk_create(pending, batch_size=500)
        save_s += time.perf_counter() - t0
        pending.clear()

    for n, (pk, code) in enumerate(targets, start=1):
        t0 = time.perf_counter()
        for table in schema.for_industry(code):
            pending.append(Registration(enterprise_id=pk, table=table.key, data=fake.example(table, rng, full=False)))
            counts[table.key] += 1
        make_s += time.perf_counter() - t0
        if len(pending) >= BATCH:
            flush()
        if n % 10_000 == 0:
            log(f"  {n:>8} 张登记表")
    if pending:
        flush()
    return dict(counts), make_s, save_s


def expected_registrations():
    """How many registrations the enterprises call for (one per table of their industry)."""
    from worksafe.archive.models import Enterprise
    from worksafe.registrations import schema

    return sum(Enterprise.objects.filter(industry_id__in=t.industries).count() for t in schema.tables())


def verify_registrations():
    """Every enterprise of a table's industries has exactly one registration of that table, and no other has one."""
    from django.db import connection

    from worksafe.registrations import schema

    parts = []
    with connection.cursor() as cursor:
        for table in schema.tables():
            marks = ", ".join(["%s"] * len(table.industries))
            cursor.execute(f"SELECT COUNT(*) FROM archive_enterprise WHERE industry_id IN ({marks})", table.industries)
            enterprises = cursor.fetchone()[0]
            cursor.execute(
                f'SELECT COUNT(*), COUNT(DISTINCT g.enterprise_id), SUM(CASE WHEN e.industry_id IN ({marks}) THEN 1 ELSE 0 END)'
                ' FROM registrations_registration g JOIN archive_enterprise e ON e.id = g.enterprise_id WHERE g."table" = %s'
                , [*table.industries, table.key])
            rows, distinct, matching = cursor.fetchone()
            if not (rows == distinct == (matching or 0) == enterprises):
                raise AssertionError(f"{table.key}：登记表 {rows}（企业 {distinct}，行业相符 {matching}），应为 {enterprises}")
            parts.append(f"{table.short}（{table.key}，行业 {'、'.join(table.industries)}）{rows:,}")
    return "登记表已核对，每家相应行业的企业各一张：" + "，".join(parts)


def describe(counts, make_s, save_s):
    total = sum(counts.values())
    text = (f"登记表 {total:,} 张，fake.example {make_s:.1f} s（{total / max(make_s, 1e-9):,.0f} 张/s），"
            f"bulk_create {save_s:.1f} s（每事务 {BATCH} 张，batch_size 500）")
    return text


# ---------------------------------------------------------------------------------------------------- exports

BARE_SQL = (
    'SELECT e.name, e.uscc, r.name, r.code, i.name, g.data, g.updated_at FROM archive_enterprise e'
    ' JOIN core_region r ON r.code = e.region_id JOIN core_industry i ON i.code = e.industry_id'
    ' LEFT JOIN registrations_registration g ON g.enterprise_id = e.id AND g."table" = %s'
    ' WHERE {where} AND e.industry_id IN ({industries}) ORDER BY e.region_id, e.name, e.id'
)


def bare_statement(table, prefix):
    where, params = scope_sql(prefix)
    industries = ", ".join(["%s"] * len(table.industries))
    return BARE_SQL.format(where=where, industries=industries), [table.key, *params, *table.industries]


def fetch(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def layout(table):
    """The baseline's columns, computed once per table (not per row): for the main sheet [(key, how)] where `how` is
    "v" (the stored value), "n" (a group's block count), "j" (a group's blocks as JSON), 0 / 1 (a date range's start /
    end); for each group (key, sheet title, [keys of its fields' columns])."""
    from worksafe.registrations.fields import DateRangeType, Group, Number

    def columns(fields):
        out = []
        for f in fields:
            if isinstance(f, Group):
                out += [(f.key, "n"), (f.key, "j")]
            elif isinstance(f, Number) and f.units:
                out += [(f.key, "v"), (f"{f.key}_unit", "v")]
            elif isinstance(f, DateRangeType):
                out += [(f.key, 0), (f.key, 1)]
            else:
                out += [(f.key, "v")]
        return out

    main = columns(table.fields)
    headers = [h for f in table.fields for h, _ in f.cells({})]
    assert len(main) == len(headers), (table.key, len(main), len(headers))
    groups = []
    for g in table.groups:
        keys = columns(g.fields)
        assert len(keys) == len([h for f in g.fields for h, _ in f.cells({})]), (table.key, g.key)
        groups.append((g.key, g.label[:31], keys, ["企业名称", "统一社会信用代码", "序号"]
                       + [h for f in g.fields for h, _ in f.cells({})]))
    return {"main": main, "headers": ["企业名称", "统一社会信用代码", "属地", "行业分类", "填写状态", "更新时间", *headers],
            "groups": groups}


def plain(value):
    """A stored JSON value as a cell: lists joined, everything else as is."""
    if isinstance(value, list):
        return "、".join(map(str, value))
    return value


def cell(data, key, how):
    value = data.get(key)
    if how == "v":
        return plain(value)
    if how == "n":
        return len(value or ())
    if how == "j":
        return json.dumps(value, ensure_ascii=False) if value else None
    return value[how] if value else None


def baseline_workbook(rows, table, lay):
    """openpyxl write-only, straight from the fetched rows: the same sheets, rows and number of cells as the view."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    main = wb.create_sheet(table.short[:31])
    main.append(lay["headers"])
    sheets = []
    for key, title, keys, headers in lay["groups"]:
        ws = wb.create_sheet(title)
        ws.append(headers)
        sheets.append((key, ws, keys))
    columns = lay["main"]
    cells = 0
    for name, uscc, region, code, industry, data, updated in rows:
        stored = json.loads(data) if isinstance(data, str) else data
        d = stored or {}
        if isinstance(updated, datetime.datetime) and updated.tzinfo is not None:
            updated = updated.replace(tzinfo=None)  # Excel has no time zones (raw cursor on PostgreSQL: aware)
        row = [name, uscc, f"{region}（{code}）", industry, "已填写" if stored is not None else "未填写", updated]
        row += [cell(d, key, how) for key, how in columns]
        main.append(row)
        cells += len(row)
        for key, ws, keys in sheets:
            for n, block in enumerate(d.get(key) or (), start=1):
                ws.append([name, uscc, n, *[cell(block, k, how) for k, how in keys]])
                cells += 3 + len(keys)
    return wb, cells


def run_baseline(connection, table, sql, params, lay):
    """Bare SQL + xlsx, saved to a temporary file: (seconds, bytes, cells)."""
    t0 = time.perf_counter()
    rows = fetch(connection, sql, params)
    wb, cells = baseline_workbook(rows, table, lay)
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
        size = tmp.tell()
    return time.perf_counter() - t0, size, cells


def get_export(client, path):
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} → HTTP {response.status_code}")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return content


def check_export(content, table, rows, lay):
    """The workbook against the bare SQL's rows: the main sheet's enterprises (order, 已填写/未填写, column count),
    each group sheet's row count (one per block). Returns (main rows, group rows)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    try:
        names = wb.sheetnames
        expected_sheets = [table.short[:31], *[title for _, title, _, _ in lay["groups"]]]
        if names != expected_sheets:
            raise AssertionError(f"工作表 {names}，应为 {expected_sheets}")
        main = list(wb[names[0]].iter_rows(values_only=True))
        header, body = main[0], main[1:]
        if len(header) != len(lay["headers"]):
            raise AssertionError(f"主表 {len(header)} 列，基线 {len(lay['headers'])} 列")
        if len(body) != len(rows):
            raise AssertionError(f"主表 {len(body)} 行，裸 SQL {len(rows)} 行")
        got = [(r[1], r[4]) for r in body]
        want = [(r[1], "已填写" if r[5] is not None else "未填写") for r in rows]
        if got != want:
            first = next(i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b)
            raise AssertionError(f"主表第 {first + 2} 行 {got[first]}，裸 SQL {want[first]}")
        group_rows = 0
        for (key, title, _, _), sheet in zip(lay["groups"], names[1:], strict=False):
            have = sum(1 for _ in wb[sheet].iter_rows(min_row=2, values_only=True))
            blocks = sum(len((json.loads(r[5]) if isinstance(r[5], str) else r[5] or {}).get(key) or ()) for r in rows)
            if have != blocks:
                raise AssertionError(f"{title}：{have} 行，登记内容共 {blocks} 块")
            group_rows += have
        return len(body), group_rows
    finally:
        wb.close()


def time_export(bench, connection, label, client, path, table, prefix, budget):
    """One export scenario: recorded once (statements, check), then export, baseline, bare SQL and the view's data
    statements alternately. Returns the report row and the view's data statements."""
    lay = layout(table)
    sql, params = bare_statement(table, prefix)
    with Recorder(connection) as rec:
        t0 = time.perf_counter()
        content = get_export(client, path)
        first = time.perf_counter() - t0
    statements = rec.statements
    data = [(s, p) for s, p in statements if DATA_TABLES.search(s)
            and not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "UPDATE", "INSERT"))]
    rows = fetch(connection, sql, params)
    checked, note = None, None
    try:
        main_rows, group_rows = check_export(content, table, rows, lay)
        checked = True
    except AssertionError as error:
        checked, note = False, f"核对失败：{label}：{error}"
        log("  " + note)
        main_rows, group_rows = len(rows), -1
    base_first, base_bytes, cells = run_baseline(connection, table, sql, params, lay)
    repeat = max(3, min(bench.args.repeat, int(budget / (first + base_first + 0.001))))
    warmup = 2 if first < 0.5 else 1
    export_t, base_t, sql_t, app_t = [], [], [], []
    size = len(content)

    def run_app_sql():
        with connection.cursor() as cursor:
            for s, p in data:
                cursor.execute(s, p)
                cursor.fetchall()

    for i in range(warmup + repeat):
        t0 = time.perf_counter()
        content = get_export(client, path)
        export_s = time.perf_counter() - t0
        connection.ensure_connection()  # the request closed it (CONN_MAX_AGE 0 on SQLite): not the SQL's cost
        base_s, base_bytes, _ = run_baseline(connection, table, sql, params, lay)
        t0 = time.perf_counter()
        fetch(connection, sql, params)
        sql_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_app_sql()
        app_s = time.perf_counter() - t0
        if i >= warmup:
            export_t.append(export_s)
            base_t.append(base_s)
            sql_t.append(sql_s)
            app_t.append(app_s)
    median, base, bare, app = (statistics.median(t) for t in (export_t, base_t, sql_t, app_t))
    row = {
        "scenario": label, "path": path, "table": table.key, "n": repeat, "rows": main_rows, "group_rows": group_rows,
        "median_ms": ms(median), "p90_ms": ms(percentile(export_t, 0.9)), "baseline_median_ms": ms(base),
        "baseline_p90_ms": ms(percentile(base_t, 0.9)), "ratio": median / base if base else None,
        "sql_median_ms": ms(bare), "sql_ratio": median / bare if bare else None, "app_sql_median_ms": ms(app),
        "rows_per_s": main_rows / median if median else None, "bytes": size, "baseline_bytes": base_bytes,
        "cells": cells, "queries": len(statements), "data_queries": len(data), "checked": checked,
        "times_ms": [ms(t) for t in export_t],
    }
    log(f"  {label:<28} {ms(median):8.1f} ms  基线 {ms(base):8.1f} ms  {row['ratio']:5.1f}×  裸 SQL {ms(bare):7.1f} ms"
        f"  应用 SQL {ms(app):7.1f} ms  {main_rows:,} 行 + 组表 {group_rows:,} 行  {size / 1024:,.0f} KB  "
        f"{len(statements)} 次查询  重复 {repeat} 次")
    return row, data, note


def export_query(data):
    """The view's statement that reads the enterprises with their registration (the one to EXPLAIN)."""
    return next(((s, p) for s, p in data if "registrations_registration" in s), data[-1] if data else None)


def module_of(filename):
    for marker, name in (("worksafe/registrations/fields", "登记表引擎 fields.py"),
                         ("worksafe/registrations/export", "导出 export.py"),
                         ("worksafe/core/xlsx", "core/xlsx.py"), ("worksafe/archive", "archive"),
                         ("openpyxl", "openpyxl"), ("et_xmlfile", "et_xmlfile"), ("lxml", "lxml"),
                         ("xml/", "xml（标准库）"), ("zipfile", "zipfile"), ("django/db", "django.db"),
                         ("django/utils/timezone", "django 时区"), ("django", "django（其他）"),
                         ("psycopg", "psycopg"), ("sqlite3", "sqlite3"), ("json", "json")):
        if marker in filename:
            return name
    if filename == "~":
        return "内建函数"
    return "其他"


def breakdown(user, table):
    """One province export by hand, step by step, as the view does it, then the workbook profiled by module."""
    from django.db.models import JSONField, OuterRef, Subquery
    from django.test import RequestFactory

    from worksafe.archive.listing import filtered_enterprises
    from worksafe.registrations import export
    from worksafe.registrations.models import Registration

    request = RequestFactory().get("/")
    request.user = user

    def queryset():
        _, enterprises, _ = filtered_enterprises(request)
        own = Registration.objects.filter(enterprise=OuterRef("pk"), table=table.key)
        return enterprises.filter(industry_id__in=table.industries).annotate(
            registration_data=Subquery(own.values("data"), output_field=JSONField()),
            registration_updated=Subquery(own.values("updated_at")))

    steps = []
    t0 = time.perf_counter()
    enterprises = list(queryset().iterator(chunk_size=2000))
    steps.append(("ORM 取行（含 JSON 解析、模型实例）", time.perf_counter() - t0))
    t0 = time.perf_counter()
    wb = export.bulk_workbook(table, enterprises)
    steps.append(("bulk_workbook 逐行生成并写入", time.perf_counter() - t0))
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
    steps.append(("保存（关闭工作表、打包 zip）", time.perf_counter() - t0))
    total = sum(s for _, s in steps)
    text = (f"分解（{table.short}，省级，另跑一次，{len(enterprises):,} 行）：" + "；".join(f"{n} {ms(s):.0f} ms" for n, s in steps)
            + f"；合计 {ms(total):.0f} ms")

    profiler = cProfile.Profile()
    profiler.enable()
    wb = export.bulk_workbook(table, enterprises)
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
    profiler.disable()
    by_module = collections.Counter()
    for (filename, _, _), (_, _, tottime, _, _) in pstats.Stats(profiler).stats.items():
        by_module[module_of(filename)] += tottime
    whole = sum(by_module.values()) or 1
    top = [f"{name} {share / whole:.0%}" for name, share in by_module.most_common(6)]
    functions = sorted(((tt, f"{fn.split('/')[-1]}:{line} {name}") for (fn, line, name), (_, _, tt, _, _)
                        in pstats.Stats(profiler).stats.items()), reverse=True)[:6]
    text += ("；cProfile 下 bulk_workbook + 保存的自身时间按模块：" + "，".join(top)
             + "；最耗时的函数：" + "，".join(f"{name} {tt / whole:.0%}" for tt, name in functions))
    return text


# ---------------------------------------------------------------------------------------------------- archive page


def archive_scenario():
    """The archive page of an underground mine with a filled table: the one with the most group blocks in 金水区,
    else in 郑州, else in the province; checked for its name, the table's filled card and one stored value."""
    from django.urls import reverse

    from worksafe.archive.models import Enterprise
    from worksafe.core.scoping import region_q
    from worksafe.registrations import schema
    from worksafe.registrations.models import Registration

    table = schema.get("underground_mine")
    for level in reversed(LEVELS):
        label, key, prefix = level  # label and key name the scenario after the loop
        found = list(Registration.objects.filter(table=table.key, enterprise__in=Enterprise.objects.filter(region_q(prefix)))
                     .order_by("pk").values_list("enterprise_id", "data")[:200])
        if found:
            break
    else:
        return None, "没有井工矿登记表：跳过档案页"

    def blocks(data):
        return sum(len(g.rows(data)) for g in table.groups)

    pk, data = max(found, key=lambda r: (blocks(r[1]), -r[0]))
    e = Enterprise.objects.get(pk=pk)
    value = next((data[f.key] for f in table.fields if f.type == "text" and data.get(f.key)), None)
    xlsx = reverse("registrations:table_xlsx", args=[pk, table.key])

    def check(html):
        if e.name not in html:
            raise AssertionError(f"档案页没有企业名称 {e.name}")
        if f'href="{xlsx}"' not in html:
            raise AssertionError("档案页没有已填写的井工矿登记表（导出xlsx 链接）")
        if value and value not in html:
            raise AssertionError(f"档案页没有登记内容“{value}”")

    path = reverse("archive:enterprise_detail", args=[pk])
    return (Scenario(f"档案页 井工矿（{label}，{blocks(data)} 个组块）", key, path, check),
            f"档案页：{e.name}（{pk}，{e.region_id}），登记表 {len(data)} 项、{blocks(data)} 个组块")


# ---------------------------------------------------------------------------------------------------- child


def child(args):
    pages.setup(args)
    from django.db import connection
    from django.urls import reverse

    from bench.generate import generate
    from worksafe.archive.models import Enterprise
    from worksafe.registrations import schema
    from worksafe.registrations.models import Registration

    backend, existing = args.child, Enterprise.objects.count()
    generate_s, notes = 0.0, []
    if existing == 0:
        log(f"== {backend}: 生成 {args.enterprises:,} 家企业")
        gc.disable()  # as bench.pages.load: millions of small dicts without cycles
        try:
            t0 = time.perf_counter()
            enterprises_s = generate(args.enterprises, args.seed, log=log)
            log(f"== {backend}: 生成登记表")
            counts, make_s, save_s = make_registrations(args.seed)
            generate_s = time.perf_counter() - t0
        finally:
            gc.enable()
        notes.append(f"生成 {generate_s:.0f} s：企业及其子表 {enterprises_s:.0f} s；" + describe(counts, make_s, save_s))
        log("  " + notes[-1])
    elif existing != args.enterprises:
        raise SystemExit(f"数据库已有 {existing} 家企业，与 --enterprises {args.enterprises} 不符：去掉 --reuse 重新生成")
    elif Registration.objects.count() != expected_registrations():
        # A run that stopped while making the registrations: keep the enterprises, make the registrations again.
        log(f"== {backend}: 复用已有的 {existing:,} 家企业；登记表 {Registration.objects.count():,} 张不全，删除后重新生成")
        Registration.objects.all().delete()
        t0 = time.perf_counter()
        counts, make_s, save_s = make_registrations(args.seed)
        generate_s = time.perf_counter() - t0
        notes.append(f"复用已生成的企业；登记表生成 {generate_s:.0f} s：" + describe(counts, make_s, save_s))
        log("  " + notes[-1])
    else:
        log(f"== {backend}: 复用已有的 {existing:,} 家企业、{Registration.objects.count():,} 张登记表")
    visible = pages.analyze(backend, verify_registrations, notes)

    users = regulators()
    bench = Bench(args)
    exports, plans = [], []
    log(f"== {backend}: 批量导出（每个场景至多 {args.repeat} 次）")
    for key in EXPORT_TABLES:
        table = schema.get(key)
        path = reverse("registrations:table_bulk_export", args=[key])
        for label, user, prefix in LEVELS:
            row, data, note = time_export(bench, connection, f"{table.short} {label}", bench.client(users[user]), path,
                                          table, prefix, args.budget)
            exports.append(row)
            if note:
                notes.append(note)
            if user == "province":
                query = export_query(data)
                if query:
                    t0 = time.perf_counter()
                    plan = explain(connection, *query)
                    plans.append({"scenario": f"导出 {table.short} 省级：视图的查询", "ms": ms(time.perf_counter() - t0),
                                  "sql": inline(*query), "plan": plan})
                sql, params = bare_statement(table, prefix)
                t0 = time.perf_counter()
                plan = explain(connection, sql, params)
                plans.append({"scenario": f"导出 {table.short} 省级：裸 SQL", "ms": ms(time.perf_counter() - t0),
                              "sql": inline(sql, params), "plan": plan})
        log(f"== {backend}: 分解 {table.short} 省级")
        notes.append(breakdown(users["province"], table))
        log("  " + notes[-1])

    log(f"== {backend}: 档案页")
    scenario, note = archive_scenario()
    notes.append(note)
    if scenario:
        page_plans, page_notes = pages.bench_pages(bench, users, connection, [scenario], DATA_TABLES, args.budget)
        plans += page_plans
        notes += page_notes

    meta = {"enterprises": Enterprise.objects.count(), "registrations": Registration.objects.count(),
            "generate_s": generate_s, "all_visible": visible,
            "per_table": {t.key: Registration.objects.filter(table=t.key).count() for t in schema.tables()}}
    result = pages.finish(args, meta, ("registrations.Registration",), bench.results, notes, plans)
    # pages.finish writes meta, results, notes and plans; the exports go in beside them.
    from pathlib import Path

    report = json.loads(Path(args.result).read_text())
    report["exports"] = exports
    Path(args.result).write_text(json.dumps(report, ensure_ascii=False, default=str), encoding="utf-8")
    return result


if __name__ == "__main__":
    sys.exit(main())
