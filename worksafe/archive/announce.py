"""Archive review, announced (core.notify): a submitted archive, and an approved one edited back to 待审核, to the
regulators who own its review (分级负责: supervision.owners); a return or an approval to
the enterprise's accounts. Sent once the step has committed (core.workflow.performed; for archives sent back, by an
edit or by an import, review.sent_back); never to whoever took it."""
from django.dispatch import receiver
from django.urls import reverse

from worksafe.core import notify, workflow

from . import perms, supervision
from .models import Enterprise, ReviewState
from .review import sent_back

SUBMITTED = notify.kind("archive.submitted", "档案待审核")
RESUBMITTED = notify.kind("archive.resubmitted", "已审核档案被修改")
RETURNED = notify.kind("archive.returned", "档案被退回")
APPROVED = notify.kind("archive.approved", "档案审核通过")


@receiver(workflow.performed, sender=Enterprise, dispatch_uid="archive.announce")
def _reviewed(sender, obj, step, user, comment, **kwargs):
    e, link = obj, obj.get_absolute_url()
    if step.action == "submit":
        notify.notify(supervision.owners(e, perms.REVIEW), SUBMITTED,
                      f"{e.name} 提交了企业档案，请审核。", link=link, obj=e, actor=user)
    elif step.action == "return":
        notify.notify(notify.enterprise_users(e), RETURNED, f"企业档案被退回：{comment}。请修改后重新提交审核。",
                      link=link, obj=e, actor=user)
    elif step.action == "approve":
        notify.notify(notify.enterprise_users(e), APPROVED, "企业档案已审核通过。", link=link, obj=e, actor=user)


DIGEST_FROM = 10  # archives sent back at once (an import) from which each reviewer gets one notification for all


@receiver(sent_back, sender=Enterprise, dispatch_uid="archive.announce_sent_back")
def _sent_back(sender, enterprises, user, **kwargs):
    if len(enterprises) < DIGEST_FROM:
        for e in enterprises:
            notify.notify(supervision.owners(e, perms.REVIEW), RESUBMITTED,
                          f"{e.name} 的企业档案已审核通过后又被修改（{user}），已重新进入待审核，请审核。",
                          link=e.get_absolute_url(), obj=e, actor=user)
        return
    # An import: each reviewer is told once how many of their archives went back, with the list of those waiting.
    # Reviewers depend on the region, the industry and the owning level only (分级负责), so each is looked up once.
    reviewers, counts = {}, {}
    for e in enterprises:
        key = (e.region_id, e.industry_id, e.supervision_level, e.supervising_department_id)
        if key not in reviewers:
            reviewers[key] = list(supervision.owners(e, perms.REVIEW))
        for reviewer in reviewers[key]:
            counts[reviewer] = counts.get(reviewer, 0) + 1
    link = reverse("archive:enterprise_list") + f"?review_state={ReviewState.SUBMITTED}&supervision=mine"
    for reviewer, n in counts.items():
        notify.notify(reviewer, RESUBMITTED, f"导入修改了您辖区内 {n} 家已审核通过的企业档案（{user}），已重新进入待审核，请审核。",
                      link=link, actor=user)
