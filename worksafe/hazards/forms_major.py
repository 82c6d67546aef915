"""Forms of a major hazard (seed 001, 2.3): the regulator's review, the supervision listing (挂牌督办) with its notice
number, and the enterprise's rectification plan."""
from django import forms
from django.utils import timezone

from worksafe.core import permissions
from worksafe.core.models import OrgLevel, RegionLevel

from .models import Hazard, Supervision
from .perms import SUPERVISE

CONFIRM, DOWNGRADE = "confirm", "downgrade"  # workflow actions of the review
LEVELS = [(Supervision.COUNTY, "县级挂牌督办"), (Supervision.CITY, "市级挂牌督办（上报市级）")]

# The one-character abbreviation a province's documents carry (豫应急…); cities and counties use their name's first.
PROVINCE_ABBR = dict(zip(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split(),
    "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新", strict=False,
))


def _abbr(region):
    """郑金 for 金水区 (郑州市), 郑 for 郑州市, 豫 for 河南省: the issuing unit's part of a document number."""
    if region is None:
        return ""
    if region.level == RegionLevel.PROVINCE:
        return PROVINCE_ABBR.get(region.code[:2], region.name[:1])
    if region.level == RegionLevel.CITY:
        return region.name[:1]
    return _abbr(region.parent) + region.name[:1]


def suggest_notice_number(organization, today=None):
    """The next 《重大事故隐患限期整改通知书》 number of `organization` this year, e.g. 郑金应急隐督〔2026〕12号
    (the count of notices it has issued this year, plus one). Only a suggestion: the form lets the user edit it."""
    year = (today or timezone.localdate()).year
    if organization is None:
        return f"应急隐督〔{year}〕1号"
    issued = Hazard.objects.filter(supervisor=organization, notice_on__year=year).exclude(notice_number="").count()
    return f"{_abbr(organization.region)}应急隐督〔{year}〕{issued + 1}号"


def _clean_notice_number(number, hazard, user):
    """A number the issuing unit has not used on another hazard (its notices are looked up by the supervisor index)."""
    number = (number or "").strip()
    if not number:
        raise forms.ValidationError("请填写整改通知书文号（如：郑金应急隐督〔2026〕12号）。")
    if Hazard.objects.filter(supervisor_id=user.organization_id, notice_number=number).exclude(pk=hazard.pk).exists():
        raise forms.ValidationError(f"文号“{number}”已用于另一份整改通知书，请核对后重新填写。")
    return number


def may_reissue(user, hazard):
    """Once the city supervises a hazard, a county regulator no longer reissues its notice (workflow.can_supervise
    says who may supervise at all)."""
    if not permissions.has(user, SUPERVISE):
        return False
    org = getattr(user, "organization", None)
    return not (hazard.supervision == Supervision.CITY and org is not None
                and org.level in (OrgLevel.COUNTY, OrgLevel.TOWNSHIP))


def _check_level(level, hazard, user):
    """Supervision may be raised (县级 → 市级) or reissued, never lowered."""
    if hazard.supervision == Supervision.CITY:
        if level == Supervision.COUNTY:
            raise forms.ValidationError("该隐患已市级挂牌督办，不能改为县级挂牌督办。")
        if not may_reissue(user, hazard):
            raise forms.ValidationError("该隐患已市级挂牌督办，由市级监管部门重新督办。")


class ReviewForm(forms.Form):
    """确认为重大隐患 (optionally listing it for supervision in the same step) or 打回为一般隐患 with a reason."""

    prefix = "major"  # the panel sits inside the hazard page, next to its other forms

    decision = forms.ChoiceField(
        label="审核结论", widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        choices=[(CONFIRM, "确认为重大隐患"), (DOWNGRADE, "打回为一般隐患")],
        error_messages={"required": "请选择审核结论：确认为重大隐患，或打回为一般隐患。"},
    )
    reason = forms.CharField(
        label="审核意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="打回为一般隐患时必填：说明不构成重大事故隐患的理由。",
        error_messages={"max_length": "审核意见不能超过 %(limit_value)d 个字（现有 %(show_value)d 个）。"},
    )
    supervision = forms.ChoiceField(
        label="挂牌督办", required=False, choices=[("", "暂不挂牌督办")] + LEVELS,
        help_text="确认的同时可挂牌督办，系统随即生成《重大事故隐患限期整改通知书》；也可稍后再挂牌。",
    )
    notice_number = forms.CharField(label="整改通知书文号", max_length=64, required=False,
                                    error_messages={"max_length": "文号不能超过 %(limit_value)d 个字。"})

    def __init__(self, *args, hazard, user, **kwargs):
        kwargs.setdefault("initial", {"notice_number": suggest_notice_number(user.organization)})
        super().__init__(*args, **kwargs)
        self.hazard, self.user = hazard, user

    def clean(self):
        data = super().clean()
        decision, level = data.get("decision"), data.get("supervision")
        data["reason"] = (data.get("reason") or "").strip()
        if decision == DOWNGRADE:
            if not data["reason"] and "reason" not in self.errors:
                self.add_error("reason", "打回为一般隐患须填写原因。")
            if level:
                self.add_error("supervision", "打回为一般隐患的不能挂牌督办，请选择“暂不挂牌督办”。")
        elif decision == CONFIRM and level:
            try:
                data["notice_number"] = _clean_notice_number(data.get("notice_number"), self.hazard, self.user)
            except forms.ValidationError as e:
                self.add_error("notice_number", e)
        return data


