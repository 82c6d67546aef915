"""Forms of 随手拍: the public report (general entry or a scanned code), the regulator's decision, the queue filters."""
import datetime
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from worksafe.archive.models import Enterprise
from worksafe.core import refdata, uploads
from worksafe.core.filters import FastSelect, local_day_start
from worksafe.core.models import Region, RegionLevel
from worksafe.core.scoping import region_q, regions_for
from worksafe.core.xlsx import human_size

from .models import Category, Kind, Level, PublicReport
from .public import MAX_PHOTOS, PHOTO_TYPES
from .raise_from import default_deadline

TEXT_MIN, TEXT_MAX = 10, 2000
SIX_PLACES = Decimal("0.000001")


class CountySelect(forms.Select):
    """Counties, each option tagged with its city so the page can offer only the chosen city's counties."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-city"] = instance.parent_id
        return option


class PhotoInputs(forms.FileInput):
    """The page shows MAX_PHOTOS single inputs under one name (one camera shot each on a phone); all are read."""

    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Up to MAX_PHOTOS photos sent under one name; each JPEG or PNG by its content, at most UPLOAD_MAX_BYTES.
    Cleans to [(file to store, content type)]: the files come without their metadata (uploads.checked_file)."""

    widget = PhotoInputs

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs["accept"] = ",".join(PHOTO_TYPES)

    def clean(self, data):
        files = [f for f in (data or []) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(f"最多上传 {MAX_PHOTOS} 张照片，您选择了 {len(files)} 张。")
        limit = uploads.max_bytes()
        checked, errors = [], []
        for i, upload in enumerate(files, 1):
            where = f"第 {i} 张照片（{upload.name[:40]}）"
            if upload.size > limit:
                errors.append(f"{where}过大：{human_size(upload.size)}，每张最大 {human_size(limit)}。")
                continue
            try:
                upload, content_type = uploads.checked_file(upload, ("image",))  # stored without EXIF and GPS
            except ValidationError as e:
                # The shared check names every image kind it knows; here only camera formats are kept.
                message = e.messages[0]
                errors.append(f"{where}：{message}。" if "尺寸" in message else f"{where}不是 JPEG 或 PNG 格式的照片。")
                continue
            if content_type not in PHOTO_TYPES:
                kind = content_type.split("/")[-1].upper()
                errors.append(f"{where}是 {kind} 图片，只接受 JPEG 或 PNG 格式的照片。")
                continue
            checked.append((upload, content_type))
        if errors:
            raise ValidationError(errors)
        return checked


class PublicReportForm(forms.Form):
    """随手拍. With `enterprise` (a scanned code) the place is fixed; otherwise the reporter picks city and county."""

    city = forms.ModelChoiceField(label="所在市", queryset=Region.objects.none(), empty_label="请选择市",
                                  error_messages={"required": "请选择隐患所在的市", "invalid_choice": "所选的市不存在"})
    county = forms.ModelChoiceField(label="所在县（区）", queryset=Region.objects.none(), required=False,
                                    empty_label="请选择县（区）", widget=CountySelect,
                                    help_text="不清楚所在县（区）可以不选，由市级应急管理部门核实。",
                                    error_messages={"invalid_choice": "所选的县（区）不存在"})
    enterprise_name = forms.CharField(label="涉及单位", max_length=200, required=False,
                                      help_text="企业、商铺或工地的名称，知道的话请填写。")
    text = forms.CharField(
        label="隐患描述", min_length=TEXT_MIN, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "请描述看到的安全隐患：什么地方、什么问题、可能造成什么危害"}),
        error_messages={"required": "请填写隐患描述", "min_length": f"隐患描述至少 {TEXT_MIN} 个字，请写清楚看到的问题",
                        "max_length": f"隐患描述最多 {TEXT_MAX} 个字"},
    )
    photos = PhotosField(label="现场照片")
    location = forms.CharField(label="具体位置", max_length=200, required=False,
                               widget=forms.TextInput(attrs={"placeholder": "如：某路某号东侧仓库"}))
    latitude = forms.DecimalField(label="纬度", required=False, min_value=-90, max_value=90,
                                  error_messages={"invalid": "纬度应为数字"}, widget=forms.NumberInput(attrs={"step": "any"}))
    longitude = forms.DecimalField(label="经度", required=False, min_value=-180, max_value=180,
                                   error_messages={"invalid": "经度应为数字"}, widget=forms.NumberInput(attrs={"step": "any"}))
    contact = forms.CharField(label="联系方式", max_length=64, required=False,
                              help_text="选填，便于核实时联系您；不会公开。",
                              widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))

    def __init__(self, *args, enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["photos"].help_text = f"最多 {MAX_PHOTOS} 张，JPEG 或 PNG 格式，每张不超过 {human_size(uploads.max_bytes())}。"
        if enterprise is not None:
            for name in ("city", "county", "enterprise_name"):
                del self.fields[name]
            return
        # The deployment's regions are those loaded; the province is named only when several are.
        several = Region.objects.filter(level=RegionLevel.PROVINCE).count() > 1
        city = self.fields["city"]
        city.queryset = Region.objects.filter(level=RegionLevel.CITY).select_related("parent").order_by("code")
        city.label_from_instance = lambda r: f"{r.parent.name} {r.name}" if several and r.parent_id else r.name
        self.fields["county"].queryset = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")

    def clean_text(self):
        return self.cleaned_data["text"].strip()

    def _six(self, name):
        value = self.cleaned_data.get(name)
        return value.quantize(SIX_PLACES) if value is not None else None

    def clean_latitude(self):
        return self._six("latitude")

    def clean_longitude(self):
        return self._six("longitude")

    def clean(self):
        data = super().clean()
        city, county = data.get("city"), data.get("county")
        if city and county and county.parent_id != city.pk:
            self.add_error("county", f"{county.name}不属于{city.name}，请重新选择")
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not ({"latitude", "longitude"} & set(self.errors)):
            self.add_error("longitude", "经度和纬度须同时填写（或都不填）")
        for name in ("location", "contact", "enterprise_name"):
            if name in data:
                data[name] = data[name].strip()
        return data

    @property
    def region(self):
        """Whose queue the report lands in: the enterprise's region, else the county (or the city) chosen."""
        if self.enterprise is not None:
            return self.enterprise.region
        return self.cleaned_data.get("county") or self.cleaned_data.get("city")


class AcceptForm(forms.Form):
    """受理: the enterprise that will rectify it and the hazard as the regulator words it."""

    enterprise = forms.ModelChoiceField(label="责任企业", queryset=None, empty_label="请选择企业", widget=FastSelect,
                                        error_messages={"required": "请选择隐患所属的企业",
                                                        "invalid_choice": "所选企业不存在或不在您的管辖范围内"})
    name = forms.CharField(label="隐患名称", max_length=200, error_messages={"required": "请填写隐患名称"})
    place = forms.CharField(label="隐患地点部位", max_length=200, error_messages={"required": "请填写隐患地点部位"})
    category = forms.ChoiceField(label="隐患类别", error_messages={"required": "请选择隐患类别"})
    level = forms.ChoiceField(label="隐患级别", choices=Level.choices, initial=Level.GENERAL)
    kind = forms.ChoiceField(label="隐患类型", choices=[("", "—"), *Kind.choices], required=False)
    deadline = forms.DateField(label="整改期限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               error_messages={"required": "请填写整改期限", "invalid": "整改期限格式不正确"})
    content = forms.CharField(label="隐患内容（主要危害）", widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "请填写隐患内容"})
    reason = forms.CharField(label="处理意见（举报人凭回执可见）", max_length=500, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "如：已责令企业限期整改"}))

    def __init__(self, *args, report, user, candidates=(), **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {
            "enterprise": report.enterprise_id, "content": report.text, "place": report.location,
            "name": _first_line(report.text), "deadline": default_deadline(today),
        })
        super().__init__(*args, **kwargs)
        self.report = report
        refdata.offer_choices(self.fields["category"], Category, blank="请选择")
        field = self.fields["enterprise"]
        # Validated against the whole jurisdiction; offered: the search results (the jurisdiction may hold 100,000).
        field.queryset = Enterprise.objects.for_user(user)
        field.widget.choices = [("", "请选择企业"), *[(e.pk, f"{e.name}（{e.region.name}）") for e in candidates]]

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value < timezone.localtime(self.report.created_at).date():
            raise ValidationError("整改期限不能早于举报日期")
        return value

    def clean(self):
        data = super().clean()
        for name in ("name", "place", "content", "reason"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label="不予受理的原因（举报人凭回执可见）", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：经现场核查，未发现所述问题"}),
                             error_messages={"required": "请填写不予受理的原因", "max_length": "原因最多 500 个字"})

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError("请填写不予受理的原因")
        return value


def _first_line(text):
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:40]


class PublicReportFilter(django_filters.FilterSet):
    """The queue's filters (the status is the tabs above them): keyword, 属地, report date."""

    q = django_filters.CharFilter(label="关键字", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "回执编号、单位或描述"}))
    region = django_filters.ModelChoiceFilter(label="属地", queryset=Region.objects.none(), method="in_region", widget=FastSelect)
    date_from = django_filters.DateFilter(label="举报日期起", method="since", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label="举报日期止", method="until", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = PublicReport
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = regions_for(user).filter(
            level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY])

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q(text__contains=value) | Q(enterprise_name__contains=value) | Q(enterprise__name__contains=value)
        if value.isascii() and value.isalnum():
            q |= Q(receipt=value.upper())
        return queryset.filter(q)

    def in_region(self, queryset, name, region):
        return queryset.filter(region_q(region, "region_id"))

    def since(self, queryset, name, value):
        return queryset.filter(created_at__gte=local_day_start(value))

    def until(self, queryset, name, value):
        return queryset.filter(created_at__lt=local_day_start(value + datetime.timedelta(days=1)))
