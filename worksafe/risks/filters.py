"""Filters of the regulators' risk pages: one base for the five lists (分析对象 … 巡检记录) and the statistics.

Every filter is a condition on the row's enterprise (core.filters.EnterpriseScopeFilter, reached through `path`) or
on the row itself: the lists keep the enterprise's order (属地, name), so the database walks the jurisdiction's
enterprises by index and reads each one's rows by the `enterprise` index; nothing here makes it read or sort a whole
city's rows first.
"""
import datetime

import django_filters
from django import forms
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from worksafe.core.filters import YES_NO, EnterpriseScopeFilter, FastSelect, local_day_start
from worksafe.core.models import AccidentCategory
from worksafe.core.risk_levels import RiskLevel

from .models import ControlMeasure, ObjectKind, Patrol, PatrolItem, RiskEvent, RiskObject, RiskUnit


class RiskScopeFilter(EnterpriseScopeFilter):
    """The lists' common filters: the enterprise's, and 风险等级 as each list reads it (`level_q`)."""

    level = django_filters.ChoiceFilter(label="风险等级", choices=RiskLevel.choices, method="at_level", widget=FastSelect)

    def level_q(self, level):
        raise NotImplementedError

    def at_level(self, queryset, name, value):
        return queryset.filter(self.level_q(value))


def _events_at(level, **outer):
    """EXISTS an event at `level` below the outer row: a probe down the row's own tree (unit → source → event)."""
    return Exists(RiskEvent.objects.filter(level=level, **{k: OuterRef(v) for k, v in outer.items()}))


class RiskObjectFilter(RiskScopeFilter):
    kind = django_filters.ChoiceFilter(label="对象类型", choices=ObjectKind.choices, widget=FastSelect)

    class Meta:
        model = RiskObject
        fields = []

    def level_q(self, level):
        """Objects with an event at `level` (one probe down the object's tree per row)."""
        return Q(_events_at(level, source__unit__object_id="pk"))


class RiskUnitFilter(RiskScopeFilter):
    placed = django_filters.TypedChoiceFilter(
        label="已标注位置", choices=YES_NO, coerce=lambda v: v == "1", method="is_placed", widget=FastSelect
    )

    class Meta:
        model = RiskUnit
        fields = []

    def level_q(self, level):
        return Q(_events_at(level, source__unit_id="pk"))

    def is_placed(self, queryset, name, value):
        placed = Q(map_x__isnull=False, map_y__isnull=False)
        return queryset.filter(placed if value else ~placed)


class RiskEventFilter(RiskScopeFilter):
    key_control = django_filters.TypedChoiceFilter(label="重点管控", choices=YES_NO, coerce=lambda v: v == "1", widget=FastSelect)
    accident_category = django_filters.ModelChoiceFilter(
        label="事故类别", queryset=AccidentCategory.objects.all(), widget=FastSelect
    )

    class Meta:
        model = RiskEvent
        fields = []

    def level_q(self, level):
        return Q(level=level)


class ControlMeasureFilter(RiskScopeFilter):
    overdue = django_filters.TypedChoiceFilter(
        label="已逾期", choices=YES_NO, coerce=lambda v: v == "1", method="is_overdue", widget=FastSelect
    )

    class Meta:
        model = ControlMeasure
        fields = []

    def level_q(self, level):
        return Q(event__level=level)

    def at_level(self, queryset, name, value):
        queryset = super().at_level(queryset, name, value)
        if connections[queryset.db].vendor == "sqlite":
            # A measure's enterprise is its event's. Saying so lets SQLite walk each enterprise's events of the
            # level on the index (enterprise, level) and their measures on (event) instead of reading every measure
            # and then its event (bench: a county's major-risk measures 70 ms instead of 240 ms). PostgreSQL takes
            # the two join conditions for independent ones, expects a single row and hashes whole tables
            # (11 s instead of 0.5 s for the province), so it is not told.
            queryset = queryset.filter(event__enterprise_id=F("enterprise_id"))
        return queryset

    def is_overdue(self, queryset, name, value):
        # next_due_at < now: a range on the index (enterprise, next_due_at) within each enterprise.
        overdue = Q(next_due_at__lt=timezone.now())
        return queryset.filter(overdue if value else ~overdue)


class PatrolFilter(EnterpriseScopeFilter):
    date_from = django_filters.DateFilter(label="巡检日期起", method="since", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label="巡检日期止", method="until", widget=forms.DateInput(attrs={"type": "date"}))
    not_in_place = django_filters.TypedChoiceFilter(
        label="有未落实项", choices=YES_NO, coerce=lambda v: v == "1", method="has_failures", widget=FastSelect
    )

    class Meta:
        model = Patrol
        fields = []

    # Dates are local days; the range is on the index (enterprise, patrolled_at) within each enterprise.
    def since(self, queryset, name, value):
        return queryset.filter(patrolled_at__gte=local_day_start(value))

    def until(self, queryset, name, value):
        return queryset.filter(patrolled_at__lt=local_day_start(value + datetime.timedelta(days=1)))

    def has_failures(self, queryset, name, value):
        failed = Exists(PatrolItem.objects.filter(patrol_id=OuterRef("pk"), in_place=False))
        return queryset.filter(failed if value else ~failed)
