"""Province-scale data for the benchmarks: N enterprises (default 300,000) across every county of 河南.

The same seed gives the same data (names, codes, regions, industries, child rows). Enterprises are spread with
a realistic skew: big cities and functional zones hold more of them, trade and light industry outnumber mines.
About a quarter of the archives carry key supervision items (more in the risky industries), a few percent
secondary units, most have review steps, a tenth a change history, and every enterprise has its administrator
account, as `enterprise_add` and the import create.

Enterprises come from `worksafe.archive.fake.make_enterprise`; rows go in with executemany (SQLite) or COPY
(PostgreSQL) and explicit ids, because bulk_create's per-value work would take most of the load time.

    python -m bench.generate --enterprises 300000 --seed 2020     # into the database the settings point at
"""
import argparse
import datetime
import json
import os
import random
import sys
import time

# City weights: roughly the share of industrial and trading enterprises (郑州 leads, then 洛阳 and 南阳).
CITY_WEIGHT = {"4101": 3.0, "4103": 1.6, "4113": 1.3, "4107": 1.1, "4104": 1.0, "4105": 1.0, "4114": 1.0,
               "4116": 1.0, "4117": 0.9, "4115": 0.9, "4108": 0.8, "4110": 0.9, "4102": 0.8, "4109": 0.7,
               "4112": 0.6, "4111": 0.5, "4106": 0.4, "4190": 0.4}
# Industry weights (leaf industries of 表1): trade, machinery and light industry dominate; mines are few.
INDUSTRY_WEIGHT = {"01": 1.0, "0201": 1.0, "0202": 3.0, "0203": 0.6, "0204": 0.3, "0301": 2.5, "0302": 6.0,
                   "0303": 4.0, "04": 3.0, "05": 2.0, "06": 9.0, "07": 15.0, "08": 14.0, "09": 6.0, "10": 0.3,
                   "11": 25.0}
RISKY = ("01", "02", "03", "04", "05")
ITEM_NAMES = ["液氨储罐区", "反应釜", "粉尘涉爆车间", "有限空间作业", "动火作业", "配电室", "高处作业", "危险化学品仓库",
              "锅炉房", "天然气调压站", "冲压生产线", "熔炼炉", "尾矿库坝体", "井下提升系统"]
AREAS = ["一车间", "二车间", "三车间", "罐区", "仓库", "厂区东侧", "装卸区", "井下"]
UNIT_SUFFIXES = ["运输部", "一号矿井", "二号矿井", "仓储中心", "加油站", "分装车间"]
RETURN_REASONS = ["职工人数与社保缴纳人数不符", "安全管理机构负责人手机号有误", "重点监管信息未填写", "营业执照编号缺失"]
BATCH = 10_000


def weighted_regions(rng):
    """[regions], [weights]: every county-level division, and 济源示范区, which has none under it."""
    from worksafe.core.models import Region, RegionLevel

    places = list(
        Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="41").select_related("parent").order_by("code")
    )
    places += list(Region.objects.filter(code="419001").select_related("parent"))
    weights = []
    for r in places:
        w = CITY_WEIGHT.get(r.code[:4], 0.8) * rng.lognormvariate(0, 0.6)
        weights.append(w * 1.8 if r.is_zone else w)  # 经开区 / 高新区: industrial parks hold more enterprises
    return places, weights


