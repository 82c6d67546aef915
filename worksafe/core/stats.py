"""Statistics pages: the kit every one is declared with, and the rule for which region rows it shows, written once.

A statistics view (企业统计 archive/views_stats.py, 风险统计 risks/views_stats.py, 隐患统计 hazards/views_stats.py …)
is declared in four steps:

1. `scope = Scope(request)`: regulators only (403 otherwise); the 属地/行业 filter (`StatsFilter`, or the page's own
   filter set when its list has more fields); the axes to count by (`scope.regions`, `scope.industries`); the query
   parameters its links keep (`scope.params`, `scope.link`).
2. The measures, as series `(key, label, colour)`: colours come from `HEX`, through the vocabulary's own colour
   names where it has them (RiskLevel `COLORS`, `REVIEW_COLORS` …), so that a hex value is written nowhere else.
3. The query: one GROUP BY over the stored codes (`region_id`, `industry_id`, …), never over a prefix of them, so the
   database reads an index in its order instead of sorting every row (SUBSTR(region_id, 1, n): 2.4 s instead of
   ~0.2 s for 300,000 enterprises, bench/). A `Tally` per axis folds each group's figures into the row that owns
   its code, over a few thousand groups at most.
4. The tables: `axis.rows(counts)` gives the rows shown, each knowing where it leads (`row.link`, `row.drill`; the
   rule is RegionAxis's docstring); `cells`, `chart` and the pies shape a table's figures and what static/stats.js
   draws from the page's json_script block, in the cards' bar / pie / table tabs (includes/stats_tabs.html,
   includes/stats_charts.html).

hazards/views_stats.py is the example to copy: the query in its own module (stats.py, which bench/ times), a table per
axis and one per year, cards, charts.
"""
from collections import Counter, defaultdict
from functools import cached_property
from typing import NamedTuple

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .access import regulator_only
from .filters import REGION_LEVELS, EnterpriseScopeFilter
from .models import Industry, Region, RegionLevel
from .scoping import enterprise_q, enterprises_for, industry_codes, region_q

# Chart colours by the Tabler colour names the vocabularies use for their badges (RiskLevel COLORS, REVIEW_COLORS,
# hazards' LEVEL_COLORS and STATE_COLORS …): the one place a chart colour is spelled.
HEX = {
    "red": "#d63939", "orange": "#f76707", "yellow": "#f59f00", "green": "#2fb344", "blue": "#206bc4",
    "secondary": "#667382", "gray": "#868e96", "muted": "#9aa0ac",
}
YEARS = 5  # the yearly statistics cover this year and the four before
DRILLABLE_LEVELS = {RegionLevel.PROVINCE, RegionLevel.CITY}


def hexes(colors):
    """{value: hex} of a vocabulary's {value: colour name}."""
    return {value: HEX[name] for value, name in colors.items()}


class StatsFilter(EnterpriseScopeFilter):
    """The statistics: 属地 and 行业 only (what the counts are folded by), applied to any row's enterprise."""

    path = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["q"]

    @property
    def picked(self):
        """The valid choices ({} when none is valid: the jurisdiction as a whole)."""
        return self.form.cleaned_data if self.form.is_valid() else {}

    @cached_property
    def industry_codes(self):
        industry = self.picked.get("industry")
        return sorted(industry_codes([industry])) if industry else None

    def q_for(self, path):
        """The picked 属地 and 行业 as a Q on the enterprise at `path` ("" for Enterprise itself)."""
        p, q = f"{path}__" if path else "", Q()
        if self.picked.get("region"):
            q &= region_q(self.picked["region"], f"{p}region_id")
        if self.industry_codes:
            q &= Q(**{f"{p}industry_id__in": self.industry_codes})
        return q


class Scope:
    """What a statistics view counts within: the user's jurisdiction narrowed by the picked 属地 and 行业; what it
    counts by: the regions below the picked region (or the user's own) and the industries below the picked one; and
    the query parameters its links keep (those in `drop` are the page's own: paging, sorting, the year shown)."""

    def __init__(self, request, filterset=StatsFilter, drop=("page", "sort", "per_page", "year")):
        regulator_only(request)
        self.user = request.user
        self.filter = filterset(request.GET, enterprises_for(self.user), user=self.user)
        self.picked = self.filter.form.cleaned_data if self.filter.form.is_valid() else {}
        self.params = request.GET.copy()
        for key in drop:
            self.params.pop(key, None)

    # Each axis costs a query: read only by the views that count by it.
    @cached_property
    def regions(self):
        return region_axis(self.user, self.picked.get("region"))

    @cached_property
    def industries(self):
        return industry_axis(self.picked.get("industry"))

    def rows_of(self, model, path):
        """`model`'s rows whose enterprise (at `path`) is in scope."""
        return model.objects.filter(enterprise_q(self.user, path) & self.filter.q_for(path))

    def link(self, name, **values):
        return link(name, self.params, **values)


