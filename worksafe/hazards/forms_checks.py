"""Forms and filters of checklists (排查标准), check plans (排查计划) and check records (排查记录)."""
import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from worksafe.core import refdata
from worksafe.core.filters import EnterpriseScopeFilter, FastSelect
from worksafe.core.forms import ItemCheckForm
from worksafe.core.models import Industry
from worksafe.core.scoping import industry_codes

from . import checklists, checks
from .models import Category, CheckKind, Checklist, ChecklistItem, ChecklistState, CheckPlan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---- checklists -------------------------------------------------------------------------------------------------


class GuidelineFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键字", method="search", widget=forms.TextInput(attrs={"placeholder": "标准名称或说明"}))
    industry = django_filters.ModelChoiceFilter(label="适用行业", queryset=Industry.objects.all(), method="in_industry",
                                                widget=FastSelect)

    class Meta:
        model = Checklist
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(note__icontains=value)) if value else queryset

    def in_industry(self, queryset, name, industry):
        return queryset.filter(industry_id__in=sorted(industry_codes([industry])))


class CustomChecklistFilter(EnterpriseScopeFilter):
    """自定义标准管理: the enterprise's 关键字, 属地 and 行业, and the review state."""

    state = django_filters.ChoiceFilter(label="审核状态", choices=ChecklistState.choices, widget=FastSelect)

    class Meta:
        model = Checklist
        fields = []


class GuidelineImportForm(forms.Form):
    name = forms.CharField(label="标准名称", max_length=200, error_messages={"required": "请填写标准名称"})
    industry = forms.ModelChoiceField(label="适用行业", queryset=Industry.objects.all(), required=False,
                                      empty_label="通用（各行业）")
    note = forms.CharField(label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label="xlsx 文件", error_messages={"required": "请选择要导入的 xlsx 文件"},
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}))

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class ChecklistForm(forms.ModelForm):
    """The checklist's own fields; the industry is the publisher's choice for guidelines, inherited by custom ones."""

    class Meta:
        model = Checklist
        fields = ["name", "industry", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_guideline:
            del self.fields["industry"]
        else:
            self.fields["industry"].empty_label = "通用（各行业）"


class ItemForm(forms.ModelForm):
    # The active 隐患类别 (core.refdata), read once for the whole formset (BaseItemFormSet), not once per item.
    category = forms.ChoiceField(label="隐患类别", required=False)

    class Meta:
        model = ChecklistItem
        fields = ["order", "section", "content", "basis", "category"]
        widgets = {"content": forms.Textarea(attrs={"rows": 2}), "order": forms.NumberInput(attrs={"min": 0})}

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        if categories is None:
            refdata.offer_choices(field, Category, blank="—", current=self.instance.category_id)
        else:
            field.choices = categories
            field.error_messages["invalid_choice"] = refdata.INACTIVE.format(label=field.label, value="%(value)s")
            if self.instance.category_id and self.instance.category_id not in {c for c, _ in categories}:
                field.choices = [*categories, (self.instance.category_id, f"{self.instance.category_id}（已停用）")]

    def clean_category(self):
        code = self.cleaned_data["category"]
        return Category(pk=code) if code else None


class BaseItemFormSet(forms.BaseInlineFormSet):
    def get_form_kwargs(self, index):
        if not hasattr(self, "_categories"):
            self._categories = refdata.active_choices(Category, blank="—")
        return {**super().get_form_kwargs(index), "categories": self._categories}

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.has_changed() or f.instance.pk]
        kept = [f for f in kept if not (self.can_delete and self._should_delete_form(f))]
        if not kept:
            raise forms.ValidationError("标准中至少须保留一条检查内容。")


def item_formset(extra=2):
    return forms.inlineformset_factory(Checklist, ChecklistItem, form=ItemForm, formset=BaseItemFormSet, extra=extra,
                                       can_delete=True)


