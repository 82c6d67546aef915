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
Exports stream the filtered list (at most EXPORT_LIMIT rows, else the user is asked to narrow it).
"""
import datetime
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from worksafe.core import audit, listing
from worksafe.core.access import regulator_only, scoped_enterprise
from worksafe.core.display import fetch_related_names
from worksafe.core.listing import COUNT_LIMIT, CappedPaginator, capped_count
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.core.scoping import change_q, enterprise_q
from worksafe.core.xlsx import xlsx_response

from . import deadlines, io
from .access import scoped_hazard
from .filters import HazardChangeFilter, HazardFilter
from .models import OPEN_STATES, Hazard, HazardYear, Level, Review, State

Due = deadlines.Due
DUE_ORDER = [Due.OVERDUE, Due.SOON, Due.LATER]  # the order of the open list's walk


def _stamp():
    return timezone.localtime().strftime("%Y%m%d_%H%M")


def _scoped(request):
    """The hazards of the regulator's jurisdiction (enterprise users: 403)."""
    regulator_only(request)
    return Hazard.objects.filter(enterprise_q(request.user, "enterprise", located=True))


def _page(request, rows):
    return listing.paginate(request, rows.select_related("enterprise__region"), by_id=True, paginator=CappedPaginator)


def _export(request, filterset, rows, spec, name, fallback, back):
    """The filtered list as xlsx, or back to the list with a message when it holds more than EXPORT_LIMIT rows."""
    n, more = capped_count(rows, io.EXPORT_LIMIT)
    if more:
        messages.warning(request, f"符合条件的隐患超过 {io.EXPORT_LIMIT} 条，无法一次导出，请用属地、行业、日期等条件缩小范围后再导出。")
        return redirect(f"{reverse(back)}?{request.GET.urlencode()}")
    related = ["enterprise__region", "supervisor"] if spec is io.MAJOR_SPEC else ["enterprise__region"]
    written = audit.Counted(rows.select_related(*related).iterator(chunk_size=2000))
    workbook = spec.export(written)
    stamp = _stamp()
    response = xlsx_response(workbook, f"{name}_{stamp}.xlsx", f"{fallback}_{stamp}.xlsx")
    audit.record_export(request, Hazard, name, written.count, filterset)
    return response


# 未整改隐患管理 -------------------------------------------------------------------------------------------------


def open_rows(request):
    """(filterset, rows in deadline order, the same rows without the 整改期限 filter) of the open list."""
    base = _scoped(request).exclude(state=State.CLOSED)  # exactly the partial index's condition
    filterset = HazardFilter(request.GET, base, user=request.user, states=OPEN_STATES)
    rows = filterset.qs.order_by("deadline", "id")
    data = request.GET.copy()
    data.pop("due", None)
    undue = HazardFilter(data, base, user=request.user, states=OPEN_STATES)
    return filterset, rows, undue.qs.order_by("deadline", "id")


