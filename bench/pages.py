"""What the province-scale page benchmarks (bench.risks, bench.hazards) share: each bench generates its own data and
names its own scenarios and checks; this module times the pages and writes the report.

A scenario (Scenario) is a page as one regulator asks for it, with a check written by hand. Each one gets one GET
recorded through an execute wrapper: every statement, and those reading the page's data (the enterprises and the
bench's own tables; `tables`). The page is checked once: a page that answers with an error is skipped with a note, a
failed check is noted and its row marked 核对 ✗, and the run goes on. Then page against bare SQL as bench.run measures
pages (bench.run.Bench.page: Django's test Client, DEBUG off, the recorded data statements re-run raw fetching every
row, alternately, the same number of times after a warm-up; --repeat times, fewer, at least 3, when a page would take
over --budget seconds), then each data statement alone; the slowest statement of the two slowest scenarios, and
every data statement of a scenario marked `explain`, is EXPLAINed (PostgreSQL: EXPLAIN ANALYZE, BUFFERS; SQLite:
EXPLAIN QUERY PLAN).

Also here: the options every such bench takes (parser), its parent (main: one child process per backend through
bench.run.run_backend, then bench/out/<name>.md and <name>.json), the child's steps around the bench's own (setup,
load with the bench's tables' indexes deferred, analyze and the bench's check of the summaries the app keeps,
finish: the result file) and the report (markdown).
"""
import argparse
import datetime
import gc
import importlib
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path

from bench.run import OUT, log, ms, run_backends

# ---------------------------------------------------------------------------------------------------- parent


# --tiny (bench.run.parse): the options of parser() for a run that only checks the bench works; 100 enterprises hold
# every kind the benches look for (bench.registrations: an underground mine with a filled table, for seed 2020).
TINY = {"enterprises": 100, "repeat": 1}


def parser(name, description):
    """The options every page bench takes (`name`: the bench's module in bench/); the bench adds its own, then
    parses with bench.run.parse (--tiny: TINY and its own small values)."""
    p = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=description)
    p.add_argument("--enterprises", type=int, default=300_000, help="生成的企业数（默认 300000）")
    p.add_argument("--backends", default="sqlite,postgres", help="逗号分隔：sqlite,postgres")
    p.add_argument("--repeat", type=int, default=30, help="每个场景重复次数（默认 30）")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--reuse", action="store_true", help=f"保留并复用 bench/out/{name}.sqlite3（已有数据时跳过生成）")
    p.add_argument("--budget", type=float, default=120, help="每个场景计时的大致秒数上限：页面很慢时少重复几次（至少 3 次）")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    return p


def main(args, name, argv, title, footnote):
    """The parent: every backend of args.backends in a child process of its own (`python -m bench.<name> --child`
    with the options of parser() and `argv`, the bench's own), then bench/out/<name>.md and <name>.json."""
    OUT.mkdir(parents=True, exist_ok=True)
    argv = ["--enterprises", str(args.enterprises), "--repeat", str(args.repeat), "--seed", str(args.seed),
            "--budget", str(args.budget), *argv]
    return run_backends(args, f"bench.{name}", name, argv, lambda reports: markdown(reports, title, footnote))


def legend(tables, checks):
    """The report's footnote: `tables`, the bench's tables the bare SQL reads; `checks`, what the checks compare."""
    return (f"倍数 = 页面中位数 / 裸 SQL 中位数；裸 SQL = 视图读取企业表和{tables}的那些语句（记录一次，原样重跑并取回全部行）；"
            "查询数 = 页面的全部查询（其中读数据的）；最慢语句 = 裸 SQL 中单独计时最慢的一条（3 次中位数）；"
            f"核对 = 页面与本基准手工计数（{checks}）一致。")


