"""Filters of the regulators' hazard pages: one HazardFilter for 未整改隐患管理, 重大隐患管理, 隐患清单 and their
exports, one filter for 隐患增删改记录查询; the statistics use core.stats' 属地/行业 filter.

Every condition is on the hazard row or on its enterprise (属地 as a region-code range, 行业 with its
sub-industries, keyword on the enterprise's name or USCC or the hazard's name): the lists walk an index in their
order (the partial index hazard_open_deadline, hazard_level_found) and test each row, nothing sorts a whole
jurisdiction first.
"""
import datetime

import django_filters
from django import forms
from django.db.models import Q

from worksafe.core import refdata
from worksafe.core.filters import EnterpriseScopeFilter, FastSelect, enterprise_search_q, local_day_start
from worksafe.core.models import AuditAction, ChangeRecord

from . import deadlines
from .models import Category, Hazard, Level, Review, Source, State, Supervision

DATE = {"type": "date"}
# 挂牌督办: "" is the stored value of 未挂牌 and also the form's "全部", so the filter has its own values.
ANY_SUPERVISION, NO_SUPERVISION = "any", "none"
SUPERVISION_CHOICES = [(ANY_SUPERVISION, "已挂牌督办"), (Supervision.COUNTY, Supervision.COUNTY.label),
                       (Supervision.CITY, Supervision.CITY.label), (NO_SUPERVISION, "未挂牌督办")]


class HazardFilter(EnterpriseScopeFilter):
    """关键字 (enterprise name / USCC, hazard name), 属地, 行业, and the hazard's own fields."""

    q = django_filters.CharFilter(
        label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "企业名称、信用代码或隐患名称"})
    )
    level = django_filters.ChoiceFilter(label="隐患级别", choices=Level.choices, widget=FastSelect)
    state = django_filters.ChoiceFilter(label="整改状态", choices=State.choices, widget=FastSelect)
    source = django_filters.ChoiceFilter(label="隐患来源", choices=Source.choices, widget=FastSelect)
    category = django_filters.ChoiceFilter(label="隐患类别", choices=(), widget=FastSelect)
    due = django_filters.ChoiceFilter(label="整改期限", choices=(), method="due_within", widget=FastSelect)
    found_from = django_filters.DateFilter(label="发现日期起", field_name="found_on", lookup_expr="gte",
                                           widget=forms.DateInput(attrs=DATE))
    found_to = django_filters.DateFilter(label="发现日期止", field_name="found_on", lookup_expr="lte",
                                         widget=forms.DateInput(attrs=DATE))
    review = django_filters.ChoiceFilter(label="重大隐患审核", choices=Review.choices, widget=FastSelect)
    supervision = django_filters.ChoiceFilter(label="挂牌督办", choices=SUPERVISION_CHOICES, method="supervised",
                                              widget=FastSelect)

    class Meta:
        model = Hazard
        fields = []

    def __init__(self, *args, drop=(), states=None, **kwargs):
        """`drop`: filters a list has no use for (重大隐患管理: the level); `states`: the states it lists."""
        super().__init__(*args, **kwargs)
        # The active 隐患类别 (core.refdata), read once if the page draws or validates the field.
        self.filters["category"].extra["choices"] = refdata.lazy_choices(Category)
        for name in drop:
            del self.filters[name]
        if states is not None:
            self.filters["state"].extra["choices"] = [(s.value, s.label) for s in states]
        if "due" in self.filters:
            self.filters["due"].extra["choices"] = deadlines.choices()  # its labels follow the warning days

    def field(self, name):
        # 属地 and 行业 are tested on the hazard's own copies, which the lists' indexes hold (models.Hazard).
        return name if name in ("region_id", "industry_id") else super().field(name)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # As enterprise_search_q: a keyword without letters has no case to ignore (LIKE, not UPPER(name) LIKE).
        lookup = "name__icontains" if value.lower() != value.upper() else "name__contains"
        return queryset.filter(enterprise_search_q(value, self.path) | Q(**{lookup: value}))

    def due_within(self, queryset, name, value):
        return queryset.filter(deadlines.due_q(value))

    def supervised(self, queryset, name, value):
        if value == ANY_SUPERVISION:
            return queryset.exclude(supervision="")
        if value == NO_SUPERVISION:
            return queryset.filter(supervision="")
        return queryset.filter(supervision=value)


# 隐患增删改记录查询 -----------------------------------------------------------------------------------------

CHANGE_ACTIONS = [(AuditAction.CREATE, "新增"), (AuditAction.UPDATE, "修改"), (AuditAction.DELETE, "删除"),
                  (AuditAction.TRANSITION, "流程操作")]


def level_prefix(level):
    """How a hazard's change record starts (Hazard.audit_label): 【一般隐患】 / 【重大隐患】."""
    return f"【{Level(level).label}】"


class HazardChangeFilter(django_filters.FilterSet):
    """企业 (name or USCC), 操作类型, 日期范围 (local days), 隐患级别 (the level kept in the record's label)."""

    q = django_filters.CharFilter(label="企业", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "企业名称、信用代码或隐患描述"}))
    action = django_filters.ChoiceFilter(label="操作类型", choices=CHANGE_ACTIONS, widget=FastSelect)
    level = django_filters.ChoiceFilter(label="隐患级别", choices=Level.choices, method="at_level", widget=FastSelect)
    date_from = django_filters.DateFilter(label="操作日期起", method="since", widget=forms.DateInput(attrs=DATE))
    date_to = django_filters.DateFilter(label="操作日期止", method="until", widget=forms.DateInput(attrs=DATE))

    class Meta:
        model = ChangeRecord
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(enterprise_search_q(value, "enterprise") | Q(object_repr__contains=value))

    def at_level(self, queryset, name, value):
        return queryset.filter(object_repr__startswith=level_prefix(value))

    def since(self, queryset, name, value):
        return queryset.filter(time__gte=local_day_start(value))

    def until(self, queryset, name, value):
        return queryset.filter(time__lt=local_day_start(value + datetime.timedelta(days=1)))
