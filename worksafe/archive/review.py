"""Archive review (信息审核) as a step table on the core workflow engine (core/workflow.py): the enterprise
administrator submits the archive, a regulator above township level in scope approves it or returns it with a reason,
and any saved change to an approved archive (表1, 表2, the registration tables) sends it back to review. Each step is
an ArchiveReview row and a ChangeRecord (提交审核 / 审核通过 / 退回, the reason as its message).

  未提交 / 已退回 / 审核通过 --submit--> 待审核 --approve--> 审核通过
                                          待审核 --return (reason)--> 已退回
  审核通过 --resubmit (an edit, `mark_for_review`)--> 待审核

The reviewer compares: `changes_since_approval()` folds the audit trail of the archive's tables (`track()`) since the
last approval into what changed, field by field (core/changes.py). Whoever edits an approved archive is told before
saving (RESUBMIT_NOTICE on the edit forms) and after (SENT_BACK); `sent_back` is the hook for telling the reviewers.
"""
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import Signal

from worksafe.core import changes, permissions, workflow
from worksafe.core.models import NOT_CHANGES, AuditAction, ChangeRecord
from worksafe.core.workflow import Step

from . import supervision
from .models import ArchiveReview, Enterprise, ReviewState

R = ReviewState
REVIEW_AGAIN = "已审核档案被修改，重新待审"
# What the editor of an approved archive reads on the form, and after saving.
RESUBMIT_NOTICE = "本档案已审核通过。保存修改后，档案将退回“待审核”状态，需监管部门重新审核。"
SENT_BACK = "档案已退回“待审核”状态，需监管部门重新审核。"

# Who reviews (a 流程设置 choice, read in one place: approver_rule). OWNER_UP: the level that supervises the enterprise
# (分级负责, seed 000 二(二)) and the levels above it (permissions.can_review_archive); OWNER_LEVEL: only the owning
# organisations (supervision.owns). Either way the 待办 and the notifications go to the owners.
OWNER_UP, OWNER_LEVEL = "owner_up", "owner_level"
REVIEWER = workflow.declare(
    "archive.reviewer", "企业档案审核", "一企一档", workflow.CHOICE, OWNER_UP,
    options=((OWNER_UP, "负责监管的层级及其上级"), (OWNER_LEVEL, "仅负责监管的层级（及指定的行业部门）")),
    help="企业提交的档案由谁审核通过或退回。负责监管的层级见企业档案的“分级负责”（默认县级）；审核待办和通知只发给负责监管的层级。")


def approver_rule():
    """Who reviews archives, as chosen on the 流程设置 page: OWNER_UP or OWNER_LEVEL."""
    return workflow.setting(REVIEWER)


def may_review(user, enterprise):
    """审核通过 / 退回: permissions.can_review_archive, narrowed to the owning organisations under OWNER_LEVEL."""
    if not permissions.can_review_archive(user, enterprise):
        return False
    return approver_rule() != OWNER_LEVEL or supervision.owns(user, enterprise)


# Sent once the transaction commits, whenever edits send approved archives back to review: sender Enterprise;
# `enterprises` (one for an edit, every one an import sent back) and `user`, the editor. The hook for notifying the
# reviewers: it covers the edit forms (mark_for_review) and the enterprise import (io.py), which bypasses the
# workflow's own `performed` signal.
sent_back = Signal()


class ArchiveReviewFlow(workflow.Workflow):
    model = Enterprise
    field = "review_state"
    state_refused = "当前状态“{state}”下不能执行此操作。"
    steps = (
        Step("submit", "提交审核", (R.DRAFT, R.RETURNED, R.APPROVED), R.SUBMITTED, permissions.can_submit_archive,
             audit=AuditAction.SUBMIT),
        Step("approve", "审核通过", (R.SUBMITTED,), R.APPROVED, may_review, audit=AuditAction.APPROVE),
        Step("return", "退回", (R.SUBMITTED,), R.RETURNED, may_review, needs_comment=True,
             audit=AuditAction.RETURN),
        # Not a button: whoever may edit the archive takes it by changing an approved one.
        Step("resubmit", "重新待审", (R.APPROVED,), R.SUBMITTED, permissions.can_edit_archive, audit=AuditAction.SUBMIT,
             offered=False),
    )

    def apply(self, enterprise, step, user, reason):
        enterprise.review_reason = reason if step.action == "return" else ""

    def audit_message(self, enterprise, step, reason):
        return reason

    def record(self, enterprise, step, user, reason, source):
        ArchiveReview.objects.create(enterprise=enterprise, source=source, target=enterprise.review_state, reason=reason,
                                     actor=user, actor_name=str(user))


