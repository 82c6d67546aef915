"""隐患排查上报 and the regulators' side of it (seed 001 (二) 2.1, 2.6–2.8, 2.10):

- the enterprise's report page (current period, status, figures, 上报, history); regulators in scope read it;
- 企业查报状态管理 / 查报周期管理: every enterprise's cycle and pause, edited one by one or in bulk;
- 填报情况查询: who has reported for the current period of their cycle and who has not, with an xlsx export;
- 上报率统计: reporting rates by region (drilling down) and by industry.

Statuses and rates come from reporting.py (one LEFT JOIN of Enterprise to ReportingDuty); out of scope is 404,
enterprise users on regulator pages 403.
"""
from collections import Counter
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from worksafe.archive.models import Enterprise
from worksafe.core import exports, jobs
from worksafe.core.access import regulator_only, require, save_in_scope, scoped_enterprise
from worksafe.core.listing import paginate
from worksafe.core.stats import HEX, Scope, bar_height, link
from worksafe.core.xlsx import Column, Spec

from . import jobs as hazard_jobs
from . import periods, reporting
from .forms_reporting import BulkForm, DutyForm, FilingFilter, ReportForm, duties
from .models import Cycle, HazardReport
from .reporting import STATUS_COLORS, Rate, Status

CYCLE_LABELS = dict(Cycle.choices)
STATUS_LABELS = dict(Status.choices)
# The enterprise list's order (属地, name, id): the index enterprise_region_name walks it.
ORDER = ("region_id", "name", "pk")


# ---------------------------------------------------------------------------------------------------------------
# The enterprise's page

FIGURES = [("checks", "排查次数", ""), ("general", "一般隐患", ""), ("major", "重大隐患", "text-red"),
           ("closed", "已整改", "text-green"), ("open", "未整改", "text-orange")]


@login_required
def report(request, pk):
    """The current period and its status, the figures it would report, 上报 (own users), the reports so far."""
    enterprise = scoped_enterprise(request, pk)
    user = request.user
    is_own = reporting.can_file(user, enterprise)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(is_own)
        if form.is_valid():
            try:
                done = reporting.submit(enterprise, user, form.cleaned_data["note"])
            except ValidationError as e:
                messages.error(request, e.messages[0])
            else:
                messages.success(request, f"已上报{periods.label(done.cycle, done.starts_on)}隐患排查信息："
                                          f"排查 {done.checks} 次，发现一般隐患 {done.general} 条、重大隐患 {done.major} 条。")
            return redirect("hazards:report_edit", enterprise.pk)
    state = reporting.EnterpriseStatus(enterprise)
    history = paginate(request, HazardReport.objects.filter(enterprise_id=enterprise.pk).select_related("submitted_by"))
    for r in history:
        r.label = periods.label(r.cycle, r.starts_on)
    # A submitted period shows what was reported (frozen); an open one what the records say now.
    figs = vars(state.report) if state.report else state.figures
    context = {
        "e": enterprise, "state": state, "form": form, "history": history, "is_own": is_own,
        "figure_cells": [(name, label, css, figs[name]) for name, label, css in FIGURES],
        "refusal": state.refusal(), "pause_text": reporting.pause_text(state.duty),
        "can_manage": reporting.can_manage_duty(user, enterprise),
    }
    return render(request, "hazards/reporting_page.html", context)


# ---------------------------------------------------------------------------------------------------------------
# 企业查报状态管理 / 查报周期管理


def _duties(request, data=None):
    """The jurisdiction's enterprises with their duty status, filtered (by `data`, default the query string)."""
    today = timezone.localdate()
    filterset = duties(request.user, request.GET if data is None else data, today)
    return filterset, filterset.qs.order_by(*ORDER), today


