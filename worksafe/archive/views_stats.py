"""企业信息统计 (1.7): the enterprises of a regulator's jurisdiction counted by region, industry, size and review state.

Every count comes from `enterprises_for(user)`, narrowed by the list page's filters. Three GROUP BY queries do all
the counting: each groups by (region code, one other dimension), so the same rows give the totals of both
dimensions and the cross tables of 1.7.2–1.7.4 (属地 × 类型, 属地 × 规模, 属地 × 审核状态). They group by the stored
codes, reading the index enterprise_stats in its order, so the database counts without touching or sorting rows
(grouping by SUBSTR(region_id, 1, n) sorts every row: 2.4 s instead of ~0.2 s for 300,000 enterprises on SQLite,
bench/); the codes are then folded here into the regions and industries shown, by their prefixes, over a few
thousand groups at most.
"""
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse

from worksafe.core.access import regulator_only
from worksafe.core.models import Industry, Region, RegionLevel
from worksafe.core.scoping import enterprises_for

from .filters import EnterpriseFilter
from .models import ReviewState

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
REVIEW_HEX = {"draft": "#667382", "submitted": "#f76707", "approved": "#2fb344", "returned": "#d63939"}
# Regions whose enterprises the list page's 属地 filter accepts (and that have children worth drilling into).
LISTABLE_LEVELS = {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY}
DRILLABLE_LEVELS = {RegionLevel.PROVINCE, RegionLevel.CITY}

# One conditional count per band, so that the size query groups by region alone (in the index's order).
SIZE_COUNTS = {
    f"band{i}": Count("staff_count", filter=Q(staff_count__gte=low) & (Q(staff_count__lt=high) if high else Q()))
    for i, (low, high, _) in enumerate(SIZE_BANDS)
}


class Axis:
    """One level of a code tree (regions or industries) to count by: the children of `root`.

    Codes share prefixes with their subtree, so each counted code is folded into the child whose prefix it starts
    with; what matches no child belongs to `root` itself (an enterprise registered at county level, seen by the
    county: 本级).
    """

    def __init__(self, root, children, prefix):
        self.root = root
        self.children = children
        self.by_prefix = {prefix(c): c for c in children}
        self.lengths = sorted({len(p) for p in self.by_prefix}, reverse=True)

    def owner(self, key):
        for n in self.lengths:
            child = self.by_prefix.get(key[:n])
            if child is not None:
                return child.pk
        return None

    def rows(self, counts):
        """[(key, label, object)]: every child, zeros included (an empty county is news too), and the root itself
        (本级) when enterprises are registered at its own level; only the root when no child has any."""
        rows = [(c.pk, c.name, c) for c in self.children] if any(counts.get(c.pk) for c in self.children) else []
        if counts.get(None) or not rows:
            label = self.root.name if self.root else "其他"
            rows.insert(0, (None, f"{label}（本级）" if rows else label, self.root))
        return rows


def region_axis(user, picked):
    """Counting by region looks one level below the picked region, or below the user's own region."""
    root = picked or (user.organization.region if user.is_regulator else None)
    if root is None:  # the system administrator: below the (single) province, if there is only one
        tops = list(Region.objects.filter(parent=None))
        if len(tops) == 1:
            root = tops[0]
        else:
            return Axis(None, tops, lambda r: r.prefix)
    return Axis(root, list(Region.objects.filter(parent=root)), lambda r: r.prefix)


def industry_axis(picked):
    """Top-level industries; the sub-industries when a top-level industry is picked."""
    root = picked if picked is not None and picked.parent_id is None else None
    return Axis(root, list(Industry.objects.filter(parent=root)), lambda i: i.code)


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


def link(name, params, **values):
    q = params.copy()
    for key, value in values.items():
        q[key] = value
    return f"{reverse(name)}?{q.urlencode()}"


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
    regulator_only(request)
    user = request.user
    filterset = EnterpriseFilter(request.GET, enterprises_for(user), user=user)
    qs = filterset.qs
    picked = filterset.form.cleaned_data if filterset.form.is_valid() else {}
    params = request.GET.copy()
    for key in ("page", "sort", "per_page"):
        params.pop(key, None)

    regions = region_axis(user, picked.get("region"))
    industries = industry_axis(picked.get("industry"))
    by_industry = crosstab(qs, regions, "industry_id", industries.owner)
    by_size = size_crosstab(qs, regions)
    by_review = crosstab(qs, regions, "review_state")
    region_totals, industry_totals = totals(by_industry, 0), totals(by_industry, 1)
    total = sum(region_totals.values())

    region_rows = regions.rows(region_totals)
    region_cols = [
        column(
            key, label,
            # The list's 属地 filter takes a whole subtree: link 本级 only when it stands alone.
            url=link("archive:enterprise_list", params, region=obj.code)
            if obj is not None and obj.level in LISTABLE_LEVELS and (key is not None or len(region_rows) == 1) else "",
            drill=link("archive:enterprise_stats", params, region=obj.code)
            if key is not None and obj.level in DRILLABLE_LEVELS else "",
        )
        for key, label, obj in region_rows
    ]
    industry_rows = [row for row in industries.rows(industry_totals) if industry_totals[row[0]]]
    industry_cols = [
        column(
            key, label,
            # As for regions: the list's 行业 filter includes the sub-industries.
            url=link("archive:enterprise_list", params, industry=obj.code)
            if obj is not None and (key is not None or len(industry_rows) == 1) else "",
            drill=link("archive:enterprise_stats", params, industry=obj.code)
            if key is not None and industries.root is None else "",
        )
        for key, label, obj in industry_rows
    ]
    size_cols = [column(i, label) for i, (_, _, label) in enumerate(SIZE_BANDS)]
    review_cols = [column(s, label, url=link("archive:enterprise_list", params, review_state=s)) for s, label in ReviewState.choices]

    industry_title = f"按行业统计（{industries.root.name}）" if industries.root else "按行业统计"
    dims = {
        "region": dimension("按属地统计", region_cols, region_totals, total, "bar-horizontal"),
        "industry": dimension(industry_title, industry_cols, industry_totals, total, "pie"),
        "size": dimension("按企业规模统计（职工总数）", size_cols, totals(by_size, 1), total, "bar"),
        "review": dimension("按审核状态统计", review_cols, totals(by_review, 1), total, "pie",
                            colors=[REVIEW_HEX[s] for s in ReviewState.values]),
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
    context = {
        "filter": filterset,
        "total": total,
        "scope": regions.root,
        "dims": dims,
        "cross": cross,
        "data": chart_data,
        "list_url": link("archive:enterprise_list", params),
    }
    return render(request, "archive/enterprise_stats.html", context)
