"""Decisions on API subscriptions, announced to the applicant (core.notify) once the step has committed: approved,
rejected (with the reason), revoked (with the reason)."""
from django.dispatch import receiver

from worksafe.core import notify, workflow

from .models import ApiSubscription

DECIDED = notify.kind("api.decided", "接口订阅审核结果")

TEXTS = {
    "approve": "接口订阅“{name}”已审核通过，可获取授权KEY。",
    "reject": "接口订阅“{name}”被驳回：{reason}",
    "revoke": "接口订阅“{name}”已被吊销：{reason}",
}


@receiver(workflow.performed, sender=ApiSubscription, dispatch_uid="api.announce")
def _decided(sender, obj, step, user, comment, **kwargs):
    text = TEXTS.get(step.action)
    if text and obj.applicant_id:
        notify.notify(obj.applicant, DECIDED, text.format(name=obj.system_name, reason=comment),
                      link=obj.get_absolute_url(), obj=obj, actor=user)