class Row(NamedTuple):
    """A row of an axis: `key` is what the counted codes fold into (the child's code; None for the root itself,
    本级), `obj` the region or industry (None for the 其他 row of a system administrator with several provinces).
    `lists` and `drills` are the rule's verdicts (RegionAxis, IndustryAxis)."""

    key: str | None
    label: str
    obj: Region | Industry | None
    param: str
    lists: bool
    drills: bool

    def link(self, name, params, **values):
        """The list `name` narrowed to the row (and `values`), or "" when no list shows exactly the row."""
        return link(name, params, **{self.param: self.obj.code}, **values) if self.lists else ""

    def drill(self, name, params, **values):
        """The statistics `name` counted inside the row, or "" when the row does not drill down."""
        return link(name, params, **{self.param: self.obj.code}, **values) if self.drills else ""


class Axis:
    """One level of a code tree (regions or industries) to count by: the children of `root`.

    Codes share prefixes with their subtree, so each counted code is folded into the child whose prefix it starts
    with; what matches no child belongs to `root` itself (an enterprise registered at county level, seen by the
    county: 本级). Subclasses say which rows are shown and where each leads.
    """

    param = ""  # the filter a row narrows the lists and the statistics by
    zeros = True  # rows without counts are shown

    def __init__(self, root, children, prefix):
        self.root = root
        self.children = children
        self.by_prefix = {prefix(c): c for c in children}
        self.lengths = sorted({len(p) for p in self.by_prefix}, reverse=True)

    def owner(self, code):
        """The key of the row `code` folds into."""
        for n in self.lengths:
            child = self.by_prefix.get(code[:n])
            if child is not None:
                return child.pk
        return None

    def keys(self, counts):
        """[(key, label, object)]: every child, zeros included, and the root itself (本级) when codes fold into it;
        only the root when no child has any."""
        rows = [(c.pk, c.name, c) for c in self.children] if any(counts.get(c.pk) for c in self.children) else []
        if counts.get(None) or not rows:
            label = self.root.name if self.root else "其他"
            rows.insert(0, (None, f"{label}（本级）" if rows else label, self.root))
        return rows

    def rows(self, counts, zeros=None):
        """[Row] shown for `counts` ({key: n}), with the rule applied; `zeros` overrides the axis's default."""
        keys = self.keys(counts)
        if not (self.zeros if zeros is None else zeros):
            keys = [k for k in keys if counts.get(k[0])]
        alone = len(keys) == 1
        return [Row(key, label, obj, self.param, self.lists(key, obj, alone), self.drills(key, obj)) for key, label, obj in keys]

    def lists(self, key, obj, alone):
        raise NotImplementedError

    def drills(self, key, obj):
        raise NotImplementedError


class RegionAxis(Axis):
    """The region rows, and the rule for where each leads.

    Rows: every child of the root (the picked 属地, else the user's own region; for the system administrator the
    province, or the provinces when there are several), empty ones too (an empty county is news); the root itself as
    本级 beside them when enterprises are registered at its own level, alone when no child has any.

    A row opens a list (its code in the list's 属地 filter) when its region is one the lists' filter offers
    (REGION_LEVELS: province, city, county; never a township) and, for the 本级 row, only when it stands alone: the
    filter takes a whole subtree, so 本级 beside its children would list the children's enterprises too.

    A row drills down (the same statistics with the row as 属地) when it is a child province or city; a county's
    children are townships, where few enterprises are registered, so a county row opens the list instead, and the
    本级 row never drills (it is the page itself).

    Functional zones (经济技术开发区 …, county-level codes xx7x under their city) are counties like any other: listed,
    not drilled, and folded into their city above it. 济源示范区 is a city-level division directly under the province
    without counties: its prefix is its whole code (Region.prefix), so its townships fold into it, and drilling into
    it shows its townships, rows that list nothing, as townships never do.
    """

    param = "region"

    def lists(self, key, obj, alone):
        return obj is not None and obj.level in REGION_LEVELS and (key is not None or alone)

    def drills(self, key, obj):
        return key is not None and obj.level in DRILLABLE_LEVELS


class IndustryAxis(Axis):
    """The industry rows: the top-level industries, or the sub-industries of a picked top-level one, only those with
    counts (a list of every industry would be mostly zeros). A row opens a list as a region row does (the lists'
    行业 filter takes the sub-industries too, so 本级 only alone; 其他 never); a top-level industry drills into its
    sub-industries."""

    param = "industry"
    zeros = False

    def lists(self, key, obj, alone):
        return obj is not None and (key is not None or alone)

    def drills(self, key, obj):
        return key is not None and self.root is None


