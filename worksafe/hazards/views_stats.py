"""隐患统计分析 (seed 001 2.10): 属地隐患统计, 行业隐患统计, 年度隐患统计 as bar, pie and table, with drill-down.

The counting is in stats.py (yearly summaries, never the hazard table, except the overdue and open major hazards
an index holds); this module folds the counted codes into the regions and industries shown (archive.views_stats'
axes) and links every figure to the hazard list behind it. The reporting rates (属地/行业上报率) are another page.
"""
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from worksafe.archive.views_stats import DRILLABLE_LEVELS, LISTABLE_LEVELS, industry_axis, link, region_axis
from worksafe.core.access import regulator_only
from worksafe.core.scoping import enterprises_for
from worksafe.risks.views_stats import cells, chart, pie, rate

from . import deadlines, stats
from .filters import HazardStatsFilter
from .models import Level, State

SERIES = [("general", "一般隐患", "#f59f00"), ("major", "重大隐患", "#d63939"), ("closed", "已销号", "#2fb344")]
KINDS = [key for key, _, _ in SERIES]


def _figures(general, major, closed):
    return {"general": general, "major": major, "closed": closed, "found": general + major,
            "open": general + major - closed, "rate": rate(closed, general + major)}


def _row(label, figures, urls, **extra):
    """A table row: its figures, the links of its three cells (general, major, closed) and of its label."""
    return {"label": label, **figures, **cells([figures[k] for k in KINDS], urls), **extra}


