"""Benchmarks at province scale: the enterprise list, the archive page and the xlsx import, on SQLite and PostgreSQL.

Each backend gets a fresh database (SQLite: bench/out/bench.sqlite3; PostgreSQL: a throwaway server from
tests/pgserver.py), migrated and filled by bench/generate.py, then ANALYZEd. Pages are requested through Django's
test Client with DEBUG off, as a province, a city, a county and a park regulator (a park without a region code of its
own on 金水区, whose jurisdiction is its ~60 member enterprises: regulators); each page is timed against the bare SQL
that returns the same rows (for the list: the page's rows and the COUNT the paginator needs; for the archive: the
enterprise and its child rows), run alternately with the page in the same process, the same number of times.
The import posts an xlsx of 10,000 new enterprises to the import view and is timed against a raw executemany
INSERT of the same rows.

    python -m bench.run                                   # 300,000 enterprises, SQLite and PostgreSQL, 30 runs
    python -m bench.run --enterprises 20000 --backends sqlite --repeat 10
    python -m bench.run --reuse                           # keep the SQLite file between runs (skips generation)

Every backend runs in its own child process (settings are read once per process); results go to
bench/out/results.md and bench/out/results.json.

Every bench module (bench.run, .risks, .hazards, .registrations, .api, .placards) takes --tiny (parse): the fewest
enterprises at which each of its scenarios has data, one repetition, to check in seconds that it still runs end to
end; tests/bench runs each so in the test suite. WORKSAFE_BENCH_OUT=DIR puts databases and reports in DIR instead of
bench/out, so such a run leaves the real results alone.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("WORKSAFE_BENCH_OUT") or ROOT / "bench" / "out")  # tests/bench: a temporary directory
PAGE_TARGET_MS, PAGE_TARGET_RATIO, IMPORT_TARGET_S = 100, 3, 30
PER_PAGE = 20


# ---------------------------------------------------------------------------------------------------- parent


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.run", description="省级规模性能基准：企业列表、档案页、导入")
    p.add_argument("--enterprises", type=int, default=300_000, help="生成的企业数（默认 300000）")
    p.add_argument("--backends", default="sqlite,postgres", help="逗号分隔：sqlite,postgres")
    p.add_argument("--repeat", type=int, default=30, help="每个场景重复次数（默认 30）")
    p.add_argument("--import-rows", type=int, default=10_000, help="导入的行数（默认 10000）")
    p.add_argument("--import-repeat", type=int, default=3, help="导入重复次数（默认 3）")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--reuse", action="store_true", help="保留并复用 bench/out/bench.sqlite3（已有数据时跳过生成）")
    p.add_argument("--skip-import", action="store_true", help="不测导入")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    # 金水区 needs a second list page (its check compares page 2 with the bare SQL's): about 3,000 enterprises.
    return parse(p, argv, tiny={"enterprises": 3000, "repeat": 1, "import_rows": 20, "import_repeat": 1})


def parse(parser, argv, tiny):
    """`parser`'s options from `argv`, with --tiny: the values of `tiny` become the defaults (an option given
    still wins). A tiny run checks in seconds that the bench works end to end; its figures mean nothing."""
    parser.add_argument("--tiny", action="store_true", help="极小规模（几十到几千家企业、重复 1 次）：只验证基准能跑通，数字无意义")
    if parser.parse_known_args(argv)[0].tiny:
        parser.set_defaults(**tiny)
    return parser.parse_args(argv)


def child_env(backend, url):
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "worksafe.settings",
        "WORKSAFE_DATABASE_URL": url,
        "WORKSAFE_DATA_DIR": str(OUT / "data"),
        "WORKSAFE_DEBUG": "0",
        "WORKSAFE_ALLOWED_HOSTS": "testserver,localhost",
        "WORKSAFE_LOG_LEVEL": "ERROR",
    })
    return env


def create_database(server, name="worksafe"):
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=server.port, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def child_argv(args):
    """bench.run's options, as its child process gets them."""
    argv = ["--enterprises", str(args.enterprises), "--repeat", str(args.repeat), "--seed", str(args.seed),
            "--import-rows", str(args.import_rows), "--import-repeat", str(args.import_repeat)]
    return argv + (["--skip-import"] if args.skip_import else [])


