"""xlsx exports of filtered lists: written in the request when small, by a background job (core.jobs) above
settings.EXPORT_JOB_ROWS rows, so a province-wide list never holds a web worker for minutes.

An export view builds a `Sheet` from the request alone — the rows the user's filters keep within the user's reach, in
the list's order, and how to write them — and is decorated with `@exports.view`:

    @login_required
    @exports.view
    def enterprise_export(request):
        regulator_only(request)
        filterset, rows, _ = filtered_enterprises(request)
        return exports.Sheet(rows, ENTERPRISE_SPEC.export, "生产经营单位", "enterprises", "生产经营单位列表", filterset)

(a declared list's export, core.lists.List.export_view, is one of these). The view counts the rows, capped
(listing.capped_count): above the sheet's hard `limit`, back to the list with a message asking for a narrower filter;
up to EXPORT_JOB_ROWS, the file at once; above, a "core.export" job, and the answer is the job's page. Ticked rows (a
POST) are one page at most and always written at once.

The job stores no rows, ids or SQL: only the export view's URL name and arguments (the resolver's, not the client's)
and the query string. The worker resolves the same view, replays the request as the job's owner (`replay`: a GET
with that user and that query string), so the same function builds the same Sheet through the same scoping and
audience checks — a user whose role or jurisdiction changed meanwhile gets what they may see now, or a refusal —
and writes it with progress every PROGRESS_ROWS rows. The export is audited (audit.record_export) where the rows are
written: in the request, or in the job with the number really written.
"""
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.utils import timezone

from . import audit, jobs, listing, permissions, xlsx

KIND = "core.export"
PROGRESS_ROWS = 500  # rows written between two progress reports (each report is written at most once a second)


def _iterate(rows):
    return rows.iterator(chunk_size=2000)


@dataclass
class Sheet:
    """One export of a filtered list, as its view builds it from a request.

    rows      the filtered rows in order, within the user's reach (counted, then iterated once by `iterate`)
    write     iterable of rows → openpyxl Workbook (e.g. a core.xlsx Spec's `export`)
    name      the file's name (a time stamp and .xlsx are added); `fallback` its ASCII form
    title     what the audit log calls the export; `model` the rows' model there (default: rows.model)
    filters   the FilterSet that filtered the rows (the audit log reads its labels), or {label: value}
    iterate   rows → what `write` reads (default: the queryset streamed in chunks; e.g. rows decorated a chunk at a time)
    limit     the most rows one export may hold (None: no limit); above it the user is sent to `back` with a message
              naming the rows' `noun`
    """

    rows: QuerySet
    write: Callable
    name: str
    fallback: str
    title: str
    filters: Any = None
    model: type | None = None
    iterate: Callable = _iterate
    limit: int | None = None
    noun: str = "记录"
    back: str = ""

    def too_many(self):
        return f"符合条件的{self.noun}超过 {self.limit} 条，无法一次导出，请用属地、行业、日期等条件缩小范围后再导出。"

    def filename(self):
        stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
        return f"{self.name}_{stamp}.xlsx", f"{self.fallback}_{stamp}.xlsx"


def view(build=None, *, allowed=None):
    """The export view of `build(request, **kwargs)` → Sheet (or a response, e.g. back to the list with a message).
    `allowed(user)` says who may export at all (default: a role granting 导出, permissions.can_export; the logs'
    export: their readers); it is asked again by the job, whose owner's role may have changed meanwhile.

    The worker finds `build` again on the view the URL resolves to (`.sheet`), so decorators added around this one
    (login_required, require_GET: functools.wraps copies the attribute) keep it reachable."""
    if build is None:
        return functools.partial(view, allowed=allowed)
    allowed = allowed or permissions.can_export

    @functools.wraps(build)
    def export_view(request, **kwargs):
        if not allowed(request.user):
            raise PermissionDenied
        return respond(request, build, **kwargs)

    export_view.sheet, export_view.allowed = build, allowed
    return export_view


def respond(request, build, **kwargs):
    """The file now, a job's page, or back to the list (see the module's docstring)."""
    sheet = build(request, **kwargs)
    if isinstance(sheet, HttpResponse):
        return sheet
    if request.method != "GET":  # ticked rows: one page at most
        return write_now(request, sheet)
    threshold = settings.EXPORT_JOB_ROWS
    n, more = listing.capped_count(sheet.rows, max(threshold, sheet.limit or 0))
    if sheet.limit is not None and (more or n > sheet.limit):
        messages.warning(request, sheet.too_many())
        return redirect(sheet.back)
    if not more and n <= threshold:
        return write_now(request, sheet)
    match = request.resolver_match
    if match is None:
        raise ImproperlyConfigured("an export above EXPORT_JOB_ROWS rows runs as a job: call it through its URL")
    label = f"导出{sheet.name}（{'超过 ' if more else ''}{n} 行）"
    return redirect(jobs.start(request.user, KIND, label, total=None if more else n,
                               view=match.view_name, kwargs=match.kwargs, query=request.GET.urlencode()))


def write_now(request, sheet):
    written = audit.Counted(sheet.iterate(sheet.rows))
    workbook = sheet.write(written)
    response = xlsx.xlsx_response(workbook, *sheet.filename())
    audit.record_export(request, sheet.model or sheet.rows.model, sheet.title, written.count, sheet.filters)
    return response


def replay(user, query):
    """The GET request an export view answered, rebuilt for the worker: `user` and the query string, nothing else
    (no session, no cookies: the view's scoping reads the user and its filters read the query)."""
    request = HttpRequest()
    request.method = "GET"
    request.user = user
    request.GET = QueryDict(query)
    return request


def _progressed(rows, job, total):
    n = 0
    for n, row in enumerate(rows, 1):
        yield row
        if n % PROGRESS_ROWS == 0:
            job.progress(n, total)
    job.progress(n, total, force=True)


@jobs.kind(KIND, "导出", idempotent=True)
def export(job, view, kwargs, query):
    owner = job.job.owner
    if not owner.is_active:
        raise jobs.JobFailed("账号已停用，导出未进行。")
    func = resolve(reverse(view, kwargs=kwargs)).func
    request = replay(owner, query)
    try:
        if not func.allowed(owner):
            raise PermissionDenied
        sheet = func.sheet(request, **kwargs)
    except (PermissionDenied, Http404):
        raise jobs.JobFailed("您已无权导出这份清单（账号的单位或角色可能已变更），导出未进行。") from None
    if isinstance(sheet, HttpResponse):
        raise jobs.JobFailed("这份清单已无法按原条件导出，请回到列表重新发起。")
    total = sheet.rows.count()
    if sheet.limit is not None and total > sheet.limit:
        raise jobs.JobFailed(sheet.too_many())
    job.progress(0, total, step="正在写入表格")
    written = audit.Counted(_progressed(sheet.iterate(sheet.rows), job, total))
    workbook = sheet.write(written)
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit.record_export(request, sheet.model or sheet.rows.model, sheet.title, written.count, sheet.filters)
    name, _ = sheet.filename()
    return jobs.Result(buffer.getvalue(), name, xlsx.MIME_TYPE, summary=f"共导出 {written.count} 行。")