class ReviewForm(forms.Form):
    reason = forms.CharField(label="审核意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="退回时必填：需要修改的内容")


# ---- plans ------------------------------------------------------------------------------------------------------


class ChecklistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.is_guideline:
            return f"【指引标准】{obj.name}" + (f"（{obj.industry.name}）" if obj.industry_id else "（通用）")
        state = "" if obj.state == ChecklistState.APPROVED else f"（{obj.get_state_display()}）"
        return f"【本企业标准】{obj.name}{state}"


def checklist_choices(enterprise, keep=None):
    """The checklists a plan or check of `enterprise` may use: its approved ones, then guidelines of its industry
    (and parent), then the other guidelines. `keep` (the plan's current one) stays offered whatever its state."""
    q = checklists.usable_q(enterprise)
    if keep is not None:
        q |= Q(pk=keep.pk)
    industries = [enterprise.industry_id] + ([enterprise.industry.parent_id] if enterprise.industry.parent_id else [])
    rank = Case(When(enterprise__isnull=False, then=Value(0)), When(industry_id__in=industries, then=Value(1)),
                default=Value(2), output_field=IntegerField())
    return Checklist.objects.filter(q).select_related("industry").annotate(rank=rank).order_by("rank", "name", "pk")


class PlanForm(forms.ModelForm):
    checklist = ChecklistChoiceField(label="排查标准", queryset=Checklist.objects.none(), required=False,
                                     empty_label="（不按排查标准）")

    class Meta:
        model = CheckPlan
        fields = ["name", "kind", "checklist", "use_measures", "department", "person", "frequency_value",
                  "frequency_unit", "starts_on", "ends_on", "active", "note"]
        widgets = {"starts_on": DATE, "ends_on": DATE, "note": forms.Textarea(attrs={"rows": 2}),
                   "frequency_value": forms.NumberInput(attrs={"min": 1, "max": 366})}
        help_texts = {
            "use_measures": "按本企业安全风险辨识清单中的风险管控措施逐项排查",
            "frequency_unit": "周、月、季度、年按自然周期计（每月一次即每个自然月一次）；“班”按“天”计",
            "starts_on": "从此日期所在的周期起计算应排查和漏查",
        }

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["checklist"].queryset = checklist_choices(enterprise, keep=self.instance.checklist if self.instance.checklist_id else None)
        self.fields["frequency_value"].validators.append(_max_frequency)
        if not self.instance.pk:
            self.initial.setdefault("starts_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        if not data.get("checklist") and not data.get("use_measures") and "checklist" not in self.errors:
            self.add_error("checklist", "请选择排查标准，或勾选“按风险管控措施排查”（至少一项）")
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "结束日期不能早于开始日期")
        return data

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_person(self):
        return self.cleaned_data["person"].strip()


def _max_frequency(value):
    if value > 366:
        raise forms.ValidationError("排查周期数值不能大于 366")


# ---- check records ----------------------------------------------------------------------------------------------


class CheckForm(forms.Form):
    checked_on = forms.DateField(label="排查日期", widget=DATE, error_messages={"required": "请填写排查日期",
                                                                             "invalid": "排查日期格式不正确"})
    checker_name = forms.CharField(label="排查人", max_length=64, error_messages={"required": "请填写排查人"})
    kind = forms.ChoiceField(label="排查方式", choices=CheckKind.choices)
    note = forms.CharField(label="备注", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["checked_on"].widget.attrs.update(min=checks.earliest_day(self.today).isoformat(),
                                                       max=self.today.isoformat())
        self.fields["checker_name"].widget.attrs["autocomplete"] = "name"

    def clean_checked_on(self):
        day = self.cleaned_data["checked_on"]
        if day > self.today:
            raise forms.ValidationError("排查日期不能晚于今天")
        if day < checks.earliest_day(self.today):
            raise forms.ValidationError(f"排查日期不能早于 {checks.backdate_days()} 天前")
        return day

    def clean_checker_name(self):
        return self.cleaned_data["checker_name"].strip()


class CheckItemForm(ItemCheckForm):
    """One checklist item or control measure: 符合 / 不符合 (or left blank: not part of this check)."""

    GOOD, BAD = PASS, FAIL = "pass", "fail"
    LABELS = ("符合", "不符合")
    BAD_MESSAGE = "不符合，请填写说明（发现的问题）"

    def __init__(self, *args, text, item=None, measure=None, **kwargs):
        kwargs.setdefault("prefix", f"i{item.pk}" if item is not None else f"m{measure.pk}")
        super().__init__(*args, **kwargs)
        self.text, self.item, self.measure = text, item, measure

    def answer(self):
        d = self.cleaned_data
        return checks.Answer(self.text, self.passed, d["note"], d.get("photo"), self.item, self.measure)