@login_required
def duty_list(request):
    regulator_only(request)
    filterset, qs, today = _duties(request)
    page = paginate(request, qs, by_id=True)
    for e in page:
        e.cycle_label = CYCLE_LABELS[e.duty_cycle]
        e.period_label = periods.label(e.duty_cycle, today)
        e.status_label, e.status_color = STATUS_LABELS[e.duty_status], STATUS_COLORS[e.duty_status]
        e.pause_planned = bool(e.duty_paused_from and e.duty_paused_from > today)
    context = {"filter": filterset, "page": page, "bulk": BulkForm(), "cycles": Cycle.choices, "today": today,
               "can_manage": reporting.can_manage_duty(request.user)}
    return render(request, "hazards/duty_list.html", context)


@login_required
@require_POST
def duty_bulk(request):
    """Set the cycle, pause or resume: the ticked rows at once, or the whole filtered list (all_filtered=1) by a
    background job (hazards.jobs; its page). The filters come with the form's action URL (the list's query string);
    enterprises out of reach are never in the list."""
    regulator_only(request)
    require(reporting.can_manage_duty(request.user))
    back = f"{reverse('hazards:duty_list')}?{request.GET.urlencode()}"
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors_text())
        return redirect(back)
    _, qs, today = _duties(request)
    if request.POST.get("all_filtered") == "1":
        total = qs.count()
        label = f"{dict(BulkForm.base_fields['action'].choices)[form.cleaned_data['action']]}（{total} 家企业）"
        data = {k: request.POST.get(k, "") for k in BulkForm.base_fields}
        job = jobs.start(request.user, hazard_jobs.DUTIES, label, total=total, query=request.GET.urlencode(), data=data,
                         today=today.isoformat())
        return redirect(job)
    ids = [int(i) for i in request.POST.getlist("pk") if i.isdigit()]
    if not ids:
        messages.warning(request, "请先勾选企业，或勾选“全部筛选结果”。")
        return redirect(back)
    messages.success(request, form.apply(qs.filter(pk__in=ids), request.user, today))
    return redirect(back)


@login_required
def duty_edit(request, enterprise_pk):
    """One enterprise's cycle and pause (编辑 / 暂不上报 / 恢复正常上报)."""
    regulator_only(request)
    enterprise = scoped_enterprise(request, enterprise_pk)
    require(reporting.can_manage_duty(request.user, enterprise))
    today = timezone.localdate()
    duty = reporting.duty_of(enterprise)
    old_cycle = duty.cycle
    form = DutyForm(request.POST if request.method == "POST" else None, instance=duty, today=today)
    if request.method == "POST" and form.is_valid():
        duty = form.save(commit=False)
        if duty.cycle != old_cycle:
            reporting.follow_cycle(duty, today)
        d = form.cleaned_data
        duty._audit_message = (f"暂不上报（{reporting.pause_text(duty)}）：{d['pause_reason']}" if d["paused"]
                               else f"查报周期：{duty.get_cycle_display()}，正常上报")
        save_in_scope(request, duty)
        messages.success(request, f"{enterprise.name}：查报周期{duty.get_cycle_display()}，"
                                  + (f"暂不上报（{reporting.pause_text(duty)}）。" if d["paused"] else "正常上报。"))
        return redirect(_next(request) or reverse("hazards:duty_list"))
    context = {"e": enterprise, "form": form, "duty": duty, "next": _next(request),
               "back": _next(request) or reverse("hazards:duty_list"),
               "period": periods.label(duty.cycle, today)}
    return render(request, "hazards/duty_edit.html", context)


