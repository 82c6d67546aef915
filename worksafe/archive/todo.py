"""The archive's 待办 (core/todo.py) and its home page tiles (core/home.py): archives awaiting review, a returned
archive, and the jurisdiction's enterprises by risk grade."""
from django.db.models import Count

from worksafe.core import permissions, todo
from worksafe.core.filters import UNGRADED
from worksafe.core.home import Panel, Tile
from worksafe.core.menu import enterprise_side, government_side, own_enterprise
from worksafe.core.risk_levels import COLORS, ORDER

from . import perms
from .models import ChangeState, Enterprise, ReviewState, SupervisionChange
from .supervision import MINE, approving_q, owned_q


def submitted(user):
    """Archives waiting for their owning level's review (分级负责): an index range (enterprise_review_region:
    review_state, region)."""
    return Enterprise.objects.for_user(user).filter(owned_q(user), review_state=ReviewState.SUBMITTED)


def supervision_requests(user):
    """负责层级调整 requests waiting for `user`'s approval."""
    return SupervisionChange.objects.for_user(user).filter(approving_q(user))


def returned(user):
    return Enterprise.objects.for_user(user).filter(pk=user.enterprise_id, review_state=ReviewState.RETURNED)


def owns_reviews(user):
    """Who is asked to review (分级负责): the regulators whose role grants archive.review, a township office too — it
    reviews the archives handed to its level (submitted() counts only those its organisation owns)."""
    return government_side(user) and permissions.has(user, perms.REVIEW)


SOURCES = [
    todo.Source("archive.review", "待审核的企业档案", owns_reviews, submitted,
                todo.link("archive:enterprise_list", review_state=ReviewState.SUBMITTED, supervision=MINE), 10),
    todo.Source("archive.supervision", "待审批的负责层级调整", todo.deciding(perms.APPROVE_SUPERVISION),
                supervision_requests, todo.link("archive:supervisionchange_list", state=ChangeState.PENDING), 12),
    todo.Source("archive.returned", "企业档案已被退回，请按退回原因修改后重新提交", enterprise_side, returned,
                todo.link("archive:enterprise_detail", own_enterprise), 10, "red"),
]


def grades(user):
    """The jurisdiction's enterprises by their overall risk grade: one GROUP BY read from the index enterprise_risk_stats."""
    counts = dict(Enterprise.objects.for_user(user).order_by().values_list("risk_grade").annotate(n=Count("*")))
    result = {f"enterprises.{level}": counts.get(level, 0) for level in ORDER}
    result["enterprises.ungraded"] = counts.get("", 0)
    result["enterprises.total"] = sum(counts.values())
    return result


# Neither good nor bad in itself: more enterprises, or more of them graded 低风险 (rise_is_bad=None).
PANELS = [
    Panel("archive.grades", "企业安全风险等级", grades, (
        Tile("enterprises.total", "企业总数", todo.link("archive:enterprise_list"), "blue", None),
        *[Tile(f"enterprises.{level.value}", level.label, todo.link("archive:enterprise_list", risk_grade=level.value),
               COLORS[level], None if level in ("medium", "low") else True) for level in ORDER],
        Tile("enterprises.ungraded", "未评定", todo.link("archive:enterprise_list", risk_grade=UNGRADED), "secondary"),
    ), 10),
]
