"""The regulators' hazard lists (seed 001 2.2 未整改隐患管理, 2.3 重大隐患管理, 隐患清单) with their exports, the
enterprise's 表4 and 辅助表1 ledgers, and 隐患增删改记录查询 (2.9).

How the lists read at province scale (3 million hazards over 300,000 enterprises): each list's order is an index's
order, so the database walks that index, tests each hazard's enterprise against the jurisdiction and the filters,
and stops when the page is full:

- 未整改隐患管理: ORDER BY deadline, id over the partial index hazard_open_deadline (deadline, id) WHERE NOT
  state = 'closed'; the queryset says `.exclude(state="closed")`, the index's own condition, so both databases
  match it (a hazard without a deadline sorts first on SQLite and last on PostgreSQL, as their indexes keep NULLs);
- 重大隐患管理: WHERE level = 'major' ORDER BY found_on DESC, id DESC over hazard_level_found, backwards;
- 隐患清单: ORDER BY level DESC, found_on DESC, id DESC over hazard_level_found, backwards: the major hazards
  first, each level newest first (a plain found_on order has no index and would sort a province's hazards);
  ?sort=found asks for that order anyway, for a narrower list.

Totals are counted up to COUNT_LIMIT (listing.CappedPaginator), pages are read by id first, and the
deadline counts above the open list are one query over the same walk, capped the same way: as the walk runs in
deadline order, the counts of the earlier (more urgent) groups are exact whenever a later group was reached.
Exports stream the filtered list (at most EXPORT_LIMIT rows, else the user is asked to narrow it; a background job
above settings.EXPORT_JOB_ROWS rows: core.exports).
"""
import datetime
import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from worksafe.core import audit, listing, permissions
from worksafe.core.access import require, scoped_enterprise
from worksafe.core.display import fetch_related_names
from worksafe.core.listing import COUNT_LIMIT, CappedPaginator, capped_count
from worksafe.core.lists import Column, Export, List, Table
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.core.scoping import change_q
from worksafe.core.xlsx import xlsx_response

from . import deadlines, io
from .access import scoped_hazard
from .filters import HazardChangeFilter, HazardFilter
from .models import OPEN_STATES, Hazard, HazardYear, Level, Review, State

Due = deadlines.Due
DUE_ORDER = [Due.OVERDUE, Due.SOON, Due.LATER]  # the order of the open list's walk


def _scoped(request):
    """The hazards of the regulator's jurisdiction, with what the list shows of their enterprise."""
    return Hazard.objects.for_user(request.user).select_related("enterprise__region")


def _col(name, **kw):
    return Column.for_field(Hazard, name, **kw)


