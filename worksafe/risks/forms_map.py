"""Forms of the four-colour map (风险四色图): the site plan, the ready-made map, a unit's place, the regulators' filter."""
import django_filters
from django import forms
from django.db.models import Q

from worksafe.archive.models import Enterprise
from worksafe.core.filters import EnterpriseScopeFilter, FastSelect, RiskGradeFilter
from worksafe.core.uploads import UploadField

COORDINATE_MESSAGE = "坐标须为 0 到 1 之间的数字（占平面图宽、高的比例）"


class PlanForm(forms.Form):
    plan = UploadField(label="厂区平面图", kinds=("image", "pdf"), error_messages={"required": "请选择厂区平面图文件"})


class ReadyMapForm(forms.Form):
    ready_map = UploadField(label="风险四色图文件", kinds=("image", "pdf"), error_messages={"required": "请选择风险四色图文件"})


class PlaceForm(forms.Form):
    """Where a unit sits on the plan: x, y as fractions of the plan's width and height; or `clear` to take it off."""

    coordinate_errors = {"required": COORDINATE_MESSAGE, "invalid": COORDINATE_MESSAGE,
                         "min_value": COORDINATE_MESSAGE, "max_value": COORDINATE_MESSAGE}
    x = forms.FloatField(label="横坐标", required=False, min_value=0, max_value=1, error_messages=coordinate_errors)
    y = forms.FloatField(label="纵坐标", required=False, min_value=0, max_value=1, error_messages=coordinate_errors)
    clear = forms.BooleanField(label="从平面图移除", required=False)

    def clean(self):
        data = super().clean()
        if not data.get("clear") and not self.errors and (data.get("x") is None or data.get("y") is None):
            raise forms.ValidationError(COORDINATE_MESSAGE)
        return data


class MapFilter(EnterpriseScopeFilter):
    """The enterprise list's 关键字, 属地, 行业 and 安全风险等级, plus 有无四色图."""

    path = ""

    risk_grade = RiskGradeFilter()
    has_map = django_filters.TypedChoiceFilter(label="四色图", choices=[("", "全部"), ("1", "已有"), ("0", "没有")],
                                               coerce=lambda v: v == "1", method="with_map", widget=FastSelect)

    class Meta:
        model = Enterprise
        fields = []

    def with_map(self, queryset, name, value):
        """已有: a site plan or a ready-made map is uploaded."""
        q = Q(four_colour_map__plan__gt="") | Q(four_colour_map__ready_map__gt="")
        return queryset.filter(q) if value else queryset.exclude(q)

