"""What the hazards module announces (core.notify), never to whoever acted:

- a major hazard sent back as a general one (打回为一般隐患), and a rectification not accepted (验收不通过), to the
  enterprise's accounts; a custom checklist returned or approved, likewise (core.workflow.performed, after commit);
- an inspection's hazard submitted for acceptance, to the organisation that inspected it (复查: `rechecking`);
- a 随手拍 report: when it comes in, to the regulators who decide on it (its region's, above township level); when it
  is accepted and handed to an enterprise as a hazard, to that enterprise's accounts (from hazards/public.py);
- a hazard raised by a patrol that found a measure not in place, to the enterprise's accounts (hazards/signals.py).
"""
from django.dispatch import receiver
from django.urls import reverse

from worksafe.core import notify, workflow

from . import perms
from .models import Checklist, Hazard, HazardStep, Source

DOWNGRADED = notify.kind("hazard.downgraded", "重大隐患被打回")
NOT_ACCEPTED = notify.kind("hazard.not_accepted", "隐患验收不通过")
CHECKLIST_REVIEWED = notify.kind("checklist.reviewed", "排查标准审核结果")
PUBLIC_NEW = notify.kind("public.new", "随手拍待核实")
PUBLIC_ASSIGNED = notify.kind("public.assigned", "随手拍转企业整改")
PATROL_HAZARD = notify.kind("hazard.from_patrol", "巡检发现隐患")
TO_RECHECK = notify.kind("hazard.to_recheck", "监管检查隐患待复查")

A = HazardStep.Action


@receiver(workflow.performed, sender=Hazard, dispatch_uid="hazards.announce")
def _hazard_step(sender, obj, step, user, comment, **kwargs):
    h = obj
    if step.action == A.DOWNGRADE:
        text = f"重大隐患“{h.name}”经审核打回为一般隐患：{comment}"
        notify.notify(notify.enterprise_users(h.enterprise), DOWNGRADED, text, link=h.get_absolute_url(), obj=h, actor=user)
    elif step.action == A.SUBMIT and h.source == Source.INSPECTION and not h.is_major:
        text = f"{h.enterprise.name} 已整改监管检查发现的隐患“{h.name}”，请复查。"
        notify.notify(rechecking(h), TO_RECHECK, text, link=h.get_absolute_url(), obj=h, actor=user)
    elif step.action == A.REJECT:
        text = f"隐患“{h.name}”验收不通过：{comment}。请继续整改后重新提交验收。"
        notify.notify(notify.enterprise_users(h.enterprise), NOT_ACCEPTED, text, link=h.get_absolute_url(), obj=h, actor=user)


def rechecking(hazard):
    """Who rechecks an inspection's hazard: the organisation whose inspection registered it, or, for one recorded
    without (an import, the API), the regulators above township level who see the enterprise."""
    registrar = hazard.created_by.organization_id if hazard.created_by_id and hazard.created_by else None
    if registrar:
        return notify.organization_members(registrar, perms.ACCEPT)
    return notify.regulators_of(hazard.enterprise, perms.ACCEPT, levels=notify.REVIEWING)


@receiver(workflow.performed, sender=Checklist, dispatch_uid="hazards.announce.checklist")
def _checklist_step(sender, obj, step, user, comment, **kwargs):
    if step.action not in ("approve", "return") or obj.enterprise_id is None:
        return
    text = (f"自定义排查标准“{obj.name}”已审核通过。" if step.action == "approve"
            else f"自定义排查标准“{obj.name}”被退回：{comment}")
    notify.notify(notify.enterprise_users(obj.enterprise), CHECKLIST_REVIEWED, text,
                  link=reverse("hazards:checklist_detail", args=[obj.pk]), obj=obj, actor=user)


def public_report_received(report):
    """A new 随手拍 report: to the regulators of its region who decide on reports (above township level)."""
    where = report.enterprise_name or report.location or report.region.name
    notify.notify(notify.region_regulators(report.region_id, perms.DECIDE_PUBLIC, levels=notify.REVIEWING), PUBLIC_NEW,
                  f"收到随手拍举报（{where}），请核实处理。", link=reverse("hazards:public_detail", args=[report.pk]), obj=report)


def public_report_assigned(report, hazard, user):
    """A 随手拍 report accepted and handed to `hazard`'s enterprise to rectify: to that enterprise's accounts."""
    notify.notify(notify.enterprise_users(hazard.enterprise), PUBLIC_ASSIGNED,
                  f"群众随手拍举报已受理并转交贵单位整改：隐患“{hazard.name}”，请及时整改。",
                  link=hazard.get_absolute_url(), obj=hazard, actor=user)


def patrol_hazard(hazard, item):
    """A hazard raised by a patrol (a control measure not in place): to the enterprise's accounts but the patroller."""
    notify.notify(notify.enterprise_users(hazard.enterprise), PATROL_HAZARD,
                  f"巡检发现管控措施未落实，已形成隐患“{hazard.name}”，请组织整改。",
                  link=hazard.get_absolute_url(), obj=hazard, actor=item.patrol.patroller)
