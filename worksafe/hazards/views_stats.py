"""隐患统计分析 (seed 001 2.10): 属地隐患统计, 行业隐患统计, 年度隐患统计 as bar, pie and table, with drill-down.

The counting is in stats.py (yearly summaries, never the hazard table, except the overdue and open major hazards
an index holds); this module folds the counted codes into the regions and industries shown (core.stats) and links
every figure to the hazard list behind it. The reporting rates (属地/行业上报率) are another page.
"""
from collections import Counter
from functools import partial

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from worksafe.core.stats import HEX, Scope, Tally, bar_height, cells, chart, chosen_year, in_cells, link, pie_of, rate, since_first, year_window

from . import deadlines, stats
from .models import LEVEL_COLORS, STATE_COLORS, Level, State

SERIES = [("general", "一般隐患", HEX[LEVEL_COLORS[Level.GENERAL]]), ("major", "重大隐患", HEX[LEVEL_COLORS[Level.MAJOR]]),
          ("closed", "已销号", HEX[STATE_COLORS[State.CLOSED]])]
KINDS = [key for key, _, _ in SERIES]
SHOWN_BY = [{"level": Level.GENERAL}, {"level": Level.MAJOR}, {"state": State.CLOSED}]  # each series' hazard list


def _figures(general, major, closed):
    return {"general": general, "major": major, "closed": closed, "found": general + major,
            "open": general + major - closed, "rate": rate(closed, general + major)}


def _row(label, figures, hazards, **extra):
    """A table row: its figures, the links of its three cells (general, major, closed) and of its label;
    `hazards(**filters)` is the URL of the hazard list behind the row ("" when there is none)."""
    urls = [hazards(**shown) for shown in SHOWN_BY]
    return {"label": label, **figures, **cells([figures[k] for k in KINDS], urls), "list": hazards(), **extra}


def _found_in(params, year):
    """`params` with the hazard list's 发现日期 narrowed to `year`."""
    q = params.copy()
    q["found_from"], q["found_to"] = f"{year}-01-01", f"{year}-12-31"
    return q


@login_required
@require_GET
def hazard_stats(request):
    """Hazards found in the chosen year by region and by industry, and the last years side by side."""
    scope = Scope(request)
    user, params, regions, industries = scope.user, scope.params, scope.regions, scope.industries
    years = year_window()
    year = chosen_year(request, years)
    span = _found_in(params, year)

    q = scope.filter.q_for("")  # on the rows' own copies of region and industry
    groups = stats.yearly_groups(user, years, q)
    # The chosen year's figures by region and industry, and (seen) the hazards of any year: a region or industry with
    # some keeps its row (with zeros) in a year without any.
    by_region, by_industry = Tally(regions), Tally(industries)
    for g in groups:
        for row in (by_region.at(g.region_id), by_industry.at(g.industry_id)):
            row["seen"] += g.general + g.major
            for kind, n in zip(KINDS, g.years[year], strict=True):
                row[kind] += n
    by_year = {y: Counter({kind: sum(g.years[y][i] for g in groups) for i, kind in enumerate(KINDS)}) for y in years}

    def axis_table(rows, tally):
        """属地 or 行业: a row's figures in the chosen year; cells open its hazards of that year."""
        return [_row(row.label, _figures(*(tally[row.key][k] for k in KINDS)), partial(row.link, "hazards:all_list", span),
                     drill=row.drill("hazards:hazard_stats", params, year=str(year))) for row in rows]

    region_table = axis_table(regions.rows(by_region.counts("seen")), by_region)
    industry_table = axis_table(industries.rows(by_industry.counts("seen")), by_industry)
    # 年度: the window's years, from the first one with hazards on.
    year_table = [_row(f"{y}年", _figures(*(by_year[y][k] for k in KINDS)), partial(link, "hazards:all_list", _found_in(params, y)),
                       year=y, drill=scope.link("hazards:hazard_stats", year=str(y)))
                  for y in since_first(years, lambda y: by_year[y]["general"] + by_year[y]["major"])]

    def footer(table):
        return _figures(*(sum(r[k] for r in table) for k in KINDS))

    industry_title = f"行业隐患统计（{industries.root.name}）" if industries.root else "行业隐患统计"
    charts = {
        key: chart(title, table, in_cells(SERIES), pie_of(table, "found"))
        for key, title, table in (("region", f"属地隐患统计（{year}年）", region_table),
                                  ("industry", f"{industry_title}（{year}年）", industry_table), ("years", "年度隐患统计", year_table))
    }
    # Year-table bars open that year's statistics rather than drilling into a region.
    charts["years"]["drill"] = [""] * len(year_table)
    open_total = sum(g.open for g in groups)
    cards = [
        {"label": "未整改隐患", "count": open_total, "color": HEX["orange"], "url": scope.link("hazards:open_list"), "testid": "open"},
        {"label": "已超期未整改", "count": stats.overdue_count(user, q), "color": HEX["red"],
         "url": scope.link("hazards:open_list", due=deadlines.Due.OVERDUE), "testid": "overdue"},
        {"label": "重大隐患未整改", "count": stats.major_open_count(user, q), "color": HEX["red"],
         "url": scope.link("hazards:major_list"), "testid": "major_open"},
        {"label": f"{year}年发现 / 已销号", "color": HEX["green"], "url": link("hazards:all_list", span), "testid": "year",
         "count": f"{by_year[year]['general'] + by_year[year]['major']} / {by_year[year]['closed']}"},
    ]
    context = {
        "filter": scope.filter, "scope": regions.root, "year": year, "cards": cards, "series": SERIES,
        "year_links": [(y, scope.link("hazards:hazard_stats", year=str(y))) for y in years],
        "region_table": region_table, "industry_table": industry_table, "year_table": year_table,
        "region_footer": footer(region_table), "industry_footer": footer(industry_table), "industry_title": industry_title,
        "charts": charts, "enterprises_url": scope.link("archive:enterprise_list"), "region_height": bar_height(region_table),
    }
    return render(request, "hazards/stats.html", context)
