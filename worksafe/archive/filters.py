import django_filters
from django import forms
from django.db.models import Q

from worksafe.core.models import CompetentDepartment, Industry, Region, RegionLevel
from worksafe.core.scoping import industry_codes, region_q, regions_for

from .models import Enterprise, ReviewState

YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]


class EnterpriseFilter(django_filters.FilterSet):
    """One filter set for the list page, its export and (later) the API."""

    q = django_filters.CharFilter(label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "企业名称或统一社会信用代码"}))
    region = django_filters.ModelChoiceFilter(label="属地", queryset=Region.objects.none(), method="in_region")
    industry = django_filters.ModelChoiceFilter(label="行业分类", queryset=Industry.objects.select_related("parent"), method="in_industry")
    competent_department = django_filters.ChoiceFilter(label="主管部门", choices=CompetentDepartment.choices)
    has_major_hazard_source = django_filters.TypedChoiceFilter(label="重大危险源", choices=YES_NO, coerce=lambda v: v == "1")
    risk_identified = django_filters.TypedChoiceFilter(label="风险辨识", choices=YES_NO, coerce=lambda v: v == "1")
    review_state = django_filters.ChoiceFilter(label="审核状态", choices=ReviewState.choices)

    class Meta:
        model = Enterprise
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = regions_for(user).filter(
            level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if len(value) == 18 and value.isalnum():
            return queryset.filter(uscc=value.upper())
        return queryset.filter(Q(name__icontains=value) | Q(uscc__istartswith=value))

    def in_region(self, queryset, name, region):
        return queryset.filter(region_q(region))

    def in_industry(self, queryset, name, industry):
        return queryset.filter(industry_id__in=sorted(industry_codes([industry])))
