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
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.template.defaultfilters import floatformat

from worksafe.core.lists import Column, List, Table
from worksafe.core.risk_levels import overall

from . import filters
from .models import ControlMeasure, HazardSource, Patrol, PatrolItem, RiskEvent, RiskObject, RiskUnit

# The enterprise's place in every list: 属地, then name, then id (unique, so each enterprise's rows stay together);
# the index enterprise_region_name (region, name, id, uscc) yields it without sorting.
ENTERPRISE_ORDER = ("enterprise__region_id", "enterprise__name", "enterprise_id")


def orders(tree):
    """?sort=enterprise / -enterprise reverses the enterprises' order; an enterprise's rows keep their own (`tree`)."""
    return {key: (*[("-" if key.startswith("-") else "") + f for f in ENTERPRISE_ORDER], *tree)
            for key in ("enterprise", "-enterprise")}


def scoped(model, *related):
    """`model`'s rows of the regulator's jurisdiction, with what the page shows of them."""
    return lambda request: model.objects.for_user(request.user).select_related(*related)


REGISTER = "{% url 'risks:register_detail' row.enterprise_id %}"


def anchored(anchor, pk="row.pk"):
    """A cell linking into the enterprise's risk list at the row (`anchor`-<pk>)."""
    return f'<a href="{REGISTER}#{anchor}-{{{{ {pk} }}}}">{{{{ value }}}}</a>'


def enterprise(cell=f'<a href="{REGISTER}">{{{{ value }}}}</a>'):
    return Column("企业名称", "enterprise", format=lambda r: r.enterprise.name, width=30, label="企业",
                  head='{% sort_header "enterprise" "企业" %}', cell=cell)


def region():
    return Column("属地", "region", format=lambda r: r.enterprise.region.name, width=12, css="text-nowrap")


def text(header, name, **kw):
    """A text column, a dash on the page when blank."""
    return Column(header, name, cell="{{ value|dash }}", **kw)


def level(header, name, format=None):
    return Column(header, name, format=format, cell="{{ value|risk_badge }}", width=10)


def count(header, name):
    return Column(header, name, css="text-end", head_css="text-end", width=10, number_format="0")


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


