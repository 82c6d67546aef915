from django import forms

from worksafe.core.models import Industry, Region, RegionLevel
from worksafe.core.scoping import regions_for
from worksafe.core.validators import normalize_uscc

from .models import Enterprise, KeySupervisionItem, SecondaryUnit

# Fields only regulators change, through their own actions (属地调整, 类型设置) or on creation.
MANAGED_FIELDS = ("region", "industry", "competent_department")


def county_regions(user):
    """Regions an enterprise can be placed in: county-level divisions (zones included) and 济源示范区."""
    qs = regions_for(user).filter(level__in=[RegionLevel.COUNTY, RegionLevel.CITY]).exclude(code__endswith="00")
    return qs.select_related("parent")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name if obj.parent else ''} {obj.name}".strip()


class IndustryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} - {obj.name}" if obj.parent_id else obj.name


class EnterpriseForm(forms.ModelForm):
    """表1 企业基本信息. Enterprises cannot move themselves between jurisdictions or industries."""

    class Meta:
        model = Enterprise
        exclude = ["review_state", "review_reason"]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        field_classes = {"region": RegionChoiceField, "industry": IndustryChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = county_regions(user)
        self.fields["industry"].queryset = Industry.objects.select_related("parent")
        if user.is_enterprise_user and self.instance.pk:
            for name in MANAGED_FIELDS:
                self.fields[name].disabled = True
            self.fields["uscc"].disabled = True

    def clean_uscc(self):
        return normalize_uscc(self.cleaned_data["uscc"])


class SecondaryUnitForm(forms.ModelForm):
    class Meta:
        model = SecondaryUnit
        exclude = ["enterprise"]
        field_classes = {"industry": IndustryChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.select_related("parent")


class KeySupervisionItemForm(forms.ModelForm):
    class Meta:
        model = KeySupervisionItem
        exclude = ["enterprise"]


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class MoveRegionForm(forms.Form):
    """属地调整: a new county-level region, or a township (乡镇/街道) under one."""

    region = RegionChoiceField(label="新属地（区县-乡镇/街道）", queryset=Region.objects.none())
    reason = forms.CharField(label="调整原因", max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            regions_for(user).exclude(level=RegionLevel.PROVINCE).exclude(level=RegionLevel.CITY, code__endswith="00")
        ).select_related("parent")


class SetTypeForm(forms.ModelForm):
    """类型设置: industry and competent department."""

    reason = forms.CharField(label="调整原因", max_length=500)

    class Meta:
        model = Enterprise
        fields = ["industry", "competent_department"]
        field_classes = {"industry": IndustryChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.select_related("parent")
