"""Check plans (排查计划): their periods, which of them were checked, which are due and which were missed.

A plan checked every n units has periods of n units. Weeks, months, quarters and years follow the calendar (每月一次
means once in each calendar month): blocks of n such units from the calendar period holding `starts_on` (the week
from its Monday, the month from its 1st, the quarter from its first month, the year from 1 January), the first block
starting at `starts_on` itself. Days are blocks of n days from `starts_on`; a shift (班) is treated as a day here:
plans are kept per day, while shift-by-shift patrols of control measures are risks/schedule.py's business.
`ends_on` ends the last period. A period is done when a HazardCheck of the plan has `checked_on` inside it; the
current period is due (待排查) until done; a past period without a check is missed (已漏查).

Only the last N periods are computed (the current one found by arithmetic, not by walking from the start), and the
plans' check dates are read once for a whole list of plans: no query per period or per plan.
"""
import datetime
from collections import defaultdict
from typing import NamedTuple

from django.db.models import Max
from django.utils import timezone

from .models import HazardCheck

HISTORY = 12  # past periods shown and counted for missed checks
MONTHS = {"month": 1, "quarter": 3, "year": 12}


class Period(NamedTuple):
    start: datetime.date
    end: datetime.date  # inclusive
    done: bool
    current: bool

    @property
    def missed(self):
        return not self.done and not self.current

    @property
    def label(self):
        return "已排查" if self.done else ("待排查" if self.current else "已漏查")

    @property
    def color(self):
        return "green" if self.done else ("orange" if self.current else "red")


class Status(NamedTuple):
    key: str  # done / due / missed(never: a past period) / ended / inactive / not_started
    label: str
    color: str
    current: Period | None
    history: list  # the past periods, newest first (at most HISTORY)
    last_checked: datetime.date | None

    @property
    def missed(self):
        return sum(1 for p in self.history if p.missed)


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _anchor(plan):
    """The start of the calendar block holding starts_on, and a function i → start of block i."""
    start, value, unit = plan.starts_on, plan.frequency_value, plan.frequency_unit
    if unit in MONTHS:
        step = MONTHS[unit] * value
        if unit == "month":
            anchor = start.replace(day=1)
        elif unit == "quarter":
            anchor = datetime.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        else:
            anchor = datetime.date(start.year, 1, 1)
        return anchor, lambda i: _add_months(anchor, step * i), lambda day: _months_between(anchor, day) // step
    days = value * (7 if unit == "week" else 1)  # "shift" counts as "day" (see the module docstring)
    anchor = start - datetime.timedelta(days=start.weekday()) if unit == "week" else start
    return (anchor, lambda i: anchor + datetime.timedelta(days=days * i),
            lambda day: (day - anchor).days // days)


def _months_between(anchor, day):
    return (day.year - anchor.year) * 12 + day.month - anchor.month


def periods(plan, today, limit=HISTORY):
    """[(start, end)] of the current period (last) and up to `limit` periods before it; [] before the plan starts.
    After `ends_on` the last period is the one holding ends_on."""
    if today < plan.starts_on:
        return []
    until = min(today, plan.ends_on) if plan.ends_on else today
    if until < plan.starts_on:
        return []
    anchor, block_start, index_of = _anchor(plan)
    current = index_of(until)
    result = []
    for i in range(max(0, current - limit), current + 1):
        start, end = block_start(i), block_start(i + 1) - datetime.timedelta(days=1)
        start = max(start, plan.starts_on)
        if plan.ends_on:
            end = min(end, plan.ends_on)
        result.append((start, end))
    return result


def status(plan, check_dates, today=None, limit=HISTORY):
    """The Status of `plan` on `today`, from the dates of its checks (any iterable of dates)."""
    today = today or timezone.localdate()
    dates = sorted(set(check_dates))
    last = max((d for d in dates if d <= today), default=None)
    spans = periods(plan, today, limit)
    ended = plan.ends_on is not None and plan.ends_on < today
    rows = []
    for n, (start, end) in enumerate(spans):
        is_current = n == len(spans) - 1 and not ended
        rows.append(Period(start, end, any(start <= d <= end for d in dates), is_current))
    current = rows[-1] if rows and rows[-1].current else None
    history = [p for p in reversed(rows) if not p.current][:limit]
    if today < plan.starts_on:
        return Status("not_started", f"{plan.starts_on:%Y-%m-%d} 开始", "secondary", None, [], last)
    if ended:
        return Status("ended", "已结束", "secondary", None, history, last)
    if not plan.active:
        return Status("inactive", "已停用", "secondary", None, history, last)
    if current.done:
        return Status("done", "本期已排查", "green", current, history, last)
    return Status("due", "待排查", "orange", current, history, last)


def earliest_start(plan, today, limit=HISTORY):
    spans = periods(plan, today, limit)
    return spans[0][0] if spans else None


def statuses(plans, today=None, limit=HISTORY):
    """{plan id: Status} for `plans`, reading their checks' dates in one query (from the earliest period shown)."""
    today = today or timezone.localdate()
    plans = list(plans)
    starts = [s for s in (earliest_start(p, today, limit) for p in plans) if s is not None]
    dates = defaultdict(list)
    if starts:
        rows = (HazardCheck.objects.filter(plan_id__in=[p.pk for p in plans], checked_on__gte=min(starts))
                .order_by().values_list("plan_id", "checked_on"))
        for plan_id, day in rows:
            dates[plan_id].append(day)
    # The last check may lie before the periods shown (a plan long missed): one grouped query for those.
    result = {p.pk: status(p, dates[p.pk], today, limit) for p in plans}
    stale = [pk for pk, s in result.items() if s.last_checked is None]
    if stale:
        lasts = dict(HazardCheck.objects.filter(plan_id__in=stale, checked_on__lte=today).order_by()
                     .values_list("plan_id").annotate(last=Max("checked_on")))
        for pk in stale:
            if lasts.get(pk):
                result[pk] = result[pk]._replace(last_checked=lasts[pk])
    return result
