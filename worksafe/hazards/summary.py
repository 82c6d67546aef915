"""HazardYear: an enterprise's hazards per year, recounted whenever one of its hazards changes; and the copies of an
enterprise's region and industry on its hazards and yearly rows, moved with it."""
from django.db.models import Count, Q

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


def relocate(enterprises):
    """After 属地调整 or 类型设置: the hazards and yearly rows of `enterprises` (Enterprise objects) follow them.
    Two indexed UPDATEs per enterprise that moved, none for those that did not."""
    for e in enterprises:
        moved = ~Q(region_id=e.region_id) | ~Q(industry_id=e.industry_id)
        for model in (Hazard, HazardYear):
            model.objects.filter(moved, enterprise_id=e.pk).update(region_id=e.region_id, industry_id=e.industry_id)
