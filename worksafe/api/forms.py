"""Forms of 接口订阅管理: an enterprise's application, a grant to a park or city/county organisation, and the
reason or opinion that goes with a step."""
from django import forms

from worksafe.core.forms import textarea
from worksafe.core.scoping import organizations_for
from worksafe.core.validators import validate_phone

from .models import ApiSubscription, Interface


class InterfacesField(forms.MultipleChoiceField):
    """订阅接口: checkboxes of the four interfaces, at least one, kept in the interfaces' own order."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})

    def __init__(self, **kwargs):
        super().__init__(label="订阅接口", choices=Interface.choices,
                         error_messages={"required": "请至少选择一个订阅接口。",
                                         "invalid_choice": "没有“%(value)s”这个接口。"}, **kwargs)

    def clean(self, value):
        chosen = set(super().clean(value))
        return [i for i in Interface.values if i in chosen]


class SubscriptionForm(forms.ModelForm):
    interfaces = InterfacesField()
    wide_fields = ("organization", "interfaces", "note")  # a whole row each (includes/form_fields.html)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(validate_phone)
        for name in ("system_name", "vendor", "contact"):
            self.fields[name].strip = True


class ApplicationForm(SubscriptionForm):
    """新增订阅申请 (and its changes while it waits): an enterprise administrator for its enterprise."""

    class Meta:
        model = ApiSubscription
        fields = ["system_name", "vendor", "contact", "phone", "interfaces", "note"]
        widgets = {"note": textarea(3)}
        help_texts = {"system_name": "贵单位自建的双重预防机制信息化系统名称", "note": "对接的目的、数据范围和计划上线时间等（选填）"}


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, org):
        return f"{org.name}（{org.get_level_display()}，{org.region.name}）"


class GrantForm(SubscriptionForm):
    """授予园区/市县系统订阅: a regulator administrator (or system administrator) for an organisation it manages."""

    organization = OrganizationChoiceField(label="被授予单位", queryset=None,
                                           help_text="园区管委会或市县应急管理局；订阅覆盖其管辖区域内（其监管行业的）企业")

    class Meta:
        model = ApiSubscription
        fields = ["organization", "system_name", "vendor", "contact", "phone", "interfaces", "staging", "note"]
        widgets = {"note": textarea(3)}
        labels = {"note": "授予说明"}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = organizations_for(actor).select_related("region")
        if actor.organization_id:
            orgs = orgs.exclude(pk=actor.organization_id)
        self.fields["organization"].queryset = orgs.order_by("region_id", "name")
        self.fields["organization"].error_messages["invalid_choice"] = "请选择您管理的下级单位或园区。"


class StepForm(forms.Form):
    """The opinion or reason that goes with approve / reject / revoke / cancel (required for reject and revoke)."""

    reason = forms.CharField(label="意见或原因", required=False, max_length=500, widget=textarea(2),
                             error_messages={"max_length": "意见或原因不能超过 %(limit_value)d 字（现为 %(show_value)d 字）。"})