# The lists' columns, declared once: the page shows some, the exports (the list's, and 辅助表1's) others.
HAZARDS = "{% load hazards %}"
COLUMNS = [
    Column("企业名称", "enterprise", format=lambda h: h.enterprise.name, width=30, label="企业",
           cell="<a href=\"{% url 'hazards:hazard_list' row.enterprise_id %}\">{{ value }}</a>"),
    Column("统一社会信用代码", "uscc", format=lambda h: h.enterprise.uscc, width=20),
    Column("属地", "region", format=lambda h: h.enterprise.region.name, width=12, css="text-nowrap"),
    _col("place"), _col("content", width=40),
    *[_col(name, width=30 if name in ("precautions", "method", "requirements", "evaluation") else 16)
      for name in io.LEDGER_FIELDS if name not in ("name", "found_on", "level", "place", "content")],
    _col("name", width=30, cell="{% url 'hazards:hazard_detail' row.pk as detail %}{% if detail %}<a href=\"{{ detail }}\">{{ value }}</a>"
                                "{% else %}{{ value }}{% endif %}<div class=\"small text-secondary\">{{ row.place }}</div>"),
    _col("found_on", label="发现日期", css="text-nowrap", cell='{{ value|date:"Y-m-d" }}'),
    _col("level", label="级别", css="text-nowrap", cell=HAZARDS + "{% level_badge row %}"),
    _col("source", label="来源", css="text-nowrap small"),
    _col("category", width=24),
    _col("deadline", label="整改期限", css="text-nowrap", cell=HAZARDS + "{% deadline_badge row %}"),
    Column("期限状态", "due", format=io.due_text, width=12),
    _col("state", label="状态", css="text-nowrap", cell=HAZARDS + "{% state_badge row %}"),
    _col("responsible", label="责任人", css="text-nowrap", cell="{{ value|dash }}"),
    _col("review", label="审核 / 督办", css="text-nowrap small", cell=(
        "{% if row.review %}<span class=\"badge bg-{% if row.review == 'pending' %}orange{% elif row.review == 'confirmed' %}red"
        "{% else %}secondary{% endif %}-lt\" data-review=\"{{ row.review }}\">{{ value }}</span>{% endif %}"
        "{% if row.supervision %}<div><span class=\"badge bg-purple-lt\" data-supervision=\"{{ row.supervision }}\">"
        "{{ row.get_supervision_display }}</span></div>{% endif %}")),
    _col("review_reason", width=30), _col("supervision"),
    Column("督办单位", "supervisor", format=lambda h: h.supervisor.name if h.supervisor_id else "", width=24),
    _col("notice_number"), _col("notice_on"),
    Column("", "ledger", format=lambda h: "", css="text-nowrap", cell="<a href=\"{% url 'hazards:ledger_detail' row.pk %}\">台账</a>"),
]
PAGE = ["enterprise", "region", "name", "level", "source", "found_on", "deadline", "state", "responsible"]
# 未整改隐患管理 and 隐患清单: the page's columns and the hazard's content; 重大隐患管理: 辅助表1's.
LIST_EXPORT = ["enterprise", "uscc", "region", "name", "place", "content", "level", "source", "category", "found_on",
               "deadline", "due", "state", "responsible"]
MAJOR_EXPORT = ["enterprise", "uscc", "region", *io.LEDGER_FIELDS, "source", "category", "deadline", "due", "state",
                "review", "review_reason", "supervision", "supervisor", "notice_number", "notice_on", "responsible"]
ROW = ' data-hazard="{{ row.pk }}"'


def table(title, page=PAGE, export=LIST_EXPORT, empty="没有符合条件的隐患。", widths=None, **relabel):
    return Table(COLUMNS, page, export, title=title, row=ROW, empty=empty, relabel=relabel, widths=widths)


# 未整改隐患管理 -------------------------------------------------------------------------------------------------


def _open(request):
    return _scoped(request).exclude(state=State.CLOSED)  # exactly the partial index's condition


def open_filter(request, queryset, data=None):
    return HazardFilter(request.GET if data is None else data, queryset, user=request.user, states=OPEN_STATES)


def due_counts(rows, today=None, limit=COUNT_LIMIT):
    """The deadline groups of `rows` (ordered by deadline): [{status, label, color, count, exact}] and whether the
    count stopped at `limit`. One query over the first `limit` + 1 rows of the walk; a group the walk did not reach
    before the cap has count None, the group it stopped in is not exact."""
    today = today or timezone.localdate()
    soon, labels = deadlines.soon_until(today), deadlines.labels()
    counts = rows.values("id", "deadline")[: limit + 1].aggregate(
        all=Count("id"),
        **{Due.OVERDUE: Count("id", filter=Q(deadline__lt=today)),
           Due.SOON: Count("id", filter=Q(deadline__gte=today, deadline__lte=soon)),
           Due.LATER: Count("id", filter=Q(deadline__gt=soon))},
    )
    capped = counts["all"] > limit
    result = []
    for i, status in enumerate(DUE_ORDER):
        n, reached_later = counts[status], any(counts[s] for s in DUE_ORDER[i + 1:])
        if capped and not n and not reached_later:
            n = None  # the walk stopped before this group
        result.append({"status": status, "label": labels[status], "color": deadlines.COLORS[status],
                       "count": n, "exact": not capped or reached_later})
    return result, capped


def open_summary(request, filterset):
    """The deadline counts above the open list: the same rows without the 整改期限 filter, each group a link."""
    data = request.GET.copy()
    data.pop("due", None)
    counts, capped = due_counts(open_filter(request, _open(request), data).qs.order_by("deadline", "id"))
    params = request.GET.copy()
    params.pop("page", None)
    for c in counts:
        params["due"] = c["status"]
        c["url"] = f"?{params.urlencode()}"
    return {"due_counts": counts, "due_capped": capped, "count_limit": COUNT_LIMIT, "tab": "open"}