def _next(request):
    """The list page (with its filters) to return to: only a local duty list URL."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    return url if url.startswith(reverse("hazards:duty_list")) else ""


# ---------------------------------------------------------------------------------------------------------------
# 填报情况查询


def _filing(request):
    today = timezone.localdate()
    base = reporting.with_status(Enterprise.objects.for_user(request.user).select_related("region", "industry__parent"), today)
    filterset = FilingFilter(request.GET, base, user=request.user)
    return filterset, base, filterset.qs.order_by(*ORDER), today


def _decorate(enterprises, today):
    """Each row's period and, if reported, this period's report (one query for the rows given)."""
    keys = periods.current_keys(today)
    reports = {
        (r.enterprise_id, r.period): r
        for r in HazardReport.objects.filter(enterprise_id__in=[e.pk for e in enterprises], period__in=set(keys.values()))
    }
    for e in enterprises:
        e.cycle_label = CYCLE_LABELS[e.duty_cycle]
        e.period_label = periods.label(e.duty_cycle, today)
        e.status_label, e.status_color = STATUS_LABELS[e.duty_status], STATUS_COLORS[e.duty_status]
        e.report = reports.get((e.pk, keys[e.duty_cycle]))
    return enterprises


@login_required
def filing(request):
    regulator_only(request)
    filterset, base, qs, today = _filing(request)
    # The figures on top count the filtered list whatever its status filter (the cards are that filter's links).
    data = request.GET.copy()
    data.pop("status", None)
    totals = reporting.rate(FilingFilter(data, base, user=request.user).qs, today)
    page = paginate(request, qs, by_id=True)
    _decorate(page.object_list, today)
    params = request.GET.copy()
    params.pop("page", None)
    cards = [
        {"label": "应报企业", "n": totals.due, "url": link("hazards:filing_list", params, status=""), "color": ""},
        {"label": "已上报", "n": totals.reported, "url": link("hazards:filing_list", params, status=Status.REPORTED), "color": "green"},
        {"label": "未上报", "n": totals.unreported, "url": link("hazards:filing_list", params, status=Status.DUE), "color": "red"},
        {"label": "暂不上报", "n": totals.paused, "url": link("hazards:filing_list", params, status=Status.PAUSED), "color": "secondary"},
    ]
    context = {"filter": filterset, "page": page, "totals": totals, "cards": cards, "today": today,
               "periods": [(label, periods.label(c, today)) for c, label in Cycle.choices],
               "export_url": f"{reverse('hazards:filing_export')}?{request.GET.urlencode()}"}
    return render(request, "hazards/filing.html", context)


def _when(report):
    return timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M") if report else ""


def _figure(name):
    return lambda e: getattr(e.report, name) if e.report else None


FILING_SPEC = Spec([
    Column("企业名称", "name", width=32),
    Column("统一社会信用代码", "uscc", width=22),
    Column("属地", "region", format=lambda e: e.region.full_name, width=24),
    Column("行业分类", "industry", format=lambda e: e.industry.name if e.industry_id else "", width=20),
    Column("查报周期", "cycle", format=lambda e: e.cycle_label, width=10),
    Column("本期", "period", format=lambda e: e.period_label, width=16),
    Column("本期上报状态", "status", format=lambda e: e.status_label, width=12),
    Column("上报时间", "submitted_at", format=lambda e: _when(e.report), width=18),
    Column("排查次数", "checks", format=_figure("checks"), number_format="0", width=10),
    Column("一般隐患", "general", format=_figure("general"), number_format="0", width=10),
    Column("重大隐患", "major", format=_figure("major"), number_format="0", width=10),
    Column("已整改", "closed", format=_figure("closed"), number_format="0", width=10),
    Column("未整改", "open", format=_figure("open"), number_format="0", width=10),
    Column("暂不上报期间", "pause", format=lambda e: _pause_span(e) if e.duty_status == Status.PAUSED else "", width=24),
    Column("暂不上报原因", "pause_reason", format=lambda e: e.duty_pause_reason or "" if e.duty_status == Status.PAUSED else "",
           width=30),
], key="uscc", title="填报情况")


def _pause_span(e):
    if not e.duty_paused_from:
        return ""
    return f"{e.duty_paused_from} 至 {e.duty_paused_until}" if e.duty_paused_until else f"{e.duty_paused_from} 起"


def _export_rows(qs, today, size=2000):
    """The filtered list, decorated a chunk at a time (one report query per chunk)."""
    chunk = []
    for e in qs.iterator(chunk_size=size):
        chunk.append(e)
        if len(chunk) == size:
            yield from _decorate(chunk, today)
            chunk = []
    yield from _decorate(chunk, today)


@login_required
@exports.view
def filing_export(request):
    """The filtered list (status filter included) as xlsx (a background job above settings.EXPORT_JOB_ROWS rows)."""
    regulator_only(request)
    filterset, _, qs, today = _filing(request)
    return exports.Sheet(qs, FILING_SPEC.export, "隐患排查填报情况", "hazard_filing", "隐患排查填报情况", filterset,
                         model=HazardReport, iterate=partial(_export_rows, today=today))


# ---------------------------------------------------------------------------------------------------------------
# 上报率统计


# The bars' colours (static/hazards/reporting_stats.js draws them) and the rate line's.
CHART_COLORS = {"reported": HEX["green"], "unreported": HEX["red"], "paused": HEX["muted"], "rate": HEX["blue"]}


def _fold(rates, owner):
    folded = Counter()
    result = {}
    for key, r in rates.items():
        k = owner(key) if key is not None else None
        result[k] = result.get(k, Rate()) + r
        folded[k] += r.total
    return result, folded


def _row(label, r, filing, drill=""):
    """One table row: the rate's figures, and links to the filing list behind it for each status;
    `filing(**filters)` is the URL of the row's filing list ("" when there is none)."""
    return {
        "label": label, "total": r.total, "paused": r.paused, "due": r.due, "reported": r.reported,
        "unreported": r.unreported, "percent": r.percent, "rate": round(100 * r.rate, 1) if r.rate is not None else None,
        "list": filing(), "drill": drill,
        "urls": {"reported": filing(status=Status.REPORTED), "unreported": filing(status=Status.DUE),
                 "paused": filing(status=Status.PAUSED)},
    }


