"""The enterprise list's filters: the shared enterprise filters (core.filters) and the fields of 表1 it is searched by."""
import django_filters

from worksafe.core import refdata
from worksafe.core.filters import YES_NO, EnterpriseScopeFilter, FastSelect, RiskGradeFilter
from worksafe.core.models import CompetentDepartment

from .models import Enterprise, ReviewState


class EnterpriseFilter(EnterpriseScopeFilter):
    """One filter set for the list page, its export and (later) the API: the shared 关键字, 属地 and 行业 on the
    enterprise itself, and the archive's own fields."""

    path = ""

    competent_department = django_filters.ChoiceFilter(label="主管部门", choices=(), widget=FastSelect)
    has_major_hazard_source = django_filters.TypedChoiceFilter(label="重大危险源", choices=YES_NO, coerce=lambda v: v == "1", widget=FastSelect)
    risk_identified = django_filters.TypedChoiceFilter(label="风险辨识", choices=YES_NO, coerce=lambda v: v == "1", widget=FastSelect)
    review_state = django_filters.ChoiceFilter(label="审核状态", choices=ReviewState.choices, widget=FastSelect)
    risk_grade = RiskGradeFilter()

    class Meta:
        model = Enterprise
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The active 主管部门 (core.refdata), read once if the page draws or validates the field.
        self.filters["competent_department"].extra["choices"] = refdata.lazy_choices(CompetentDepartment)