def markdown(reports, title, footnote):
    """Per backend a heading (`title`: a format string over the report's meta), the machine, the table of the
    scenarios, the notes and the EXPLAINs; `footnote` last."""

    def number(value, form="{:.1f}"):
        return form.format(value) if value is not None else "—"

    lines = []
    for report in reports:
        meta = report["meta"]
        lines.append("### " + title.format(**meta))
        lines.append("")
        lines.append(f"{meta['engine']}；" + (f"生成 {meta['generate_s']:.0f} s" if meta["generate_s"] else "复用已生成的数据")
                     + f"；{meta['rows']}；重复 {meta['repeat']} 次；{meta['machine']}；结束时负载 {meta['load']}")
        lines.append("")
        if report["results"]:
            lines.append("| 数据库 | 场景 | 中位数 ms | P90 ms | 裸 SQL 中位数 ms | 裸 SQL P90 ms | 倍数 | 查询数（数据） | 最慢语句 ms | 核对 |")
            lines.append("|---|---|--:|--:|--:|--:|--:|--:|--:|:-:|")
        for r in report["results"]:
            queries = f"{r['queries']}（{r['data_queries']}）" if r.get("data_queries") is not None else (r.get("queries") or "—")
            checked = {True: "✓", False: "✗"}.get(r.get("checked"), "—")
            lines.append(f"| {meta['backend']} | {r['scenario']} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} | "
                         f"{number(r.get('bare_median_ms'))} | {number(r.get('bare_p90_ms'))} | "
                         f"{number(r.get('ratio'), '{:.1f}×')} | {queries} | {number(r.get('slowest_ms'))} | {checked} |")
        for note in report.get("notes", []):
            lines.append(f"\n- {note}")
        for plan in report.get("plans", []):
            lines.append(f"\n#### {meta['backend']}：{plan['scenario']} {plan.get('what', '最慢的语句')}（{plan['ms']:.1f} ms）\n")
            lines.append("```sql\n" + plan["sql"] + "\n```\n")
            lines.append("```\n" + plan["plan"] + "\n```")
        lines.append("")
    lines.append(footnote)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------- child


def setup(args):
    """The child's start: Django set up (the backend's settings come in the environment, DEBUG off), the schema
    migrated."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worksafe.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    assert not settings.DEBUG, "基准测试须关闭 DEBUG"
    log(f"== {args.child}: 迁移")
    call_command("migrate", interactive=False, verbosity=0)


def load(args, extra):
    """bench.generate's args.enterprises enterprises (args.seed) with `extra`'s rows, the indexes and constraints of
    extra.models' tables deferred (deferred_indexes). Returns the seconds of the whole load and of the rebuild."""
    from django.db import connection

    from bench.generate import generate

    gc.disable()  # millions of small dicts without cycles: the collector would only walk them again and again
    try:
        t0 = time.perf_counter()
        with deferred_indexes(connection, [m._meta.db_table for m in extra.models]) as deferred:
            generate(args.enterprises, args.seed, log=log, extra=extra)
        return time.perf_counter() - t0, deferred.seconds
    finally:
        gc.enable()


def analyze(backend, verify, notes):
    """ANALYZE, then `verify()` (the bench's check of the summaries the app keeps, returning what it checked); both
    go to `notes`. Returns the share of the enterprise table's pages that are all-visible."""
    from bench import generate

    t0 = time.perf_counter()
    visible = generate.analyze()
    notes.append(f"ANALYZE {time.perf_counter() - t0:.0f} s")
    log(f"== {backend}: {notes[-1]}，企业表全可见页 {visible:.0%}")
    t0 = time.perf_counter()
    notes.append(verify() + f"（{time.perf_counter() - t0:.1f} s）")
    log("  " + notes[-1])
    return visible


def finish(args, meta, labels, results, notes, plans):
    """Write the child's report to args.result: `meta` (the bench's own) with the database's engine and size, the
    rows of the models `labels`, the repeat count, the load and the machine; the results, notes and EXPLAINs."""
    import django
    from django.apps import apps
    from django.db import connection

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
    counts = [f"{model._meta.verbose_name} {model.objects.count():,}" for model in map(apps.get_model, labels)]
    counts.append(f"数据库 {size / 2**30:.2f} GB")
    meta = {
        "backend": args.child, "engine": engine, **meta, "repeat": args.repeat, "rows": "，".join(counts),
        "load": "，".join(f"{x:.1f}" for x in os.getloadavg()),
        "machine": f"Python {platform.python_version()}，Django {django.get_version()}，{os.cpu_count()} CPU",
    }
    Path(args.result).write_text(json.dumps({"meta": meta, "results": results, "notes": notes, "plans": plans},
                                            ensure_ascii=False, default=str), encoding="utf-8")
    return 0


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


# ---------------------------------------------------------------------------------------------------- scenarios


class Scenario:
    """A page to time: `label` in the report, the regulator `user` (a key of bench.run.regulators()), `path`,
    `check(html)` raising AssertionError when the page disagrees with the bench's own count, whether the page is
    an htmx request (a part a page loads by itself: the client sends HX-Request), and whether every data statement
    of the page is EXPLAINed in the report whatever its time (`explain`: a plan to watch, such as a park's join)."""

    def __init__(self, label, user, path, check=None, htmx=False, explain=False):
        self.label, self.user, self.path, self.check, self.htmx, self.explain = label, user, path, check, htmx, explain


def shown(html, n):
    """Whether the page shows the number `n` (as 12345 or 12,345)."""
    return re.search(rf"(?<![\d,]){n}(?![\d,])", html) is not None or f"{n:,}" in html