def _chart(title, rows):
    return {
        "title": title, "labels": [r["label"] for r in rows], "colors": CHART_COLORS,
        "reported": [r["reported"] for r in rows], "unreported": [r["unreported"] for r in rows],
        "paused": [r["paused"] for r in rows], "rates": [r["rate"] for r in rows], "drill": [r["drill"] for r in rows],
        "links": {k: [r["urls"][k] for r in rows] for k in ("reported", "unreported", "paused")},
    }


@login_required
def reporting_stats(request):
    """属地上报率统计 and 行业上报率统计: two GROUP BY queries (reporting.rates_by), folded into the child regions of the
    picked (or the user's) region and into industries."""
    scope = Scope(request, drop=("page",))
    today, params, regions, industries = timezone.localdate(), scope.params, scope.regions, scope.industries
    enterprises = Enterprise.objects.for_user(scope.user).filter(scope.filter.q_for(""))
    by_region, region_counts = _fold(reporting.rates_by(enterprises, "region_id", today), regions.owner)
    by_industry, industry_counts = _fold(reporting.rates_by(enterprises, "industry_id", today), industries.owner)
    total = sum(by_region.values(), Rate())

    def table(rows, rates):
        return [_row(row.label, rates.get(row.key, Rate()), partial(row.link, "hazards:filing_list", params),
                     drill=row.drill("hazards:reporting_stats", params)) for row in rows]

    region_table, industry_table = table(regions.rows(region_counts), by_region), table(industries.rows(industry_counts), by_industry)
    industry_title = f"行业上报率统计（{industries.root.name}）" if industries.root else "行业上报率统计"
    context = {
        "filter": scope.filter, "scope": regions.root, "total": _row("合计", total, partial(link, "hazards:filing_list", params)),
        "region_table": region_table, "industry_table": industry_table, "industry_title": industry_title,
        "periods": [(label, periods.label(c, today)) for c, label in Cycle.choices],
        "charts": {"region": _chart("属地上报率统计", region_table), "industry": _chart(industry_title, industry_table)},
        # Many rows lie down as horizontal bars, a row each (more than static/hazards/reporting_stats.js stands up).
        "sections": [("region", "属地上报率统计", region_table, bar_height(region_table, 10, 1.8), "属地"),
                     ("industry", industry_title, industry_table, bar_height(industry_table, 10, 1.8), "行业")],
    }
    return render(request, "hazards/reporting_stats.html", context)