def run_backends(args, module, name, argv, markdown):
    """Run `module` once per backend of --backends, each in its child process (run_backend); write the report to
    bench/out/<name>.md and .json and print it."""
    reports = [run_backend(b.strip(), args, module=module, name=name, argv=argv) for b in args.backends.split(",") if b.strip()]
    text = markdown(reports)
    (OUT / f"{name}.md").write_text(text, encoding="utf-8")
    (OUT / f"{name}.json").write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(text)
    return 0


def number(value, form="{:.1f}"):
    return form.format(value) if value is not None else "—"


def run_backend(backend, args, module="bench.run", name="results", argv=None):
    """Run `module`'s child for `backend` in a process of its own and return the report it wrote.

    The database: SQLite bench/out/bench.sqlite3 (<name>.sqlite3 for another `name`), deleted first unless
    args.reuse; PostgreSQL a throwaway server. The child gets `--child backend --result <name>-<backend>.json`
    and `argv` (default: bench.run's options).
    """
    result = OUT / f"{name}-{backend}.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", module, "--child", backend, "--result", str(result),
           *(child_argv(args) if argv is None else argv)]
    server = None
    if backend == "sqlite":
        db = OUT / ("bench.sqlite3" if name == "results" else f"{name}.sqlite3")
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    elif backend == "postgres":
        sys.path.insert(0, str(ROOT))
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
        create_database(server)
        url = server.url
    else:
        raise SystemExit(f"未知数据库：{backend}（可选 sqlite, postgres）")
    try:
        subprocess.run(cmd, env=child_env(backend, url), cwd=ROOT, check=True)
    finally:
        if server is not None:
            server.stop()
    return json.loads(result.read_text())