def lists():
    objects = Table([
        enterprise(), region(),
        Column("安全风险分析对象", "name", cell=anchored("riskobject"), width=24),
        text("对象类型", "kind", format=lambda o: o.get_kind_display()), text("责任部门", "department"), text("责任人", "person"),
        count("分析单元", "unit_count"), level("最高风险等级", "highest_level"),
    ], title="安全风险分析对象", empty="没有符合条件的安全风险分析对象。")
    units = Table([
        enterprise(), region(),
        Column("安全风险分析对象", "object", format=lambda u: u.object.name, cell=anchored("riskobject", "row.object_id"), width=24),
        Column("安全风险分析单元", "name", cell=anchored("riskunit"), width=24),
        count("危险源", "source_count"), level("最高风险等级", "highest_level"),
        Column("四色图标注", "placed", format=lambda u: "已标注" if u.map_x is not None and u.map_y is not None else "未标注",
               cell="{% if value == '已标注' %}<a href=\"{% url 'risks:map_detail' row.enterprise_id %}\">已标注</a>"
                    "{% else %}<span class=\"text-secondary\">未标注</span>{% endif %}"),
    ], title="安全风险分析单元", empty="没有符合条件的安全风险分析单元。")
    events = Table([
        enterprise(), region(),
        Column("分析对象 / 单元 / 危险源", "source",
               format=lambda e: f"{e.source.unit.object.name} / {e.source.unit.name} / {e.source.name}", css="small", width=40,
               cell="{{ row.source.unit.object.name }} / {{ row.source.unit.name }} / "
                    f'<a href="{REGISTER}#hazardsource-{{{{ row.source_id }}}}">{{{{ row.source.name }}}}</a>'),
        Column("安全风险", "name", width=30, cell=anchored("riskevent") +
               '{% if row.procedure %}<div class="small text-secondary">高危工序：{{ row.procedure }}</div>{% endif %}'),
        text("类别", "accident_category", format=lambda e: str(e.accident_category or "")),
        text("最严重后果", "consequence"),
        Column("评价", "method", format=lambda e: evaluation(e), css="text-nowrap small", width=16),
        level("等级", "level"),
        Column("重点管控", "key_control", format=lambda e: "重点管控" if e.key_control else "否",
               cell='{% if row.key_control %}<span class="badge bg-red-lt">重点管控</span>'
                    '{% else %}<span class="text-secondary">否</span>{% endif %}'),
    ], title="安全风险事件", empty="没有符合条件的安全风险。")
    measures = Table([
        enterprise(f'<a href="{REGISTER}">{{{{ value }}}}</a><div class="small text-secondary">{{{{ row.enterprise.region.name }}}}</div>'),
        Column("安全风险", "event", format=lambda m: m.event.name, cell=anchored("riskevent", "row.event_id"), width=30),
        level("等级", "event_level", format=lambda m: m.event.level),
        Column("分类", "category", format=lambda m: m.get_category_display(), css="text-nowrap"),
        Column("风险管控措施", "content", cell=anchored("controlmeasure"), width=40),
        Column("层级", "tier", format=lambda m: m.get_tier_display(), css="text-nowrap"),
        Column("岗位 / 责任人", "post", format=lambda m: f"{m.post or '—'} / {m.person or '—'}",
               cell="{{ row.post|dash }} / {{ row.person|dash }}"),
        Column("排查频次", "frequency", format=lambda m: f"每{m.frequency}", css="text-nowrap"),
        Column("最近巡检", "last_checked_at", css="text-nowrap", cell='{{ value|date:"Y-m-d H:i"|dash }}'),
        Column("下次巡检期限", "next_due_at", css="text-nowrap",
               cell='{% if value and value < now %}<span class="text-red fw-bold" data-testid="overdue">{{ value|date:"Y-m-d H:i" }} 已逾期</span>'
                    '{% else %}{{ value|date:"Y-m-d H:i"|dash }}{% endif %}'),
    ], title="风险管控措施", empty="没有符合条件的风险管控措施。")
    patrols = Table([
        enterprise(), region(),
        Column("巡检时间", "patrolled_at", css="text-nowrap", cell='{{ value|date:"Y-m-d H:i" }}'),
        Column("巡检人", "patroller_name"),
        count("检查项", "item_count"),
        Column("未落实", "failed_count", css="text-end", head_css="text-end", width=10,
               cell='{% if value %}<span class="text-red fw-bold">{{ value }}</span>{% else %}<span class="text-secondary">0</span>{% endif %}'),
        Column("备注", "note", css="small", cell="{{ value|truncatechars:40|dash }}"),
        Column("", "detail", format=lambda p: "", css="text-nowrap", cell="<a href=\"{% url 'risks:patrol_detail' row.pk %}\">查看</a>"),
    ], page=["enterprise", "region", "patrolled_at", "patroller_name", "item_count", "failed_count", "note", "detail"],
        export=["enterprise", "region", "patrolled_at", "patroller_name", "item_count", "failed_count", "note"],
        title="风险巡检记录", empty="没有符合条件的巡检记录。")

    def scope_list(name, title, queryset, filterset, tree, table, decorate=None):
        return name, List(title, "risks/scope.html", queryset, filterset, table, orders(tree), decorate=decorate,
                          extra=lambda request, filterset: {"tabs": tabs(request, name)})

    return dict([
        scope_list("objects", "安全风险分析对象", scoped(RiskObject, "enterprise__region"), filters.RiskObjectFilter, ("id",),
                   objects, decorate_objects),
        scope_list("units", "安全风险分析单元", scoped(RiskUnit, "enterprise__region", "object"), filters.RiskUnitFilter,
                   ("object_id", "id"), units, decorate_units),
        scope_list("events", "安全风险事件", scoped(RiskEvent, "enterprise__region", "source__unit__object", "accident_category"),
                   filters.RiskEventFilter, ("source__unit__object_id", "source__unit_id", "source_id", "id"), events),
        scope_list("measures", "风险管控措施", scoped(ControlMeasure, "enterprise__region", "event"), filters.ControlMeasureFilter,
                   ("event__source__unit__object_id", "event__source__unit_id", "event__source_id", "event_id", "id"), measures),
        scope_list("patrol_records", "风险巡检记录", scoped(Patrol, "enterprise__region"), filters.PatrolFilter,
                   ("-patrolled_at", "-id"), patrols, decorate_patrols),
    ])


def evaluation(event):
    """评价: LEC D = 720, LS R = 12 or 直接判定."""
    if event.method == "lec":
        return f"LEC D = {floatformat(event.value, '-2')}"
    if event.method == "ls":
        return f"LS R = {floatformat(event.value, '0')}"
    return "直接判定"


LISTS = lists()
# The lists' shared filters, carried along when switching between them.
SHARED = ("q", "region", "industry", "level")


def tabs(request, current):
    """The five lists as tabs, each keeping the filters it shares with the current one."""
    result = []
    for name, spec in LISTS.items():
        shared = {k: v for k, v in request.GET.items() if v and k in SHARED and k in spec.filterset.base_filters}
        result.append({"name": name, "url_name": f"risks:{name.removesuffix('s')}_list", "title": spec.title,  # patrol_records → patrol_record_list
                       "active": name == current, "query": urlencode(shared)})
    return result


def view(name):
    """The page of list `name` (these pages answer POST as GET, as they always have)."""
    return LISTS[name].page_view(f"{name}_list", get_only=False)
