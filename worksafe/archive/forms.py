from django import forms
from django.db.models import Q

from worksafe.core import refdata
from worksafe.core.models import Industry, Region, RegionLevel, User
from worksafe.core.scoping import regions_for
from worksafe.core.validators import normalize_uscc

from .models import Enterprise, KeySupervisionItem, SecondaryUnit

# Fields only regulators change, through their own actions (属地调整, 类型设置) or on creation.
MANAGED_FIELDS = ("region", "industry", "competent_department")


def county_regions(user, current=None):
    """Regions an enterprise can be placed in: county-level divisions (zones included) and 济源示范区, plus
    `current` (the enterprise's region, which 属地调整 may have set to a township). A township's regulators,
    who have no county in reach, place enterprises in their township."""
    county = Q(level__in=[RegionLevel.COUNTY, RegionLevel.CITY]) & ~Q(code__endswith="00")
    if user.is_regulator and user.organization.region.level == RegionLevel.TOWNSHIP:
        county |= Q(level=RegionLevel.TOWNSHIP)
    qs = regions_for(user).filter(county | Q(code=current) if current else county)
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
        fields = [
            "name", "uscc", "legal_representative", "legal_representative_mobile", "address", "founded_on",
            "business_license", "industry", "competent_department", "staff_count", "region", "fixed_assets", "floor_area",
            "industry_type_note", "subordinate_units", "safety_office_name", "safety_office_phone", "safety_head",
            "safety_head_mobile", "duty_phone", "fulltime_safety_staff", "parttime_safety_staff", "has_major_hazard_source",
            "risk_identified", "major_hazard_filed", "longitude", "latitude",
        ]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        field_classes = {"region": RegionChoiceField, "industry": IndustryChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = county_regions(user, self.instance.region_id)
        self.fields["industry"].queryset = Industry.objects.select_related("parent")
        refdata.offer_active(self)
        if user.is_enterprise_user and self.instance.pk:
            for name in MANAGED_FIELDS:
                self.fields[name].disabled = True
            self.fields["uscc"].disabled = True

    def clean_uscc(self):
        uscc = normalize_uscc(self.cleaned_data["uscc"])
        # The code is the enterprise administrator's username, so no other account may hold it.
        others = User.objects.filter(username=uscc).exclude(enterprise__uscc=uscc)  # a duplicate enterprise is reported below
        if self.instance.pk:
            others = others.exclude(enterprise_id=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("该统一社会信用代码已被其他账号用作用户名。")
        return uscc


class SecondaryUnitForm(forms.ModelForm):
    class Meta:
        model = SecondaryUnit
        fields = ["name", "industry", "competent_department", "principal", "principal_mobile", "address", "note"]
        field_classes = {"industry": IndustryChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.select_related("parent")
        refdata.offer_active(self)

    def clean_name(self):
        # The (enterprise, name) constraint is skipped by model validation because `enterprise` is not a form field.
        name = self.cleaned_data["name"]
        others = SecondaryUnit.objects.filter(enterprise_id=self.instance.enterprise_id, name=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("该企业已有同名的二级生产经营单位。")
        return name


class KeySupervisionItemForm(forms.ModelForm):
    class Meta:
        model = KeySupervisionItem
        fields = ["seq", "name", "area", "accident_category", "procedure", "location", "department", "controlled",
                  "is_major_hazard_source", "has_emergency_plan", "monitoring", "reviewer", "responsible_contact", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refdata.offer_active(self)


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
        refdata.offer_active(self)


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
        refdata.offer_active(self)