def region_axis(user, picked):
    """Counting by region looks one level below the picked region, or below the user's own region."""
    root = picked or (user.organization.region if user.is_regulator else None)
    if root is None:  # the system administrator: below the (single) province, if there is only one
        tops = list(Region.objects.filter(parent=None))
        if len(tops) == 1:
            root = tops[0]
        else:
            return RegionAxis(None, tops, lambda r: r.prefix)
    return RegionAxis(root, list(Region.objects.filter(parent=root)), lambda r: r.prefix)


def industry_axis(picked):
    """Top-level industries; the sub-industries when a top-level industry is picked."""
    root = picked if picked is not None and picked.parent_id is None else None
    return IndustryAxis(root, list(Industry.objects.filter(parent=root)), lambda i: i.code)


class Tally:
    """Figures summed per row: `tally.at(code)` is the Counter of the row owning `code` on `axis` (of the row `code`
    itself without an axis: a year, a month, a category), which a view adds a group's figures to; `tally[key]` is a
    row's Counter (empty for a row without any). Plain Counter additions: a province's groups number tens of
    thousands, and a call per figure would double the page's Python time (bench/risks.py)."""

    def __init__(self, axis=None):
        self.owner = axis.owner if axis is not None else (lambda code: code)
        self.by_key = defaultdict(Counter)

    def at(self, code):
        return self.by_key[self.owner(code)]

    def __getitem__(self, key):
        return self.by_key.get(key) or Counter()

    def counts(self, figure):
        """{row key: figure}: what an axis's rows() takes to know the rows with any."""
        return {key: row[figure] for key, row in self.by_key.items()}

    def total(self, figure):
        return sum(row[figure] for row in self.by_key.values())


def year_window(today=None):
    """The years a yearly statistic covers: this one and the YEARS - 1 before it."""
    this_year = (today or timezone.localdate()).year
    return list(range(this_year - YEARS + 1, this_year + 1))


def chosen_year(request, years):
    """?year= when it is one of `years`, else the latest of them."""
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and int(value) in years else max(years)


def link(name, params, **values):
    """The URL of `name` with `params` (a QueryDict), `values` set on top of them (in place when present)."""
    q = params.copy()
    for key, value in values.items():
        q[key] = value
    return f"{reverse(name)}?{q.urlencode()}"


def since_first(years, has):
    """`years` from the first one that `has` figures on (the last one at least): a yearly table starts there."""
    first = next((i for i, y in enumerate(years) if has(y)), len(years) - 1)
    return years[first:]


def rate(done, total):
    return f"{100 * done / total:.1f}%" if total else "—"


def cells(counts, links):
    """A table row's counts (`cells`, what the charts draw), with their links for the table (`items`)."""
    return {"cells": counts, "items": [{"n": n, "url": url} for n, url in zip(counts, links, strict=False)], "total": sum(counts)}


def chart(title, rows, series, pie, stack=False, unit="条", line=False):
    """What the page's script draws for one table: a bar series per (key, label, colour) of `series` (reading
    row["cells"][i] for an int key, else row[key]), a pie, and where a click leads (a region's drill-down first);
    `line`: lines over the labels instead of bars."""
    def values(key):
        return [r["cells"][key] if isinstance(key, int) else r[key] for r in rows]

    def links(key):
        return [r["items"][key]["url"] if isinstance(key, int) else r.get("list", "") for r in rows]

    return {
        "title": title, "labels": [r["label"] for r in rows], "stack": stack, "unit": unit,
        "series": [{"name": label, "color": color, "values": values(key), "links": links(key)} for key, label, color in series],
        "pie": pie, "drill": [r.get("drill", "") for r in rows], **({"line": True} if line else {}),
    }


def pie(names, values, links, colors=None):
    return {"names": names, "values": values, "links": links, "colors": colors}


def pie_of(rows, figure):
    """A pie of one figure of a table's rows, each slice opening its row's list."""
    return pie([r["label"] for r in rows], [r[figure] for r in rows], [r["list"] for r in rows])


def series_pie(series, totals, links):
    """A pie of the series' totals, in the series' colours."""
    return pie([label for _, label, _ in series], totals, links, [color for _, _, color in series])


def in_cells(series):
    """`series` (key, label, colour) as chart() reads them from the rows' cells, in their order."""
    return [(i, label, color) for i, (_, label, color) in enumerate(series)]


def bar_height(rows, lying=8, per_row=1.6):
    """A bar chart's height (rem): more than `lying` rows lie down as horizontal bars (static/stats.js), a row each."""
    return max(20, int(len(rows) * per_row + 4)) if len(rows) > lying else 20
