"""Reporting periods (查报周期): the period of a cycle that contains a day, as a key, its first and last day and its
Chinese name.

Keys sort and compare as text and fit ReportingDuty.last_period / HazardReport.period (8 characters):
  月报 "2026-11"   季报 "2026Q4"   半年报 "2026H2"   年报 "2026"
A key names its cycle too (no two cycles share a key), so an enterprise whose cycle changes mid-year starts a
new period rather than finding the old cycle's report "for this period".
"""
import calendar
import datetime

from .models import Cycle

QUARTER_NAMES = "一二三四"


def _months(cycle, day):
    """(first month, last month) of the period of `cycle` containing `day`."""
    m = day.month
    if cycle == Cycle.MONTH:
        return m, m
    if cycle == Cycle.QUARTER:
        first = (m - 1) // 3 * 3 + 1
        return first, first + 2
    if cycle == Cycle.HALF:
        return (1, 6) if m <= 6 else (7, 12)
    if cycle == Cycle.YEAR:
        return 1, 12
    raise ValueError(f"unknown reporting cycle {cycle!r}")


def key(cycle, day):
    """The period key: "2026-11", "2026Q4", "2026H2" or "2026"."""
    y, m = day.year, day.month
    _months(cycle, day)  # rejects an unknown cycle
    if cycle == Cycle.MONTH:
        return f"{y}-{m:02d}"
    if cycle == Cycle.QUARTER:
        return f"{y}Q{(m - 1) // 3 + 1}"
    if cycle == Cycle.HALF:
        return f"{y}H{1 if m <= 6 else 2}"
    return str(y)


def bounds(cycle, day):
    """(first day, last day) of the period containing `day`."""
    first, last = _months(cycle, day)
    return (datetime.date(day.year, first, 1),
            datetime.date(day.year, last, calendar.monthrange(day.year, last)[1]))


def label(cycle, day):
    """The period's name: "2026年11月", "2026年第四季度", "2026年下半年", "2026年度"."""
    y, m = day.year, day.month
    _months(cycle, day)
    if cycle == Cycle.MONTH:
        return f"{y}年{m}月"
    if cycle == Cycle.QUARTER:
        return f"{y}年第{QUARTER_NAMES[(m - 1) // 3]}季度"
    if cycle == Cycle.HALF:
        return f"{y}年{'上' if m <= 6 else '下'}半年"
    return f"{y}年度"


def current_keys(day):
    """{cycle: key} of every cycle's period containing `day`: what "reported this period" compares against."""
    return {c: key(c, day) for c in Cycle.values}
