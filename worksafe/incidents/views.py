"""The enterprise's ledgers: accidents by year and month (辅助表2), an accident's investigation (辅助表3, PDF), penalties
and sanctions by year (辅助表4); each year's table as xlsx. The enterprise keeps them; regulators in scope too."""
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from worksafe.core import audit, permissions
from worksafe.core.access import require, save_in_scope, scoped_enterprise, scoped_or_404
from worksafe.core.pdf import render_pdf
from worksafe.core.responses import pdf_response
from worksafe.core.xlsx import xlsx_response

from . import io, ledger, perms, stats
from .forms import AccidentForm, InvestigationForm, PenaltyForm
from .models import Accident, Investigation, Penalty, PenaltyKind, PenaltyState


def year_of(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    this = timezone.localdate().year
    return year if year and 2000 <= year <= this + 1 else this


def years(qs, date_field):
    """The years the ledger has rows in, and this one, newest first (the year picker)."""
    found = {d.year for d in qs.dates(date_field, "year")}
    return sorted(found | {timezone.localdate().year}, reverse=True)


def archive_card(request, e):
    """The archive page's card: this year's accidents and losses, penalties, and an active sanction in red."""
    year = timezone.localdate().year
    accidents = e.accidents.filter(occurred_on__year=year).aggregate(
        n=Count("id"), deaths=Sum("deaths"), loss=Sum("direct_loss"))
    penalties = e.penalties.aggregate(
        year=Count("id", filter=Q(imposed_on__year=year)),
        active_sanctions=Count("id", filter=Q(kind=PenaltyKind.SANCTION, state=PenaltyState.ACTIVE)))
    return {"e": e, "year": year, "accidents": accidents, "penalties": penalties,
            "can_edit": perms.can_edit_ledger(request.user, e)}


def charts_card(request, e):
    """The workbench's statistics (and, for regulators, the archive page's)."""
    year = timezone.localdate().year
    return {"e": e, "year": year, "charts": stats.enterprise_charts(e, year)}


def _editable(request, e):
    require(perms.can_edit_ledger(request.user, e))


def _scoped(request, model, pk):
    """An accident or penalty whose enterprise the user may see; 404 otherwise."""
    obj = scoped_or_404(request, model, pk=pk)
    return obj, scoped_enterprise(request, obj.enterprise_id)


def _form(request, e, form, noun, title, back, cancel):
    """The add/edit pages' one flow: a valid POST saves (the enterprise set on a new row) and goes `back(obj)`; otherwise
    the form again, with its errors."""
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            obj = form.save(commit=False)
            if hasattr(obj, "enterprise_id") and not obj.enterprise_id:
                obj.enterprise = e
            save_in_scope(request, obj)
        messages.success(request, f"{noun}已保存。")
        return redirect(back(obj))
    return render(request, "incidents/form.html", {"e": e, "form": form, "title": title, "back": cancel})


# ---------------------------------------------------------------------------------------------- accidents (辅助表2)


@login_required
def accidents(request, pk):
    e = scoped_enterprise(request, pk)
    year = year_of(request)
    rows = list(e.accidents.filter(occurred_on__year=year).select_related("gb_category", "investigation"))
    months, total = ledger.accident_year(rows, year)
    return render(request, "incidents/accidents.html", {
        "e": e, "year": year, "years": years(e.accidents.all(), "occurred_on"), "months": months, "total": total,
        "can_edit": perms.can_edit_ledger(request.user, e),
    })


@login_required
def accidents_xlsx(request, pk):
    require(permissions.can_export(request.user))
    e = scoped_enterprise(request, pk)
    year = year_of(request)
    months, total = ledger.accident_year(e.accidents.filter(occurred_on__year=year).select_related("gb_category"), year)
    response = xlsx_response(io.accident_workbook(e, year, months, total), f"{e.name}-{year}年生产安全事故（件）统计表.xlsx")
    audit.record_export(request, Accident, "生产安全事故（件）统计表", sum(len(m.rows) for m in months), {"年度": year},
                        enterprise=e)
    return response


def _accident_back(obj):
    return reverse("incidents:accident_detail", args=[obj.pk])


@login_required
def accident_add(request, pk):
    e = scoped_enterprise(request, pk)
    _editable(request, e)
    form = AccidentForm(request.POST or None, initial={"recorded_by": request.user.full_name or request.user.get_username()})
    return _form(request, e, form, "事故（件）", "登记事故（件）", _accident_back, reverse("incidents:accident_list", args=[e.pk]))


@login_required
def accident_edit(request, pk):
    accident, e = _scoped(request, Accident, pk)
    _editable(request, e)
    form = AccidentForm(request.POST or None, instance=accident)
    return _form(request, e, form, "事故（件）", "修改事故（件）", _accident_back, _accident_back(accident))


@login_required
def accident_detail(request, pk):
    accident, e = _scoped(request, Accident, pk)
    investigation = getattr(accident, "investigation", None)
    return render(request, "incidents/accident_detail.html", {
        "e": e, "a": accident, "inv": investigation, "can_edit": perms.can_edit_ledger(request.user, e),
    })


@login_required
@require_POST
def accident_delete(request, pk):
    accident, e = _scoped(request, Accident, pk)
    _editable(request, e)
    report = getattr(getattr(accident, "investigation", None), "report", None)
    if report is not None:
        messages.error(request, f"该事故（件）的调查处理情况是事故快报“{report.title}”的结案依据，不能删除。")
        return redirect(accident)
    accident.delete()
    messages.success(request, f"已删除 {accident.name}。")
    return redirect(reverse("incidents:accident_list", args=[e.pk]) + f"?year={accident.occurred_on.year}")


@login_required
def investigation_edit(request, pk):
    accident, e = _scoped(request, Accident, pk)
    _editable(request, e)
    instance = getattr(accident, "investigation", None)
    form = InvestigationForm(request.POST or None, instance=instance or Investigation(accident=accident))
    return _form(request, e, form, "调查处理情况", f"事故（件）调查处理情况登记表：{accident.name}",
                 lambda inv: _accident_back(accident), _accident_back(accident))


@login_required
def investigation_pdf(request, pk):
    accident, e = _scoped(request, Accident, pk)
    investigation = get_object_or_404(Investigation, accident=accident)
    pdf = render_pdf("incidents/investigation_pdf.html", {"e": e, "a": accident, "inv": investigation})
    return pdf_response(pdf, f"{e.name}-{accident.name}-调查处理情况登记表.pdf", "investigation.pdf", inline=True)


# ---------------------------------------------------------------------------------------------- penalties (辅助表4)


@login_required
def penalties(request, pk):
    e = scoped_enterprise(request, pk)
    year = year_of(request)
    rows, totals = ledger.penalty_year(e.penalties.filter(imposed_on__year=year), year)
    return render(request, "incidents/penalties.html", {
        "e": e, "year": year, "years": years(e.penalties.all(), "imposed_on"), "rows": rows, "totals": totals,
        "active": e.penalties.filter(kind=PenaltyKind.SANCTION, state=PenaltyState.ACTIVE),
        "can_edit": perms.can_edit_ledger(request.user, e),
    })


@login_required
def penalties_xlsx(request, pk):
    require(permissions.can_export(request.user))
    e = scoped_enterprise(request, pk)
    year = year_of(request)
    rows, totals = ledger.penalty_year(e.penalties.filter(imposed_on__year=year), year)
    response = xlsx_response(io.penalty_workbook(e, year, rows, totals), f"{e.name}-{year}年处罚和惩戒信息统计表.xlsx")
    audit.record_export(request, Penalty, "处罚和惩戒信息统计表", len(rows), {"年度": year}, enterprise=e)
    return response


def _penalty_back(obj):
    return reverse("incidents:penalty_list", args=[obj.enterprise_id]) + f"?year={obj.imposed_on.year}"


@login_required
def penalty_add(request, pk):
    e = scoped_enterprise(request, pk)
    _editable(request, e)
    form = PenaltyForm(request.POST or None, instance=Penalty(enterprise=e), initial={"imposed_on": datetime.date.today()})
    return _form(request, e, form, "处罚（惩戒）信息", "登记处罚或惩戒", _penalty_back, reverse("incidents:penalty_list", args=[e.pk]))


@login_required
def penalty_edit(request, pk):
    penalty, e = _scoped(request, Penalty, pk)
    _editable(request, e)
    form = PenaltyForm(request.POST or None, instance=penalty)
    return _form(request, e, form, "处罚（惩戒）信息", "修改处罚或惩戒", _penalty_back, _penalty_back(penalty))


@login_required
@require_POST
def penalty_delete(request, pk):
    penalty, e = _scoped(request, Penalty, pk)
    _editable(request, e)
    penalty.delete()
    messages.success(request, f"已删除 {penalty}。")
    return redirect(_penalty_back(penalty))