def markdown(reports):
    lines = []
    for report in reports:
        meta = report["meta"]
        lines.append(f"### {meta['backend']} · {meta['enterprises']:,} 家企业")
        lines.append("")
        lines.append(f"{meta['engine']}；" + (f"生成 {meta['generate_s']:.0f} s" if meta['generate_s'] else "复用已生成的数据") + "；"
                     f"{meta['rows']}；重复 {meta['repeat']} 次；"
                     f"{meta['machine']}；结束时负载 {meta.get('load', '?')}")
        lines.append("")
        lines.append("| 数据库 | 场景 | 中位数 ms | P95 ms | 裸 SQL 中位数 ms | 倍数 | 查询数 | 目标 |")
        lines.append("|---|---|--:|--:|--:|--:|--:|:-:|")
        for r in report["results"]:
            bare = f"{r['bare_median_ms']:.1f}" if r.get("bare_median_ms") is not None else "—"
            ratio = f"{r['ratio']:.1f}×" if r.get("ratio") is not None else "—"
            queries = r["queries"] if r.get("queries") is not None else "—"
            verdict = {True: "✓", False: "✗", None: ""}[r.get("ok")]
            lines.append(f"| {meta['backend']} | {r['scenario']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {bare} | "
                         f"{ratio} | {queries} | {verdict} |")
        for note in report.get("notes", []):
            lines.append(f"\n- {note}")
        lines.append("")
    lines.append(f"目标：列表和档案页中位数 < {PAGE_TARGET_MS} ms 且不超过裸 SQL 的 {PAGE_TARGET_RATIO} 倍；"
                 f"导入 {10_000:,} 行 < {IMPORT_TARGET_S} s。")
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    reports = [run_backend(b.strip(), args) for b in args.backends.split(",") if b.strip()]
    text = markdown(reports)
    (OUT / "results.md").write_text(text, encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(text)
    return 0


# ---------------------------------------------------------------------------------------------------- child


def log(*parts):
    print(*parts, flush=True)


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(seconds):
    return seconds * 1000


def logged_in(user):
    """A test client logged in as `user`, checked to be let through to a page. A bench account that the account gate
    (core.middleware.gate: the second factor regulator administrators need, a password to change) stops would
    otherwise time its redirects, or have every page skipped with a note: the run stops here instead."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("core:profile"))
    if response.status_code != 200:
        raise SystemExit(f"基准账号 {user.username} 登录后打开个人设置页得到 HTTP {response.status_code}"
                         f"（{response.get('Location', '')}）：基准账号须为演示账号（is_demo），免双因素认证和改密码")
    return client


class Bench:
    def __init__(self, args):
        from django.db import connection

        self.args = args
        self.connection = connection
        self.results = []
        self.notes = []

    def client(self, user):
        return logged_in(user)

    def bare(self, statements):
        """Run raw SQL statements [(sql, params)], fetching every row, as a DBA would to get the same data."""
        rows = []
        with self.connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                rows.append(cursor.fetchall())
        return rows

    def count_queries(self, fn):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(self.connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    def page(self, name, client, paths, bare, check=None, target="page", repeat=None, warmup=3, queries=None):
        """Time GET `paths` (cycled) against `bare(i)`, alternating, `repeat` times (default --repeat) after `warmup`
        rounds; `queries`: the page's query count when the caller has it (else one more GET counts them)."""
        repeat = repeat or self.args.repeat

        def get(i):
            response = client.get(paths[i % len(paths)])
            if response.status_code != 200:
                raise RuntimeError(f"{name}: {paths[i % len(paths)]} → HTTP {response.status_code}")
            return response

        def run_bare(i):
            return self.bare(bare(i % len(paths)))

        for i in range(warmup):
            get(i)
            self.connection.ensure_connection()
            run_bare(i)
        if check:
            for i in range(len(paths)):
                check(get(i).content.decode(), run_bare(i), i)
        page_t, bare_t = [], []
        for i in range(repeat):
            t0 = time.perf_counter()
            get(i)
            page_t.append(time.perf_counter() - t0)
            self.connection.ensure_connection()  # the request closed it (CONN_MAX_AGE 0 on SQLite): not the SQL's cost
            t0 = time.perf_counter()
            run_bare(i)
            bare_t.append(time.perf_counter() - t0)
        if queries is None:
            queries = self.count_queries(lambda: get(0))
        self.add(name, page_t, bare_t, queries, target=target)

    def floor(self, path, client):
        """A small authenticated page, for scale: what every request costs before any archive data."""
        times = []
        for _ in range(self.args.repeat + 3):
            t0 = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"{path} → HTTP {response.status_code}")
        self.add("参照：个人设置页（最小登录页面）", times[3:], queries=self.count_queries(lambda: client.get(path)))

    def add(self, name, times, bare_times=None, queries=None, target=None):
        median = statistics.median(times)
        bare = statistics.median(bare_times) if bare_times else None
        ratio = median / bare if bare else None
        if target == "page":
            ok = ms(median) < PAGE_TARGET_MS and ratio <= PAGE_TARGET_RATIO
        elif target == "import":
            ok = median < IMPORT_TARGET_S
        else:
            ok = None
        row = {"scenario": name, "n": len(times), "median_ms": ms(median), "p95_ms": ms(percentile(times, 0.95)),
               "bare_median_ms": ms(bare) if bare is not None else None, "ratio": ratio, "queries": queries, "ok": ok,
               "p90_ms": ms(percentile(times, 0.9)),
               "bare_p90_ms": ms(percentile(bare_times, 0.9)) if bare_times else None}
        self.results.append(row)
        bare_text = f"  裸 SQL {ms(bare):8.1f} ms  {ratio:5.1f}×" if bare else ""
        log(f"  {name:<34} {ms(median):8.1f} ms  p95 {row['p95_ms']:8.1f} ms{bare_text}"
            + (f"  {queries} 次查询" if queries is not None else ""))