def due_counts(rows, today=None, limit=COUNT_LIMIT):
    """The deadline groups of `rows` (ordered by deadline): [{status, label, color, count, exact}] and whether the
    count stopped at `limit`. One query over the first `limit` + 1 rows of the walk; a group the walk did not reach
    before the cap has count None, the group it stopped in is not exact."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=deadlines.WARN_DAYS)
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
        result.append({"status": status, "label": deadlines.LABELS[status], "color": deadlines.COLORS[status],
                       "count": n, "exact": not capped or reached_later})
    return result, capped


@login_required
@require_GET
def open_list(request):
    """未整改隐患管理: open hazards of the jurisdiction, the most urgent deadline first, in their deadline colours."""
    filterset, rows, undue = open_rows(request)
    counts, capped = due_counts(undue)
    params = request.GET.copy()
    params.pop("page", None)
    for c in counts:
        params["due"] = c["status"]
        c["url"] = f"?{params.urlencode()}"
    context = {
        "filter": filterset, "page": _page(request, rows), "due_counts": counts, "due_capped": capped,
        "count_limit": COUNT_LIMIT, "title": "未整改隐患管理", "export": "hazards:open_export", "tab": "open",
    }
    return render(request, "hazards/scope_open.html", context)


@login_required
@require_GET
def open_export(request):
    filterset, rows, _ = open_rows(request)
    return _export(request, filterset, rows, io.LIST_SPEC, "未整改隐患", "open_hazards", "hazards:open_list")


# 重大隐患管理 -------------------------------------------------------------------------------------------------


def major_rows(request):
    """Major hazards newest first; with 审核 = 打回为一般隐患, those returned to general by the review."""
    scoped = _scoped(request)
    if request.GET.get("review") == Review.DOWNGRADED:
        base = scoped.filter(review=Review.DOWNGRADED)
    else:
        base = scoped.filter(level=Level.MAJOR)
    filterset = HazardFilter(request.GET, base, user=request.user, drop=("level",))
    return filterset, filterset.qs.order_by("-found_on", "-id")


@login_required
@require_GET
def major_list(request):
    """重大隐患管理: every major hazard of the jurisdiction, its review and supervision; 待审核 counted on top."""
    filterset, rows = major_rows(request)
    pending, pending_more = capped_count(_scoped(request).filter(level=Level.MAJOR, review=Review.PENDING))
    context = {
        "filter": filterset, "page": _page(request, rows), "pending": pending, "pending_more": pending_more,
        "pending_url": "?" + urlencode({"review": Review.PENDING}), "title": "重大隐患管理",
        "export": "hazards:major_export", "tab": "major",
    }
    return render(request, "hazards/scope_major.html", context)


@login_required
@require_GET
def major_export(request):
    """The filtered major hazards in the 辅助表1 columns, one row per hazard."""
    filterset, rows = major_rows(request)
    return _export(request, filterset, rows, io.MAJOR_SPEC, "重大隐患整改治理台账", "major_hazards", "hazards:major_list")


# 隐患清单 ------------------------------------------------------------------------------------------------------

ALL_ORDERS = {"level": ("-level", "-found_on", "-id"), "found": ("-found_on", "-id")}


def all_rows(request):
    filterset = HazardFilter(request.GET, _scoped(request), user=request.user)
    key = request.GET.get("sort") if request.GET.get("sort") in ALL_ORDERS else "level"
    return filterset, filterset.qs.order_by(*ALL_ORDERS[key]), key


@login_required
@require_GET
def all_list(request):
    """隐患清单: every hazard of the jurisdiction, open or closed."""
    filterset, rows, key = all_rows(request)
    params = request.GET.copy()
    params.pop("page", None)
    orders = []
    for value, label in (("level", "重大隐患在前"), ("found", "按发现日期")):
        params["sort"] = value
        orders.append({"label": label, "url": f"?{params.urlencode()}", "active": value == key})
    context = {"filter": filterset, "page": _page(request, rows), "title": "隐患清单", "export": "hazards:all_export",
               "tab": "all", "orders": orders}
    return render(request, "hazards/scope_all.html", context)


@login_required
@require_GET
def all_export(request):
    filterset, rows, _ = all_rows(request)
    return _export(request, filterset, rows, io.LIST_SPEC, "隐患清单", "hazards", "hazards:all_list")


# 表4 and 辅助表1 ----------------------------------------------------------------------------------------------


def table4_hazards(request, enterprise):
    """(the enterprise's major hazards in 排查时间 order, optionally of one year; the year; the years offered)."""
    years = list(HazardYear.objects.filter(enterprise_id=enterprise.pk, major__gt=0).order_by("-year")
                 .values_list("year", flat=True))
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else None
    hazards = Hazard.objects.filter(enterprise_id=enterprise.pk, level=Level.MAJOR).order_by("found_on", "id")
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
    hazard = scoped_hazard(request, pk)
    return xlsx_response(io.ledger_workbook(hazard), f"{hazard.enterprise.name}_{hazard.name}_整改治理台账.xlsx",
                         f"ledger_{hazard.pk}.xlsx")


@login_required
@require_GET
def ledger_all_xlsx(request, pk):
    """Every major hazard's 辅助表1 of one enterprise (optionally of one year): a sheet each, after a 目录 sheet."""
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