OPEN = List(
    "未整改隐患管理", "hazards/scope_open.html", _open, open_filter, table("隐患清单", empty="没有符合条件的未整改隐患。", deadline="整改期限 ▲"),
    {"deadline": ("deadline", "id")}, extra=open_summary, model=Hazard,
    export=Export("未整改隐患", "open_hazards", "隐患", "hazards:open_export", "hazards:open_list", ("category",)),
)
open_list = OPEN.page_view("open_list")
open_list.__doc__ = "未整改隐患管理: open hazards of the jurisdiction, the most urgent deadline first, in their deadline colours."
open_export = OPEN.export_view("open_export")


# 重大隐患管理 -------------------------------------------------------------------------------------------------


def _major(request):
    """Major hazards; with 审核 = 打回为一般隐患, those returned to general by the review."""
    if request.GET.get("review") == Review.DOWNGRADED:
        return _scoped(request).filter(review=Review.DOWNGRADED)
    return _scoped(request).filter(level=Level.MAJOR)


def major_summary(request, filterset):
    """待审核 counted on top."""
    pending, pending_more = capped_count(_scoped(request).filter(level=Level.MAJOR, review=Review.PENDING))
    return {"pending": pending, "pending_more": pending_more, "pending_url": "?" + urlencode({"review": Review.PENDING}),
            "tab": "major"}


MAJOR = List(
    "重大隐患管理", "hazards/scope_major.html", _major,
    lambda request, queryset: HazardFilter(request.GET, queryset, user=request.user, drop=("level",)),
    table("重大隐患整改治理台账", [*PAGE, "review", "ledger"], MAJOR_EXPORT, empty="没有符合条件的重大隐患。",
          widths={"place": 16, "content": 30, "found_on": 16, "level": 16}, found_on="发现日期 ▼"),
    {"found": ("-found_on", "-id")}, extra=major_summary, model=Hazard,
    # The filtered major hazards in the 辅助表1 columns, one row per hazard.
    export=Export("重大隐患整改治理台账", "major_hazards", "隐患", "hazards:major_export", "hazards:major_list", ("supervisor", "category")),
)
major_list = MAJOR.page_view("major_list")
major_list.__doc__ = "重大隐患管理: every major hazard of the jurisdiction, its review and supervision; 待审核 counted on top."
major_export = MAJOR.export_view("major_export")


# 隐患清单 ------------------------------------------------------------------------------------------------------


def all_orders(request, filterset):
    params = request.GET.copy()
    params.pop("page", None)
    key = request.GET.get("sort") if request.GET.get("sort") in ALL.orders else "level"
    orders = []
    for value, label in (("level", "重大隐患在前"), ("found", "按发现日期")):
        params["sort"] = value
        orders.append({"label": label, "url": f"?{params.urlencode()}", "active": value == key})
    return {"orders": orders, "tab": "all"}


ALL = List(
    "隐患清单", "hazards/scope_all.html", _scoped, HazardFilter, table("隐患清单"),
    {"level": ("-level", "-found_on", "-id"), "found": ("-found_on", "-id")}, extra=all_orders, model=Hazard,
    export=Export("隐患清单", "hazards", "隐患", "hazards:all_export", "hazards:all_list", ("category",)),
)
all_list = ALL.page_view("all_list")
all_list.__doc__ = "隐患清单: every hazard of the jurisdiction, open or closed."
all_export = ALL.export_view("all_export")


# 表4 and 辅助表1 ----------------------------------------------------------------------------------------------


def table4_hazards(request, enterprise):
    """(the enterprise's major hazards in 排查时间 order, optionally of one year; the year; the years offered)."""
    years = list(HazardYear.objects.filter(enterprise_id=enterprise.pk, major__gt=0).order_by("-year")
                 .values_list("year", flat=True))
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else None
    hazards = (Hazard.objects.filter(enterprise_id=enterprise.pk, level=Level.MAJOR).select_related("category")
               .order_by("found_on", "id"))
    if year:
        hazards = hazards.filter(found_on__gte=datetime.date(year, 1, 1), found_on__lte=datetime.date(year, 12, 31))
    return list(hazards), year, years


