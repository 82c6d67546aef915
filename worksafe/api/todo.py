"""接口订阅管理's 待办 (core/todo.py): applications waiting for a reviewer in scope (index api_subscription_region)."""
from worksafe.core import todo

from . import perms
from .models import ApiSubscription, SubscriptionState


def pending(user):
    return ApiSubscription.objects.for_user(user).filter(state=SubscriptionState.PENDING)


SOURCES = [
    todo.Source("api.pending", "待审核的接口订阅申请", todo.deciding(perms.REVIEW), pending,
                todo.link("api:subscription_list", state=SubscriptionState.PENDING), 40),
]
