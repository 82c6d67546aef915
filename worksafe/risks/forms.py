"""Forms for the risk list: one per level of the hierarchy."""
from django import forms

from worksafe.core.risk_levels import COLORS, ORDER

from . import grading
from .models import ControlMeasure, HazardSource, RiskEvent, RiskObject, RiskUnit


class UniqueNameMixin:
    """Names are unique under their parent (the constraint names the parent, which is not a form field)."""

    parent_field = None
    duplicate_message = "已有同名条目"

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        model = self._meta.model
        parent_id = getattr(self.instance, f"{self.parent_field}_id")
        if model.objects.filter(**{f"{self.parent_field}_id": parent_id, "name": name}).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(self.duplicate_message)
        return name


class RiskObjectForm(UniqueNameMixin, forms.ModelForm):
    parent_field = "enterprise"
    duplicate_message = "本企业已有同名的安全风险分析对象"

    class Meta:
        model = RiskObject
        fields = ["name", "kind", "department", "person"]


class RiskUnitForm(UniqueNameMixin, forms.ModelForm):
    parent_field = "object"
    duplicate_message = "该分析对象下已有同名的分析单元"

    class Meta:
        model = RiskUnit
        fields = ["name"]


class HazardSourceForm(UniqueNameMixin, forms.ModelForm):
    parent_field = "unit"
    duplicate_message = "该分析单元下已有同名的危险源"

    class Meta:
        model = HazardSource
        fields = ["name"]


class RiskEventForm(UniqueNameMixin, forms.ModelForm):
    """The level is computed (LEC, LS) or chosen with a reason (direct judgement): RiskEvent.clean()."""

    parent_field = "source"
    duplicate_message = "该危险源下已有同名的安全风险"

    class Meta:
        model = RiskEvent
        fields = ["name", "description", "accident_category", "consequence", "tense", "state", "procedure",
                  "method", "lec_l", "lec_e", "lec_c", "ls_l", "ls_s", "level", "reason", "key_control", "note"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "method": forms.RadioSelect}
        labels = {"level": "安全风险等级（直接判定时选择）", "lec_l": "L 事故发生的可能性", "lec_e": "E 暴露于危险环境的频繁程度",
                  "lec_c": "C 事故后果", "ls_l": "L 可能性（风险矩阵）", "ls_s": "S 严重性（风险矩阵）"}

    @staticmethod
    def bands():
        """The bands for the form's live preview (the server computes the stored value)."""
        return {
            method: [[float(lower), str(level)] for lower, level in grading.configured_bands(method)] for method in ("lec", "ls")
        } | {
            "labels": {level.value: level.label for level in ORDER},
            "colors": {level.value: color for level, color in COLORS.items()},
        }


class ControlMeasureForm(forms.ModelForm):
    class Meta:
        model = ControlMeasure
        fields = ["category", "content", "tier", "post", "person", "frequency_value", "frequency_unit"]
        widgets = {"content": forms.Textarea(attrs={"rows": 2})}