REVIEW = ArchiveReviewFlow()


def mark_for_review(enterprise, user):
    """Editing an approved archive sends it back to review (call inside the edit's transaction, after its save);
    True when this edit did (the saved message says so: `saved_message`)."""
    if enterprise.review_state != R.APPROVED:
        return False
    REVIEW.perform(enterprise, "resubmit", user, REVIEW_AGAIN)
    announce_sent_back([enterprise], user)
    return True


def announce_sent_back(enterprises, user):
    """Send `sent_back` for `enterprises` once the caller's transaction commits (nothing if it rolls back)."""
    if enterprises:
        enterprises = list(enterprises)
        transaction.on_commit(lambda: sent_back.send(sender=Enterprise, enterprises=enterprises, user=user))


def saved_message(text, went_back):
    """The flash message after saving into an archive: `text`, and that it went back to review if it did."""
    return f"{text}{SENT_BACK}" if went_back else text


# What changed since the last approval ------------------------------------------------------------------------------
# The archive under review is 表1 (the enterprise), its secondary units and key supervision items (registered in
# apps.py) and what other apps keep in it (the registration tables): each `track`s its model. The last approval is the
# newest ArchiveReview row into 审核通过 (the workflow writes it beside the APPROVE change record; the enterprise's few
# review steps are read, not its whole change history). The changes since (one query on the index
# change_enterprise_time: enterprise_id = ? AND time > ?) are folded into the net change per row and field; related
# names cost one query per related model, whatever the number of records.

CHANGES_LIMIT = 5000  # records folded at most; beyond, the diff says it is partial and points to the full history


@dataclass(frozen=True)
class Tracked:
    title: str  # the group's heading
    single: bool  # one row per archive (表1): no row names under the heading
    hidden: frozenset  # attnames never shown (the review state the workflow moves, the owning enterprise)


_tracked = {}  # model -> Tracked, in display order


def track(model, title=None, single=False, hidden=()):
    """Make `model`'s audited changes part of the archive's review diff."""
    _tracked[model] = Tracked(str(title or model._meta.verbose_name), single, frozenset(hidden))


@dataclass
class Group:
    title: str
    single: bool
    changes: list  # [changes.NetChange]


@dataclass
class Diff:
    approval: ArchiveReview | None  # the last approval (time, actor_name); None: never approved (the first review)
    groups: list
    truncated: bool = False

    @property
    def field_count(self):
        """How many fields of existing rows changed."""
        return sum(len(c.rows) for g in self.groups for c in g.changes if c.status == changes.CHANGED)

    @property
    def added(self):
        return sum(c.status == changes.ADDED for g in self.groups for c in g.changes)

    @property
    def removed(self):
        return sum(c.status == changes.REMOVED for g in self.groups for c in g.changes)


def changes_since_approval(enterprise):
    """The archive's changes since its last approval, grouped by table (Diff); two queries and the related names."""
    approval = (ArchiveReview.objects.filter(enterprise_id=enterprise.pk, target=R.APPROVED)
                .order_by("-time", "-id").only("time", "actor_name").first())
    if approval is None:
        return Diff(None, [])
    types = ContentType.objects.get_for_models(*_tracked)
    records = list(
        ChangeRecord.objects.filter(enterprise_id=enterprise.pk, time__gt=approval.time, content_type__in=types.values())
        .exclude(action__in=NOT_CHANGES).order_by("time", "id").values_list(*changes.COLUMNS)[:CHANGES_LIMIT + 1]
    )
    truncated = len(records) > CHANGES_LIMIT
    hidden = {types[model].pk: tracked.hidden for model, tracked in _tracked.items()}
    folded = changes.fold(records[:CHANGES_LIMIT], hidden)
    groups = []
    for model, tracked in _tracked.items():
        of_model = [c for c in folded if c.content_type_id == types[model].pk]
        if of_model:
            groups.append(Group(tracked.title, tracked.single, of_model))
    return Diff(approval, groups, truncated)
