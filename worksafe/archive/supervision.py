"""分级负责 (seed 000 二(二)): each enterprise is supervised by one level — 省/市/县/乡 属地, county unless changed — and,
where set, by an industry department. The owning level receives the archive review in its 待办 and notifications
(levels above it may still review: core.permissions.can_review_archive); later modules route inspections the same way.

Changing who supervises an enterprise is a reviewed action, a SupervisionChange on the core workflow:

  (request) 待审批 --approve--> 已批准 (the enterprise's level and department change, audited)
            待审批 --reject (reason)--> 已驳回
            待审批 --withdraw--> 已撤回 (the requester)

A regulator in scope requests (archive.request_supervision); another person approves, of an organisation covering the
enterprise at a level at least the higher of the two levels and at least the requester's own
(archive.approve_supervision): a county handing an enterprise up to the city is approved by the city, a city handing
one down by a second person of the city or the province.
"""
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from worksafe.core import notify, permissions, workflow
from worksafe.core.models import LEVEL_RANK, AuditAction, OrgKind, OrgLevel
from worksafe.core.workflow import Step

from . import perms
from .models import ChangeState, Enterprise, SupervisionChange

S = ChangeState
MINE = "mine"  # the enterprise list's 负责监管 choice for the user's own organisation's (owned_q): its review queue
REQUESTED = notify.kind("archive.supervision_requested", "负责层级调整待审批")
DECIDED = notify.kind("archive.supervision_decided", "负责层级调整已审批")


def rank(level):
    return LEVEL_RANK[level]


def describe(level, department):
    """"县级" or "县级（郑州市住建局）"."""
    label = OrgLevel(level).label
    return f"{label}（{department.name}）" if department is not None else label


# Who owns an enterprise ------------------------------------------------------------------------------------------

def owner_organizations(enterprise):
    """The organisations owning `enterprise`: the 应急管理 bureau(s) covering it at its supervision level, and its
    industry department where one is set."""
    orgs = notify.covering_organizations(enterprise.region_id, enterprise.industry_id)
    return [o for o in orgs if o.is_active and ((o.kind == OrgKind.BUREAU and o.level == enterprise.supervision_level)
                                                or o.pk == enterprise.supervising_department_id)]


def owners(enterprise, permission):
    """The active accounts of the owning organisations whose role grants `permission` (the reviewers told)."""
    return notify.organization_members([o.pk for o in owner_organizations(enterprise)], permission)


def owned_q(user, path=""):
    """Q for the enterprises (at `path`) whose owning organisation is `user`'s: its 待办. Parks own none."""
    p = f"{path}__" if path else ""
    if user.is_sysadmin:
        return Q()
    if not user.is_regulator:
        return Q(pk__in=[])
    org = user.organization
    if org.kind == OrgKind.DEPARTMENT:
        return Q(**{f"{p}supervising_department_id": org.pk})
    if org.kind == OrgKind.BUREAU:
        return Q(**{f"{p}supervision_level": org.level})
    return Q(pk__in=[])


def owns(user, enterprise):
    """Whether `user`'s organisation owns `enterprise` (owned_q's rule, for one enterprise)."""
    if user.is_sysadmin:
        return True
    if not user.is_regulator:
        return False
    org = user.organization
    if org.kind == OrgKind.DEPARTMENT:
        return enterprise.supervising_department_id == org.pk
    return org.kind == OrgKind.BUREAU and enterprise.supervision_level == org.level


# Requests ---------------------------------------------------------------------------------------------------------

def may_request(user, enterprise):
    return user.is_regulator and permissions.may(user, perms.REQUEST_SUPERVISION, enterprise)


def department_choices(enterprise):
    """The active industry departments that see `enterprise` (they may be named as its supervisor)."""
    return [o for o in notify.covering_organizations(enterprise.region_id, enterprise.industry_id)
            if o.is_active and o.kind == OrgKind.DEPARTMENT]


def request_error(enterprise, level, department):
    """Why `enterprise` cannot be handed to `level` / `department` (Chinese), or ""."""
    if level == enterprise.supervision_level and (department.pk if department else None) == enterprise.supervising_department_id:
        return "调整后的负责层级与现在相同。"
    if enterprise.supervision_changes.filter(state=S.PENDING).exists():
        return "该企业已有一项待审批的负责层级调整，请等待审批或撤回后再申请。"
    bureaus = [o for o in notify.covering_organizations(enterprise.region_id, enterprise.industry_id)
               if o.is_active and o.kind == OrgKind.BUREAU and o.level == level]
    if not bureaus:
        return f"该企业所在地没有{OrgLevel(level).label}应急管理部门，不能交由{OrgLevel(level).label}负责。"
    if department is not None and department.pk not in {o.pk for o in department_choices(enterprise)}:
        return f"“{department.name}”不监管该企业所在的区域或行业。"
    return ""


