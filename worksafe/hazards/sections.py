"""The hazard card (隐患排查治理) on the one-page archive and on the workbench."""
from django.db.models import Count, Q
from django.urls import reverse

from worksafe.archive import sections

from . import deadlines, plans, workflow
from .models import CheckPlan, Hazard, Level, PublicReport, Source, State


def hazard_card(request, enterprise):
    open_q = ~Q(state=State.CLOSED)
    counts = Hazard.objects.filter(enterprise_id=enterprise.pk).aggregate(
        open=Count("id", filter=open_q),
        major_open=Count("id", filter=open_q & Q(level=Level.MAJOR)),
        overdue=Count("id", filter=deadlines.due_q(deadlines.Due.OVERDUE)),
        soon=Count("id", filter=deadlines.due_q(deadlines.Due.SOON)),
        accepting=Count("id", filter=Q(state=State.ACCEPTING)),
        total=Count("id"),
        # 随手拍 accepted by a regulator and not yet taken up: the enterprise's notice on its workbench.
        public_new=Count("id", filter=Q(source=Source.PUBLIC, state=State.REPORTED)),
    )
    links = enterprise_links(enterprise)
    # 隐患不排查，系统能觉察: the plans due this period and the checks missed lately.
    plan_states = plans.statuses(CheckPlan.objects.filter(enterprise_id=enterprise.pk, active=True)).values()
    return {
        "plans": {"total": len(plan_states), "due": sum(1 for st in plan_states if st.key == "due"),
                  "missed": sum(st.missed for st in plan_states)},
        "e": enterprise, "counts": counts, "public_new": counts["public_new"], "links": links,
        # The enterprise records its own findings; a regulator in scope what its inspection found.
        "can_report": workflow.can_report(request.user, enterprise),
        "pending_public": 0 if request.user.is_enterprise_user else PublicReport.objects.filter(
            enterprise_id=enterprise.pk, status=PublicReport.Status.PENDING).count(),
    }


# Pages of this app that take the enterprise's id, shown as links on the card and the ledger: (label, URL name).
LINKS = [
    ("隐患台账", "hazards:hazard_list"),
    ("隐患排查记录", "hazards:check_list"),
    ("隐患排查计划", "hazards:plan_list"),
    ("隐患排查上报", "hazards:report_edit"),
    ("表4 重大隐患排查治理统计表", "hazards:table4_detail"),
]


def enterprise_links(enterprise, exclude=()):
    """[(label, url)] of LINKS for `enterprise`."""
    return [(label, reverse(name, args=[enterprise.pk])) for label, name in LINKS if name not in exclude]


def hazard_actions(user, enterprise):
    """On site (the scan page of its own code): a check, a hazard found."""
    if not (user.is_enterprise_user and workflow.can_report(user, enterprise)):
        return []
    return [sections.Action("记录隐患排查", reverse("hazards:check_add", args=[enterprise.pk])),
            sections.Action("登记隐患", reverse("hazards:hazard_add", args=[enterprise.pk]))]


def register_sections():
    sections.add(sections.ARCHIVE, "hazards/card.html", hazard_card)
    sections.add(sections.WORKBENCH, "hazards/card.html", hazard_card)
    sections.add_actions(hazard_actions)
