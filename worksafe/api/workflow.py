"""接口订阅管理 (seed 004 三、(二)), written once: who sees which subscriptions, who may take which step, and what
each step records.

  enterprise: apply --> 待审核 --approve--> 已授权 --revoke (reason)--> 已吊销        (regulators in scope, not township)
                        待审核 --reject (reason)--> 已驳回
                        待审核 / 已授权 --cancel--> 已注销                        (the subscriber itself)
  park / city or county organisation: granted --> 已授权 at once               (a regulator administrator above it)
                                      已授权 --revoke (reason)--> 已吊销          (the granting organisation or above)

Revoking undoes a decision, so only the level that took it or a level above may (`may_revoke`): a county must not
end what the city granted.

An approved subscription has a key id (企业标识); its secret (授权KEY) is issued and rotated by the subscriber's side
(`can_issue_secret`), shown once and kept as a digest (keys.py). Cancelling or revoking deletes its tokens, and
keys.subscription_for refuses any token of a subscription that is no longer approved.

Views call `ApiSubscription.objects.for_user(user)` for every list, page and action (out of scope: 404), then the checks here
(not allowed: 403), then `perform` (the core workflow engine, core/workflow.py), which locks the row, checks the state
again and saves it audited; the change log is the subscription's history.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.dispatch import receiver
from django.utils import timezone

from worksafe.core import organizations, permissions, workflow
from worksafe.core.models import LEVEL_RANK, AuditAction, Organization, OrgLevel
from worksafe.core.scoping import organizations_for
from worksafe.core.workflow import Step

from . import keys
from .models import ApiSubscription, SubscriptionState
from .perms import APPLY, GRANT, REVIEW, REVOKE

S = SubscriptionState


# ---- seeing ---------------------------------------------------------------------------------------------------


# The list's order: 待审核 first, then the newest.
ORDER = (Case(When(state=S.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()), "-applied_at", "-id")


# ---- who may --------------------------------------------------------------------------------------------------
# "The role grants the permission (perms.py)" and the rule that follows from the subscriber, the organisation's level
# and the state, as code.


def is_enterprise_admin(user):
    """An enterprise account whose role manages the enterprise's subscriptions (企业管理员 by default)."""
    return user.is_enterprise_user and permissions.has(user, APPLY)


def is_grantor(user):
    """A regulator account whose role grants organisations' subscriptions (监管管理员 by default)."""
    return user.is_regulator and permissions.has(user, GRANT)


def can_apply(user):
    """新增订阅申请: an enterprise administrator, for its own enterprise."""
    return is_enterprise_admin(user)


def is_subscriber_admin(user, sub):
    """The subscriber's own administrator: the enterprise's administrator, or a regulator administrator of the
    organisation granted the subscription."""
    if sub.enterprise_id:
        return is_enterprise_admin(user) and user.enterprise_id == sub.enterprise_id
    return is_grantor(user) and user.organization_id == sub.organization_id


def can_edit(user, sub):
    """The application may be changed by its enterprise's administrator until it is decided."""
    return sub.enterprise_id is not None and is_subscriber_admin(user, sub) and sub.state == S.PENDING


def edit_refused(sub):
    return f"订阅申请当前为“{sub.get_state_display()}”，审核后不能再修改。"


def is_reviewer(user, sub, permission=REVIEW):
    """Approve and reject (and, narrowed by `may_revoke`, revoke): regulators in scope whose organisation is not a
    township's and whose role grants `permission`, or a system administrator. (Scope itself is
    `ApiSubscription.objects.for_user`: the views only ever load a subscription through it.)"""
    if not permissions.has(user, permission):
        return False
    if user.is_sysadmin:
        return True
    return (user.is_regulator and user.organization.level != OrgLevel.TOWNSHIP
            and ApiSubscription.objects.for_user(user).filter(pk=sub.pk).exists())




def may_revoke(user, sub):
    """吊销: a reviewer (`is_reviewer`) at the level that decided the subscription or above. An enterprise's application:
    regulators in scope of the approving organisation's level or higher (a county's approval: every reviewer in scope,
    as before). A grant to a park or city/county organisation: the granting organisation itself or one of a higher level
    in scope; never another organisation of the granting level. Decided by a system administrator (or by an account
    since deleted): an enterprise's application keeps the reviewers' rule, a grant is left to system administrators."""
    if not is_reviewer(user, sub, REVOKE):
        return False
    if user.is_sysadmin:
        return True
    decider = sub.decided_by
    if decider is None or not decider.is_regulator:
        return sub.enterprise_id is not None
    mine, theirs = LEVEL_RANK[user.organization.level], LEVEL_RANK[decider.organization.level]
    if sub.enterprise_id:
        return mine >= theirs
    return user.organization_id == decider.organization_id or mine > theirs


def can_grant(user):
    """授予园区/市县系统订阅: regulator administrators and system administrators."""
    return user.is_sysadmin or is_grantor(user)


def can_issue_secret(user, sub):
    """获取 / 重新生成授权KEY: an approved subscription, by one who holds its secret."""
    return sub.state == S.APPROVED and holds_secret(user, sub)


