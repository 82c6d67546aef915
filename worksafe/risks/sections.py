"""The risk card (风险分级管控) on the one-page archive and on the workbench."""
from django.urls import reverse

from worksafe.archive import sections
from worksafe.core import permissions

from . import patrols, perms
from .models import RiskEvent


def risk_card(request, enterprise):
    links = [("安全风险辨识清单", reverse("risks:register_detail", args=[enterprise.pk]))]
    links += [(label, reverse(name, args=[enterprise.pk])) for label, name in EXTRA_LINKS]
    can_edit = permissions.can_edit_risks(request.user, enterprise)
    if perms.can_patrol(request.user, enterprise):
        links.append(("记录巡检", reverse("risks:patrol_add", args=[enterprise.pk])))
    return {
        "e": enterprise,
        "level": enterprise.risk_level,
        "counts": enterprise.risk_counts,
        "total": sum(n for _, n in enterprise.risk_counts),
        "key_control": RiskEvent.objects.filter(enterprise_id=enterprise.pk, key_control=True).count(),
        "links": links,
        "patrol": patrols.status_counts(enterprise.pk),
        "can_edit": can_edit,
    }


# Pages of this app that take the enterprise's id, shown as links on the card: (label, URL name).
EXTRA_LINKS = [("表3 登记表", "risks:table3_detail"), ("风险四色图", "risks:map_detail"), ("风险巡检", "risks:patrol_due")]


def risk_actions(user, enterprise):
    """On site (the scan page of its own code): the patrol."""
    if not perms.can_patrol(user, enterprise):
        return []
    return [sections.Action("记录风险巡检", reverse("risks:patrol_add", args=[enterprise.pk]))]


def register_sections():
    sections.add(sections.ARCHIVE, "risks/card.html", risk_card)
    sections.add(sections.WORKBENCH, "risks/card.html", risk_card)
    sections.add_actions(risk_actions)