class SuperviseForm(forms.Form):
    prefix = "major"

    level = forms.ChoiceField(label="督办级别", widget=forms.RadioSelect(attrs={"class": "form-check-input"}), choices=LEVELS,
                              error_messages={"required": "请选择县级或市级挂牌督办。", "invalid_choice": "请选择县级或市级挂牌督办。"})
    notice_number = forms.CharField(
        label="整改通知书文号", max_length=64, help_text="系统按本单位今年已发通知书的数量建议文号，可修改。",
        error_messages={"required": "请填写整改通知书文号（如：郑金应急隐督〔2026〕12号）。",
                        "max_length": "文号不能超过 %(limit_value)d 个字。"},
    )

    def __init__(self, *args, hazard, user, **kwargs):
        initial = {"notice_number": suggest_notice_number(user.organization)}
        if hazard.supervision == Supervision.COUNTY:
            initial["level"] = Supervision.CITY  # the usual reason to supervise again: raising it to the city
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.hazard, self.user = hazard, user

    def clean_level(self):
        level = self.cleaned_data["level"]
        _check_level(level, self.hazard, self.user)
        return level

    def clean_notice_number(self):
        return _clean_notice_number(self.cleaned_data["notice_number"], self.hazard, self.user)


class PlanForm(forms.ModelForm):
    """整改方案: the six elements seed 001 2.3 names, all required."""

    class Meta:
        model = Hazard
        fields = ["plan_leader", "plan_person", "plan_measures", "plan_funds", "plan_deadline", "plan_emergency"]
        widgets = {
            "plan_measures": forms.Textarea(attrs={"rows": 4}),
            "plan_emergency": forms.Textarea(attrs={"rows": 3}),
            "plan_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "plan_funds": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        }

    REQUIRED = {
        "plan_leader": "请填写责任领导。",
        "plan_person": "请填写整改负责人。",
        "plan_measures": "请填写整改措施。",
        "plan_funds": "请填写整改资金（万元）。",
        "plan_deadline": "请填写整改期限。",
        "plan_emergency": "请填写应急预案（整改期间的安全防范措施和应急处置）。",
    }

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.deadline_before = self.instance.deadline  # the hazard's deadline before this plan (the notice's, if any)
        for name, message in self.REQUIRED.items():
            field = self.fields[name]
            field.required = True
            field.error_messages["required"] = message
        self.fields["plan_funds"].error_messages.update({
            "invalid": "整改资金请填写数字（单位：万元）。",
            "max_digits": "整改资金数额过大，请以万元为单位填写。",
            "max_decimal_places": "整改资金最多保留两位小数（万元）。",
            "max_whole_digits": "整改资金数额过大，请以万元为单位填写。",
        })
        self.fields["plan_deadline"].error_messages["invalid"] = "整改期限请填写日期，如 2026-06-30。"
        self.fields["plan_deadline"].help_text = (
            "整改期限早于隐患当前的整改期限（或隐患尚无整改期限）时，隐患的整改期限随之改为此日期；晚于时不变。"
            + (f"整改通知书规定的期限为 {self.deadline_before:%Y-%m-%d}，方案期限不得晚于此日期。"
               if self.instance.notice_number and self.deadline_before else "")
        )
        for name in ("plan_leader", "plan_person"):
            self.fields[name].widget.attrs["autocomplete"] = "name"

    def _text(self, name):
        value = self.cleaned_data[name].strip()
        if not value:
            raise forms.ValidationError(self.REQUIRED[name])
        return value

    def clean_plan_leader(self):
        return self._text("plan_leader")

    def clean_plan_person(self):
        return self._text("plan_person")

    def clean_plan_measures(self):
        return self._text("plan_measures")

    def clean_plan_emergency(self):
        return self._text("plan_emergency")

    def clean_plan_funds(self):
        value = self.cleaned_data["plan_funds"]
        if value is not None and value < 0:
            raise forms.ValidationError("整改资金不能为负数。")
        return value

    def clean_plan_deadline(self):
        value = self.cleaned_data["plan_deadline"]
        hazard = self.instance
        if value < hazard.found_on:
            raise forms.ValidationError(f"整改期限不能早于隐患排查时间（{hazard.found_on:%Y-%m-%d}）。")
        # A new or changed deadline lies ahead; an unchanged one may have passed meanwhile (re-saving the plan).
        if "plan_deadline" in self.changed_data and value < self.today:
            raise forms.ValidationError(f"整改期限不能早于今天（{self.today:%Y-%m-%d}）。")
        if hazard.notice_number and self.deadline_before and value > self.deadline_before:
            raise forms.ValidationError(
                f"整改期限不能晚于《重大事故隐患限期整改通知书》规定的期限（{self.deadline_before:%Y-%m-%d}）。")
        return value

    def save(self, commit=True):
        """The plan's deadline tightens the hazard's (never loosens it)."""
        hazard = super().save(commit=False)
        deadline = self.cleaned_data["plan_deadline"]
        if self.deadline_before is None or self.deadline_before > deadline:
            hazard.deadline = deadline
        if commit:
            hazard.save()
        return hazard

