"""The enterprise list's filters: the shared enterprise filters (core.filters) and the fields of 表1 it is searched by."""
import django_filters
from django.db.models import Q

from worksafe.core import refdata
from worksafe.core.filters import YES_NO, EnterpriseScopeFilter, FastSelect, RiskGradeFilter
from worksafe.core.models import CompetentDepartment, OrgLevel

from .models import Enterprise, ReviewState
from .supervision import MINE, owned_q

SUPERVISION = [(MINE, "本单位负责"), *((level.value, f"{level.label}负责") for level in OrgLevel)]


class EnterpriseFilter(EnterpriseScopeFilter):
    """One filter set for the list page, its export and (later) the API: the shared 关键字, 属地 and 行业 on the
    enterprise itself, and the archive's own fields."""

    path = ""

    competent_department = django_filters.ChoiceFilter(label="主管部门", choices=(), widget=FastSelect)
    has_major_hazard_source = django_filters.TypedChoiceFilter(label="重大危险源", choices=YES_NO, coerce=lambda v: v == "1", widget=FastSelect)
    risk_identified = django_filters.TypedChoiceFilter(label="风险辨识", choices=YES_NO, coerce=lambda v: v == "1", widget=FastSelect)
    review_state = django_filters.ChoiceFilter(label="审核状态", choices=ReviewState.choices, widget=FastSelect)
    risk_grade = RiskGradeFilter()
    supervision = django_filters.ChoiceFilter(label="负责监管", choices=SUPERVISION, method="supervised_by", widget=FastSelect)

    class Meta:
        model = Enterprise
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        # The active 主管部门 (core.refdata), read once if the page draws or validates the field.
        self.filters["competent_department"].extra["choices"] = refdata.lazy_choices(CompetentDepartment)

    def supervised_by(self, queryset, name, value):
        """分级负责: the enterprises the user's own organisation owns, or those owned by a level."""
        return queryset.filter(owned_q(self.user) if value == MINE else Q(supervision_level=value))
