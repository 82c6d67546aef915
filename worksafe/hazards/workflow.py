"""The closed loop of a hazard, written once: who may take which step, in which state, and what each step records.

The steps are a table on the core workflow engine (core/workflow.py). Views call `perform(hazard, action, user,
comment)`; it locks the hazard, checks the state and the actor, runs the step, saves the hazard (audited, with the
step's name as the message) and keeps a HazardStep row, all in one transaction.

  general: 已上报 --start--> 整改中 --submit--> 待验收 --accept--> 已销号      (the enterprise itself; regulators in scope too)
  major:   已上报 --confirm--> 整改中 ... 待验收 --accept--> 已销号            (review and acceptance by regulators only)
           已上报 --downgrade--> 已上报 as a general hazard (with the reason)
  待验收 --reject (reason required)--> 整改中

Who accepts a major hazard's rectification is a 流程设置 choice (MAJOR_ACCEPTOR): the regulators in scope above
township level (the default, as before), or, for a hazard listed for supervision (挂牌督办), the supervising
organisation or a higher level only.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from worksafe.core import permissions, workflow
from worksafe.core.models import LEVEL_RANK, AuditAction, OrgLevel
from worksafe.core.workflow import Step

from .models import Hazard, HazardPhoto, HazardStep, Level, Review, Source, State, Supervision
from .perms import ACCEPT, CONFIRM_MAJOR, RECTIFY, REPORT, SUPERVISE

# Who may act is "the role grants the permission (perms.py)" and the rule below: the enterprise's own hazard, or a
# regulator in scope above township level (an organisation's rule, not a role's), and the hazard's state.


def is_own(user, hazard):
    return user.is_enterprise_user and user.enterprise_id == hazard.enterprise_id


def is_regulator_of(user, hazard):
    """A regulator in scope of the hazard's enterprise whose organisation is above township level (or break-glass)."""
    if user.is_sysadmin:
        return True
    return user.is_regulator and user.organization.level != OrgLevel.TOWNSHIP and permissions.in_scope(user, hazard.enterprise)


def can_edit(user, hazard):
    """Editing the record (not its state): the enterprise, until closed; a major hazard's facts are frozen once a
    regulator has confirmed it (its plan has its own form)."""
    return permissions.has(user, REPORT) and is_own(user, hazard) and hazard.is_open and hazard.review != Review.CONFIRMED


def can_delete(user, hazard):
    """Only a hazard nobody has acted on yet: reported, general, not from a public report or an inspection."""
    return (permissions.has(user, REPORT) and is_own(user, hazard) and hazard.state == State.REPORTED and hazard.level == Level.GENERAL
            and not hazard.steps.exclude(action=HazardStep.Action.REPORT).exists()
            and hazard.source not in ("public", "inspection"))


def can_report(user, enterprise):
    """Recording a hazard: the enterprise's own users; regulators in scope record what their inspections found."""
    if not permissions.has(user, REPORT):
        return False
    if user.is_enterprise_user:
        return user.enterprise_id == enterprise.pk
    return (user.is_regulator or user.is_sysadmin) and permissions.in_scope(user, enterprise)


def can_plan(user, hazard):
    """The rectification plan of a confirmed major hazard (责任领导, 措施, 资金, 负责人, 期限, 应急预案)."""
    return may_plan(user, hazard) and hazard.is_major and hazard.state == State.RECTIFYING


def can_review(user, hazard):
    """确认为重大隐患 / 打回为一般隐患, whatever the hazard's state (the step checks it)."""
    return permissions.has(user, CONFIRM_MAJOR) and is_regulator_of(user, hazard)


def may_supervise(user, hazard):
    """挂牌督办 at all (can_supervise adds the hazard's state)."""
    return permissions.has(user, SUPERVISE) and is_regulator_of(user, hazard)


def may_plan(user, hazard):
    """The rectification plan at all (can_plan adds the hazard's state)."""
    return permissions.has(user, RECTIFY) and is_own(user, hazard)


def can_supervise(user, hazard):
    return hazard.is_major and hazard.review == Review.CONFIRMED and hazard.is_open and may_supervise(user, hazard)


def missing_for_acceptance(hazard):
    """What the rectification record still lacks ([] when it may be submitted for acceptance)."""
    missing = []
    if not hazard.measures_taken.strip():
        missing.append("已采取的整改措施")
    if not hazard.completed_on:
        missing.append("实际完成时间")
    if not hazard.no_photo_reason.strip() and not hazard.photos.filter(stage=HazardPhoto.Stage.AFTER).exists():
        missing.append("整改后照片（或未提供照片的原因）")
    return missing


def _may_start(user, hazard):
    return (hazard.level == Level.GENERAL and permissions.has(user, RECTIFY)
            and (is_own(user, hazard) or is_regulator_of(user, hazard)))


def _may_review(user, hazard):
    return hazard.is_major and hazard.review == Review.PENDING and can_review(user, hazard)


def _may_submit(user, hazard):
    return permissions.has(user, RECTIFY) and (
        is_own(user, hazard) or (hazard.level == Level.GENERAL and is_regulator_of(user, hazard)))


IN_SCOPE, SUPERVISOR = "in_scope", "supervisor"
MAJOR_ACCEPTOR = workflow.declare(
    "hazards.major_acceptor", "重大隐患验收销号", "隐患排查治理", workflow.CHOICE, IN_SCOPE,
    options=((IN_SCOPE, "辖区内县级及以上监管部门"), (SUPERVISOR, "挂牌督办的监管部门或其上级（未挂牌的由辖区内县级及以上监管部门）")),
    help="重大隐患整改完成后由谁验收通过或退回（验收不通过）。一般隐患由企业自行验收，不受此项影响。")


