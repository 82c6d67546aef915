"""风险统计分析 (seed 001 (三) 3.7: 属地风险等级统计, 年度风险巡检统计, 属地风险巡检统计; seed 000 3.1.1 风险分析).

Risk events by level come from the enterprises' summary columns (risk_major … risk_low, kept by risks.summary),
never from the event table: one GROUP BY region_id, industry_id, risk_grade over the jurisdiction's enterprises
gives the events per level by region and by industry and the enterprises per overall grade; the codes are then
folded into the regions and industries shown by their prefixes (archive.views_stats.Axis), as the enterprise
statistics do (province: 300,000 enterprises read, ~0.25 s on PostgreSQL).

Patrols are counted the same way, from their yearly summaries per enterprise (PatrolYear, kept by
patrols.record_patrol): a few rows per enterprise instead of every patrol item (措施落实 is on the item row; a
province holds millions). The patrol sections are still a second request the page loads after showing the rest
(risks:stats_patrols).
"""
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from worksafe.archive.models import Enterprise
from worksafe.archive.views_stats import DRILLABLE_LEVELS, LISTABLE_LEVELS, industry_axis, link, region_axis
from worksafe.core.access import regulator_only
from worksafe.core.risk_levels import ORDER, RiskLevel
from worksafe.core.scoping import enterprise_q, enterprises_for

from .filters import RiskStatsFilter
from .models import PatrolYear

LEVEL_HEX = {RiskLevel.MAJOR: "#d63939", RiskLevel.HIGH: "#f76707", RiskLevel.MEDIUM: "#f59f00", RiskLevel.LOW: "#206bc4"}
LEVELS = [(level.value, level.label, LEVEL_HEX[level]) for level in ORDER]
# "none" is the enterprise list's value for 未评定 (archive.filters.UNGRADED).
GRADES = [*LEVELS, ("none", "未评定", "#667382")]
PATROL_SERIES = [("patrols", "巡检次数", "#206bc4"), ("items", "检查项", "#2fb344"), ("failed", "未落实项", "#d63939")]
YEARS = 5  # 年度风险巡检统计 covers this year and the four before


class Scope:
    """What both views count within: the user's jurisdiction narrowed by the picked 属地 and 行业, the regions to
    count by (below the picked region or the user's own), and the query parameters links keep."""

    def __init__(self, request):
        regulator_only(request)
        self.user = request.user
        self.filter = RiskStatsFilter(request.GET, enterprises_for(self.user), user=self.user)
        self.regions = region_axis(self.user, self.filter.picked.get("region"))
        self.params = request.GET.copy()
        for key in ("page", "sort", "per_page", "year"):
            self.params.pop(key, None)

    def rows_of(self, model, path):
        """`model`'s rows whose enterprise (at `path`) is in scope."""
        return model.objects.filter(enterprise_q(self.user, path) & self.filter.q_for(path))

    def region_rows(self, counts, params=None):
        """The region axis's rows: every child region (zeros too), 本级 when enterprises sit at the root's own level.

        `region` is the code a list's 属地 filter may take for the row (a listable region; 本级 only when it stands
        alone, as the filter takes a whole subtree), `drill` the statistics counted inside it."""
        rows = self.regions.rows(counts)
        result = []
        for key, label, obj in rows:
            listable = obj is not None and obj.level in LISTABLE_LEVELS and (key is not None or len(rows) == 1)
            drillable = key is not None and obj.level in DRILLABLE_LEVELS
            result.append({
                "key": key, "label": label, "region": obj.code if listable else None,
                "drill": link("risks:stats", params or self.params, region=obj.code) if drillable else "",
            })
        return result


def rate(done, total):
    return f"{100 * done / total:.1f}%" if total else "—"


def cells(counts, links):
    """A table row's counts (`cells`, what the charts draw), with their links for the table (`items`)."""
    return {"cells": counts, "items": [{"n": n, "url": url} for n, url in zip(counts, links, strict=False)], "total": sum(counts)}


def chart(title, rows, series, pie, stack=False, unit="条"):
    """What the page's script draws for one table: a bar series per (key, label, colour) of `series` (reading
    row["cells"][i] for an int key, else row[key]), a pie, and where a click leads (a region's drill-down first)."""
    def values(key):
        return [r["cells"][key] if isinstance(key, int) else r[key] for r in rows]

    def links(key):
        return [r["items"][key]["url"] if isinstance(key, int) else r.get("list", "") for r in rows]

    return {
        "title": title, "labels": [r["label"] for r in rows], "stack": stack, "unit": unit,
        "series": [{"name": label, "color": color, "values": values(key), "links": links(key)} for key, label, color in series],
        "pie": pie, "drill": [r.get("drill", "") for r in rows],
    }


