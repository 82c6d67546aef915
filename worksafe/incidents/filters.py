"""The regulators' list of accident reports: the enterprise's 属地 and 行业, and 事故类别, 等级, period, state."""
import django_filters
from django import forms

from worksafe.core.filters import EnterpriseScopeFilter, FastSelect

from .models import AccidentReport, AccidentType, Severity

DATE = forms.DateInput(attrs={"type": "date"})


class ReportFilter(EnterpriseScopeFilter):
    category = django_filters.ChoiceFilter(label="事故类别", choices=AccidentType.choices, widget=FastSelect)
    severity = django_filters.ChoiceFilter(label="事故等级", choices=Severity.choices, widget=FastSelect)
    occurred_from = django_filters.DateFilter(label="发生日期起", field_name="occurred_at", lookup_expr="date__gte", widget=DATE)
    occurred_to = django_filters.DateFilter(label="发生日期止", field_name="occurred_at", lookup_expr="date__lte", widget=DATE)
    state = django_filters.ChoiceFilter(label="状态", choices=[("open", "跟踪中"), ("closed", "已结案")], method="in_state",
                                        widget=FastSelect)

    class Meta:
        model = AccidentReport
        fields = []

    def in_state(self, queryset, name, value):
        return queryset.filter(investigation__isnull=value == "open")
