"""The enterprise's overall risk level and counts per level, kept on the Enterprise row (lists, filters, stats)."""
from django.db.models import Count

from worksafe.core.risk_levels import ORDER, overall

from .models import RiskEvent


def refresh(*enterprise_ids):
    """Recount the risk events of the given enterprises (after any change to their events)."""
    from worksafe.archive.models import Enterprise

    for pk in set(enterprise_ids):
        counts = dict(RiskEvent.objects.filter(enterprise_id=pk).order_by().values_list("level").annotate(n=Count("id")))
        values = {f"risk_{level.value}": counts.get(level.value, 0) for level in ORDER}
        Enterprise.objects.filter(pk=pk).update(risk_grade=overall(counts) or "", **values)


def unit_levels(enterprise_id):
    """{unit id: its most severe event level} for an enterprise's units (the four-colour map's colours)."""
    by_unit = {}
    rows = RiskEvent.objects.filter(enterprise_id=enterprise_id).order_by().values_list("source__unit_id", "level").distinct()
    for unit_id, level in rows:
        by_unit.setdefault(unit_id, set()).add(level)
    return {unit_id: overall(levels) for unit_id, levels in by_unit.items()}
