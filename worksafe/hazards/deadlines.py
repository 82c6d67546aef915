"""Deadline colours (seed 001, 2.2): red overdue, orange within 10 days, green beyond. Written once; every hazard
list and page uses it."""
import datetime

from django.db.models import Q
from django.utils import timezone

WARN_DAYS = 10


class Due:
    OVERDUE = "overdue"
    SOON = "soon"
    LATER = "later"


LABELS = {Due.OVERDUE: "已超期", Due.SOON: f"{WARN_DAYS}天内到期", Due.LATER: f"{WARN_DAYS}天以上"}
COLORS = {Due.OVERDUE: "red", Due.SOON: "orange", Due.LATER: "green"}


def due_status(deadline, today=None, is_open=True):
    """Due.* for an open hazard's deadline, None when there is no deadline or the hazard is closed."""
    if deadline is None or not is_open:
        return None
    days = (deadline - (today or timezone.localdate())).days
    if days < 0:
        return Due.OVERDUE
    return Due.SOON if days <= WARN_DAYS else Due.LATER


def due_q(status, today=None, field="deadline"):
    """Q for open hazards whose deadline has `status` (the list filter 整改期限)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=WARN_DAYS)
    return {
        Due.OVERDUE: Q(**{f"{field}__lt": today}),
        Due.SOON: Q(**{f"{field}__gte": today, f"{field}__lte": soon}),
        Due.LATER: Q(**{f"{field}__gt": soon}),
    }[status] & ~Q(state="closed")