# The list page's rows and count, written by hand: same WHERE, ORDER BY and LIMIT as the ORM's query.
LIST_SQL = (
    "SELECT e.id, e.name, e.uscc, r.name, i.name, e.competent_department, e.staff_count, e.has_major_hazard_source,"
    " e.review_state, e.updated_at FROM archive_enterprise e"
    " JOIN core_region r ON r.code = e.region_id JOIN core_industry i ON i.code = e.industry_id"
    " WHERE {where} ORDER BY e.region_id, e.name, e.id LIMIT %s OFFSET %s"
)
COUNT_SQL = "SELECT COUNT(*) FROM archive_enterprise e WHERE {where}"
# A deep page as one would write it by hand: the ids from the index first, then those rows (a deferred join).
DEEP_SQL = (
    "SELECT e.id, e.name, e.uscc, r.name, i.name, e.competent_department, e.staff_count, e.has_major_hazard_source,"
    " e.review_state, e.updated_at FROM archive_enterprise e"
    " JOIN core_region r ON r.code = e.region_id JOIN core_industry i ON i.code = e.industry_id"
    " WHERE e.id IN (SELECT e.id FROM archive_enterprise e WHERE {where}"
    " ORDER BY e.region_id, e.name, e.id LIMIT %s OFFSET %s) ORDER BY e.region_id, e.name, e.id"
)
DEEP_FROM = 1000  # as worksafe.core.listing.Paginator.deferred_from (keyword searches: always, by_id)


def list_bare(where, params, page, by_id=False):
    """Statements for one list page: the COUNT the paginator needs, then the page's rows (ids first for deep pages
    and keyword searches, as a DBA would write it to keep PostgreSQL's planner off bad join orders)."""
    offset = (page - 1) * PER_PAGE
    rows_sql = DEEP_SQL if by_id or offset >= DEEP_FROM else LIST_SQL

    def statements(_):
        return [(COUNT_SQL.format(where=where), params),
                (rows_sql.format(where=where), [*params, PER_PAGE, offset])]

    return statements


def region_where(prefix):
    low, high = prefix, str(int(prefix) + 1).zfill(len(prefix))
    return "e.region_id >= %s AND e.region_id < %s", [low, high]


def keyword_where(vendor, word):
    """Name contains `word` (ignoring case when it has any), or, for a keyword that could begin a code (stored in
    capitals), the USCC starts with it."""
    cased = word.lower() != word.upper()
    like = "ILIKE" if vendor == "postgresql" and cased else "LIKE"  # SQLite's LIKE ignores ASCII case already
    if word.isascii() and word.isalnum():
        return f"(e.name {like} %s OR e.uscc LIKE %s)", [f"%{word}%", f"{word.upper()}%"]
    return f"e.name {like} %s", [f"%{word}%"]


def check_list(name):
    """The page shows the rows the bare SQL returns, in the same order, and the same total."""

    def check(html, rows, i):
        count, page_rows = rows[0][0][0], rows[1]
        shown = [int(pk) for pk in re.findall(r'name="pk" value="(\d+)"', html)]
        expected = [row[0] for row in page_rows]
        if shown != expected:
            raise AssertionError(f"{name}: 页面行 {shown[:5]}… 与裸 SQL {expected[:5]}… 不一致")
        if count > PER_PAGE and f"共 {count} 条" not in html:
            raise AssertionError(f"{name}: 页面没有显示总数 {count}")

    return check


