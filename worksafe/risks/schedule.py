"""When a control measure is next due for a patrol (风险巡检), from its check frequency (排查频次).

A measure checked every n units is due n units after its last check (after its creation when never checked);
a check not recorded by then is overdue. A shift is RISK_SHIFT_HOURS (8 by default: three shifts a day); months,
quarters and years are calendar months (31 January + 1 month = 28/29 February).
"""
import calendar
import datetime

from django.conf import settings
from django.utils import timezone


def add_months(moment, months):
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def due_after(start, value, unit):
    """The deadline of the next check for a measure checked every `value` `unit`s, counted from `start`."""
    if unit == "shift":
        return start + datetime.timedelta(hours=getattr(settings, "RISK_SHIFT_HOURS", 8) * value)
    if unit == "day":
        return start + datetime.timedelta(days=value)
    if unit == "week":
        return start + datetime.timedelta(weeks=value)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    return add_months(timezone.localtime(start), months * value)


def next_due(measure):
    start = measure.last_checked_at or measure.created_at or timezone.now()
    return due_after(start, measure.frequency_value, measure.frequency_unit)


def is_overdue(measure, now=None):
    return measure.next_due_at is not None and measure.next_due_at < (now or timezone.now())
