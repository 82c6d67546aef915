"""Benchmark of the regulator's home page (core.views.home: 待办 and the tiles) at province scale, against the bare SQL
of its counts, in one run, SQLite and PostgreSQL.

Data: exactly bench.hazards' (the enterprises of bench/generate.py, about --hazards-per-enterprise hazards each with
their yearly summaries, reporting duties): the home page's heavy counts are the jurisdiction's enterprises by risk
grade, its open, overdue, open major and supervised hazards, its reporting rate, and the 待办 counts (archives to
review, 随手拍, major hazards to review and accept, subscriptions, overdue rectifications). Accident reports, public
reports and subscriptions are not generated: their counts read empty index ranges. Before timing, a snapshot dated 7
days ago is stored for the three regulators' organisations (core.home.snapshot, timed: the nightly command's work for
them), so the page also reads and compares it as it does in production.

Measured by bench.pages as bench.hazards measures pages: the home page as the province, a city (郑州) and a county
(金水区) regulator, each against the statements the page sends that read the data (enterprises, hazards, reporting
duties, accident reports, subscriptions, public reports, snapshots), recorded once and re-run raw, alternately the
same number of times; the ratio is page / bare SQL. Each page is checked once against counts written here by hand:
the jurisdiction's enterprises, open and overdue hazards as the tiles show them, and the change of each against the
stored snapshot ("±0": nothing changed in between).

    python -m bench.home                                   # 300,000 enterprises × 10 hazards, both databases
    python -m bench.home --enterprises 20000 --backends sqlite --repeat 5
    python -m bench.home --reuse                           # keep bench/out/home.sqlite3 between runs

Results go to bench/out/home.md and bench/out/home.json.
"""
import datetime
import re
import sys
import time

from bench import hazards, pages
from bench.pages import Scenario, scope_sql
from bench.run import Bench, log, regulators

# The statements that read the page's data (the rest: session, user, organisation and its industries).
DATA_TABLES = re.compile(r'\b"?(archive_enterprise|hazards_\w+|incidents_\w+|dataapi_\w+|core_tilesnapshot)"?\b')
TILE = r'data-tile="{}">.*?data-value>([^<]*)<.*?data-change>([^<]*)<'


def parse_args(argv=None):
    return hazards.hazard_args("home", "省级规模性能基准：监管首页（待办与指标卡片）", argv)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    return hazards.run_pages(args, "home", pages.legend("隐患、查报、事故快报、订阅、举报和快照表",
                                                        "企业总数、未整改和已超期隐患及其较7天前的变化"))


def count_enterprises(prefix):
    from django.db import connection

    where, params = scope_sql(prefix)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM archive_enterprise e WHERE {where}", params)
        return cursor.fetchone()[0]


def tile_check(prefix):
    """The tiles show the jurisdiction's enterprises, open and overdue hazards (counted here on the hazard table
    itself, not from the yearly summaries the page reads), each unchanged against the snapshot stored before."""
    wanted = {"enterprises.total": count_enterprises(prefix), "hazards.open": hazards.count_open(prefix),
              "hazards.overdue": hazards.count_open(prefix, due="overdue")}

    def check(html):
        for key, n in wanted.items():
            found = re.search(TILE.format(re.escape(key)), html, re.S)
            if not found:
                raise AssertionError(f"首页 {prefix}：没有指标卡片 {key}")
            value, change = found.group(1).replace(",", ""), found.group(2)
            if value != str(n):
                raise AssertionError(f"首页 {prefix}：{key} 显示 {value}，手工计数 {n}")
            if change != "±0":
                raise AssertionError(f"首页 {prefix}：{key} 较7天前显示 {change}，快照之后数据未变，应为 ±0")

    return check


def scenarios():
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("home")
    except NoReverseMatch:
        return [], ["home 尚不存在：跳过全部场景"]
    cases = (("省级", "province", "41"), ("市级", "city", "4101"), ("县级", "county", "410105"))
    return [Scenario(f"监管首页 {label}", key, url, tile_check(prefix)) for label, key, prefix in cases], []


def snapshot_week_ago(users, notes):
    """A snapshot dated 7 days ago for the regulators' organisations (what the nightly command stores for each)."""
    from django.utils import timezone

    from worksafe.core import home

    day = timezone.localdate() - datetime.timedelta(days=7)
    for key, user in users.items():
        t0 = time.perf_counter()
        n = home.snapshot(user.organization, day)
        notes.append(f"快照 {key}（{user.organization.name}）：{n} 项指标，{time.perf_counter() - t0:.2f} s")
        log("  " + notes[-1])


def child(args):
    pages.setup(args)
    from django.db import connection

    from worksafe.archive.models import Enterprise
    from worksafe.hazards.models import Hazard

    backend, existing = args.child, Enterprise.objects.count()
    generate_s, notes = hazards.prepare(args, backend, existing)
    visible = pages.analyze(backend, hazards.verify_summary, notes)

    users = regulators()
    snapshot_week_ago(users, notes)
    found, skipped = scenarios()
    log(f"== {backend}: 页面（每个场景 {args.repeat} 次）")
    bench = Bench(args)
    plans, page_notes = pages.bench_pages(bench, users, connection, found, DATA_TABLES, args.budget)
    notes += skipped + page_notes

    meta = {"enterprises": Enterprise.objects.count(), "hazards": Hazard.objects.count(), "generate_s": generate_s,
            "all_visible": visible}
    return pages.finish(args, meta, ("hazards.Hazard", "hazards.HazardYear", "hazards.ReportingDuty", "core.TileSnapshot"),
                        bench.results, notes, plans)


if __name__ == "__main__":
    sys.exit(main())