@login_required
@require_GET
def table4(request, pk):
    """表4 重大隐患排查治理统计表 of one enterprise (only its major hazards, as the form says)."""
    e = scoped_enterprise(request, pk)
    hazards, year, years = table4_hazards(request, e)
    context = {"e": e, "hazards": hazards, "year": year, "years": years, "headers": io.TABLE4_HEADERS,
               "notes": io.TABLE4_NOTES, "title": io.TABLE4_TITLE, "query": f"?year={year}" if year else ""}
    return render(request, "hazards/table4.html", context)


@login_required
@require_GET
def table4_xlsx(request, pk):
    require(permissions.can_export(request.user))
    e = scoped_enterprise(request, pk)
    hazards, year, _ = table4_hazards(request, e)
    suffix = f"_{year}年" if year else ""
    response = xlsx_response(io.table4_workbook(e, hazards), f"{e.name}_{io.TABLE4_TITLE}{suffix}.xlsx", f"table4_{e.pk}.xlsx")
    audit.record_export(request, Hazard, io.TABLE4_TITLE, len(hazards), {"年度": year}, enterprise=e)
    return response


@login_required
@require_GET
def ledger(request, pk):
    """辅助表1 重大隐患整改治理台账 of one hazard, laid out like the paper form."""
    hazard = scoped_hazard(request, pk)
    context = {"h": hazard, "e": hazard.enterprise, "grid": io.ledger_grid(hazard), "footer": io.ledger_footer(hazard),
               "title": io.ledger_title(hazard)}
    return render(request, "hazards/ledger.html", context)


@login_required
@require_GET
def ledger_xlsx(request, pk):
    require(permissions.can_export(request.user))
    hazard = scoped_hazard(request, pk)
    return xlsx_response(io.ledger_workbook(hazard), f"{hazard.enterprise.name}_{hazard.name}_整改治理台账.xlsx",
                         f"ledger_{hazard.pk}.xlsx")


@login_required
@require_GET
def ledger_all_xlsx(request, pk):
    """Every major hazard's 辅助表1 of one enterprise (optionally of one year): a sheet each, after a 目录 sheet."""
    require(permissions.can_export(request.user))
    e = scoped_enterprise(request, pk)
    hazards, year, _ = table4_hazards(request, e)
    suffix = f"_{year}年" if year else ""
    response = xlsx_response(io.ledger_workbook_all(e, hazards), f"{e.name}_{io.LEDGER_TITLE}{suffix}.xlsx",
                             f"ledgers_{e.pk}.xlsx")
    audit.record_export(request, Hazard, io.LEDGER_TITLE, len(hazards), {"年度": year}, enterprise=e)
    return response


# 隐患增删改记录查询 -----------------------------------------------------------------------------------------

LABEL_RE = re.compile(r"^【(.+?)】(.*)$", re.S)


def split_label(change):
    """Hazard.audit_label is "【一般隐患】name": (level label, description)."""
    m = LABEL_RE.match(change.object_repr)
    return (m.group(1), m.group(2)) if m else ("", change.object_repr)


@login_required
@require_GET
def changes(request):
    """隐患增删改记录查询: every recorded change to a hazard within the user's reach (an enterprise: its own)."""
    hazard_type = ContentType.objects.get_for_model(Hazard)
    qs = (ChangeRecord.objects.filter(change_q(request.user), content_type=hazard_type)
          .exclude(action=AuditAction.EXPORT)  # downloads are in the operation log; this page lists changes
          .select_related("content_type", "enterprise").order_by("-time", "-id"))
    filterset = HazardChangeFilter(request.GET, qs)
    page = listing.paginate(request, filterset.qs, by_id=True, paginator=CappedPaginator)
    page.object_list = fetch_related_names(list(page.object_list))
    for c in page.object_list:
        c.level_label, c.description = split_label(c)
        c.is_major = c.level_label == Level.MAJOR.label
    offset = (page.number - 1) * page.paginator.per_page
    return render(request, "hazards/changes.html", {"filter": filterset, "page": page, "offset": offset})
