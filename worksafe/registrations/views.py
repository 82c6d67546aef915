"""行业登记表 pages: the archive card, filling in a table, its xlsx and PDF, the regulators' bulk export."""
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from worksafe.archive import review
from worksafe.archive.listing import filtered_enterprises
from worksafe.core import exports, permissions
from worksafe.core.access import regulator_only, require, save_in_scope, scoped_enterprise
from worksafe.core.pdf import render_pdf
from worksafe.core.responses import pdf_response
from worksafe.core.xlsx import xlsx_response

from . import export, perms, schema
from .forms import TableForm
from .models import Registration


def table_or_404(key):
    table = schema.get(key)
    if table is None:
        raise Http404
    return table


def stored(enterprise, table):
    registration = Registration.objects.filter(enterprise=enterprise, table=table.key).first()
    return registration, (registration.data if registration else {})


def archive_card(request, enterprise, readable=True):
    """The archive page's card: each table the enterprise's industry fills in, read-only, with its actions."""
    tables = schema.for_industry(enterprise.industry_id)
    if not tables:
        return None
    found = {r.table: r for r in Registration.objects.filter(enterprise=enterprise, table__in=[t.key for t in tables])}
    return {
        "e": enterprise,
        "tables": [(t, found.get(t.key), t.readable(found[t.key].data) if readable and t.key in found else None) for t in tables],
        "can_edit": perms.can_edit(request.user, enterprise),
    }


def workbench_card(request, enterprise):
    return archive_card(request, enterprise, readable=False)


def actions(user, enterprise):
    """The workbench's (and the own code's scan page's) buttons: the tables of the enterprise's industry."""
    from worksafe.archive.sections import Action

    if not perms.can_edit(user, enterprise):
        return []
    return [Action(f"{t.short}登记表", reverse("registrations:table_edit", args=[enterprise.pk, t.key]))
            for t in schema.for_industry(enterprise.industry_id)]


def list_action(request):
    """The enterprise list's menu: each table, for the filtered enterprises of its industries (bulk_export)."""
    return {"tables": schema.tables()}


def next_step(enterprise):
    """After the basic information (表1), the first table of the enterprise's industry, if it has one."""
    tables = schema.for_industry(enterprise.industry_id)
    return reverse("registrations:table_edit", args=[enterprise.pk, tables[0].key]) if tables else None


@login_required
def edit(request, pk, table):
    enterprise = scoped_enterprise(request, pk)
    table = table_or_404(table)
    if enterprise.industry_id not in table.industries:
        raise Http404
    require(perms.can_edit(request.user, enterprise))
    registration, data = stored(enterprise, table)
    form = TableForm(table, request.POST or None, stored=data if registration else table.initial_from(enterprise))
    if request.method == "POST" and form.is_valid():
        went_back = False
        with transaction.atomic():
            registration = registration or Registration(enterprise=enterprise, table=table.key)
            if registration.data != form.stored:
                registration.data = form.stored
                save_in_scope(request, registration)
                went_back = review.mark_for_review(enterprise, request.user)
        messages.success(request, review.saved_message(f"《{table.title}》已保存。", went_back))
        return redirect(reverse("archive:enterprise_detail", args=[enterprise.pk]) + f"#reg-{table.key}")
    return render(request, "registrations/form.html", {"e": enterprise, "table": table, "form": form, "registration": registration,
                                                       "notice": review.RESUBMIT_NOTICE})


def _filled(request, pk, key):
    enterprise = scoped_enterprise(request, pk)
    table = table_or_404(key)
    registration, data = stored(enterprise, table)
    if registration is None:
        raise Http404
    return enterprise, table, registration


@login_required
def table_xlsx(request, pk, table):
    require(permissions.can_export(request.user))
    enterprise, table, registration = _filled(request, pk, table)
    return xlsx_response(export.form_workbook(table, enterprise, registration), f"{enterprise.name}-{table.short}登记表.xlsx")


@login_required
def table_pdf(request, pk, table):
    enterprise, table, registration = _filled(request, pk, table)
    pdf = render_pdf("registrations/table_pdf.html", {"e": enterprise, "table": table, "r": registration,
                                                      "sections": table.paper(registration.data)})
    return pdf_response(pdf, f"{enterprise.name}-{table.short}登记表.pdf", "registration.pdf", inline=True)


@login_required
@exports.view
def bulk_export(request, table):
    """One table kind for every enterprise of the regulator's filtered list (one row each, groups on their own sheets);
    a background job above settings.EXPORT_JOB_ROWS enterprises."""
    regulator_only(request)
    table = table_or_404(table)
    filterset, enterprises, _ = filtered_enterprises(request)
    # Unfilled tables are rows too (marked 未填写): who has not registered is what a regulator looks for first.
    enterprises = (
        enterprises.filter(industry_id__in=table.industries)
        .annotate(own=FilteredRelation("registrations", condition=Q(registrations__table=table.key)))
        .annotate(registration_data=F("own__data"), registration_updated=F("own__updated_at"))
        .only("name", "uscc", "region__code", "region__name", "industry__name")
    )
    return exports.Sheet(enterprises, partial(export.bulk_workbook, table), f"{table.short}登记表",
                         f"registrations_{table.key}", f"{table.title}（批量导出）", filterset, model=Registration)
