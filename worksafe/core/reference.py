"""Loading shipped reference data: regions (GB/T 2260), industries (表1), accident categories (GB 6441)."""
import csv
from pathlib import Path

from django.db import transaction

DATA = Path(__file__).parent / "data"


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@transaction.atomic
def load_regions(path, Region=None):
    """Insert or update the regions of a CSV with columns code,name,level,parent (parents listed first)."""
    from .models import RegionLevel

    if Region is None:
        from .models import Region
    rows = read_csv(path)
    existing = set(Region.objects.values_list("code", flat=True))
    check_regions(rows, existing, set(RegionLevel.values))
    new = [Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"] or None) for r in rows]
    Region.objects.bulk_create([r for r in new if r.code not in existing], batch_size=1000)
    Region.objects.bulk_update([r for r in new if r.code in existing], ["name", "level", "parent"], batch_size=1000)
    return len(rows)


def check_regions(rows, existing, levels):
    """Raise ValueError (第N行 字段: 原因) unless every row is a region whose parent exists or comes before it."""
    columns = ("code", "name", "level", "parent")
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing or not rows:
        raise ValueError(f"缺少列：{', '.join(missing)}（应为 {','.join(columns)}）" if missing else "文件中没有行政区划。")
    known = set(existing)
    for n, r in enumerate(rows, start=2):
        if not (r["code"] or "").isdigit() or len(r["code"]) not in (6, 9, 12):
            raise ValueError(f"第{n}行 code: 区划代码应为6、9或12位数字，而不是“{r['code']}”。")
        if r["level"] not in levels:
            raise ValueError(f"第{n}行 level: 级别应为 {'/'.join(sorted(levels))} 之一，而不是“{r['level']}”。")
        if r["parent"] and r["parent"] not in known:
            raise ValueError(f"第{n}行 parent: 上级 {r['parent']} 不存在（上级须已载入或在本文件中排在前面）。")
        known.add(r["code"])


@transaction.atomic
def load_reference(apps=None):
    """Load everything shipped in data/ (idempotent); `apps` is given when run from a migration."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Region, Industry, AccidentCategory = (apps.get_model("core", m) for m in ("Region", "Industry", "AccidentCategory"))
    for i, r in enumerate(read_csv(DATA / "industries.csv")):
        Industry.objects.update_or_create(code=r["code"], defaults={"name": r["name"], "parent_id": r["parent"] or None, "sort": i})
    for r in read_csv(DATA / "accident_categories.csv"):
        AccidentCategory.objects.update_or_create(code=r["code"], defaults={"name": r["name"]})
    for path in sorted(DATA.glob("regions_*.csv")):
        load_regions(path, Region)


# Option lists the registration tables pick from (registrations/schemas, `options_from`): file, value column, label.
OPTION_LISTS = {
    "hazardous_processes": ("hazardous_processes.csv", "name", lambda r: r["name"]),
    "key_chemicals": ("key_chemicals.csv", "name", lambda r: f"{r['name']}（CAS {r['cas']}）" if r["cas"] else r["name"]),
}
_option_cache = {}


def option_choices(name):
    """[(value, label)] of a shipped option list: the 18 重点监管的危险化工工艺, the 重点监管的危险化学品 with CAS."""
    if name not in _option_cache:
        filename, column, label = OPTION_LISTS[name]
        _option_cache[name] = [(r[column], label(r)) for r in read_csv(DATA / filename)]
    return _option_cache[name]
