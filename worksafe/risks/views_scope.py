"""The regulators' risk lists (seed 001 (三) 3.2–3.6): analysis objects, units, risk events, control measures and
patrol records of every enterprise in the jurisdiction, each row linking into its enterprise's pages.

How a list reads at province scale (300,000 enterprises × 30 events): rows are ordered by their enterprise (属地,
name, id: the order of the index enterprise_region_name) and then by the enterprise's own tree order, so the
database walks the jurisdiction's enterprises in index order, reads each one's rows through the row table's
`enterprise` index and stops when the page is full; only one enterprise's rows are ever sorted (PostgreSQL: an
incremental sort; SQLite: a sort of the right part of the ORDER BY). The first page of 郑州's 1.9 million events
reads 31 rows. Filters are conditions on that walk: the enterprise's region, industry and name, the row's level,
flags and dates, EXISTS probes for "has an event of this level" and "has an item not in place".

The total is counted up to COUNT_LIMIT rows (listing.CappedPaginator): an exact COUNT of a city's events reads all
of them. Beyond the limit the page says so and asks for a narrower filter (the statistics page has the exact
figures). Pages are read by id first (listing.Paginator's by_id), and per-row figures (units per object, highest
level, items per patrol) are one grouped query over the page's ids: the query count does not grow with the rows.
"""
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from worksafe.core import listing
from worksafe.core.access import regulator_only
from worksafe.core.risk_levels import overall
from worksafe.core.scoping import enterprise_q

from . import filters
from .models import ControlMeasure, HazardSource, Patrol, PatrolItem, RiskEvent, RiskObject, RiskUnit

# The enterprise's place in every list: 属地, then name, then id (unique, so each enterprise's rows stay together);
# the index enterprise_region_name (region, name, id, uscc) yields it without sorting.
ENTERPRISE_ORDER = ("enterprise__region_id", "enterprise__name", "enterprise_id")


class ScopeList(NamedTuple):
    """One list: what it reads, how it filters, its order below the enterprise, and what its page adds."""

    name: str  # the list's key and template (risks/scope_<name>.html)
    title: str
    queryset: Callable
    filterset: type
    tree: tuple  # the order of an enterprise's rows
    decorate: Callable | None = None  # adds per-row figures to a page's rows (one query)

    @property
    def url_name(self):
        """risks:<model>_list ("patrol_records" → "risks:patrol_record_list")."""
        return f"risks:{self.name.removesuffix('s')}_list"


def ordered(request, queryset, tree):
    """?sort=enterprise / -enterprise reverses the enterprises' order; an enterprise's rows keep their own."""
    key = request.GET.get("sort", "enterprise")
    if key not in ("enterprise", "-enterprise"):
        key = "enterprise"
    direction = "-" if key.startswith("-") else ""
    return queryset.order_by(*[direction + f for f in ENTERPRISE_ORDER], *tree), key


def highest_levels(rows):
    """{row key: its most severe event level} from (key, level) pairs."""
    levels = {}
    for k, level in rows:
        levels.setdefault(k, set()).add(level)
    return {k: overall(v) for k, v in levels.items()}


def decorate_objects(objects):
    ids = [o.pk for o in objects]
    units = dict(RiskUnit.objects.filter(object_id__in=ids).order_by().values_list("object_id").annotate(n=Count("id")))
    levels = highest_levels(
        RiskEvent.objects.filter(source__unit__object_id__in=ids).order_by()
        .values_list("source__unit__object_id", "level").distinct()
    )
    for o in objects:
        o.unit_count, o.highest_level = units.get(o.pk, 0), levels.get(o.pk)


def decorate_units(units):
    ids = [u.pk for u in units]
    sources = dict(HazardSource.objects.filter(unit_id__in=ids).order_by().values_list("unit_id").annotate(n=Count("id")))
    levels = highest_levels(
        RiskEvent.objects.filter(source__unit_id__in=ids).order_by().values_list("source__unit_id", "level").distinct()
    )
    for u in units:
        u.source_count, u.highest_level = sources.get(u.pk, 0), levels.get(u.pk)


def decorate_patrols(patrols):
    counts = {
        row["patrol_id"]: row
        for row in PatrolItem.objects.filter(patrol_id__in=[p.pk for p in patrols]).order_by().values("patrol_id")
        .annotate(n=Count("id"), failed=Count("id", filter=Q(in_place=False)))
    }
    for p in patrols:
        row = counts.get(p.pk, {})
        p.item_count, p.failed_count = row.get("n", 0), row.get("failed", 0)


LISTS = {
    spec.name: spec
    for spec in [
        ScopeList(
            "objects", "安全风险分析对象",
            lambda: RiskObject.objects.select_related("enterprise__region"),
            filters.RiskObjectFilter, ("id",), decorate_objects,
        ),
        ScopeList(
            "units", "安全风险分析单元",
            lambda: RiskUnit.objects.select_related("enterprise__region", "object"),
            filters.RiskUnitFilter, ("object_id", "id"), decorate_units,
        ),
        ScopeList(
            "events", "安全风险事件",
            lambda: RiskEvent.objects.select_related("enterprise__region", "source__unit__object", "accident_category"),
            filters.RiskEventFilter, ("source__unit__object_id", "source__unit_id", "source_id", "id"),
        ),
        ScopeList(
            "measures", "风险管控措施",
            lambda: ControlMeasure.objects.select_related("enterprise__region", "event"),
            filters.ControlMeasureFilter,
            ("event__source__unit__object_id", "event__source__unit_id", "event__source_id", "event_id", "id"),
        ),
        ScopeList(
            "patrol_records", "风险巡检记录",
            lambda: Patrol.objects.select_related("enterprise__region"),
            filters.PatrolFilter, ("-patrolled_at", "-id"), decorate_patrols,
        ),
    ]
}
# The lists' shared filters, carried along when switching between them.
SHARED = ("q", "region", "industry", "level")


def tabs(request, current):
    """The five lists as tabs, each keeping the filters it shares with the current one."""
    result = []
    for spec in LISTS.values():
        shared = {k: v for k, v in request.GET.items() if v and k in SHARED and k in spec.filterset.base_filters}
        result.append({"name": spec.name, "url_name": spec.url_name, "title": spec.title, "active": spec.name == current, "query": urlencode(shared)})
    return result


def scope_list(request, spec):
    regulator_only(request)
    user = request.user
    queryset = spec.queryset().filter(enterprise_q(user, "enterprise"))
    filterset = spec.filterset(request.GET, queryset, user=user)
    rows, sort_key = ordered(request, filterset.qs, spec.tree)
    # Every page is read by id first (listing.Paginator's by_id): the id query joins only what the filters and the
    # order need, so PostgreSQL has no region or category table to misplace in its plan (a county's key-controlled
    # major risks: 3 s with the joins, the planner looping over every region for each row; ~50 ms without).
    page = listing.paginate(request, rows, by_id=True, paginator=listing.CappedPaginator)
    if spec.decorate is not None:
        spec.decorate(page.object_list)
    context = {"filter": filterset, "page": page, "sort": sort_key, "title": spec.title, "tabs": tabs(request, spec.name),
               "now": timezone.now()}
    return render(request, f"risks/scope_{spec.name}.html", context)


def view(name):
    spec = LISTS[name]

    @login_required
    def _view(request):
        return scope_list(request, spec)

    _view.__name__ = f"{name}_list"
    _view.__doc__ = f"{spec.title}: every row in the regulator's jurisdiction."
    return _view