def count_limit(app):
    """How many rows `app`'s regulator lists (worksafe.<app>.views_scope) count up to (core.listing.COUNT_LIMIT;
    None: exactly)."""
    try:
        importlib.import_module(f"worksafe.{app}.views_scope")
    except ImportError:
        return None
    from worksafe.core.listing import COUNT_LIMIT

    return COUNT_LIMIT


def scope_sql(prefix, park=None):
    """The WHERE clause and parameters of the enterprises `e` in the region `prefix`, for the checks' own SQL; with
    `park` (an organisation's pk: a park by membership), only its members (as core.scoping.organization_q)."""
    low, high = prefix, str(int(prefix) + 1).zfill(len(prefix))
    if park is None:
        return "e.region_id >= %s AND e.region_id < %s", [low, high]
    return ("e.region_id >= %s AND e.region_id < %s AND e.id IN (SELECT m.enterprise_id FROM archive_parkmember m"
            " WHERE m.park_id = %s)", [low, high, park])


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


def record(client, path, connection, tables):
    """All statements of one GET of `path`, those reading the page's data (a table `tables` matches: a compiled
    regex), and the page."""
    with Recorder(connection) as rec:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} → HTTP {response.status_code}")
    data = [(sql, params) for sql, params in rec.statements
            if tables.search(sql) and not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "UPDATE", "INSERT"))]
    return rec.statements, data, response.content.decode()


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


PLACEHOLDER = re.compile(r"%[s%]")


def literal(value):
    """`value` as SQL, for the report: strings, dates and times quoted."""
    if value is None:
        return "NULL"
    if isinstance(value, (str, datetime.date, datetime.time)):  # a datetime is a date
        return "'" + str(value).replace("'", "''") + "'"
    return str(value)


def inline(sql, params):
    """The statement with its parameters written in, for the report (as it was sent when they do not fit)."""
    if not params or sum(m.group() == "%s" for m in PLACEHOLDER.finditer(sql)) != len(params):
        return sql
    values = iter(params)
    return PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else literal(next(values)), sql)


def bench_pages(bench, users, connection, scenarios, tables, budget):
    """Every scenario: one recorded GET (statements, query count, check), then page against bare SQL, alternately,
    --repeat times or as often as `budget` seconds allow (at least 3), then each statement alone. `users`: the
    regulators by key; `tables`: the regex of the tables whose statements are the page's data. Returns the EXPLAINs
    of the two slowest scenarios' slowest statements and of every data statement of the scenarios marked `explain`,
    and the notes (pages that failed, failed checks)."""
    plans, statements, notes, watched = [], {}, [], []
    for s in scenarios:
        client = bench.client(users[s.user])
        if s.htmx:
            client.defaults["HTTP_HX_REQUEST"] = "true"
        t0 = time.perf_counter()
        try:
            everything, data, html = record(client, s.path, connection, tables)
        except Exception as error:  # noqa: BLE001 - a page still being built: the rest of the run stays useful
            notes.append(f"{s.label}：{type(error).__name__}: {str(error)[:200]}，跳过")
            log("  " + notes[-1])
            continue
        first = time.perf_counter() - t0
        checked = None
        if s.check:
            try:
                s.check(html)
                checked = True
            except AssertionError as error:
                checked = False
                notes.append(f"核对失败：{error}")
                log("  " + notes[-1])
        repeat = max(3, min(bench.args.repeat, int(budget / (2 * first))))
        bench.page(s.label, client, [s.path], lambda _i, data=data: data, None, target=None, repeat=repeat,
                   warmup=3 if first < 0.5 else 1, queries=len(everything))
        timed = time_statements(connection, data, runs=3 if first < 2 else 1)
        row = bench.results[-1]
        row["path"], row["data_queries"], row["checked"] = s.path, len(data), checked
        row["slowest_ms"] = timed[0][0] if timed else None
        row["statements"] = [{"ms": t, "sql": inline(sql, params)} for t, sql, params in timed]
        statements[s.label] = timed
        if s.explain:
            watched.append(s.label)
        log(f"    数据查询 {len(data)}/{len(everything)}；最慢 {row['slowest_ms'] or 0:.1f} ms；重复 {repeat} 次")
    slowest = [row["scenario"] for row in sorted(bench.results, key=lambda r: -(r["slowest_ms"] or 0))[:2]]
    for label in slowest + [label for label in watched if label not in slowest]:
        for k, (t, sql, params) in enumerate(statements[label][: None if label in watched else 1]):
            plans.append({"scenario": label, "what": "最慢的语句" if k == 0 else f"第 {k + 1} 慢的语句", "ms": t,
                          "sql": inline(sql, params), "plan": explain(connection, sql, params)})
    return plans, notes
