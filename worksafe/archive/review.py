"""Archive review (提交 → 审核通过 / 退回): each transition saved with an ArchiveReview row and its audit action.

Editing an approved archive sends it back to review, whichever page saved the edit: this app's forms, or another
module's page that writes into the archive (the registration tables). Such pages call `mark_for_review`.
"""
from worksafe.core.models import AuditAction

from .models import ArchiveReview, ReviewState

AUDIT_ACTIONS = {"submit": AuditAction.SUBMIT, "approve": AuditAction.APPROVE, "return_": AuditAction.RETURN}


def transition(enterprise, name, user, reason=""):
    """Run review transition `name` on `enterprise`, keep the step as a row, and save."""
    source = enterprise.review_state
    method = getattr(enterprise, name)
    method(reason) if name == "return_" else method()
    enterprise._audit_action = AUDIT_ACTIONS[name]
    enterprise._audit_message = reason
    enterprise.save()
    ArchiveReview.objects.create(
        enterprise=enterprise, source=source, target=enterprise.review_state, reason=reason, actor=user, actor_name=str(user)
    )


def mark_for_review(enterprise, user):
    """Editing an approved archive sends it back to review."""
    if enterprise.review_state == ReviewState.APPROVED:
        transition(enterprise, "submit", user, "已审核档案被修改，重新待审")