DETAIL_SQL = [
    # The enterprise (in the user's reach), its industry and region with their parents.
    ("SELECT e.*, i.name, ip.name, r.name, rp.name FROM archive_enterprise e"
     " JOIN core_industry i ON i.code = e.industry_id LEFT JOIN core_industry ip ON ip.code = i.parent_id"
     " JOIN core_region r ON r.code = e.region_id LEFT JOIN core_region rp ON rp.code = r.parent_id"
     " WHERE e.id = %s AND e.region_id >= %s AND e.region_id < %s", "scoped"),
    ("SELECT s.*, i.name FROM archive_secondaryunit s JOIN core_industry i ON i.code = s.industry_id"
     " WHERE s.enterprise_id = %s ORDER BY s.name", "pk"),
    ("SELECT k.*, c.name FROM archive_keysupervisionitem k JOIN core_accidentcategory c ON c.code = k.accident_category_id"
     " WHERE k.enterprise_id = %s ORDER BY k.seq, k.id", "pk"),
    ("SELECT * FROM archive_archivereview WHERE enterprise_id = %s ORDER BY time DESC, id DESC LIMIT 20", "pk"),
    ("SELECT COUNT(*) FROM core_changerecord WHERE enterprise_id = %s", "pk"),
    ("SELECT c.*, t.app_label, t.model FROM core_changerecord c JOIN django_content_type t ON t.id = c.content_type_id"
     " WHERE c.enterprise_id = %s ORDER BY c.time DESC, c.id DESC LIMIT 20", "pk"),
    ("SELECT * FROM core_user WHERE enterprise_id = %s AND role = 'enterprise_admin' ORDER BY id LIMIT 1", "pk"),
]


def detail_bare(pks, prefix):
    low, high = prefix, str(int(prefix) + 1).zfill(len(prefix))

    def statements(i):
        pk = pks[i]
        return [(sql, [pk, low, high] if kind == "scoped" else [pk]) for sql, kind in DETAIL_SQL]

    return statements


def check_detail(names):
    def check(html, rows, i):
        if not rows[0] or names[i] not in html:
            raise AssertionError(f"档案页没有显示 {names[i]}")

    return check


def stats_bare(scope):
    """The statistics page's three GROUP BY queries: region × industry, × size band, × review state; `scope`: a
    region's prefix, or a WHERE clause and its parameters (park_where)."""
    where, params = region_where(scope) if isinstance(scope, str) else scope
    bands = ", ".join(f"COUNT(staff_count) FILTER (WHERE {c})" for c in (
        "staff_count < 10", "staff_count >= 10 AND staff_count < 20", "staff_count >= 20 AND staff_count < 101",
        "staff_count >= 101 AND staff_count < 300", "staff_count >= 300 AND staff_count < 1000", "staff_count >= 1000"))
    grouped = "SELECT e.region_id, e.{0}, COUNT(*) FROM archive_enterprise e WHERE {1} GROUP BY e.region_id, e.{0}"

    def statements(_):
        return [(grouped.format("industry_id", where), params),
                (f"SELECT e.region_id, {bands} FROM archive_enterprise e WHERE {where} GROUP BY e.region_id", params),
                (grouped.format("review_state", where), params)]

    return statements


PARK_NAME, PARK_MEMBERS = "金水区化工园区管委会（基准）", 60


def regulators():
    """A province, a city (郑州) and a county (金水区) regulator, and a park without a region code of its own on 金水区
    (its jurisdiction: its members, bench_park); the province one may manage (import)."""
    from worksafe.core.models import Organization, OrgKind, OrgLevel, Role, User

    users = {}
    for key, (name, kind, level, region) in {
        "province": ("河南省应急管理厅", OrgKind.BUREAU, OrgLevel.PROVINCE, "410000"),
        "city": ("郑州市应急管理局", OrgKind.BUREAU, OrgLevel.CITY, "410100"),
        "county": ("金水区应急管理局", OrgKind.BUREAU, OrgLevel.COUNTY, "410105"),
        "park": (PARK_NAME, OrgKind.PARK, OrgLevel.COUNTY, "410105"),
    }.items():
        parent = users["county"].organization if kind == OrgKind.PARK else None
        org, _ = Organization.objects.get_or_create(name=name, kind=kind, level=level, region_id=region,
                                                    defaults={"parent": parent})
        users[key], _ = User.objects.update_or_create(
            # Flagged as demo accounts are (never in production): timed pages, not the second factor's setup page
            # (logged_in checks it). Updated, not only created: a database kept with --reuse may predate the flag.
            username=f"bench-{key}", defaults={"role": Role.REGULATOR_ADMIN, "organization": org, "full_name": name,
                                               "is_demo": True})
    bench_park(users["park"].organization)
    return users


