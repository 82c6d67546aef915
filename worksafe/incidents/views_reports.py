"""事故快报 and 续报: filed for an enterprise in scope (by a regulator or the enterprise), visible at once to every level
above (the list scopes on the enterprise's region), follow-ups in order, closed by linking the investigation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from worksafe.core.access import regulator_only, require, save_in_scope, scoped_enterprise, scoped_or_404
from worksafe.core.lists import Column, List, Table, everyone
from worksafe.core.stats import HEX, Tally, chart, chosen_year, industry_axis, region_axis

from . import perms
from .filters import ReportFilter
from .forms import FollowUpForm, LinkInvestigationForm, ReportForm
from .models import FIGURES, AccidentReport, AccidentType


def reporter_fields(user, enterprise):
    unit = user.organization.name if getattr(user, "organization_id", None) else enterprise.name
    return {"reporter": user, "reporter_name": user.full_name or user.get_username(), "reporter_unit": unit}


# 事故快报 list: every report in the user's reach (an enterprise its own, a regulator those of its jurisdiction),
# newest first, counted exactly (a province files few), with the filtered totals above the table.
NUMBER = {"css": "text-end", "head_css": "text-end"}
REPORT_COLUMNS = [
    Column("发生时间", "occurred_at", css="text-nowrap", cell='{{ value|date:"Y-m-d H:i" }}'),
    Column("事故名称", "title", cell='<a href="{{ row.get_absolute_url }}">{{ value }}</a>'),
    Column("企业", "enterprise", format=lambda r: r.enterprise.name),
    Column("属地", "region", format=lambda r: r.enterprise.region.name),
    Column("行业", "industry", format=lambda r: r.enterprise.industry.name),
    Column("事故类别", "category", format=lambda r: r.get_category_display()),
    Column("等级", "severity", format=lambda r: r.get_severity_display()),
    Column("死亡", "deaths", **NUMBER),
    Column("重伤", "serious_injuries", **NUMBER),
    Column("损失（万元）", "direct_loss", **NUMBER),
    Column("状态", "state", format=lambda r: "已结案" if r.closed else "跟踪中",
           cell='<span class="badge bg-{% if row.closed %}green{% else %}orange{% endif %}-lt">{{ value }}</span>'),
]


def _reports(request):
    return AccidentReport.objects.for_user(request.user).select_related("enterprise__region", "enterprise__industry", "investigation")


def report_totals(request, filterset):
    """共 n 起, 死亡, 重伤, 损失 of the filtered reports, above the table."""
    return {"totals": filterset.qs.aggregate(n=Count("id"), deaths=Sum("deaths"), serious=Sum("serious_injuries"),
                                             loss=Sum("direct_loss"))}


REPORTS = List(
    "事故快报", "incidents/report_list.html", _reports, ReportFilter, Table(REPORT_COLUMNS, title="事故快报", empty="没有事故快报。"),
    {"time": ("-occurred_at", "-id")}, audience=everyone, extra=report_totals, capped=False, model=AccidentReport,
)
report_list = REPORTS.page_view("report_list", get_only=False)
report_list.__doc__ = "事故快报: the reports in the user's reach, newest first, with the filtered totals."


@login_required
def report_add(request, pk):
    e = scoped_enterprise(request, pk)
    require(perms.can_report(request.user, e))
    form = ReportForm(request.POST or None, instance=AccidentReport(enterprise=e, **reporter_fields(request.user, e)))
    if request.method == "POST" and form.is_valid():
        report = save_in_scope(request, form)
        messages.success(request, f"事故快报已报送，{e.region.name}及以上各级应急管理部门均可查看。")
        return redirect(report)
    return render(request, "incidents/form.html", {"e": e, "form": form, "title": "事故快报", "back": e.get_absolute_url()})


def _report(request, pk):
    return scoped_or_404(request, AccidentReport.objects.select_related("enterprise__region", "investigation__accident"), pk=pk)


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    can_report = perms.can_report(request.user, report.enterprise) and not report.closed
    return render(request, "incidents/report_detail.html", {
        "r": report, "e": report.enterprise, "follow_ups": report.follow_ups.all(), "can_report": can_report,
        "follow_up_form": FollowUpForm(initial={f: getattr(report, f) for f in FIGURES}) if can_report else None,
        "link_form": LinkInvestigationForm(report=report) if can_report else None,
    })


@login_required
@require_POST
def follow_up_add(request, pk):
    report = _report(request, pk)
    require(perms.can_report(request.user, report.enterprise))
    if report.closed:
        messages.error(request, "快报已结案，不能再续报。")
        return redirect(report)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "续报未保存：" + "；".join(f"{form.fields[k].label if k in form.fields else ''}{'：' if k in form.fields else ''}{m}"
                                                      for k, errors in form.errors.items() for m in errors))
        return redirect(report)
    with transaction.atomic():
        # Locked: two follow-ups posted at once leave the report with the figures of the one saved last.
        report = AccidentReport.objects.select_for_update().get(pk=report.pk)
        follow_up = form.save(commit=False)
        follow_up.report = report
        for key, value in reporter_fields(request.user, report.enterprise).items():
            setattr(follow_up, key, value)
        save_in_scope(request, follow_up)
        for f in FIGURES:  # the report shows the figures as they now stand (and its 等级 follows them)
            setattr(report, f, getattr(follow_up, f))
        report.save()
    messages.success(request, "续报已保存。")
    return redirect(report)


@login_required
@require_POST
def report_close(request, pk):
    report = _report(request, pk)
    require(perms.can_report(request.user, report.enterprise))
    form = LinkInvestigationForm(request.POST, report=report)
    if report.closed or not form.is_valid():
        messages.error(request, "请选择该企业已登记、尚未关联的事故（件）调查处理情况。" if not report.closed else "快报已结案。")
        return redirect(report)
    report.investigation = form.cleaned_data["investigation"]
    save_in_scope(request, report)
    messages.success(request, "已关联调查处理情况，快报结案。")
    return redirect(report)


# 事故统计: the figures counted per row, the two the charts draw, and the dimensions counted by.
MEASURES = ("n", "deaths", "serious", "loss")
SERIES = [("n", "事故起数", HEX["orange"]), ("deaths", "死亡人数", HEX["red"])]
DIMENSIONS = [("month", "按月份"), ("region", "按属地"), ("industry", "按行业"), ("category", "按事故类别")]


@login_required
def report_stats(request):
    """事故统计: the reports of a year in the jurisdiction, counted (起数, 死亡, 重伤, 损失) by month, region, industry and
    事故类别; one GROUP BY over the stored codes, folded into the rows shown (core.stats)."""
    regulator_only(request)
    reports = AccidentReport.objects.for_user(request.user)
    years = sorted({d.year for d in reports.dates("occurred_at", "year")} | {timezone.localdate().year}, reverse=True)
    year = chosen_year(request, years)
    regions, industries = region_axis(request.user, None), industry_axis(None)
    tallies = {"month": Tally(), "region": Tally(regions), "industry": Tally(industries), "category": Tally()}
    rows = (reports.filter(occurred_at__year=year).annotate(month=ExtractMonth("occurred_at"))
            .values("month", "enterprise__region_id", "enterprise__industry_id", "category")
            .annotate(n=Count("id"), deaths=Sum("deaths"), serious=Sum("serious_injuries"), loss=Sum("direct_loss")))
    for r in rows:
        for dim, code in (("month", r["month"]), ("region", r["enterprise__region_id"]),
                          ("industry", r["enterprise__industry_id"]), ("category", r["category"])):
            tallies[dim].at(code).update({m: r[m] or 0 for m in MEASURES})
    labels = {
        "month": [(m, f"{m}月") for m in range(1, 13)],
        "region": [(row.key, row.label) for row in regions.rows(tallies["region"].counts("n"))],
        "industry": [(row.key, row.label) for row in industries.rows(tallies["industry"].counts("n"), zeros=True)],
        "category": list(AccidentType.choices),
    }
    dims = [{"key": key, "title": title, "rows": [{"label": label, **{m: tallies[key][k][m] for m in MEASURES}} for k, label in labels[key]]}
            for key, title in DIMENSIONS]
    charts = {d["key"]: chart(d["title"], d["rows"], SERIES, None, unit="", line=d["key"] == "month") for d in dims}
    total = [tallies["month"].total(m) for m in MEASURES]
    return render(request, "incidents/report_stats.html", {"year": year, "years": years, "dims": dims, "charts": charts,
                                                           "total": total})
