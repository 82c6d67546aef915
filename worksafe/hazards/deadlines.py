"""Deadline colours (seed 001, 2.2): red overdue, orange within 10 days, green beyond. Written once; every hazard
list and page uses it.

The 10 days are the seed's; a deployment may change them on the 流程设置 page (the workflow setting WARN, read through
the engine's cached `workflow.setting`: no query per row). So the labels and the boundary are read when used, never
fixed at import: `labels()`, `warn_days()`.
"""
import datetime

from django.db.models import Q
from django.utils import timezone

from worksafe.core import workflow

WARN = workflow.declare(
    "hazards.warn_days", "整改期限预警天数", "隐患排查治理", workflow.DAYS, 10, minimum=1, maximum=90,
    help="整改期限的颜色：已超期为红色，距整改期限不超过该天数为橙色，其余为绿色（默认 10 天）。"
         "隐患列表、台账、“整改期限”筛选和统计随之变化。")


class Due:
    OVERDUE = "overdue"
    SOON = "soon"
    LATER = "later"


COLORS = {Due.OVERDUE: "red", Due.SOON: "orange", Due.LATER: "green"}


def warn_days():
    """How many days before its deadline an open hazard turns orange (the setting; 10 by default)."""
    return workflow.setting(WARN)


def labels():
    """{Due.*: label}: 已超期, N天内到期, N天以上."""
    days = warn_days()
    return {Due.OVERDUE: "已超期", Due.SOON: f"{days}天内到期", Due.LATER: f"{days}天以上"}


def choices():
    """[(Due.*, label)] for the 整改期限 filters, read when the form is built (the labels follow the setting)."""
    return list(labels().items())


def due_status(deadline, today=None, is_open=True):
    """Due.* for an open hazard's deadline, None when there is no deadline or the hazard is closed."""
    if deadline is None or not is_open:
        return None
    days = (deadline - (today or timezone.localdate())).days
    if days < 0:
        return Due.OVERDUE
    return Due.SOON if days <= warn_days() else Due.LATER


def soon_until(today):
    """The last deadline that is still "soon" on `today`."""
    return today + datetime.timedelta(days=warn_days())


def due_q(status, today=None, field="deadline"):
    """Q for open hazards whose deadline has `status` (the list filter 整改期限)."""
    today = today or timezone.localdate()
    soon = soon_until(today)
    return {
        Due.OVERDUE: Q(**{f"{field}__lt": today}),
        Due.SOON: Q(**{f"{field}__gte": today, f"{field}__lte": soon}),
        Due.LATER: Q(**{f"{field}__gt": soon}),
    }[status] & ~Q(state="closed")
