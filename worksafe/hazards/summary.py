"""HazardYear: an enterprise's hazards per year, recounted whenever one of its hazards changes; and the copies of an
enterprise's region and industry on its hazards and yearly rows, moved with it."""
import datetime

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from .models import Hazard, HazardYear, Level, State


def refresh(hazard, year):
    """Recount `hazard`'s enterprise's hazards found in `year` (its copies of region and industry go on the row)."""
    enterprise_id = hazard.enterprise_id
    counts = Hazard.objects.filter(enterprise_id=enterprise_id, found_on__year=year).aggregate(
        general=Count("id", filter=Q(level=Level.GENERAL)),
        major=Count("id", filter=Q(level=Level.MAJOR)),
        closed=Count("id", filter=Q(state=State.CLOSED)),
    )
    if not counts["general"] and not counts["major"]:
        HazardYear.objects.filter(enterprise_id=enterprise_id, year=year).delete()
        return
    HazardYear.objects.update_or_create(enterprise_id=enterprise_id, year=year,
                                        defaults={**counts, "region_id": hazard.region_id, "industry_id": hazard.industry_id})


def refresh_many(pairs):
    """Recount many (enterprise id, year) pairs at once — a bulk upload's — in three statements: one grouped count,
    one upsert, one delete. `pairs` maps each pair to the (region id, industry id) the row carries."""
    if not pairs:
        return
    years = {year for _, year in pairs}
    rows = (Hazard.objects.filter(enterprise_id__in={e for e, _ in pairs}, found_on__gte=datetime.date(min(years), 1, 1),
                                  found_on__lte=datetime.date(max(years), 12, 31))
            .values("enterprise_id", year=ExtractYear("found_on")).order_by()
            .annotate(general=Count("id", filter=Q(level=Level.GENERAL)), major=Count("id", filter=Q(level=Level.MAJOR)),
                      closed=Count("id", filter=Q(state=State.CLOSED))))
    counted = {}
    for row in rows:
        pair = (row["enterprise_id"], row["year"])
        if pair in pairs and (row["general"] or row["major"]):
            region, industry = pairs[pair]
            counted[pair] = HazardYear(enterprise_id=pair[0], year=pair[1], region_id=region, industry_id=industry,
                                       general=row["general"], major=row["major"], closed=row["closed"])
    HazardYear.objects.bulk_create(counted.values(), update_conflicts=True, unique_fields=["enterprise", "year"],
                                   update_fields=["general", "major", "closed", "region", "industry"])
    empty = Q()
    for enterprise_id, year in pairs.keys() - counted.keys():
        empty |= Q(enterprise_id=enterprise_id, year=year)
    if empty:
        HazardYear.objects.filter(empty).delete()


def relocate(enterprises):
    """After 属地调整 or 类型设置: the hazards and yearly rows of `enterprises` (Enterprise objects) follow them.
    Two indexed UPDATEs per enterprise that moved, none for those that did not."""
    for e in enterprises:
        moved = ~Q(region_id=e.region_id) | ~Q(industry_id=e.industry_id)
        for model in (Hazard, HazardYear):
            model.objects.filter(moved, enterprise_id=e.pk).update(region_id=e.region_id, industry_id=e.industry_id)