def request(enterprise, user, level, department, reason):
    """File a request (ValidationError in Chinese when it cannot be); the approvers are told."""
    error = request_error(enterprise, level, department)
    if error:
        raise ValidationError(error)
    change = SupervisionChange(
        enterprise=enterprise, from_level=enterprise.supervision_level, to_level=level,
        from_department_id=enterprise.supervising_department_id, to_department=department, reason=reason.strip(),
        requested_by=user, requester_name=str(user), requester_level=user.organization.level)
    change._audit_action, change._audit_message = AuditAction.SUBMIT, change.reason
    change.save()
    link = enterprise.get_absolute_url()
    notify.notify(approvers(change), REQUESTED, f"{user} 申请将 {enterprise.name} 的负责监管层级由"
                  f"{describe(change.from_level, change.from_department)}调整为{describe(level, department)}，请审批。",
                  link=link, obj=enterprise, actor=user)
    return change


def approvers(change):
    """The accounts that may approve `change` (for telling them)."""
    return [u for u in notify.regulators_of(change.enterprise, perms.APPROVE_SUPERVISION).select_related("organization")
            if may_approve(u, change)]


def may_approve(user, change):
    if user.is_sysadmin:
        return True
    if not (user.is_regulator and permissions.may(user, perms.APPROVE_SUPERVISION, change.enterprise)):
        return False
    if user.pk == change.requested_by_id or user.organization.kind == OrgKind.PARK:
        return False
    needed = max(rank(change.from_level), rank(change.to_level), rank(change.requester_level))
    return rank(user.organization.level) >= needed


def approving_q(user):
    """Q for the pending changes `user` may approve (the 待办), matching may_approve."""
    if not user.is_regulator or user.organization.kind == OrgKind.PARK:
        return Q(pk__in=[])
    mine = rank(user.organization.level)
    levels = [level for level, r in LEVEL_RANK.items() if r <= mine]
    return (Q(state=S.PENDING, from_level__in=levels, to_level__in=levels, requester_level__in=levels)
            & ~Q(requested_by=user))


def may_withdraw(user, change):
    return user.pk == change.requested_by_id


class SupervisionFlow(workflow.Workflow):
    model = SupervisionChange
    related = ("enterprise",)
    steps = (
        Step("approve", "批准", (S.PENDING,), S.APPROVED, may_approve, audit=AuditAction.APPROVE),
        Step("reject", "驳回", (S.PENDING,), S.REJECTED, may_approve, needs_comment=True, audit=AuditAction.RETURN,
             style="danger"),
        Step("withdraw", "撤回", (S.PENDING,), S.WITHDRAWN, may_withdraw, style="secondary", confirm="撤回这项调整申请？"),
    )

    def apply(self, change, step, user, comment):
        change.comment = comment
        if step.action in ("approve", "reject"):
            change.decided_by, change.decider_name, change.decided_at = user, str(user), timezone.now()
        if step.action == "approve":
            enterprise = Enterprise.objects.select_for_update().get(pk=change.enterprise_id)
            enterprise.supervision_level, enterprise.supervising_department_id = change.to_level, change.to_department_id
            enterprise._audit_action = AuditAction.UPDATE
            enterprise._audit_message = f"负责监管层级调整为{describe(change.to_level, change.to_department)}：{change.reason}"
            enterprise.save(update_fields=["supervision_level", "supervising_department"])
            change.enterprise = enterprise

    def audit_message(self, change, step, comment):
        return f"{step.label}负责层级调整（{describe(change.to_level, change.to_department)}）" + (f"：{comment}" if comment else "")


FLOW = SupervisionFlow()


@receiver(workflow.performed, sender=SupervisionChange, dispatch_uid="archive.supervision_decided")
def _decided(sender, obj, step, user, comment, **kwargs):
    """The decision, told to the requester once committed."""
    if step.action == "withdraw" or obj.requested_by_id is None:
        return
    e = obj.enterprise
    text = f"{e.name} 的负责监管层级调整（{describe(obj.to_level, obj.to_department)}）{obj.get_state_display()}"
    notify.notify([obj.requested_by], DECIDED, text + (f"：{comment}" if comment else "。"), link=e.get_absolute_url(),
                  obj=e, actor=user)