def holds_secret(user, sub):
    """Who issues and rotates the secret, whatever the state. An enterprise's: only its administrator. An
    organisation's: a regulator administrator of that organisation, of the granting side (a regulator administration
    above it, not a township's) or a system administrator."""
    if sub.enterprise_id:
        return is_subscriber_admin(user, sub)
    if user.is_sysadmin or is_subscriber_admin(user, sub):
        return True
    return (is_grantor(user) and user.organization.level != OrgLevel.TOWNSHIP
            and ApiSubscription.objects.for_user(user).filter(pk=sub.pk).exists())


# ---- steps ----------------------------------------------------------------------------------------------------


class SubscriptionFlow(workflow.Workflow):
    model = ApiSubscription
    state_refused = "该订阅当前为“{state}”，不能{step}。"
    steps = (
        Step("approve", "审核通过", (S.PENDING,), S.APPROVED, is_reviewer, audit=AuditAction.APPROVE, style="success"),
        Step("reject", "驳回", (S.PENDING,), S.REJECTED, is_reviewer, needs_comment=True, audit=AuditAction.RETURN,
             style="danger"),
        Step("revoke", "吊销", (S.APPROVED,), S.REVOKED, may_revoke, needs_comment=True, style="danger",
             confirm="吊销后该订阅的访问令牌立即失效，对接系统将无法再调用接口。确定吊销？"),
        Step("cancel", "注销", (S.PENDING, S.APPROVED), S.CANCELLED, is_subscriber_admin, style="outline-danger",
             confirm="注销后该订阅的访问令牌立即失效，如需再对接须重新申请。确定注销？"),
    )

    def apply(self, sub, step, user, reason):
        if step.action in ("approve", "reject"):
            sub.decided_by, sub.decided_at = user, timezone.now()
        if step.action == "approve":
            sub.key_id = keys.new_key_id()
        sub.reason = reason
        if step.target in (S.CANCELLED, S.REVOKED):
            sub.tokens.all().delete()  # keys.subscription_for refuses them anyway; nothing to keep them for

    def audit_message(self, sub, step, reason):
        return "接口订阅" + super().audit_message(sub, step, reason)


FLOW = SubscriptionFlow()
available, perform = FLOW.available, FLOW.perform

REASON_LABELS = {S.APPROVED: "审核意见", S.REJECTED: "驳回原因", S.REVOKED: "吊销原因", S.CANCELLED: "注销原因"}


def apply(sub, user):
    """Save a new application (待审核) or the changes to one, audited; ValidationError when it was decided meanwhile,
    PermissionDenied when `user` is not the enterprise's administrator."""
    with transaction.atomic():
        if sub.pk is None:
            if not (can_apply(user) and sub.enterprise_id == user.enterprise_id):
                raise PermissionDenied
            sub.state, sub.applicant = S.PENDING, user
            sub._audit_action, sub._audit_message = AuditAction.SUBMIT, "提交接口订阅申请"
        else:
            # Locked: a decision taken while the form was open wins, and the changes are refused.
            current = ApiSubscription.objects.select_for_update().get(pk=sub.pk)
            if not is_subscriber_admin(user, current):
                raise PermissionDenied
            if not can_edit(user, current):
                raise ValidationError(edit_refused(current), code="state")
            sub._audit_action, sub._audit_message = AuditAction.UPDATE, "修改接口订阅申请"
        sub.save()
    return sub


def grant(sub, user):
    """授予 an organisation (park, city or county) a subscription: approved at once, with a key id, covering its region."""
    managed = organizations_for(user).exclude(pk=user.organization_id) if user.organization_id else organizations_for(user)
    if not can_grant(user) or not managed.filter(pk=sub.organization_id).exists():
        raise PermissionDenied
    now = timezone.now()
    sub.region_id = sub.organization.region_id
    sub.state, sub.key_id = S.APPROVED, keys.new_key_id()
    sub.applicant, sub.decided_by, sub.decided_at = user, user, now
    sub._audit_action = AuditAction.CREATE
    sub._audit_message = f"授予{sub.organization}接口订阅"
    sub.save()
    return sub


def issue_secret(sub, user):
    """A new secret for `sub` (returned once); the earlier one and its tokens die. ValidationError when the
    subscription is no longer approved, PermissionDenied when `user` may not."""
    with transaction.atomic():
        sub = ApiSubscription.objects.select_for_update().get(pk=sub.pk)
        if sub.state != S.APPROVED:
            raise ValidationError(f"该订阅当前为“{sub.get_state_display()}”，不能获取授权KEY。", code="state")
        if not holds_secret(user, sub):
            raise PermissionDenied
        first = not sub.secret_hash
        sub._audit_action = AuditAction.TRANSITION
        sub._audit_message = "获取授权KEY" if first else "重新生成授权KEY（原授权KEY及其访问令牌作废）"
        return sub, keys.issue_secret(sub), first


@receiver(organizations.merging, sender=Organization, dispatch_uid="api.merging")
def _merging(sender, source, target, moved, **kwargs):
    """A merge hands the source's subscriptions to the target, covering the target's region from then on."""
    moved["接口订阅"] = ApiSubscription.objects.filter(organization=source).update(organization=target, region_id=target.region_id)
