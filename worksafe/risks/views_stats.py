"""风险统计分析 (seed 001 (三) 3.7: 属地风险等级统计, 年度风险巡检统计, 属地风险巡检统计; seed 000 3.1.1 风险分析).

Risk events by level come from the enterprises' summary columns (risk_major … risk_low, kept by risks.summary),
never from the event table: one GROUP BY region_id, industry_id, risk_grade over the jurisdiction's enterprises
gives the events per level by region and by industry and the enterprises per overall grade; the codes are then
folded into the regions and industries shown by their prefixes (core.stats), as the enterprise
statistics do (province: 300,000 enterprises read, ~0.25 s on PostgreSQL).

Patrols are counted the same way, from their yearly summaries per enterprise (PatrolYear, kept by
patrols.record_patrol): a few rows per enterprise instead of every patrol item (措施落实 is on the item row; a
province holds millions). The patrol sections are still a second request the page loads after showing the rest
(risks:patrol_stats).
"""
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse

from worksafe.archive.models import Enterprise
from worksafe.core.risk_levels import COLORS, ORDER
from worksafe.core.stats import HEX, Scope, Tally, bar_height, cells, chart, chosen_year, in_cells, pie_of, rate, series_pie, since_first, year_window

from .models import PatrolYear

LEVELS = [(level.value, level.label, HEX[COLORS[level]]) for level in ORDER]
# "none" is the enterprise list's value for 未评定 (archive.filters.UNGRADED).
GRADES = [*LEVELS, ("none", "未评定", HEX["secondary"])]
PATROL_SERIES = [("patrols", "巡检次数", HEX["blue"]), ("items", "检查项", HEX["green"]), ("failed", "未落实项", HEX["red"])]


@login_required
def risk_stats(request):
    """属地风险等级统计 and the same by industry and by enterprise grade; the patrol sections load afterwards."""
    scope = Scope(request)
    params, regions, industries = scope.params, scope.regions, scope.industries

    # One GROUP BY over the enterprises: their number per (region code, industry, grade) and events per level.
    by_region, by_industry = Tally(regions), Tally(industries)
    sums = {value: Sum(f"risk_{value}") for value, _, _ in LEVELS}
    for g in scope.rows_of(Enterprise, "").order_by().values("region_id", "industry_id", "risk_grade").annotate(n=Count("*"), **sums):
        r, i, n = by_region.at(g["region_id"]), by_industry.at(g["industry_id"]), g["n"]
        r["enterprises"] += n
        i["enterprises"] += n
        r[f"grade_{g['risk_grade'] or 'none'}"] += n
        for value, _, _ in LEVELS:
            r[value] += g[value] or 0
            i[value] += g[value] or 0
    level_totals = [by_region.total(value) for value, _, _ in LEVELS]

    def events(row, tally):
        """A row's enterprises and events per level; each cell opens the row's events of its level."""
        figures = tally[row.key]
        return {"label": row.label, "enterprises": figures["enterprises"], "drill": row.drill("risks:risk_stats", params),
                **cells([figures[v] for v, _, _ in LEVELS], [row.link("risks:event_list", params, level=v) for v, _, _ in LEVELS]),
                "list": row.link("risks:event_list", params)}

    region_rows = regions.rows(by_region.counts("enterprises"))
    region_table = [events(row, by_region) for row in region_rows]
    industry_table = [events(row, by_industry) for row in industries.rows(by_industry.counts("enterprises"))]
    # Enterprises by overall grade (未评定: no graded event yet), per region; cells open the enterprise list.
    grade_table = [{
        "label": row.label, "drill": row.drill("risks:risk_stats", params), "list": row.link("archive:enterprise_list", params),
        **cells([by_region[row.key][f"grade_{g}"] for g, _, _ in GRADES],
                [row.link("archive:enterprise_list", params, risk_grade=g) for g, _, _ in GRADES]),
    } for row in region_rows]
    grade_totals = [sum(r["cells"][i] for r in grade_table) for i in range(len(GRADES))]

    industry_title = f"行业风险等级统计（{industries.root.name}）" if industries.root else "行业风险等级统计"
    charts = {
        "region": chart("属地风险等级统计", region_table, in_cells(LEVELS), series_pie(
            LEVELS, level_totals, [scope.link("risks:event_list", level=v) for v, _, _ in LEVELS]), stack=True),
        "industry": chart(industry_title, industry_table, in_cells(LEVELS), pie_of(industry_table, "total"), stack=True),
        "grade": chart("企业风险等级统计", grade_table, in_cells(GRADES), series_pie(
            GRADES, grade_totals, [scope.link("archive:enterprise_list", risk_grade=g) for g, _, _ in GRADES]), stack=True, unit="家"),
    }
    total_events = sum(level_totals)
    cards = [{"label": "风险事件总数", "count": total_events, "color": "", "url": scope.link("risks:event_list")}] + [
        {"label": label, "count": n, "color": color, "url": scope.link("risks:event_list", level=v)}
        for (v, label, color), n in zip(LEVELS, level_totals, strict=True)
    ]
    context = {
        "filter": scope.filter, "scope": regions.root, "levels": LEVELS, "grades": GRADES, "cards": cards,
        "total_enterprises": by_region.total("enterprises"), "total_events": total_events, "level_totals": level_totals,
        "region_table": region_table, "industry_table": industry_table, "grade_table": grade_table,
        "grade_totals": grade_totals, "industry_title": industry_title, "charts": charts,
        "region_height": bar_height(region_table), "patrols_url": f"{reverse('risks:patrol_stats')}?{request.GET.urlencode()}",
    }
    return render(request, "risks/stats.html", context)


