"""Interface subscriptions for the demo: one approved for the 金水 demo enterprise, with a documented key id and secret
and a few logged calls, and one pending application of the 二七 demo enterprise for its regulators to decide."""
import datetime

from django.utils import timezone

from worksafe.core.models import Role

from . import keys
from .models import ApiCall, ApiSubscription, Interface, SubscriptionState

# Demo data only: printed by `worksafe demo` and used in docs/api.md's examples.
DEMO_KEY_ID = "WSDEMOJINSHUI001"
DEMO_SECRET = "demo-api-secret-2026"

CALLS = [  # minutes ago, operation, method, status, records, summary, message
    (2900, "/api/v1/token", "POST", 200, 0, {}, ""),
    (2898, "/api/v1/hazards", "POST", 200, 12, {"created": 10, "updated": 0, "unchanged": 0, "rejected": 2, "skipped": 0}, ""),
    (1500, "/api/v1/token", "POST", 200, 0, {}, ""),
    (1497, "/api/v1/hazards", "POST", 200, 12, {"created": 2, "updated": 1, "unchanged": 9, "rejected": 0, "skipped": 0}, ""),
    (1495, "/api/v1/checks", "POST", 200, 30, {"created": 30, "updated": 0, "unchanged": 0, "rejected": 0, "skipped": 0}, ""),
    (1490, "/api/v1/hazards", "GET", 200, 12, {}, ""),
    (60, "/api/v1/hazards", "POST", 400, 0, {}, "请求体不是有效的 JSON：第 1 行第 2 列，Expecting property name enclosed in double quotes"),
    (30, "/api/v1/token", "POST", 200, 0, {}, ""),
    (28, "/api/v1/risk-objects", "POST", 200, 3, {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0, "skipped": 0}, ""),
]


def make_subscriptions(rng, approved_for, pending_for=None, reviewer=None, now=None):
    """The demo subscriptions: `approved_for` (an enterprise) approved with all four interfaces and the demo key id and
    secret, approved by `reviewer`; `pending_for` (another enterprise) waiting for review; each applied for by its
    enterprise administrator. Returns (approved, pending)."""
    now = now or timezone.now()
    approved = ApiSubscription.objects.create(
        enterprise=approved_for, region_id=approved_for.region_id, interfaces=list(Interface.values),
        system_name=f"{approved_for.name[:20]}双重预防信息系统", vendor="郑州安信软件有限公司", contact="王工",
        phone="0371-66661234", note="企业自建双重预防机制系统，上报风险分级管控清单、隐患排查记录、隐患台账和四色图。",
        state=SubscriptionState.APPROVED, reason="材料齐全，同意对接。", key_id=DEMO_KEY_ID,
        secret_hash=keys.digest(DEMO_SECRET), secret_set_at=now - datetime.timedelta(days=3),
        applicant=_admin(approved_for), decided_by=reviewer, decided_at=now - datetime.timedelta(days=3, hours=2),
    )
    ApiSubscription.objects.filter(pk=approved.pk).update(applied_at=now - datetime.timedelta(days=5))
    for minutes, operation, method, status, records, summary, message in CALLS:
        call = ApiCall.objects.create(subscription=approved, key_id=DEMO_KEY_ID, operation=operation, method=method,
                                      path=operation, status=status, records=records, summary=summary,
                                      message=message, client="10.20.30.40", duration_ms=rng.randrange(8, 40) + 4 * records)
        ApiCall.objects.filter(pk=call.pk).update(time=now - datetime.timedelta(minutes=minutes))
    pending = None
    if pending_for is not None:
        pending = ApiSubscription.objects.create(
            enterprise=pending_for, region_id=pending_for.region_id,
            interfaces=[Interface.RISKS.value, Interface.HAZARDS.value], system_name=f"{pending_for.name[:20]}安全管理平台",
            vendor="河南智安科技有限公司", contact="李工", phone="13903710000",
            note="计划下月上线，先对接风险清单和隐患台账。", state=SubscriptionState.PENDING, applicant=_admin(pending_for),
        )
    return approved, pending


def _admin(enterprise):
    return enterprise.users.filter(role=Role.ENTERPRISE_ADMIN).order_by("pk").first()


# ---- `worksafe demo` step and note (core/demo.py; registered in apps.py) ----


def demo_subscriptions(demo):
    """The 金水 demo enterprise connected (the documented key id and secret), the 二七 one waiting for review."""
    if demo.showcase:
        approved, pending = demo.showcase[0], demo.showcase[1] if len(demo.showcase) > 1 else None
        make_subscriptions(demo.stream(8), approved, pending, reviewer=demo.reviewers.get(approved.region_id))


def demo_note():
    sub = ApiSubscription.objects.filter(key_id=DEMO_KEY_ID).select_related("enterprise").first()
    if sub:
        return f"数据对接演示（{sub.enterprise.name}，仅限演示数据）：", [f"企业标识 {DEMO_KEY_ID}  授权KEY {DEMO_SECRET}  接口文档 /api/v1/docs"]
    return None
