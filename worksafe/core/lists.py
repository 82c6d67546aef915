"""The list view: one declared list serves every list page of rows in the user's reach (the regulators' risk and
hazard lists, accident reports, API subscriptions), its filters, order, pagination and its xlsx export.

A list is declared, not written: what it reads (a queryset already scoped to the user), its FilterSet, its orders
(?sort= keys, each an ordering an index yields: the apps' docstrings explain the walks tuned for province scale), what
a page's rows need besides (`decorate`: one query over the page's ids, so the query count does not grow with the
rows), what its page shows above the table (`extra`), and its columns.

A `Column` is a core.xlsx Column (export header, value accessor `format`, width) plus what the page needs: the header
label, the cell's markup (a template snippet given the cell's `value` and its `row`, for links and badges) and the
cell's classes. The page table and the export read the same declaration (`Table`), so a column cannot say one thing
on screen and another in the file; where a page shows a figure the file leaves out (or the reverse), the table names
which columns each shows, in its own order.

Province lists are counted up to COUNT_LIMIT (listing.CappedPaginator) and read by id first; an export streams
exactly what the page's filters keep, at most EXPORT_LIMIT rows (else back to the list with a message asking for a
narrower filter), and is recorded in the audit log; above settings.EXPORT_JOB_ROWS rows a background job writes it
(core.exports, which rebuilds the list in the worker from the owner and the query string).
"""
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from . import exports, listing, xlsx
from .access import regulator_only

EXPORT_LIMIT = 50_000  # rows an export may hold; a larger list asks for a narrower filter
VALUE = "{{ value }}"


@dataclass
class Column(xlsx.Column):
    """One column of a list: the xlsx column (`header`, `field`, `format` = the value) and its page cell.

    label     the page's header (defaults to `header`); `head` a template snippet for it instead (sort links)
    cell      the page cell's markup, a template snippet given `value` (format(row)) and `row`; default the value
    css       the <td> (and <th>) classes
    """

    label: str = ""
    head: str = ""
    cell: str = VALUE
    css: str = ""
    head_css: str = ""

    def __post_init__(self):
        super().__post_init__()
        self.label = self.label or self.header
        self._cell = Template("{% load ui %}" + self.cell)
        self._head = Template("{% load ui %}" + self.head) if self.head else None

    def render(self, context, row):
        """The page cell's HTML for `row` (`context`: the page's shared values, e.g. now)."""
        with context.push(row=row, value=self.format(row)):
            return mark_safe(self._cell.render(context))

    def render_head(self, context):
        return mark_safe(self._head.render(context)) if self._head else self.label


class Table:
    """A list's columns, declared once: `page` and `export` name (by field) which ones each shows, in its own order
    (default: all of them). `relabel` gives a page header that differs for this list (e.g. its order's arrow),
    `widths` an export column's width that differs for this file.

    `row` is a snippet of the page row's attributes (given `row`); `empty` the page's line when nothing matches.
    """

    def __init__(self, columns, page=None, export=None, title="数据", row="", empty="没有符合条件的记录。", relabel=None,
                 widths=None):
        self.columns = {c.field: c for c in columns}
        relabel = relabel or {}
        self.page = [replace(self.columns[f], label=relabel[f]) if f in relabel else self.columns[f]
                     for f in (page if page is not None else self.columns)]
        widths = widths or {}
        exported = [replace(self.columns[f], width=widths[f]) if f in widths else self.columns[f]
                    for f in (export if export is not None else self.columns)]
        self.spec = xlsx.Spec(exported, key=exported[0].field, title=title) if exported else None
        self._row = Template(row) if row else None
        self.empty = empty

    def rows(self, objects, shared=None):
        """The page rows: [{"attrs", "cells": [(css, html)]}] for `objects`."""
        context = Context(shared or {})
        result = []
        for obj in objects:
            attrs = ""
            if self._row is not None:
                with context.push(row=obj):
                    attrs = mark_safe(self._row.render(context))
            result.append({"obj": obj, "attrs": attrs, "cells": [(c.css, c.render(context, obj)) for c in self.page]})
        return result

    def heads(self, request, sort=None):
        context = Context({"request": request, "sort": sort})
        return [(c.head_css, c.render_head(context)) for c in self.page]

    def cells(self, obj):
        """`obj`'s export row, the values the page cells are drawn from."""
        return [c.format(obj) for c in self.spec.columns]