def bench_park(park, n=PARK_MEMBERS):
    """The park's members, once: `n` enterprises of its region (fewer when fewer exist), spread evenly over their ids
    as enterprises registered over the years would be (not one run of neighbouring rows). Written in one INSERT, as
    the generator writes its rows, without the change records that adding them one by one on the site leaves."""
    from worksafe.archive.models import Enterprise, ParkMember
    from worksafe.core.scoping import region_q

    if ParkMember.objects.filter(park=park).exists():
        return
    ids = list(Enterprise.objects.filter(region_q(park.region_id)).order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // n)
    ParkMember.objects.bulk_create([ParkMember(park=park, enterprise_id=pk) for pk in ids[::step][:n]])


def park_where(park):
    """The WHERE clause (and parameters) of the enterprises `e` the park `park` (a pk) oversees: its region's range
    and its member list, as core.scoping.organization_q writes it."""
    from bench.pages import scope_sql
    from worksafe.core.models import Organization

    return scope_sql(Organization.objects.get(pk=park).region_id, park)


def rich_enterprises(prefix, n=5):
    """Enterprises in `prefix` with a full archive: key items, secondary units, reviews and change history."""
    from django.db.models import Count

    from worksafe.archive.models import Enterprise
    from worksafe.core.scoping import region_q

    qs = (Enterprise.objects.filter(region_q(prefix))
          .annotate(items=Count("key_items", distinct=True), units=Count("secondary_units", distinct=True))
          .filter(items__gt=0, units__gt=0, pk__in=Enterprise.objects.filter(changes__isnull=False).values("pk"))
          .order_by("pk"))
    picked = list(qs.values_list("pk", "name")[:n])
    if len(picked) < n:  # small data sets: whatever exists
        picked += list(Enterprise.objects.filter(region_q(prefix)).exclude(pk__in=[p for p, _ in picked])
                       .order_by("pk").values_list("pk", "name")[: n - len(picked)])
    return [p for p, _ in picked], [name for _, name in picked]


def bench_pages(bench, users, vendor):
    from django.urls import reverse

    url = reverse("archive:enterprise_list")
    province, city, county, park = (bench.client(users[k]) for k in ("province", "city", "county", "park"))

    from worksafe.archive.models import Enterprise
    from worksafe.core.scoping import region_q

    # The fixed cost of any page: session, user and organisation lookups, middleware, a small template.
    bench.floor(reverse("core:profile"), county)
    middle = max(1, Enterprise.objects.filter(region_q("41")).count() // PER_PAGE // 2)
    for label, client, prefix, query in [
        ("列表 省级 默认排序 第1页", province, "41", "?page=1"),
        ("列表 省级 默认排序 第2页", province, "41", "?page=2"),
        ("列表 市级 默认排序 第2页", city, "4101", "?page=2"),
        ("列表 县级 默认排序 第2页", county, "410105", "?page=2"),
        (f"列表 省级 第{middle}页（深分页）", province, "41", f"?page={middle}"),
    ]:
        where, params = region_where(prefix)
        page = int(query.split("=")[1])
        bench.page(label, client, [url + query], list_bare(where, params, page), check_list(label))
    # The park's list: its region's range and its member list (core.scoping joins ParkMember on the enterprise).
    where, params = park_where(users["park"].organization_id)
    bench.page("列表 园区 默认排序 第1页", park, [url + "?page=1"], list_bare(where, params, 1), check_list("列表 园区"))

    from worksafe.core.models import Industry
    from worksafe.core.scoping import industry_codes

    chemicals = sorted(industry_codes(Industry.objects.filter(code="03")))
    for label, client, prefix, query, industries, word in [
        ("列表 省级 危化+关键字“宏达”", province, "41", "?industry=03&q=宏达", chemicals, "宏达"),
        ("列表 省级 关键字“宏达”", province, "41", "?q=宏达", None, "宏达"),
        ("列表 省级 关键字“宏达化工”", province, "41", "?q=宏达化工", None, "宏达化工"),
        ("列表 县级 关键字“宏达”", county, "410105", "?q=宏达", None, "宏达"),
        ("列表 县级 关键字“金水”", county, "410105", "?q=金水", None, "金水"),
        ("列表 省级 代码前缀“914101”", province, "41", "?q=914101", None, "914101"),
    ]:
        where, params = region_where(prefix)
        if industries:
            where += f" AND e.industry_id IN ({', '.join(['%s'] * len(industries))})"
            params = [*params, *industries]
        kw, kw_params = keyword_where(vendor, word)
        where, params = f"{where} AND {kw}", [*params, *kw_params]
        bench.page(label, client, [url + query], list_bare(where, params, 1, by_id=True), check_list(label))

    stats = reverse("archive:enterprise_stats")
    # Not one of the targets (no ✓/✗): the 企业统计 page groups every enterprise of the jurisdiction.
    bench.page("统计页 省级（按市）", province, [stats], stats_bare("41"), target=None)
    bench.page("统计页 县级", county, [stats], stats_bare("410105"), target=None)
    bench.page("统计页 园区", park, [stats], stats_bare(park_where(users["park"].organization_id)), target=None)

    for label, client, prefix in [("档案页 县级（5家轮换）", county, "410105"), ("档案页 省级（5家轮换）", province, "41")]:
        pks, names = rich_enterprises("410105")
        paths = [reverse("archive:enterprise_detail", args=[pk]) for pk in pks]
        bench.page(label, client, paths, detail_bare(pks, prefix), check_detail(names))


def bench_import(bench, users, rows, repeat, seed):
    """POST an xlsx of `rows` new enterprises to the import view and run the job it starts (one worker, batch mode);
    baseline: executemany INSERT of the same rows."""
    import io
    import random

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.urls import reverse
    from django.utils import timezone

    from bench.generate import Loader, enterprise_row, weighted_regions
    from worksafe.archive.fake import make_enterprise
    from worksafe.archive.io import ENTERPRISE_SPEC
    from worksafe.archive.models import Enterprise
    from worksafe.core.models import Industry, Job

    rng = random.Random(seed + 1)
    places, weights = weighted_regions(rng)
    industries = list(Industry.objects.filter(children__isnull=True).order_by("code"))
    seen = set(Enterprise.objects.values_list("uscc", flat=True))
    new = [make_enterprise(rng, r, rng.choice(industries), seen) for r in rng.choices(places, weights, k=rows)]
    t0 = time.perf_counter()
    workbook = ENTERPRISE_SPEC.export(new)
    buffer = io.BytesIO()
    workbook.save(buffer)
    export_s = time.perf_counter() - t0
    data = buffer.getvalue()
    bench.notes.append(f"导入文件：{rows:,} 行，{len(data) / 1024 / 1024:.1f} MB；ENTERPRISE_SPEC.export 生成用时 {export_s:.1f} s")

    client = bench.client(users["province"])
    url = reverse("archive:enterprise_import")
    tables = ["core_changerecord", "archive_archivereview", "core_user", "archive_enterprise"]

    def marks():
        with connection.cursor() as cursor:
            result = {}
            for table in tables:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                result[table] = cursor.fetchone()[0]
            return result

    def added_since(mark):
        with connection.cursor() as cursor:
            result = {}
            for table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE id > %s", [mark[table]])
                result[table] = cursor.fetchone()[0]
            return result

    def rollback_to(mark):
        """Remove what the import (or the baseline) added, so each run inserts the same new enterprises."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [mark[table]])

    import_t, bare_t, written = [], [], {}
    loader = Loader(connection)
    now = timezone.now()
    baseline_rows = []
    for e in new:
        row = enterprise_row(e, now)
        row.pop("id")
        baseline_rows.append(row)
    for _ in range(repeat):
        mark = marks()
        upload = io.BytesIO(data)
        upload.name = "enterprises.xlsx"
        t0 = time.perf_counter()
        response = client.post(url, {"file": upload})
        if response.status_code == 302:  # new enterprises: a background job (core.imports), run here by one worker
            call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
        import_t.append(time.perf_counter() - t0)
        added = Enterprise.objects.filter(pk__gt=mark["archive_enterprise"]).count()
        if added != rows:
            job = Job.objects.order_by("-created_at").first()
            errors = job.error if job else re.findall(r"第\d+行[^<]{0,80}", response.content.decode())[:5]
            raise RuntimeError(f"导入失败：HTTP {response.status_code}，新增 {added} 家；{errors}")
        written = added_since(mark)
        rollback_to(mark)

        mark = marks()
        connection.ensure_connection()
        t0 = time.perf_counter()
        with transaction.atomic():
            loader.insert(Enterprise, baseline_rows, copy=False)
        bare_t.append(time.perf_counter() - t0)
        rollback_to(mark)
    bench.add(f"导入 {rows:,} 行 xlsx（省级）", import_t, bare_t, target="import")
    bench.notes.append("导入每次写入：" + "，".join(f"{t} {n:,} 行" for t, n in written.items())
                       + "；基线只写企业表（executemany INSERT，同一批行）")


def child(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worksafe.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import analyze, generate
    from worksafe.archive.models import Enterprise

    assert not settings.DEBUG, "基准测试须关闭 DEBUG"
    backend = args.child
    log(f"== {backend}: 迁移")
    call_command("migrate", interactive=False, verbosity=0)
    existing = Enterprise.objects.count()
    generate_s = 0.0
    if existing == 0:
        log(f"== {backend}: 生成 {args.enterprises:,} 家企业")
        generate_s = generate(args.enterprises, args.seed, log=log)
    elif existing != args.enterprises:
        raise SystemExit(f"数据库已有 {existing} 家企业，与 --enterprises {args.enterprises} 不符：去掉 --reuse 重新生成")
    else:
        log(f"== {backend}: 复用已有的 {existing:,} 家企业")
    t0 = time.perf_counter()
    visible = analyze()
    log(f"== {backend}: ANALYZE {time.perf_counter() - t0:.1f} s，企业表全可见页 {visible:.0%}")

    bench = Bench(args)
    users = regulators()
    log(f"== {backend}: 页面（每个场景 {args.repeat} 次）")
    bench_pages(bench, users, connection.vendor)
    if not args.skip_import:
        log(f"== {backend}: 导入 {args.import_rows:,} 行（{args.import_repeat} 次）")
        bench_import(bench, users, args.import_rows, args.import_repeat, args.seed)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            engine = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]}"
    from django.apps import apps

    counts = []
    for label in ("archive.KeySupervisionItem", "archive.SecondaryUnit", "archive.ArchiveReview", "core.ChangeRecord", "core.User"):
        model = apps.get_model(label)
        counts.append(f"{model._meta.verbose_name} {model.objects.count():,}")
    meta = {
        "backend": backend, "engine": engine, "enterprises": Enterprise.objects.count(), "generate_s": generate_s,
        "repeat": args.repeat, "rows": "，".join(counts), "all_visible": visible,
        "load": "，".join(f"{x:.1f}" for x in os.getloadavg()),
        "machine": f"Python {platform.python_version()}，Django {django.get_version()}，{os.cpu_count()} CPU",
    }
    Path(args.result).write_text(json.dumps({"meta": meta, "results": bench.results, "notes": bench.notes},
                                            ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
