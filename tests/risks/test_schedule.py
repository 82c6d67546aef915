"""Patrol deadlines (schedule.py): every frequency unit, calendar months at month ends and in leap years, overdue
detection at a fixed moment. No clock is read: every moment is given."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from worksafe.risks.models import ControlMeasure
from worksafe.risks.schedule import add_months, due_after, is_overdue, next_due

SH = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


@pytest.mark.parametrize("value, unit, expected", [
    (1, "shift", at(2025, 5, 10, 16, 0)),
    (3, "shift", at(2025, 5, 11, 8, 0)),
    (1, "day", at(2025, 5, 11, 8, 0)),
    (30, "day", at(2025, 6, 9, 8, 0)),
    (1, "week", at(2025, 5, 17, 8, 0)),
    (2, "week", at(2025, 5, 24, 8, 0)),
    (1, "month", at(2025, 6, 10, 8, 0)),
    (6, "month", at(2025, 11, 10, 8, 0)),
    (1, "quarter", at(2025, 8, 10, 8, 0)),
    (1, "year", at(2026, 5, 10, 8, 0)),
])
def test_every_unit(value, unit, expected):
    assert due_after(at(2025, 5, 10, 8, 0), value, unit) == expected


@override_settings(RISK_SHIFT_HOURS=12)
def test_a_shift_is_configured():
    assert due_after(at(2025, 5, 10, 8, 0), 1, "shift") == at(2025, 5, 10, 20, 0)
    assert due_after(at(2025, 5, 10, 8, 0), 2, "shift") == at(2025, 5, 11, 8, 0)


@pytest.mark.parametrize("start, value, unit, expected", [
    # The month after 31 January is February, ending on its last day.
    (at(2025, 1, 31, 9, 30), 1, "month", at(2025, 2, 28, 9, 30)),
    (at(2024, 1, 31, 9, 30), 1, "month", at(2024, 2, 29, 9, 30)),  # leap year
    (at(2025, 1, 31, 9, 30), 2, "month", at(2025, 3, 31, 9, 30)),  # two months on: March has its 31st
    (at(2025, 8, 31, 9, 30), 1, "month", at(2025, 9, 30, 9, 30)),
    (at(2025, 12, 31, 9, 30), 1, "month", at(2026, 1, 31, 9, 30)),  # across the year
    (at(2025, 11, 15, 9, 30), 14, "month", at(2027, 1, 15, 9, 30)),
    # Quarters: 31 March + 1 quarter = 30 June; 30 November + 1 quarter = end of February.
    (at(2025, 3, 31, 9, 30), 1, "quarter", at(2025, 6, 30, 9, 30)),
    (at(2025, 11, 30, 9, 30), 1, "quarter", at(2026, 2, 28, 9, 30)),
    (at(2023, 11, 30, 9, 30), 1, "quarter", at(2024, 2, 29, 9, 30)),
    (at(2025, 10, 31, 9, 30), 2, "quarter", at(2026, 4, 30, 9, 30)),
    # Years from 29 February: 28 February in common years, 29 February again four years on.
    (at(2024, 2, 29, 9, 30), 1, "year", at(2025, 2, 28, 9, 30)),
    (at(2024, 2, 29, 9, 30), 4, "year", at(2028, 2, 29, 9, 30)),
    (at(2023, 2, 28, 9, 30), 1, "year", at(2024, 2, 28, 9, 30)),
])
def test_calendar_months_quarters_and_years(start, value, unit, expected):
    assert due_after(start, value, unit) == expected


def test_months_count_on_the_local_calendar():
    # 00:30 on 31 January in Shanghai is still 30 January in UTC: the month is counted from the local date.
    start = at(2025, 1, 31, 0, 30).astimezone(UTC)
    assert start.day == 30
    assert due_after(start, 1, "month") == at(2025, 2, 28, 0, 30)
    # Days and shifts are exact durations, whatever the zone.
    assert due_after(start, 1, "day") - start == datetime.timedelta(days=1)


def test_add_months_backwards_and_forwards():
    assert add_months(at(2025, 3, 31), -1) == at(2025, 2, 28)
    assert add_months(at(2025, 1, 15), -1) == at(2024, 12, 15)
    assert add_months(at(2025, 1, 15), 24) == at(2027, 1, 15)


def test_next_due_counts_from_the_last_check_else_from_creation():
    m = ControlMeasure(frequency_value=1, frequency_unit="week", created_at=at(2025, 5, 1, 8, 0))
    assert next_due(m) == at(2025, 5, 8, 8, 0)
    m.last_checked_at = at(2025, 5, 6, 14, 0)
    assert next_due(m) == at(2025, 5, 13, 14, 0)
    m.frequency_value, m.frequency_unit = 2, "shift"
    assert next_due(m) == at(2025, 5, 7, 6, 0)


def test_overdue_at_a_fixed_moment():
    now = at(2025, 5, 10, 12, 0)
    m = ControlMeasure(next_due_at=now)
    assert not is_overdue(m, now)  # due at this very moment: not yet overdue
    m.next_due_at = now - datetime.timedelta(microseconds=1)
    assert is_overdue(m, now)
    m.next_due_at = now + datetime.timedelta(hours=1)
    assert not is_overdue(m, now)
    assert is_overdue(m, now + datetime.timedelta(hours=2))
    m.next_due_at = None  # never scheduled: nothing to be late for
    assert not is_overdue(m, now)


@pytest.mark.django_db
def test_a_new_measure_is_due_one_interval_after_creation_and_a_frequency_change_moves_it(enterprise):
    from tests.factories import create_risk_list

    measure = create_risk_list(enterprise)["measures"][0]  # daily
    measure.refresh_from_db()
    assert measure.next_due_at == measure.created_at + datetime.timedelta(days=1)
    measure.frequency_value, measure.frequency_unit = 1, "month"
    measure.save()
    measure.refresh_from_db()
    assert measure.next_due_at == add_months(measure.created_at.astimezone(SH), 1)