@dataclass
class Export:
    """A list's xlsx export: the file's name (and ASCII fallback), the noun of the too-large message, the rows'
    select_related, and the list page to go back to."""

    name: str
    fallback: str
    noun: str
    url: str  # the export's URL name (the page's 导出 button)
    back: str
    related: tuple = ()


def regulators(request):
    """The default audience: 403 for enterprise users."""
    regulator_only(request)


def everyone(request):
    """Every signed-in user: the queryset's scoping alone decides what each sees (an enterprise its own rows)."""


@dataclass
class List:
    """One list page (and its export).

    queryset   request → the rows in the user's reach (scoped here, so a list cannot forget it)
    filterset  (request, queryset) → the FilterSet, or a FilterSet class (given user=)
    orders     ?sort= key → ordering; the first is the default
    audience   request → None, raising PermissionDenied for users the list is not for (default: regulators only)
    decorate   adds per-row figures to a page's rows (one query)
    extra      (request, filterset) → what the page shows besides the table
    capped     count up to COUNT_LIMIT (CappedPaginator) and read pages by id; else an exact count
    """

    title: str
    template: str
    queryset: Callable
    filterset: Callable
    table: Table
    orders: dict
    audience: Callable = regulators
    decorate: Callable | None = None
    extra: Callable | None = None
    capped: bool = True
    export: Export | None = None
    model: type | None = None
    shared: dict = field(default_factory=dict)

    def rows(self, request):
        """(filterset, the filtered rows in the requested order, the ?sort= key) for `request`'s user."""
        self.audience(request)
        queryset = self.queryset(request)
        if isinstance(self.filterset, type):
            filterset = self.filterset(request.GET, queryset, user=request.user)
        else:
            filterset = self.filterset(request, queryset)
        key = request.GET.get("sort")
        if key not in self.orders:
            key = next(iter(self.orders))
        return filterset, filterset.qs.order_by(*self.orders[key]), key

    def page(self, request, rows):
        if self.capped:
            page = listing.paginate(request, rows, by_id=True, paginator=listing.CappedPaginator)
        else:
            page = listing.paginate(request, rows)
        if self.decorate is not None:
            self.decorate(page.object_list)
        return page

    def context(self, request):
        filterset, rows, key = self.rows(request)
        page = self.page(request, rows)
        shared = {"now": timezone.now()}
        context = {"filter": filterset, "page": page, "sort": key, "title": self.title,
                   "heads": self.table.heads(request, key), "rows": self.table.rows(page.object_list, shared),
                   "empty": self.table.empty, "export": self.export.url if self.export else None, **shared}
        if self.extra is not None:
            context.update(self.extra(request, filterset))
        return context

    def render(self, request):
        return render(request, self.template, self.context(request))

    def sheet(self, request):
        """The export of the filtered rows (core.exports: at once, or by a job above settings.EXPORT_JOB_ROWS)."""
        filterset, rows, _ = self.rows(request)
        export = self.export
        return exports.Sheet(rows.select_related(*export.related), self.table.spec.export, export.name, export.fallback,
                             export.name, filterset, model=self.model, limit=EXPORT_LIMIT, noun=export.noun,
                             back=f"{reverse(export.back)}?{request.GET.urlencode()}")

    def xlsx(self, request):
        """The filtered rows as xlsx, a job's page when they are many, or back to the list with a message when they
        are more than EXPORT_LIMIT; 403 for a role without 导出 (what export_view serves)."""
        return exports.view(self.sheet)(request)

    def page_view(self, name=None, get_only=True):
        """The list page as a view (login required; the audience checked before any query)."""

        def view(request):
            return self.render(request)

        view = login_required(require_GET(view) if get_only else view)
        view.__name__ = name or "list_view"
        view.__doc__ = f"{self.title}: every row in the user's reach."
        return view

    def export_view(self, name=None):
        view = login_required(require_GET(exports.view(self.sheet)))
        view.__name__ = name or "export_view"
        view.__doc__ = f"{self.title}: the filtered rows as xlsx."
        return view
