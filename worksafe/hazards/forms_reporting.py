"""Forms and filters of the reporting pages: the enterprise's report, a duty's settings, the bulk actions, and the
filters of 企业查报状态管理 and 填报情况查询 (keyword, 属地, 行业 as on the enterprise list, plus cycle and status)."""
import django_filters
from django import forms
from django.utils import timezone

from worksafe.archive.models import Enterprise
from worksafe.core.filters import EnterpriseScopeFilter, FastSelect
from worksafe.core.forms import DATE

from . import reporting
from .models import Cycle, ReportingDuty
from .reporting import Status


class ReportForm(forms.Form):
    note = forms.CharField(label="说明", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "placeholder": "本期隐患排查治理情况的补充说明（可不填）"}))


def _check_pause(form, data, paused):
    """A pause needs its start and reason; its end, if given, is not before its start. Without one, all are cleared."""
    if not paused:
        data["paused_from"] = data["paused_until"] = None
        data["pause_reason"] = ""
        return data
    if not data.get("paused_from"):
        form.add_error("paused_from", "请填写暂不上报开始日期。")
    if not (data.get("pause_reason") or "").strip():
        form.add_error("pause_reason", "请填写暂不上报原因（如季节性生产、停产停业）。")
    start, until = data.get("paused_from"), data.get("paused_until")
    if start and until and until < start:
        form.add_error("paused_until", "结束日期不能早于开始日期。")
    return data


class DutyForm(forms.ModelForm):
    """One enterprise's 查报周期 and 申报状态 (暂不上报 with its dates and reason, or 正常上报)."""

    paused = forms.TypedChoiceField(label="申报状态", choices=[("0", "正常上报"), ("1", "暂不上报")], coerce=lambda v: v == "1",
                                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}))

    class Meta:
        model = ReportingDuty
        fields = ["cycle", "paused", "paused_from", "paused_until", "pause_reason"]
        widgets = {"paused_from": DATE, "paused_until": DATE, "cycle": forms.RadioSelect(attrs={"class": "form-check-input"})}
        help_texts = {"paused_until": "不填表示直到恢复正常上报"}

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        duty = self.instance
        # A pause still running or yet to come shows as 暂不上报; one that has ended is history (the change log).
        active = bool(duty.paused_from and (duty.paused_until is None or duty.paused_until >= today))
        self.initial["paused"] = "1" if active else "0"
        if not active:
            self.initial.update(paused_from=today, paused_until=None, pause_reason="")

    def clean(self):
        data = super().clean()
        return _check_pause(self, data, data.get("paused"))


class BulkForm(forms.Form):
    """A bulk action on the ticked rows or on the whole filtered list."""

    SET_CYCLE, PAUSE, RESUME = "cycle", "pause", "resume"
    action = forms.ChoiceField(choices=[(SET_CYCLE, "设置查报周期"), (PAUSE, "暂不上报"), (RESUME, "恢复正常上报")])
    cycle = forms.ChoiceField(label="查报周期", choices=[("", "选择周期"), *Cycle.choices], required=False)
    paused_from = forms.DateField(label="暂不上报开始日期", required=False, widget=DATE)
    paused_until = forms.DateField(label="暂不上报结束日期", required=False, widget=DATE)
    pause_reason = forms.CharField(label="暂不上报原因", max_length=500, required=False)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == self.SET_CYCLE and not data.get("cycle"):
            self.add_error("cycle", "请选择要设置的查报周期。")
        if action == self.PAUSE:
            if not data.get("paused_from"):
                data["paused_from"] = timezone.localdate()
            _check_pause(self, data, True)
        return data

    def apply(self, enterprises, user, today):
        """Make the (valid) form's change on `enterprises`, audited; what was done, as the user is told it."""
        d = self.cleaned_data
        if d["action"] == self.SET_CYCLE:
            changed, unchanged = reporting.set_cycle(enterprises, user, d["cycle"], today)
            done = f"已将 {changed} 家企业的查报周期设置为{Cycle(d['cycle']).label}"
        elif d["action"] == self.PAUSE:
            changed, unchanged = reporting.pause(enterprises, user, d["paused_from"], d["paused_until"], d["pause_reason"].strip())
            done = f"已将 {changed} 家企业设置为暂不上报"
        else:
            changed, unchanged = reporting.resume(enterprises, user)
            done = f"已恢复 {changed} 家企业正常上报"
        return done + (f"，{unchanged} 家原已是该设置，未改动。" if unchanged else "。")

    def errors_text(self):
        return "批量操作未执行：" + "".join(e for field_errors in self.errors.values() for e in field_errors)


class CycleFilterMixin(django_filters.FilterSet):
    cycle = django_filters.ChoiceFilter(label="查报周期", choices=Cycle.choices, method="in_cycle", widget=FastSelect)

    def in_cycle(self, queryset, name, value):
        return queryset.filter(duty_cycle=value)  # reporting.with_status's annotation: no row counts as 月报


def duties(user, data, today):
    """企业查报状态管理's filterset: `user`'s enterprises with their duty status, filtered by `data` (a QueryDict). The
    list page, its bulk changes, and the job that makes one over the whole filtered list, as its owner."""
    base = reporting.with_status(Enterprise.objects.for_user(user).select_related("region", "industry__parent"), today)
    return DutyFilter(data, base, user=user)


class DutyFilter(EnterpriseScopeFilter, CycleFilterMixin):
    """企业查报状态管理: keyword, 属地, 行业, 查报周期, 申报状态 (on an Enterprise queryset through with_status)."""

    path = ""
    state = django_filters.ChoiceFilter(label="申报状态", choices=[("normal", "正常上报"), ("paused", "暂不上报")],
                                        method="in_state", widget=FastSelect)

    class Meta:
        model = Enterprise
        fields = []

    def in_state(self, queryset, name, value):
        paused = Status.PAUSED.value
        return queryset.filter(duty_status=paused) if value == "paused" else queryset.exclude(duty_status=paused)


class FilingFilter(EnterpriseScopeFilter, CycleFilterMixin):
    """填报情况查询: keyword, 属地, 行业, 查报周期, 本期上报状态."""

    path = ""
    status = django_filters.ChoiceFilter(label="本期上报", choices=Status.choices, method="in_status", widget=FastSelect)

    class Meta:
        model = Enterprise
        fields = []

    def in_status(self, queryset, name, value):
        return queryset.filter(duty_status=value)
