"""Forms of a patrol (风险巡检): the patrol itself, and one small form per control measure checked."""
from django import forms
from django.utils import timezone

from worksafe.core.forms import ItemCheckForm

from .patrols import CLOCK_SKEW, Check, backdate_limit

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


class PatrolForm(forms.Form):
    patrolled_at = forms.DateTimeField(
        label="巡检时间", input_formats=[LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        error_messages={"required": "请填写巡检时间", "invalid": "巡检时间格式不正确"},
    )
    patroller_name = forms.CharField(label="巡检人", max_length=64, error_messages={"required": "请填写巡检人"})
    note = forms.CharField(label="备注", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        # No "max": a page opened a while ago would refuse the current time; the server checks it (clean).
        self.fields["patrolled_at"].widget.attrs["min"] = timezone.localtime(self.now - backdate_limit()).strftime(LOCAL_INPUT)
        self.fields["patroller_name"].widget.attrs["autocomplete"] = "name"

    def clean_patrolled_at(self):
        value = self.cleaned_data["patrolled_at"]
        if value > self.now + CLOCK_SKEW:
            raise forms.ValidationError("巡检时间不能晚于当前时间")
        limit = backdate_limit()
        if value < self.now - limit:
            raise forms.ValidationError(f"巡检时间不能早于 {limit.days} 天前")
        return value

    def clean_patroller_name(self):
        return self.cleaned_data["patroller_name"].strip()


class PatrolItemForm(ItemCheckForm):
    """One control measure: 落实 / 未落实 (or left unchecked: not part of this patrol)."""

    GOOD, BAD = IN_PLACE, NOT_IN_PLACE = "yes", "no"
    RESULT_LABEL = "落实情况"
    BAD_MESSAGE = "措施未落实，请填写说明（发现的问题）"

    def __init__(self, *args, measure, status=None, **kwargs):
        kwargs.setdefault("prefix", f"m{measure.pk}")
        super().__init__(*args, **kwargs)
        self.measure, self.status = measure, status

    def check(self):
        d = self.cleaned_data
        return Check(self.measure, self.passed, d["note"], d.get("photo"))
