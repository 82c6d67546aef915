"""Archive review (信息审核) as a step table on the core workflow engine (core/workflow.py): the enterprise
administrator submits the archive, a regulator above township level in scope approves it or returns it with a reason,
and any saved change to an approved archive (表1, 表2, the registration tables) sends it back to review. Each step is
an ArchiveReview row and a ChangeRecord (提交审核 / 审核通过 / 退回, the reason as its message).

  未提交 / 已退回 / 审核通过 --submit--> 待审核 --approve--> 审核通过
                                          待审核 --return (reason)--> 已退回
  审核通过 --resubmit (an edit, `mark_for_review`)--> 待审核
"""
from worksafe.core import permissions, workflow
from worksafe.core.models import AuditAction
from worksafe.core.workflow import Step

from .models import ArchiveReview, Enterprise, ReviewState

R = ReviewState
REVIEW_AGAIN = "已审核档案被修改，重新待审"


class ArchiveReviewFlow(workflow.Workflow):
    model = Enterprise
    field = "review_state"
    state_refused = "当前状态“{state}”下不能执行此操作。"
    steps = (
        Step("submit", "提交审核", (R.DRAFT, R.RETURNED, R.APPROVED), R.SUBMITTED, permissions.can_submit_archive,
             audit=AuditAction.SUBMIT),
        Step("approve", "审核通过", (R.SUBMITTED,), R.APPROVED, permissions.can_review_archive, audit=AuditAction.APPROVE),
        Step("return", "退回", (R.SUBMITTED,), R.RETURNED, permissions.can_review_archive, needs_comment=True,
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
    returns the enterprise as saved."""
    if enterprise.review_state == R.APPROVED:
        return REVIEW.perform(enterprise, "resubmit", user, REVIEW_AGAIN)
    return enterprise