def accepts_major(user, hazard):
    """A regulator who may accept a major hazard's rectification, by the 流程设置 choice."""
    if not is_regulator_of(user, hazard):
        return False
    if workflow.setting(MAJOR_ACCEPTOR) != SUPERVISOR or not hazard.supervisor_id or user.is_sysadmin:
        return True
    supervisor = hazard.supervisor
    return user.organization_id == supervisor.pk or LEVEL_RANK[user.organization.level] > LEVEL_RANK[supervisor.level]


def accepted_by_regulators(hazard):
    """A major hazard, and one a regulator's inspection registered (监管检查: its 复查), is accepted by regulators; a
    general hazard the enterprise found itself, by the enterprise (or a regulator)."""
    return hazard.is_major or hazard.source == Source.INSPECTION


def _may_accept(user, hazard):
    """A general hazard of the enterprise's own finding: its own acceptance (or a regulator's); a major hazard:
    regulators, as the settings choose (accepts_major); an inspection's: the regulators in scope (复查)."""
    if not permissions.has(user, ACCEPT):
        return False
    if hazard.is_major:
        return accepts_major(user, hazard)
    if hazard.source == Source.INSPECTION:
        return is_regulator_of(user, hazard)
    return is_own(user, hazard) or is_regulator_of(user, hazard)


A = HazardStep.Action


class HazardFlow(workflow.Workflow):
    model = Hazard
    related = ("enterprise",)
    state_refused = "隐患当前状态为“{state}”，不能{step}。"
    steps = (
        Step(A.START, "开始整改", (State.REPORTED,), State.RECTIFYING, _may_start),
        Step(A.CONFIRM, "确认为重大隐患", (State.REPORTED,), State.RECTIFYING, _may_review, style="danger"),
        Step(A.DOWNGRADE, "打回为一般隐患", (State.REPORTED,), None, _may_review, needs_comment=True, style="warning"),
        Step(A.SUBMIT, "提交验收", (State.RECTIFYING,), State.ACCEPTING, _may_submit),
        Step(A.ACCEPT, "验收通过", (State.ACCEPTING,), State.CLOSED, _may_accept, style="success"),
        Step(A.REJECT, "验收不通过", (State.ACCEPTING,), State.RECTIFYING, _may_accept, needs_comment=True, style="danger"),
    )

    def check(self, hazard, step, user, comment):
        if step.action == A.SUBMIT:
            missing = missing_for_acceptance(hazard)
            if missing:
                raise ValidationError(f"整改记录不完整，请先填写：{'、'.join(missing)}。")

    def apply(self, hazard, step, user, comment):
        if step.action == A.CONFIRM:
            hazard.review, hazard.review_reason = Review.CONFIRMED, comment
        elif step.action == A.DOWNGRADE:
            hazard.review, hazard.review_reason, hazard.level = Review.DOWNGRADED, comment, Level.GENERAL
            hazard.supervision, hazard.supervisor = Supervision.NONE, None
        elif step.action == A.ACCEPT:
            hazard.reviewed_by, hazard.reviewed_on, hazard.closed_at = _name(user), timezone.localdate(), timezone.now()

    def audit_message(self, hazard, step, comment):
        return _message(step.action, comment)

    def record(self, hazard, step, user, comment, source):
        _step_row(hazard, step.action, user, comment, source)


FLOW = HazardFlow()
available, perform = FLOW.available, FLOW.perform


def record_step(hazard, action, user, comment="", source=None, save=True):
    """Save `hazard` (audited as this step) and keep the step as a row, for the steps that change fields but not the
    state, each through its own form: reporting, the major-hazard plan, supervision. State changes go through FLOW."""
    hazard._audit_action = AuditAction.TRANSITION
    hazard._audit_message = _message(action, comment)
    if save:
        hazard.save()
    return _step_row(hazard, action, user, comment, source)


def _message(action, comment):
    return f"{HazardStep.Action(action).label}" + (f"：{comment}" if comment else "")


def _step_row(hazard, action, user, comment, source):
    return HazardStep.objects.create(
        hazard=hazard, action=action, source=source or "", target=hazard.state, comment=comment[:500],
        actor=user if user.is_authenticated else None, actor_name=_name(user),
        actor_org=_unit(user),
    )


def supervise(hazard, user, level, notice_number, today=None):
    """List a confirmed major hazard for supervision (挂牌督办) and issue the 限期整改通知书 (number and date)."""
    if level not in (Supervision.COUNTY, Supervision.CITY):
        raise ValidationError("请选择县级或市级挂牌督办。")
    with transaction.atomic():
        hazard = FLOW.lock(hazard)
        if not can_supervise(user, hazard):
            raise PermissionDenied
        hazard.supervision, hazard.supervisor_id = level, user.organization_id
        hazard.notice_number, hazard.notice_on = notice_number.strip(), today or timezone.localdate()
        record_step(hazard, A.SUPERVISE, user, Supervision(level).label, source=hazard.state)
    return hazard


def _unit(user):
    """The acting user's organisation, or enterprise, as the step row keeps it."""
    unit = getattr(user, "organization", None) or getattr(user, "enterprise", None)
    return str(unit or "")[:128]


def _name(user):
    return getattr(user, "full_name", "") or user.get_username()
