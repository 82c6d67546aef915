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
    if Region is None:
        from .models import Region
    rows = read_csv(path)
    existing = set(Region.objects.values_list("code", flat=True))
    new = [Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"] or None) for r in rows]
    Region.objects.bulk_create([r for r in new if r.code not in existing], batch_size=1000)
    Region.objects.bulk_update([r for r in new if r.code in existing], ["name", "level", "parent"], batch_size=1000)
    return len(rows)


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