class Loader:
    """Inserts rows (dicts of attname → value) with explicit ids, converting values once per column type.

    A column a row leaves out gets what saving through the ORM would give it: the current time for auto_now and
    auto_now_add fields (their get_default() is None: Model.save sets them in pre_save), else the field's default.
    A NOT NULL column with neither is refused before anything is written, naming it (a new required field would
    otherwise stop a province-scale load at its first batch with the database's bare constraint error).
    """

    def __init__(self, connection):
        self.connection = connection
        self.next_id = {}

    def ids(self, model, n):
        if model not in self.next_id:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")
                self.next_id[model] = (cursor.fetchone()[0] or 0) + 1
        start = self.next_id[model]
        self.next_id[model] += n
        return range(start, start + n)

    def _converter(self, field):
        from django.db import models

        sqlite = self.connection.vendor == "sqlite"
        if isinstance(field, models.JSONField):
            return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
        if isinstance(field, models.DateTimeField) and sqlite:
            adapt, seen = self.connection.ops.adapt_datetimefield_value, {}

            def convert(value):  # child rows share their times (bench.risks: a list's creation, its patrols)
                if value not in seen:
                    seen[value] = adapt(value)
                return seen[value]

            return convert
        return None

    def insert(self, model, rows, copy=True):
        """Insert `rows`; with their "id" when given, else the database numbers them. COPY on PostgreSQL unless
        `copy` is False (then executemany, as on SQLite)."""
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if "id" in rows[0] or not f.primary_key]
        defaults = missing(model, [f for f in fields if f.attname not in rows[0]])
        convert = [(i, c) for i, c in enumerate(self._converter(f) for f in fields) if c]
        names = [f.attname for f in fields]
        values = []
        for row in rows:
            v = [row[n] if n in row else defaults[n] for n in names]
            for i, c in convert:
                v[i] = c(v[i])
            values.append(v)
        table, columns = model._meta.db_table, ", ".join(f.column for f in fields)
        with self.connection.cursor() as cursor:
            if copy and self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for v in values:
                        copy.write_row(v)
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", values)

    def reset_sequences(self, models):
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def missing(model, fields):
    """{attname: value} for the columns `fields` that the rows leave out (see Loader)."""
    from django.db import models
    from django.utils import timezone

    now, values = timezone.now(), {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values[f.attname] = now if isinstance(f, models.DateTimeField) else timezone.localdate(now)
        elif f.has_default() or f.null or f.get_default() is not None:
            values[f.attname] = f.get_default()
        else:
            raise ValueError(f"bench.generate.Loader：{model._meta.label}.{f.attname} 不可为空，行里没有它的值，它也没有默认值")
    return values


def enterprise_row(e, now):
    row = {f.attname: getattr(e, f.attname) for f in e._meta.concrete_fields}
    row["created_at"] = row["updated_at"] = now
    return row


def generate(n=300_000, seed=2020, log=print, accounts=True, extra=None):
    """Insert `n` enterprises with their child rows into the default database; returns the seconds it took.

    `extra(loader, enterprises, rows)`, when given, is called for each batch before it is written (the enterprises
    have their ids): it may change the enterprise rows (dicts of attname → value) and returns [(model, rows)] to
    insert in the same transaction, in that order, with their ids (from `loader.ids`). Without it the data are the
    same as before: it draws from its own random numbers, not from `seed`'s.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from worksafe.archive.fake import make_enterprise
    from worksafe.archive.models import ArchiveReview, Enterprise, KeySupervisionItem, SecondaryUnit
    from worksafe.core.models import AccidentCategory, ChangeRecord, Industry, Role, User

    started = time.perf_counter()
    rng = random.Random(seed)
    loader = Loader(connection)
    places, place_weights = weighted_regions(rng)
    industries = list(Industry.objects.filter(code__in=INDUSTRY_WEIGHT).order_by("code"))
    industry_weights = [INDUSTRY_WEIGHT[i.code] for i in industries]
    context = {
        "categories": list(AccidentCategory.objects.order_by("code").values_list("code", flat=True)),
        "enterprise_type": ContentType.objects.get_for_model(Enterprise).pk,
        "item_type": ContentType.objects.get_for_model(KeySupervisionItem).pk,
        "epoch": timezone.now() - datetime.timedelta(days=730),
    }
    seen = set(Enterprise.objects.values_list("uscc", flat=True))
    now = timezone.now()
    made = 0
    extra_models = []
    while made < n:
        size = min(BATCH, n - made)
        regions = rng.choices(places, place_weights, k=size)
        kinds = rng.choices(industries, industry_weights, k=size)
        enterprises = [make_enterprise(rng, r, i, seen) for r, i in zip(regions, kinds, strict=False)]
        rows = []
        for pk, e in zip(loader.ids(Enterprise, size), enterprises, strict=False):
            e.pk = pk
            rows.append(enterprise_row(e, now))
        children = _children(rng, enterprises, context)
        more = extra(loader, enterprises, rows) if extra else []
        with transaction.atomic():
            loader.insert(Enterprise, rows)
            for model, key in ((KeySupervisionItem, "items"), (SecondaryUnit, "units"), (ArchiveReview, "reviews"),
                               (ChangeRecord, "changes")):
                for pk, row in zip(loader.ids(model, len(children[key])), children[key], strict=False):
                    row["id"] = pk
                loader.insert(model, children[key])
            if accounts:
                users = [{"id": pk, "username": e.uscc, "password": "!bench", "role": Role.ENTERPRISE_ADMIN,
                          "enterprise_id": e.pk, "full_name": e.name[:64], "date_joined": now}
                         for pk, e in zip(loader.ids(User, size), enterprises, strict=False)]
                loader.insert(User, users)
            for model, model_rows in more:
                loader.insert(model, model_rows)
                if model not in extra_models:
                    extra_models.append(model)
        made += size
        log(f"  {made:>8} 家企业  {time.perf_counter() - started:6.1f} s")
    loader.reset_sequences([Enterprise, KeySupervisionItem, SecondaryUnit, ArchiveReview, ChangeRecord, User, *extra_models])
    return time.perf_counter() - started


def _children(rng, enterprises, ctx):
    """Key items, secondary units, review steps and change records of a batch, as rows."""
    from worksafe.core.fake import person
    from worksafe.core.models import AuditAction

    items, units, reviews, changes = [], [], [], []
    for e in enterprises:
        risky = e.industry_id[:2] in RISKY
        if rng.random() < (0.6 if risky else 0.2):
            for seq in range(1, rng.randrange(2, 9 if risky else 5)):
                items.append({
                    "enterprise_id": e.pk, "seq": seq, "name": rng.choice(ITEM_NAMES), "area": rng.choice(AREAS),
                    "accident_category_id": rng.choice(ctx["categories"]),
                    "procedure": rng.choice(["", "加氢工艺", "聚合工艺", "氧化工艺"]),
                    "location": rng.choice(["东侧", "西侧", "二层", "地下一层"]), "department": "应急管理局",
                    "controlled": rng.random() < 0.95, "is_major_hazard_source": risky and rng.random() < 0.15,
                    "has_emergency_plan": rng.random() < 0.8, "monitoring": "可燃气体报警、视频监控",
                    "reviewer": person(rng), "responsible_contact": f"安环部 {e.safety_office_phone}",
                })
        if rng.random() < (0.12 if risky else 0.03):
            for suffix in rng.sample(UNIT_SUFFIXES, rng.randrange(1, 4)):
                units.append({
                    "enterprise_id": e.pk, "name": f"{e.name[:10]}{suffix}", "industry_id": e.industry_id,
                    "competent_department_id": e.competent_department_id, "principal": person(rng),
                    "principal_mobile": e.safety_head_mobile, "address": e.address,
                })
        # The review steps that led to the enterprise's current state.
        steps = {"draft": [], "submitted": ["submitted"], "approved": ["submitted", "approved"],
                 "returned": ["submitted", "returned"]}[e.review_state]
        if e.review_state == "approved" and rng.random() < 0.3:
            steps = ["submitted", "returned", "submitted", "approved"]
        state, when = "draft", ctx["epoch"] + datetime.timedelta(seconds=rng.randrange(0, 600 * 86400))
        for target in steps:
            when += datetime.timedelta(seconds=rng.randrange(3600, 20 * 86400))
            reviews.append({
                "enterprise_id": e.pk, "source": state, "target": target, "time": when, "actor_id": None,
                "reason": rng.choice(RETURN_REASONS) if target == "returned" else "",
                "actor_name": "企业管理员" if target == "submitted" else "县区应急管理局",
            })
            state = target
        if rng.random() < 0.1:
            for _ in range(rng.randrange(1, 12)):
                when += datetime.timedelta(seconds=rng.randrange(600, 30 * 86400))
                kind = rng.random()
                if kind < 0.1:
                    action, field, old, new = AuditAction.MOVE_REGION, "region_id", rng.choice(["410102", "410103"]), e.region_id
                elif kind < 0.2:
                    action, field, old, new = AuditAction.SET_TYPE, "industry_id", rng.choice(["07", "08"]), e.industry_id
                else:
                    action, field, old, new = AuditAction.UPDATE, "safety_head", person(rng), e.safety_head
                changes.append({
                    "time": when, "user_id": None, "user_name": "企业管理员", "request_id": "", "action": action,
                    "content_type_id": ctx["enterprise_type"], "object_id": str(e.pk), "object_repr": e.name,
                    "enterprise_id": e.pk, "region_code": e.region_id, "message": "",
                    "before": {field: old, "staff_count": e.staff_count + rng.randrange(-20, 20)},
                    "after": {field: new, "staff_count": e.staff_count},
                })
    return {"items": items, "units": units, "reviews": reviews, "changes": changes}


def analyze(wait=120):
    """Fresh planner statistics after the bulk load (and PostgreSQL's visibility map, for index-only scans).

    On PostgreSQL an auto-analyze still running from the load holds a snapshot, and VACUUM then cannot mark the
    newest pages all-visible: index-only scans would read the table after all (the COUNTs of a province list
    take 3× as long). So wait for the autovacuum workers to finish first. Returns the all-visible share of the
    enterprise table (1.0 on SQLite).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return 1.0
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                           " AND datname = current_database()")
            if not cursor.fetchone()[0]:
                break
            time.sleep(1)
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT relallvisible::float / GREATEST(relpages, 1) FROM pg_class WHERE relname = 'archive_enterprise'")
        return cursor.fetchone()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description="生成省级规模的基准测试数据（写入当前配置的数据库）")
    parser.add_argument("--enterprises", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worksafe.settings")
    import django

    django.setup()
    seconds = generate(args.enterprises, args.seed)
    visible = analyze()
    print(f"可见性映射覆盖 {visible:.0%}")
    print(f"已生成 {args.enterprises} 家企业，用时 {seconds:.0f} 秒")


if __name__ == "__main__":
    sys.exit(main())
