"""The hazard card (隐患排查治理) on the one-page archive and on the workbench."""
from django.db.models import Count, Q
from django.urls import reverse

from worksafe.archive import sections

from . import deadlines, workflow
from .models import Hazard, Level, PublicReport, Source, State


def hazard_card(request, enterprise):
    open_q = ~Q(state=State.CLOSED)
    counts = Hazard.objects.filter(enterprise_id=enterprise.pk).aggregate(
        open=Count("id", filter=open_q),
        major_open=Count("id", filter=open_q & Q(level=Level.MAJOR)),
        overdue=Count("id", filter=deadlines.due_q(deadlines.Due.OVERDUE)),
        soon=Count("id", filter=deadlines.due_q(deadlines.Due.SOON)),
        accepting=Count("id", filter=Q(state=State.ACCEPTING)),
        total=Count("id"),
    )
    # 随手拍 accepted by a regulator and not yet taken up: the enterprise's notice on its workbench.
    public_new = Hazard.objects.filter(enterprise_id=enterprise.pk, source=Source.PUBLIC, state=State.REPORTED).count()
    links = [(label, reverse(name, args=[enterprise.pk])) for label, name in LINKS]
    return {
        "e": enterprise, "counts": counts, "public_new": public_new, "links": links,
        "can_report": workflow.can_report(request.user, enterprise) and request.user.is_enterprise_user,
        "pending_public": PublicReport.objects.filter(enterprise_id=enterprise.pk, status=PublicReport.Status.PENDING).count()
        if not request.user.is_enterprise_user else 0,
    }


# Pages of this app that take the enterprise's id, shown as links on the card: (label, URL name).
LINKS = [("隐患台账", "hazards:list")]


def register_sections():
    sections.add(sections.ARCHIVE, "hazards/card.html", hazard_card)
    sections.add(sections.WORKBENCH, "hazards/card.html", hazard_card)