def pie(names, values, links, colors=None):
    return {"names": names, "values": values, "links": links, "colors": colors}


@login_required
def risk_stats(request):
    """属地风险等级统计 and the same by industry and by enterprise grade; the patrol sections load afterwards."""
    scope = Scope(request)
    params = scope.params
    industries = industry_axis(scope.filter.picked.get("industry"))
    enterprises = scope.rows_of(Enterprise, "")

    # One GROUP BY over the enterprises: their number per (region code, industry, grade) and events per level.
    ent_by_region, ent_by_industry, grades = Counter(), Counter(), Counter()
    ev_by_region, ev_by_industry = Counter(), Counter()
    sums = {value: Sum(f"risk_{value}") for value, _, _ in LEVELS}
    for row in enterprises.order_by().values("region_id", "industry_id", "risk_grade").annotate(n=Count("*"), **sums):
        r, i, n = scope.regions.owner(row["region_id"]), industries.owner(row["industry_id"]), row["n"]
        ent_by_region[r] += n
        ent_by_industry[i] += n
        grades[r, row["risk_grade"] or "none"] += n
        for value, _, _ in LEVELS:
            ev_by_region[r, value] += row[value] or 0
            ev_by_industry[i, value] += row[value] or 0
    level_totals = [sum(ev_by_region[r, value] for r in ent_by_region) for value, _, _ in LEVELS]

    rrows = scope.region_rows(ent_by_region)
    region_table = [{
        **row, "enterprises": ent_by_region[row["key"]],
        **cells([ev_by_region[row["key"], v] for v, _, _ in LEVELS],
                [link("risks:events", params, region=row["region"], level=v) if row["region"] else "" for v, _, _ in LEVELS]),
        "list": link("risks:events", params, region=row["region"]) if row["region"] else "",
    } for row in rrows]
    industry_table = []
    irows = [row for row in industries.rows(ent_by_industry) if ent_by_industry[row[0]]]  # industries with enterprises
    for key, label, obj in irows:
        # As for regions: the lists' 行业 filter takes the sub-industries too.
        code = obj.code if obj is not None and (key is not None or len(irows) == 1) else None
        industry_table.append({
            "key": key, "label": label, "enterprises": ent_by_industry[key],
            **cells([ev_by_industry[key, v] for v, _, _ in LEVELS],
                    [link("risks:events", params, industry=code, level=v) if code else "" for v, _, _ in LEVELS]),
            "list": link("risks:events", params, industry=code) if code else "",
            "drill": link("risks:stats", params, industry=obj.code) if key is not None and industries.root is None else "",
        })
    # Enterprises by overall grade (未评定: no graded event yet), per region; cells open the enterprise list.
    grade_table = [{
        **row,
        **cells([grades[row["key"], g] for g, _, _ in GRADES],
                [link("archive:enterprise_list", params, region=row["region"], risk_grade=g) if row["region"] else ""
                 for g, _, _ in GRADES]),
        "list": link("archive:enterprise_list", params, region=row["region"]) if row["region"] else "",
    } for row in rrows]
    grade_totals = [sum(r["cells"][i] for r in grade_table) for i in range(len(GRADES))]

    industry_title = f"行业风险等级统计（{industries.root.name}）" if industries.root else "行业风险等级统计"
    by_level = [(i, label, color) for i, (_, label, color) in enumerate(LEVELS)]
    charts = {
        "region": chart("属地风险等级统计", region_table, by_level, pie(
            [label for _, label, _ in LEVELS], level_totals,
            [link("risks:events", params, level=v) for v, _, _ in LEVELS], [c for _, _, c in LEVELS]), stack=True),
        "industry": chart(industry_title, industry_table, by_level, pie(
            [r["label"] for r in industry_table], [r["total"] for r in industry_table], [r["list"] for r in industry_table]),
            stack=True),
        "grade": chart("企业风险等级统计", grade_table, [(i, label, color) for i, (_, label, color) in enumerate(GRADES)], pie(
            [label for _, label, _ in GRADES], grade_totals,
            [link("archive:enterprise_list", params, risk_grade=g) for g, _, _ in GRADES], [c for _, _, c in GRADES]),
            stack=True, unit="家"),
    }
    total_events = sum(level_totals)
    cards = [{"label": "风险事件总数", "count": total_events, "color": "", "url": link("risks:events", params)}] + [
        {"label": label, "count": n, "color": color, "url": link("risks:events", params, level=v)}
        for (v, label, color), n in zip(LEVELS, level_totals, strict=False)
    ]
    context = {
        "filter": scope.filter, "scope": scope.regions.root, "levels": LEVELS, "grades": GRADES, "cards": cards,
        "total_enterprises": sum(ent_by_region.values()), "total_events": total_events, "level_totals": level_totals,
        "region_table": region_table, "industry_table": industry_table, "grade_table": grade_table,
        "grade_totals": grade_totals, "industry_title": industry_title, "charts": charts,
        # Many regions: horizontal bars, a row each.
        "region_height": max(20, int(len(region_table) * 1.6 + 4)) if len(region_table) > 8 else 20,
        "patrols_url": f"{reverse('risks:stats_patrols')}?{request.GET.urlencode()}",
    }
    return render(request, "risks/stats.html", context)


