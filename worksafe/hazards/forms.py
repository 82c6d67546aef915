"""Forms of the enterprise's hazard pages: the hazard record (表4 + 辅助表1), its rectification record, a step's
comment, and the ledger's filters."""
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from worksafe.core import refdata
from worksafe.core.forms import DATE, textarea
from worksafe.core.uploads import UploadField

from . import deadlines
from .models import Category, Hazard, HazardPhoto, Level, Review, Source, State

MAX_PHOTOS = 5  # per stage (整改前 / 整改后)
_text = textarea


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(UploadField):
    """Several images in one input (a phone picks them from the camera roll at once), each checked by content as
    UploadField does; cleaned to a list. `max_count` is set by the form from the photos already kept."""

    def __init__(self, *args, max_count=MAX_PHOTOS, **kwargs):
        self.max_count = max_count
        kwargs.setdefault("widget", MultipleFileInput)
        kwargs.setdefault("required", False)
        super().__init__(*args, kinds=("image",), **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > self.max_count:
            raise ValidationError(f"本次最多还能上传 {self.max_count} 张照片（每条隐患{self.label}最多 {MAX_PHOTOS} 张），"
                                  f"您选择了 {len(files)} 张")
        cleaned, errors = [], []
        for f in files:
            name = f.name  # before UploadField renames it by its content
            try:
                cleaned.append(super().clean(f, None))
            except ValidationError as e:
                errors.extend(f"“{name}”：{m}" for m in e.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _photos_field(form, stage, hazard):
    """Limit the form's `photos` field to what the stage still has room for."""
    kept = hazard.photos.filter(stage=stage).count() if hazard.pk else 0
    field = form.fields["photos"]
    field.max_count = max(MAX_PHOTOS - kept, 0)
    field.help_text = f"可一次选择多张。{field.help_text}；最多 {MAX_PHOTOS} 张" + (f"，已有 {kept} 张" if kept else "")
    if not field.max_count:
        field.disabled = True
        field.help_text = f"已有 {MAX_PHOTOS} 张照片，删除后才能再上传"
    return kept


def _not_negative(form, names):
    for name in names:
        value = form.cleaned_data.get(name)
        if value is not None and value < 0:
            form.add_error(name, f"{form.fields[name].label}不能为负数")


HAZARD_GROUPS = [  # the groups of the hazard form (表4 and 辅助表1 fields)
    ("基本信息", ["name", "found_on", "place", "category", "level", "kind", "source", "substance", "content"]),
    ("危害与防范", ["possible_consequence", "possible_loss", "possible_casualties", "surroundings", "precautions"]),
    ("治理要求", ["method", "requirements", "deadline", "planned_completion", "planned_funds", "responsible",
              "filled_by", "filled_on"]),
]


class HazardForm(forms.ModelForm):
    """Recording or correcting a hazard: every field of 表4 and 辅助表1, in the groups of the paper form.

    The level is the enterprise's call only while nobody has reviewed it: a major hazard is returned to general by
    its regulator (downgrade), never quietly by the enterprise, and a returned one is not raised again by editing.
    """

    GROUPS = HAZARD_GROUPS
    MONEY = ["possible_loss", "planned_funds"]

    photos = PhotosField(label="整改前照片")

    class Meta:
        model = Hazard
        fields = [name for _, names in HAZARD_GROUPS for name in names]
        widgets = {
            "found_on": DATE, "deadline": DATE, "planned_completion": DATE, "filled_on": DATE,
            "content": _text(3), "precautions": _text(3), "method": _text(3), "requirements": _text(2),
        }
        help_texts = {
            "found_on": "精确到日，不能晚于今天",
            "level": "重大隐患由监管部门审核确认后整改，并由监管部门验收销号",
            "requirements": "治理的时限和要求",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        hazard = self.instance
        today = timezone.localdate()
        if hazard.pk is None:
            defaults = {"found_on": today, "filled_on": today,
                        "filled_by": getattr(user, "full_name", "") or user.get_username()}
            for name, value in defaults.items():
                if not self.initial.get(name):  # the blank instance's values are in initial already
                    self.initial[name] = value
        # Who records it decides where it came from: the enterprise's own checks or patrols, a regulator's inspection.
        allowed = [Source.SELF_CHECK, Source.PATROL] if user.is_enterprise_user else [Source.INSPECTION]
        source = self.fields["source"]
        if hazard.pk and hazard.source not in allowed:
            source.disabled = True
        else:
            source.choices = [(s.value, s.label) for s in allowed]
            source.disabled = len(allowed) == 1
            if hazard.pk is None:
                self.initial["source"] = allowed[0]
        if hazard.pk and (hazard.state != State.REPORTED or hazard.is_major or hazard.review == Review.DOWNGRADED):
            self.fields["level"].disabled = True
            self.fields["level"].help_text = self._level_note(hazard)
        self.fields["deadline"].required = True  # every hazard that can be edited is still open
        self.fields["deadline"].help_text = f"不早于隐患排查时间；超期显示红色，{deadlines.warn_days()} 天内到期显示橙色"
        self.fields["content"].label = "隐患内容（主要危害）"
        refdata.offer_active(self, "category")
        self.fields["category"].empty_label = "请选择"
        _photos_field(self, HazardPhoto.Stage.BEFORE, hazard)

    @staticmethod
    def _level_note(hazard):
        if hazard.review == Review.DOWNGRADED:
            return "监管部门已打回为一般隐患，不能再改为重大隐患"
        if hazard.is_major:
            return "重大隐患的级别由监管部门审核（确认或打回为一般隐患）"
        return "隐患已进入整改，级别不再修改"

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        found = data.get("found_on")
        if found and found > today:
            self.add_error("found_on", f"隐患排查时间不能晚于今天（{today}）")
            found = None
        for name in ("deadline", "planned_completion"):
            day = data.get(name)
            if found and day and day < found:
                self.add_error(name, f"{self.fields[name].label}不能早于隐患排查时间（{found}）")
        filled = data.get("filled_on")
        if filled and filled > today:
            self.add_error("filled_on", f"填表时间不能晚于今天（{today}）")
        _not_negative(self, self.MONEY)
        return data

    def save(self, commit=True):
        hazard = super().save(commit=False)
        if hazard.level == Level.MAJOR and not hazard.review:
            hazard.review = Review.PENDING  # reported as major: the regulator's review comes first
        if commit:
            hazard.save()
        return hazard

    def groups(self):
        """[(title, [bound field])] for the template."""
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]


class RectifyForm(forms.ModelForm):
    """整改记录: what was done, when, at what cost, and the evidence (after-photos, or why there are none). Saved as a
    draft any time while rectifying; completeness is checked when it is submitted for acceptance."""

    photos = PhotosField(label="整改后照片")

    class Meta:
        model = Hazard
        fields = ["measures_taken", "method", "completed_on", "actual_funds", "current_status", "evaluation",
                  "no_photo_reason"]
        widgets = {"completed_on": DATE, "measures_taken": _text(4), "method": _text(3), "evaluation": _text(3),
                   "no_photo_reason": _text(2)}
        help_texts = {
            "measures_taken": "提交验收时必填",
            "completed_on": "提交验收时必填；不早于隐患排查时间，不晚于今天",
            "no_photo_reason": "没有整改后照片时必填",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _photos_field(self, HazardPhoto.Stage.AFTER, self.instance)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        done = data.get("completed_on")
        if done and done > today:
            self.add_error("completed_on", f"实际完成时间不能晚于今天（{today}）")
        elif done and done < self.instance.found_on:
            self.add_error("completed_on", f"实际完成时间不能早于隐患排查时间（{self.instance.found_on}）")
        _not_negative(self, ["actual_funds"])
        return data


class StepForm(forms.Form):
    comment = forms.CharField(label="意见", max_length=500, required=False, widget=_text(2))


def _choices(choices, blank="全部"):
    return [("", blank), *choices]


class HazardFilterForm(forms.Form):
    """The ledger's filters; `apply` turns them into conditions on one enterprise's hazards."""

    OPEN = "open"

    q = forms.CharField(label="关键字", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "名称、地点、内容、责任人"}))
    state = forms.ChoiceField(label="整改状态", required=False,
                              choices=_choices([(OPEN, "未销号（全部）"), *State.choices]))
    level = forms.ChoiceField(label="隐患级别", required=False, choices=_choices(Level.choices))
    due = forms.ChoiceField(label="整改期限", required=False, choices=lambda: _choices(deadlines.choices()))
    source = forms.ChoiceField(label="隐患来源", required=False, choices=_choices(Source.choices))
    category = forms.ChoiceField(label="隐患类别", required=False)
    found_from = forms.DateField(label="排查时间自", required=False, widget=DATE)
    found_to = forms.DateField(label="排查时间至", required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refdata.offer_choices(self.fields["category"], Category)

    def clean(self):
        data = super().clean()
        start, end = data.get("found_from"), data.get("found_to")
        if start and end and start > end:
            self.add_error("found_to", "结束日期不能早于开始日期")
        return data

    def apply(self, qs, today=None):
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d["q"].strip():
            word = d["q"].strip()
            qs = qs.filter(Q(name__icontains=word) | Q(place__icontains=word) | Q(content__icontains=word)
                           | Q(responsible__icontains=word))
        if d["state"] == self.OPEN:
            qs = qs.exclude(state=State.CLOSED)
        elif d["state"]:
            qs = qs.filter(state=d["state"])
        for name in ("level", "source", "category"):
            if d[name]:
                qs = qs.filter(**{name: d[name]})
        if d["due"]:
            qs = qs.filter(deadlines.due_q(d["due"], today))
        if d["found_from"]:
            qs = qs.filter(found_on__gte=d["found_from"])
        if d["found_to"]:
            qs = qs.filter(found_on__lte=d["found_to"])
        return qs

    def active(self):
        """Whether any filter is set (the page says so and offers to clear them)."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)

