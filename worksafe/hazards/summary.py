"""HazardYear: an enterprise's hazards per year, recounted whenever one of its hazards changes."""
from django.db.models import Count, Q

from .models import Hazard, HazardYear, Level, State


def refresh(enterprise_id, year):
    counts = Hazard.objects.filter(enterprise_id=enterprise_id, found_on__year=year).aggregate(
        general=Count("id", filter=Q(level=Level.GENERAL)),
        major=Count("id", filter=Q(level=Level.MAJOR)),
        closed=Count("id", filter=Q(state=State.CLOSED)),
    )
    if not counts["general"] and not counts["major"]:
        HazardYear.objects.filter(enterprise_id=enterprise_id, year=year).delete()
        return
    HazardYear.objects.update_or_create(enterprise_id=enterprise_id, year=year, defaults=counts)
