"""企业信息统计 (1.7): the enterprises of a regulator's jurisdiction counted by region, industry, size and review state.

Every count comes from `Enterprise.objects.for_user(user)`, narrowed by the list page's filters. Three GROUP BY queries do all
the counting: each groups by (region code, one other dimension), so the same rows give the totals of both
dimensions and the cross tables of 1.7.2–1.7.4 (属地 × 类型, 属地 × 规模, 属地 × 审核状态). They group by the stored
codes, reading the index enterprise_stats in its order, so the database counts without touching or sorting rows;
the codes are then folded into the regions and industries shown (core.stats).
"""
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from worksafe.core.stats import Scope, hexes

from .filters import EnterpriseFilter
from .models import REVIEW_COLORS, ReviewState

# Size bands by 职工总数, [low, high). The cut points are the ones the rules draw: 20, 300 and 1000 staff separate
# micro, small, medium and large industrial enterprises (国家统计局《统计上大中小微型企业划分办法（2017）》), and
# above 100 staff 安全生产法 第二十四条 requires a safety management body or full-time safety staff. The band
# under 10 singles out the small workshops that make up much of a county's list.
SIZE_BANDS = [
    (0, 10, "10人以下"),
    (10, 20, "10–19人"),
    (20, 101, "20–100人"),
    (101, 300, "101–299人"),
    (300, 1000, "300–999人"),
    (1000, None, "1000人及以上"),
]
# One conditional count per band, so that the size query groups by region alone (in the index's order).
SIZE_COUNTS = {
    f"band{i}": Count("staff_count", filter=Q(staff_count__gte=low) & (Q(staff_count__lt=high) if high else Q()))
    for i, (low, high, _) in enumerate(SIZE_BANDS)
}


def crosstab(qs, regions, column, fold=lambda k: k):
    """Counter {(region row, column row): n} from one GROUP BY region_id, column query."""
    table = Counter()
    for r, k, n in qs.order_by().values_list("region_id", column).annotate(n=Count("*")):
        table[regions.owner(r), fold(k)] += n
    return table


def size_crosstab(qs, regions):
    """Counter {(region row, band): n} from one query grouped by region_id."""
    table = Counter()
    for row in qs.order_by().values("region_id").annotate(**SIZE_COUNTS):
        owner = regions.owner(row["region_id"])
        for i in range(len(SIZE_BANDS)):
            table[owner, i] += row[f"band{i}"]
    return table


def column(key, label, url="", drill=""):
    return {"key": key, "label": label, "url": url, "drill": drill}


def dimension(title, columns, totals, total, chart, colors=None):
    """One dimension for the table and the chart: its columns with their counts and shares."""
    rows = [
        {**c, "count": totals[c["key"]], "share": f"{100 * totals[c['key']] / total:.1f}%" if total else "—"}
        for c in columns
    ]
    return {"title": title, "rows": rows, "chart": chart, "colors": colors}


def cross_table(title, rows, columns, counts):
    """Regions down, `columns` across, with row and column totals."""
    body = []
    for r in rows:
        cells = [counts[r["key"], c["key"]] for c in columns]
        body.append({**r, "cells": cells, "total": sum(cells)})
    footer = [sum(row["cells"][i] for row in body) for i in range(len(columns))]
    return {"title": title, "columns": [c["label"] for c in columns], "rows": body, "footer": footer, "total": sum(footer)}


def totals(table, side):
    """Row (side=0) or column (side=1) totals of a cross table."""
    result = Counter()
    for key, n in table.items():
        result[key[side]] += n
    return result


@login_required
def enterprise_stats(request):
    scope = Scope(request, EnterpriseFilter, drop=("page", "sort", "per_page"))
    qs, params, regions, industries = scope.filter.qs, scope.params, scope.regions, scope.industries
    by_industry = crosstab(qs, regions, "industry_id", industries.owner)
    by_size = size_crosstab(qs, regions)
    by_review = crosstab(qs, regions, "review_state")
    region_totals, industry_totals = totals(by_industry, 0), totals(by_industry, 1)
    total = sum(region_totals.values())

    region_cols = [column(row.key, row.label, url=row.link("archive:enterprise_list", params),
                          drill=row.drill("archive:enterprise_stats", params)) for row in regions.rows(region_totals)]
    industry_cols = [column(row.key, row.label, url=row.link("archive:enterprise_list", params),
                            drill=row.drill("archive:enterprise_stats", params)) for row in industries.rows(industry_totals)]
    size_cols = [column(i, label) for i, (_, _, label) in enumerate(SIZE_BANDS)]
    review_cols = [column(s, label, url=scope.link("archive:enterprise_list", review_state=s)) for s, label in ReviewState.choices]

    industry_title = f"按行业统计（{industries.root.name}）" if industries.root else "按行业统计"
    review_hex = hexes(REVIEW_COLORS)
    dims = {
        "region": dimension("按属地统计", region_cols, region_totals, total, "bar-horizontal"),
        "industry": dimension(industry_title, industry_cols, industry_totals, total, "pie"),
        "size": dimension("按企业规模统计（职工总数）", size_cols, totals(by_size, 1), total, "bar"),
        "review": dimension("按审核状态统计", review_cols, totals(by_review, 1), total, "pie",
                            colors=[review_hex[s] for s in ReviewState.values]),
    }
    cross = [
        cross_table("属地 × 行业", region_cols, industry_cols, by_industry),
        cross_table("属地 × 规模", region_cols, size_cols, by_size),
        cross_table("属地 × 审核状态", region_cols, review_cols, by_review),
    ]
    # What the charts draw: nothing in the page's script is a number of its own.
    chart_data = {"total": total} | {
        key: {
            "title": d["title"], "type": d["chart"], "colors": d["colors"],
            "labels": [r["label"] for r in d["rows"]], "values": [r["count"] for r in d["rows"]],
            "links": [r["url"] for r in d["rows"]],
        }
        for key, d in dims.items()
    }
    context = {"filter": scope.filter, "total": total, "scope": regions.root, "dims": dims, "cross": cross, "data": chart_data,
               "list_url": scope.link("archive:enterprise_list")}
    return render(request, "archive/enterprise_stats.html", context)
