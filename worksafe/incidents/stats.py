"""The enterprise's statistics (seed 000, 3.1–3.5), as data for static/stats.js: risks by level, key supervision items
by risk type across areas, penalties by kind, accident losses by month per accident category, cumulative loss."""
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth

from worksafe.core.risk_levels import COLORS, ORDER
from worksafe.core.stats import HEX

from .models import AccidentType, PenaltyKind

MONTHS = [f"{m}月" for m in range(1, 13)]
TYPE_HEX = {AccidentType.WORK_INJURY: HEX["red"], AccidentType.FIRE: HEX["orange"], AccidentType.EQUIPMENT: HEX["blue"],
            AccidentType.OTHER: HEX["gray"]}


def _chart(labels, series, unit, **extra):
    """The shape stats.js draws: labels, series [{name, values, color, links}], no drill-down."""
    return {"labels": labels, "series": [{"links": [None] * len(labels), **s} for s in series], "drill": [None] * len(labels),
            "unit": unit, **extra}


def enterprise_charts(e, year):
    risks = _chart([level.label for level in ORDER], [
        {"name": "安全风险数", "values": [getattr(e, f"risk_{level}") for level in ORDER],
         "colors": [HEX[COLORS[level]] for level in ORDER]}], "项")

    items = defaultdict(lambda: defaultdict(int))
    categories = {}
    for row in e.key_items.values("area", "accident_category__code", "accident_category__name").annotate(n=Count("id")):
        items[row["accident_category__code"]][row["area"]] += row["n"]
        categories[row["accident_category__code"]] = row["accident_category__name"]
    areas = sorted({area for by_area in items.values() for area in by_area})
    key_items = _chart(areas, [{"name": categories[code], "values": [items[code][a] for a in areas]} for code in sorted(items)],
                       "项", stack=True)

    counts = dict(e.penalties.values_list("kind").annotate(n=Count("id")))
    kinds = [k for k in PenaltyKind if counts.get(k)]
    penalties = _chart([k.label for k in kinds], [{"name": "次数", "values": [counts[k] for k in kinds]}], "次")

    losses = defaultdict(lambda: [0.0] * 12)
    for row in (e.accidents.filter(occurred_on__year=year).annotate(month=ExtractMonth("occurred_on"))
                .values("category", "month").annotate(loss=Sum("direct_loss"))):
        losses[row["category"]][row["month"] - 1] = float(row["loss"] or Decimal(0))
    by_type = _chart(MONTHS, [{"name": t.label, "values": losses[t.value], "color": TYPE_HEX[t]} for t in AccidentType],
                     "万元", line=True)
    running, total = [], 0.0
    for month in range(12):
        total += sum(values[month] for values in losses.values())
        running.append(round(total, 2))
    cumulative = _chart(MONTHS, [{"name": "累计直接经济损失", "values": running, "color": HEX["red"]}], "万元", line=True)
    return {"risks": risks, "key_items": key_items, "penalties": penalties, "accident_losses": by_type, "cumulative_loss": cumulative}
