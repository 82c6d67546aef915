"""Filters every list shares: the enterprise's 关键字, 属地 and 行业 on any row, 是/否 and 安全风险等级 choices, a fast
<select>, and the change log's filter.

A list of anything an enterprise owns (risk events, hazards, accident reports, API subscriptions …) filters by its
enterprise through `EnterpriseScopeFilter`, reaching the enterprise by `path`; the conditions are on the enterprise's
region and industry codes and name, so a list walking an index in its enterprise's order stays on that walk. Each app's
filters.py subclasses these and adds its own rows' fields.
"""
import datetime

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from . import audit
from .models import AuditAction, ChangeRecord, Industry, Region, RegionLevel
from .risk_levels import RiskLevel
from .scoping import industry_codes, region_q, regions_for

DATE = {"type": "date", "class": "form-control"}
YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]
REGION_LEVELS = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]  # the 属地 a filter offers
UNGRADED = "none"  # the 安全风险等级 choice of enterprises without a grade (未评定)


def enterprise_search_q(value, path="enterprise"):
    """Q for a keyword on the enterprise at `path`: its full USCC, a USCC prefix or part of its name.

    Case matters only to a keyword with letters; PostgreSQL's case-blind UPPER(name) LIKE costs ~40% more per row
    than LIKE, and a Chinese keyword has no case. Codes are digits and capital letters (stored normalised): only
    such a keyword can start one, and leaving the code out of a Chinese keyword's query lets the indexes answer it
    without reading the rows (bench/).
    """
    p = f"{path}__" if path else ""
    value = value.strip()
    if len(value) == 18 and value.isalnum():
        return Q(**{f"{p}uscc": value.upper()})
    q = Q(**{f"{p}name__icontains": value}) if value.lower() != value.upper() else Q(**{f"{p}name__contains": value})
    if value.isascii() and value.isalnum():
        q |= Q(**{f"{p}uscc__startswith": value.upper()})
    return q


class FastSelect(forms.Select):
    """A <select> written out in Python instead of one template include per option.

    Same markup as forms.Select; a province user's 属地 filter offers ~200 regions, which the template path
    renders in ~20 ms, half the list page's time at 300,000 enterprises (bench/).
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((o["value"], " selected" if o["selected"] else "", o["label"])
             for _, group, _ in widget["optgroups"] for o in group),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)


class EnterpriseScopeFilter(django_filters.FilterSet):
    """关键字 (enterprise name or USCC), 属地 and 行业 (with its sub-industries), on the enterprise at `path`."""

    path = "enterprise"  # from the filtered model to Enterprise ("" for Enterprise itself)

    q = django_filters.CharFilter(
        label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "企业名称或统一社会信用代码"})
    )
    region = django_filters.ModelChoiceFilter(label="属地", queryset=Region.objects.none(), method="in_region", widget=FastSelect)
    industry = django_filters.ModelChoiceFilter(
        label="行业分类", queryset=Industry.objects.filter(is_active=True).select_related("parent"), method="in_industry",
        widget=FastSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Deactivated regions and industries (core.refdata) are not offered; their rows are still found under a parent.
        self.filters["region"].queryset = regions_for(user).filter(level__in=REGION_LEVELS, is_active=True)

    def field(self, name):
        return f"{self.path}__{name}" if self.path else name

    def search(self, queryset, name, value):
        return queryset.filter(enterprise_search_q(value, self.path)) if value.strip() else queryset

    def in_region(self, queryset, name, region):
        return queryset.filter(region_q(region, self.field("region_id")))

    def in_industry(self, queryset, name, industry):
        return queryset.filter(**{f"{self.field('industry_id')}__in": sorted(industry_codes([industry]))})


class RiskGradeFilter(django_filters.ChoiceFilter):
    """安全风险等级 of an enterprise: its overall grade (kept on the row by risks.summary), or 未评定 (UNGRADED)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "安全风险等级")
        super().__init__(*args, choices=[*RiskLevel.choices, (UNGRADED, "未评定")], widget=FastSelect, **kwargs)

    def filter(self, qs, value):
        if value == UNGRADED:
            return qs.filter(**{self.field_name: ""})
        return super().filter(qs, value)