@login_required
def patrol_stats(request):
    """年度风险巡检统计 (the last five years) and 属地风险巡检统计 (?year=, this year by default): the page's second part.

    One GROUP BY region code query over the yearly patrol summaries (PatrolYear, kept as patrols are recorded),
    counting every year at once; the year table sums the regions, the region table reads the chosen year.
    """
    if not request.htmx:
        return redirect(f"{reverse('risks:risk_stats')}?{request.GET.urlencode()}")
    scope = Scope(request)
    params, regions = scope.params, scope.regions
    years = year_window()
    year = chosen_year(request, years)

    enterprises, patrols = Tally(regions), Tally(regions)
    for r in scope.rows_of(Enterprise, "").order_by().values("region_id").annotate(n=Count("*")):
        enterprises.at(r["region_id"])["n"] += r["n"]
    counts = {}
    for y in years:
        in_y = Q(year=y)
        counts[f"patrols{y}"] = Sum("patrols", filter=in_y, default=0)
        counts[f"items{y}"] = Sum("items", filter=in_y, default=0)
        counts[f"failed{y}"] = Sum("failed", filter=in_y, default=0)
        counts[f"patrolling{y}"] = Count("id", filter=in_y)  # one row per enterprise and year: the enterprises that patrolled
    summary = scope.rows_of(PatrolYear, "enterprise").filter(year__gte=years[0], year__lte=years[-1])
    for r in summary.order_by().values("enterprise__region_id").annotate(**counts):
        patrols.at(r.pop("enterprise__region_id")).update(r)

    year_table = []
    for y in since_first(years, lambda y: patrols.total(f"patrols{y}")):
        f = {k: patrols.total(f"{k}{y}") for k in ("patrols", "items", "failed")}
        year_table.append({"label": f"{y}年", "year": y, **f, "rate": rate(f["items"] - f["failed"], f["items"]),
                           "list": scope.link("risks:patrol_record_list", date_from=f"{y}-01-01", date_to=f"{y}-12-31")})
    year_params = params.copy()
    year_params["year"] = str(year)

    def in_region(row):
        """The chosen year's patrols of a region row; the row opens that year's patrol records."""
        n, f = enterprises[row.key]["n"], {k: patrols[row.key][f"{k}{year}"] for k in ("patrolling", "patrols", "items", "failed")}
        return {"label": row.label, "drill": row.drill("risks:risk_stats", year_params), "enterprises": n, **f,
                "coverage": rate(f["patrolling"], n), "rate": rate(f["items"] - f["failed"], f["items"]),
                "list": row.link("risks:patrol_record_list", params, date_from=f"{year}-01-01", date_to=f"{year}-12-31")}

    patrol_table = [in_region(row) for row in regions.rows(enterprises.counts("n"))]
    charts = {
        "years": chart("年度风险巡检统计", year_table, PATROL_SERIES, pie_of(year_table, "patrols"), unit="次"),
        "patrol_region": chart(f"属地风险巡检统计（{year}年）", patrol_table, PATROL_SERIES, pie_of(patrol_table, "patrols"), unit="次"),
    }
    context = {
        "year_table": year_table, "patrol_table": patrol_table, "year": year, "charts": charts,
        "year_links": [(y, scope.link("risks:risk_stats", year=str(y))) for y in years if y >= year_table[0]["year"]],
        "region_height": bar_height(patrol_table),
    }
    return render(request, "risks/stats_patrols.html", context)
