"""风险巡检's 待办 (core/todo.py): the enterprise's control measures overdue for a patrol or due soon (patrols.py's
statuses), linking to 巡检任务 showing only those."""
from django.utils import timezone

from worksafe.core import todo
from worksafe.core.menu import enterprise_side, own_enterprise

from . import patrols
from .models import ControlMeasure


def due(user):
    """Overdue or due soon, read in one query: the candidates are one range of the index (enterprise, next_due_at),
    each classified by its own interval (patrols.status_of)."""
    now = timezone.now()
    candidates = ControlMeasure.objects.for_user(user).filter(next_due_at__lt=now + patrols.DUE_SOON_MAX).order_by()
    return sum(1 for due_at, value, unit in candidates.values_list("next_due_at", "frequency_value", "frequency_unit")
               if due_at < now + patrols.due_soon_window(value, unit))


SOURCES = [
    todo.Source("risks.patrols_due", "已逾期或即将到期的巡检任务", enterprise_side, due,
                todo.link("risks:patrol_due", own_enterprise, show="due"), 30),
]