def local_day_start(day):
    """The aware moment a local (Asia/Shanghai) day begins."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ChangeRecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键字", method="search", help_text="对象、操作用户或说明")
    action = django_filters.MultipleChoiceFilter(label="操作类型", choices=AuditAction.choices)
    content_type = django_filters.ModelChoiceFilter(label="对象类型", queryset=ContentType.objects.none())
    enterprise_id = django_filters.NumberFilter(label="企业ID")
    time = django_filters.DateFromToRangeFilter(label="日期范围", widget=django_filters.widgets.DateRangeWidget(attrs=DATE))

    class Meta:
        model = ChangeRecord
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = ContentType.objects.get_for_models(*audit.registered_models()).values()
        self.filters["content_type"].queryset = ContentType.objects.filter(pk__in=[t.pk for t in types])

    def search(self, queryset, name, value):
        return queryset.filter(Q(object_repr__icontains=value) | Q(user_name__icontains=value) | Q(message__icontains=value))


class OfficialFilter(django_filters.FilterSet):
    """通讯录's government accounts: 关键字 (person or organisation) and 属地 (organisations whose region lies there)."""

    q = django_filters.CharFilter(label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "姓名或单位名称"}))
    region = django_filters.ModelChoiceFilter(label="属地", queryset=Region.objects.none(), method="in_region", widget=FastSelect)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_regulator or user.is_superuser:
            self.filters["region"].queryset = regions_for(user).filter(level__in=REGION_LEVELS)
        else:  # an enterprise's regulators are a handful: no 属地 to choose
            del self.filters["region"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value)
                               | Q(organization__name__icontains=value))

    def in_region(self, queryset, name, region):
        return queryset.filter(region_q(region, "organization__region_id"))


class ColleagueFilter(django_filters.FilterSet):
    """通讯录's own enterprise accounts: 关键字 (name)."""

    q = django_filters.CharFilter(label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "姓名"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value)) if value else queryset


class EnterpriseContactFilter(EnterpriseScopeFilter):
    """通讯录's enterprise safety contacts: 关键字 (the enterprise's name or code, or a contact's name), 属地, 行业."""

    path = ""
    q = django_filters.CharFilter(
        label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "企业名称、信用代码或负责人姓名"})
    )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(enterprise_search_q(value, "") | Q(legal_representative__contains=value)
                               | Q(safety_head__contains=value))
class UserFilter(django_filters.FilterSet):
    """The user list's filter (core.views_users): 关键字, 角色, 状态 (正常 / 停用 / 锁定 now), 所属单位 (the
    organisations the administrator manages; not offered to an enterprise administrator)."""

    ACTIVE, DISABLED, LOCKED = "active", "disabled", "locked"

    q = django_filters.CharFilter(label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "用户名、姓名或手机"}))
    role = django_filters.ChoiceFilter(label="角色", choices=[])
    status = django_filters.ChoiceFilter(label="状态", method="by_status",
                                         choices=[(ACTIVE, "正常"), (DISABLED, "停用"), (LOCKED, "锁定")])
    organization = django_filters.ModelChoiceFilter(label="所属单位", queryset=Region.objects.none(), widget=FastSelect)

    def __init__(self, *args, user, **kwargs):
        from . import roles
        from .scoping import organizations_for

        super().__init__(*args, **kwargs)
        own_side = user.is_enterprise_user  # an enterprise administrator's staff hold enterprise roles only
        self.filters["role"].extra["choices"] = [(r.code, r.name) for r in roles.every() if not own_side or r.side == user.side]
        if own_side:
            del self.filters["organization"]
        else:
            self.filters["organization"].queryset = organizations_for(user)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value) | Q(mobile__contains=value))

    def by_status(self, queryset, name, value):
        from .login_guard import locks

        if value == self.ACTIVE:
            return queryset.filter(is_active=True)
        if value == self.DISABLED:
            return queryset.filter(is_active=False)
        return queryset.filter(username__in=locks().values("username"))