def year_window():
    """The years the patrol statistics cover: this one and the YEARS - 1 before it."""
    this_year = timezone.localdate().year
    return list(range(this_year - YEARS + 1, this_year + 1))


@login_required
def patrol_stats(request):
    """年度风险巡检统计 (the last YEARS years) and 属地风险巡检统计 (?year=, this year by default): the page's second part.

    One GROUP BY region code query over the yearly patrol summaries (PatrolYear, kept as patrols are recorded),
    counting every year at once; the year table sums the regions, the region table reads the chosen year.
    """
    if not request.htmx:
        return redirect(f"{reverse('risks:stats')}?{request.GET.urlencode()}")
    scope = Scope(request)
    params = scope.params
    years = year_window()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else years[-1]

    enterprises = Counter()
    for r in scope.rows_of(Enterprise, "").order_by().values("region_id").annotate(n=Count("*")):
        enterprises[scope.regions.owner(r["region_id"])] += r["n"]
    patrolled, patrolling, checked, failed = Counter(), Counter(), Counter(), Counter()
    counts = {}
    for y in years:
        in_y = Q(year=y)
        counts[f"p{y}"] = Sum("patrols", filter=in_y, default=0)
        counts[f"n{y}"] = Sum("items", filter=in_y, default=0)
        counts[f"f{y}"] = Sum("failed", filter=in_y, default=0)
        counts[f"e{y}"] = Count("id", filter=in_y)  # one row per enterprise and year: the enterprises that patrolled
    summary = scope.rows_of(PatrolYear, "enterprise").filter(year__gte=years[0], year__lte=years[-1])
    for r in summary.order_by().values("enterprise__region_id").annotate(**counts):
        owner = scope.regions.owner(r["enterprise__region_id"])
        for y in years:
            patrolled[owner, y] += r[f"p{y}"]
            patrolling[owner, y] += r[f"e{y}"]
            checked[owner, y] += r[f"n{y}"]
            failed[owner, y] += r[f"f{y}"]

    def in_year(counter, y):
        return sum(n for (_, year_), n in counter.items() if year_ == y)

    year_table = []
    for y in years:
        row = {"patrols": in_year(patrolled, y), "items": in_year(checked, y), "failed": in_year(failed, y)}
        if row["patrols"] or year_table or y == years[-1]:  # from the first year with patrols on
            year_table.append({
                "label": f"{y}年", "year": y, **row, "rate": rate(row["items"] - row["failed"], row["items"]),
                "list": link("risks:patrol_records", params, date_from=f"{y}-01-01", date_to=f"{y}-12-31"),
            })
    year_params = params.copy()
    year_params["year"] = str(year)
    patrol_table = []
    for row in scope.region_rows(enterprises, year_params):
        key = row["key"]
        patrol_table.append({
            **row, "enterprises": enterprises[key], "patrolling": patrolling[key, year],
            "coverage": rate(patrolling[key, year], enterprises[key]),
            "patrols": patrolled[key, year], "items": checked[key, year], "failed": failed[key, year],
            "rate": rate(checked[key, year] - failed[key, year], checked[key, year]),
            "list": link("risks:patrol_records", params, region=row["region"], date_from=f"{year}-01-01",
                         date_to=f"{year}-12-31") if row["region"] else "",
        })
    charts = {
        "years": chart("年度风险巡检统计", year_table, PATROL_SERIES, pie(
            [r["label"] for r in year_table], [r["patrols"] for r in year_table], [r["list"] for r in year_table]),
            unit="次"),
        "patrol_region": chart(f"属地风险巡检统计（{year}年）", patrol_table, PATROL_SERIES, pie(
            [r["label"] for r in patrol_table], [r["patrols"] for r in patrol_table], [r["list"] for r in patrol_table]),
            unit="次"),
    }
    context = {
        "year_table": year_table, "patrol_table": patrol_table, "year": year, "charts": charts,
        "year_links": [(y, link("risks:stats", params, year=str(y))) for y in years if y >= year_table[0]["year"]],
        "region_height": max(20, int(len(patrol_table) * 1.6 + 4)) if len(patrol_table) > 8 else 20,
    }
    return render(request, "risks/stats_patrols.html", context)


urlpatterns = [
    path("stats/", risk_stats, name="stats"),
    path("stats/patrols/", patrol_stats, name="stats_patrols"),
]