@login_required
@require_GET
def hazard_stats(request):
    """Hazards found in the chosen year by region and by industry, and the last years side by side."""
    regulator_only(request)
    user = request.user
    filterset = HazardStatsFilter(request.GET, enterprises_for(user), user=user)
    picked = filterset.picked
    params = request.GET.copy()
    for key in ("page", "sort", "per_page", "year"):
        params.pop(key, None)
    years = stats.year_window()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else years[-1]
    span = {"found_from": f"{year}-01-01", "found_to": f"{year}-12-31"}

    regions = region_axis(user, picked.get("region"))
    industries = industry_axis(picked.get("industry"))
    q = filterset.q_for("")  # on the rows' own copies of region and industry
    groups = stats.yearly_groups(user, years, q)
    by_region, by_industry, by_year = Counter(), Counter(), Counter()
    totals = Counter()
    # Regions and industries with hazards in any year: their rows stay (with zeros) in a year without any.
    seen_regions, seen_industries = Counter(), Counter()
    for g in groups:
        r, i = regions.owner(g.region_id), industries.owner(g.industry_id)
        seen_regions[r] += g.general + g.major
        seen_industries[i] += g.general + g.major
        general, major, closed = g.years[year]
        for kind, n in zip(KINDS, (general, major, closed), strict=False):
            by_region[r, kind] += n
            by_industry[i, kind] += n
        for y in years:
            for kind, n in zip(KINDS, g.years[y], strict=False):
                by_year[y, kind] += n
        totals["general"] += g.general
        totals["major"] += g.major
        totals["closed"] += g.closed

    def cell_links(base):
        return [link("hazards:all_list", params, **base, level=Level.GENERAL),
                link("hazards:all_list", params, **base, level=Level.MAJOR),
                link("hazards:all_list", params, **base, state=State.CLOSED)]

    # 属地: every child region of the picked one (or of the user's own), zeros too; drill into a city or county.
    axis_rows = regions.rows(seen_regions)
    region_table = []
    for key, label, obj in axis_rows:
        listable = obj is not None and obj.level in LISTABLE_LEVELS and (key is not None or len(axis_rows) == 1)
        base = {**span, "region": obj.code} if listable else None
        region_table.append(_row(
            label, _figures(*(by_region[key, k] for k in KINDS)), cell_links(base) if base else ["", "", ""],
            list=link("hazards:all_list", params, **base) if base else "",
            drill=link("hazards:stats", params, region=obj.code, year=str(year))
            if key is not None and obj.level in DRILLABLE_LEVELS else "",
        ))
    # 行业: the industries with hazards; a top-level industry opens its sub-industries.
    industry_table = []
    irows = [row for row in industries.rows(seen_industries) if seen_industries[row[0]]]
    for key, label, obj in irows:
        code = obj.code if obj is not None and (key is not None or len(irows) == 1) else None
        base = {**span, "industry": code} if code else None
        industry_table.append(_row(
            label, _figures(*(by_industry[key, k] for k in KINDS)), cell_links(base) if base else ["", "", ""],
            list=link("hazards:all_list", params, **base) if base else "",
            drill=link("hazards:stats", params, industry=obj.code, year=str(year))
            if key is not None and industries.root is None else "",
        ))
    # 年度: the window's years, from the first one with hazards on.
    year_table = []
    for y in years:
        figures = _figures(*(by_year[y, k] for k in KINDS))
        if figures["found"] or year_table or y == years[-1]:
            ybase = {"found_from": f"{y}-01-01", "found_to": f"{y}-12-31"}
            year_table.append(_row(f"{y}年", figures, cell_links(ybase), year=y,
                                   list=link("hazards:all_list", params, **ybase),
                                   drill=link("hazards:stats", params, year=str(y))))

    def footer(table):
        return _figures(*(sum(r[k] for r in table) for k in KINDS))

    series = [(i, label, color) for i, (_, label, color) in enumerate(SERIES)]
    region_footer, industry_footer = footer(region_table), footer(industry_table)
    industry_title = f"行业隐患统计（{industries.root.name}）" if industries.root else "行业隐患统计"
    charts = {
        "region": chart(f"属地隐患统计（{year}年）", region_table, series, pie(
            [r["label"] for r in region_table], [r["found"] for r in region_table], [r["list"] for r in region_table])),
        "industry": chart(f"{industry_title}（{year}年）", industry_table, series, pie(
            [r["label"] for r in industry_table], [r["found"] for r in industry_table],
            [r["list"] for r in industry_table])),
        "years": chart("年度隐患统计", year_table, series, pie(
            [r["label"] for r in year_table], [r["found"] for r in year_table], [r["list"] for r in year_table])),
    }
    # Year-table bars open that year's statistics rather than drilling into a region.
    charts["years"]["drill"] = [""] * len(year_table)
    overdue = stats.overdue_count(user, q)
    major_open = stats.major_open_count(user, q)
    open_total = totals["general"] + totals["major"] - totals["closed"]
    cards = [
        {"label": "未整改隐患", "count": open_total, "color": "#f76707", "url": link("hazards:open_list", params),
         "testid": "open"},
        {"label": "已超期未整改", "count": overdue, "color": "#d63939",
         "url": link("hazards:open_list", params, due=deadlines.Due.OVERDUE), "testid": "overdue"},
        {"label": "重大隐患未整改", "count": major_open, "color": "#d63939",
         "url": link("hazards:major_list", params), "testid": "major_open"},
        {"label": f"{year}年发现 / 已销号", "color": "#2fb344", "url": link("hazards:all_list", params, **span), "testid": "year",
         "count": f"{by_year[year, 'general'] + by_year[year, 'major']} / {by_year[year, 'closed']}"},
    ]
    context = {
        "filter": filterset, "scope": regions.root, "year": year, "cards": cards, "series": SERIES,
        "year_links": [(y, link("hazards:stats", params, year=str(y))) for y in years],
        "region_table": region_table, "industry_table": industry_table, "year_table": year_table,
        "region_footer": region_footer, "industry_footer": industry_footer, "industry_title": industry_title,
        "charts": charts, "enterprises_url": link("archive:enterprise_list", params),
        "region_height": max(20, int(len(region_table) * 1.6 + 4)) if len(region_table) > 8 else 20,
    }
    return render(request, "hazards/stats.html", context)


urlpatterns = [path("stats/", hazard_stats, name="stats")]
