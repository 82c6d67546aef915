"""事故快报 on the regulator's home page (core/home.py): this year's accident reports in the jurisdiction and those
still followed (跟踪中, no investigation linked yet), each a link to 事故快报 filtered alike."""
import datetime

from django.db.models import Count, Q
from django.utils import timezone

from worksafe.core import todo
from worksafe.core.filters import local_day_start
from worksafe.core.home import Panel, Tile

from .models import AccidentReport


def year_start():
    return datetime.date(timezone.localdate().year, 1, 1)


def figures(user):
    """One aggregate over the reports in scope since 1 January (index accident_report_time)."""
    counts = (AccidentReport.objects.for_user(user).filter(occurred_at__gte=local_day_start(year_start())).order_by()
              .aggregate(n=Count("id"), open=Count("id", filter=Q(investigation__isnull=True))))
    return {"accidents.year": counts["n"], "accidents.open": counts["open"]}


def this_year(**query):
    """事故快报 from 1 January (the date is the day the page is drawn: the link follows the year)."""

    def url(user):
        return todo.link("incidents:report_list", occurred_from=year_start().isoformat(), **query)(user)

    return url


PANELS = [
    Panel("incidents.accidents", "生产安全事故（本年）", figures, (
        Tile("accidents.year", "本年事故快报", this_year(), "red"),
        Tile("accidents.open", "其中跟踪中", this_year(state="open"), "orange"),
    ), 40),
]
