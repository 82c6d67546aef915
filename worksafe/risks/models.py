"""风险分级管控: the risk list of seed 004 as data, the four-colour map and patrols.

安全风险分析对象 (RiskObject) → 安全风险分析单元 (RiskUnit) → 危险源 (HazardSource) → 安全风险 (RiskEvent, graded)
→ 风险管控措施 (ControlMeasure, checked by patrols). Every level below the object carries its enterprise too: one
column to scope on (enterprise_q(user, "enterprise")) and to aggregate by, without walking the tree.
"""
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from worksafe.core import risk_levels
from worksafe.core.models import AccidentCategory
from worksafe.core.risk_levels import RiskLevel
from worksafe.core.scoping import ScopedQuerySet
from worksafe.core.uploads import RandomName

from . import grading

# Seed 004 二、(二) 1: events whose consequence is one of these may be put under 重点管控.
KEY_CONTROL_WORDS = ("爆炸", "火灾", "中毒", "窒息")


class ObjectKind(models.TextChoices):
    FACILITY = "facility", "设备设施"
    ACTIVITY = "activity", "作业活动"
    PROCESS = "process", "工艺过程"
    PLACE = "place", "场所区域"


class Tense(models.TextChoices):
    PAST = "past", "过去"
    PRESENT = "present", "现在"
    FUTURE = "future", "将来"


class State(models.TextChoices):
    NORMAL = "normal", "正常"
    ABNORMAL = "abnormal", "异常"
    EMERGENCY = "emergency", "紧急"


class Method(models.TextChoices):
    LEC = "lec", "LEC 法（D = L × E × C）"
    LS = "ls", "风险矩阵法（R = L × S）"
    DIRECT = "direct", "直接判定"


class MeasureCategory(models.TextChoices):
    ENGINEERING = "engineering", "工程技术"
    MAINTENANCE = "maintenance", "维护保养"
    OPERATION = "operation", "操作行为"
    MANAGEMENT = "management", "管理措施"
    TRAINING = "training", "培训教育"
    EMERGENCY = "emergency", "应急措施"
    PPE = "ppe", "个体防护"


class ControlTier(models.TextChoices):
    COMPANY = "company", "公司"
    WORKSHOP = "workshop", "车间"
    TEAM = "team", "班组"
    POST = "post", "岗位"


class FrequencyUnit(models.TextChoices):
    SHIFT = "shift", "班"
    DAY = "day", "天"
    WEEK = "week", "周"
    MONTH = "month", "月"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年"


class RiskObject(models.Model):
    """安全风险分析对象: a facility, activity or area, with the department and person answerable for it."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="risk_objects", verbose_name="企业")
    name = models.CharField("安全风险分析对象", max_length=128)
    kind = models.CharField("对象类型", max_length=10, choices=ObjectKind.choices, blank=True)
    department = models.CharField("责任部门", max_length=64, blank=True)
    person = models.CharField("责任人", max_length=64, blank=True)
    # The id the enterprise's own system gives the object (数据对接: a risk list is uploaded object by object).
    external_id = models.CharField("对接记录编号", max_length=64, blank=True, default="")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "安全风险分析对象"
        ordering = ["enterprise", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="risk_object_unique_name"),
            models.UniqueConstraint(fields=["enterprise", "external_id"], condition=~models.Q(external_id=""),
                                    name="risk_object_unique_external_id"),
        ]

    def __str__(self):
        return self.name


class RiskUnit(models.Model):
    """安全风险分析单元, placed on the site plan at (map_x, map_y), fractions of its width and height."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="+", verbose_name="企业")
    object = models.ForeignKey(RiskObject, models.CASCADE, related_name="units", verbose_name="安全风险分析对象")
    name = models.CharField("安全风险分析单元", max_length=128)
    map_x = models.FloatField("平面图横坐标", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)])
    map_y = models.FloatField("平面图纵坐标", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)])

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "安全风险分析单元"
        ordering = ["object", "id"]
        constraints = [models.UniqueConstraint(fields=["object", "name"], name="risk_unit_unique_name")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.enterprise_id = self.object.enterprise_id
        super().save(*args, **kwargs)


class HazardSource(models.Model):
    """危险源 within a unit."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="+", verbose_name="企业")
    unit = models.ForeignKey(RiskUnit, models.CASCADE, related_name="sources", verbose_name="安全风险分析单元")
    name = models.CharField("危险源", max_length=128)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "危险源"
        ordering = ["unit", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="hazard_source_unique_name")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.enterprise_id = self.unit.enterprise_id
        super().save(*args, **kwargs)


class RiskEvent(models.Model):
    """安全风险 (a risk event) of a hazard source, graded by LEC, the LS matrix or direct judgement."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="+", verbose_name="企业")
    source = models.ForeignKey(HazardSource, models.CASCADE, related_name="events", verbose_name="危险源")
    name = models.CharField("安全风险", max_length=200, help_text="风险事件，如“泄漏造成火灾”")
    description = models.TextField("危险危害表现形式描述", blank=True)
    accident_category = models.ForeignKey(
        AccidentCategory, models.PROTECT, null=True, blank=True, verbose_name="类别", help_text="GB 6441 事故类别"
    )
    consequence = models.CharField("最严重后果", max_length=128, blank=True, help_text="如“爆炸、火灾”")
    tense = models.CharField("时态", max_length=8, choices=Tense.choices, default=Tense.PRESENT)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.NORMAL)
    procedure = models.CharField("高危工序名称", max_length=128, blank=True)
    method = models.CharField("评价方法", max_length=8, choices=Method.choices, default=Method.LEC)
    lec_l = models.DecimalField("L 可能性", max_digits=4, decimal_places=1, null=True, blank=True, choices=grading.LEC_L_CHOICES)
    lec_e = models.DecimalField("E 暴露频繁程度", max_digits=4, decimal_places=1, null=True, blank=True, choices=grading.LEC_E_CHOICES)
    lec_c = models.DecimalField("C 后果", max_digits=4, decimal_places=1, null=True, blank=True, choices=grading.LEC_C_CHOICES)
    ls_l = models.PositiveSmallIntegerField("L 可能性", null=True, blank=True, choices=grading.LS_L_CHOICES)
    ls_s = models.PositiveSmallIntegerField("S 严重性", null=True, blank=True, choices=grading.LS_S_CHOICES)
    value = models.DecimalField("风险值", max_digits=8, decimal_places=2, null=True, blank=True)
    # Blank only until clean() grades the event: LEC and LS compute it, a direct judgement must choose it.
    level = models.CharField("安全风险等级", max_length=8, choices=RiskLevel.choices, blank=True)
    reason = models.CharField("直接判定理由", max_length=500, blank=True)
    key_control = models.BooleanField("重点管控", default=False, help_text="后果为爆炸、火灾、中毒、窒息的可列为重点管控")
    note = models.CharField("备注", max_length=255, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "安全风险"
        ordering = ["source", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "name"], name="risk_event_unique_name")]
        indexes = [
            # The regulators' event list: scope by enterprise, filter by level.
            models.Index(fields=["enterprise", "level"], name="risk_event_enterprise_level"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.enterprise_id = self.source.enterprise_id
        super().save(*args, **kwargs)

    @property
    def color(self):
        return risk_levels.COLORS[self.level]

    @property
    def grade(self):
        return risk_levels.grade(self.level)

    def clean(self):
        """Compute the value and level from the chosen method; field errors in Chinese."""
        errors = {}
        if self.method == Method.LEC:
            missing = {f: "LEC 法须选择此项" for f in ("lec_l", "lec_e", "lec_c") if getattr(self, f) is None}
            if missing:
                raise ValidationError(missing)
            self.value, self.level = grading.lec(self.lec_l, self.lec_e, self.lec_c)
            self.ls_l = self.ls_s = None
            self.reason = ""
        elif self.method == Method.LS:
            missing = {f: "风险矩阵法须选择此项" for f in ("ls_l", "ls_s") if getattr(self, f) is None}
            if missing:
                raise ValidationError(missing)
            self.value, self.level = grading.ls(self.ls_l, self.ls_s)
            self.lec_l = self.lec_e = self.lec_c = None
            self.reason = ""
        else:
            if not self.level:
                errors["level"] = "直接判定须选择风险等级"
            if not self.reason.strip():
                errors["reason"] = "直接判定须说明理由（如“构成重大风险的直接判定情形”）"
            self.value = None
            self.lec_l = self.lec_e = self.lec_c = self.ls_l = self.ls_s = None
        if self.key_control and not may_be_key_controlled(self):
            errors["key_control"] = "只有最严重后果为爆炸、火灾、中毒或窒息的风险可列为重点管控"
        if errors:
            raise ValidationError(errors)


def may_be_key_controlled(event):
    text = f"{event.consequence} {event.accident_category.name if event.accident_category_id else ''}"
    return any(word in text for word in KEY_CONTROL_WORDS)


class ControlMeasure(models.Model):
    """风险管控措施: what is done, at which tier, by which post and person, checked how often."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="+", verbose_name="企业")
    event = models.ForeignKey(RiskEvent, models.CASCADE, related_name="measures", verbose_name="安全风险")
    category = models.CharField("管控措施分类", max_length=12, choices=MeasureCategory.choices)
    content = models.CharField("风险管控措施", max_length=500)
    tier = models.CharField("管控层级", max_length=10, choices=ControlTier.choices)
    post = models.CharField("岗位", max_length=64, blank=True)
    person = models.CharField("责任人", max_length=64, blank=True)
    frequency_value = models.PositiveSmallIntegerField("排查频次（数值）", default=1, validators=[MinValueValidator(1)])
    frequency_unit = models.CharField("排查频次（单位）", max_length=8, choices=FrequencyUnit.choices, default=FrequencyUnit.DAY)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # Patrols keep these two current; next_due_at lets "overdue across a city" be one indexed range.
    last_checked_at = models.DateTimeField("最近巡检时间", null=True, blank=True)
    next_due_at = models.DateTimeField("下次巡检期限", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "风险管控措施"
        ordering = ["event", "id"]
        indexes = [models.Index(fields=["enterprise", "next_due_at"], name="measure_enterprise_due")]

    def __str__(self):
        return self.content[:60]

    @property
    def frequency(self):
        return f"{self.frequency_value}{self.get_frequency_unit_display()}"


class FourColourMap(models.Model):
    """风险四色图: the site plan (stored as an image, a PDF's first page rendered) and a ready-made map file."""

    enterprise = models.OneToOneField("archive.Enterprise", models.CASCADE, related_name="four_colour_map", verbose_name="企业")
    plan = models.FileField("厂区平面图", upload_to=RandomName("risks/plans"), blank=True)
    plan_width = models.PositiveIntegerField("平面图宽度", null=True, blank=True)
    plan_height = models.PositiveIntegerField("平面图高度", null=True, blank=True)
    ready_map = models.FileField("四色图文件", upload_to=RandomName("risks/maps"), blank=True)
    ready_map_type = models.CharField("四色图文件类型", max_length=64, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "风险四色图"

    def __str__(self):
        return f"{self.enterprise} 风险四色图"

    def get_absolute_url(self):
        return reverse("risks:map_detail", args=[self.enterprise_id])


class Patrol(models.Model):
    """风险巡检: one round of checks on control measures."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="risk_patrols", verbose_name="企业")
    patrolled_at = models.DateTimeField("巡检时间")
    patroller = models.ForeignKey("core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="巡检人账号")
    patroller_name = models.CharField("巡检人", max_length=64)
    note = models.CharField("备注", max_length=500, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "风险巡检记录"
        ordering = ["-patrolled_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "patrolled_at"], name="patrol_enterprise_time")]

    def __str__(self):
        return f"{self.patroller_name} {self.patrolled_at:%Y-%m-%d %H:%M}"


class PatrolYear(models.Model):
    """An enterprise's patrols in one (local) year, counted as they are recorded: the statistics read these few
    rows instead of every patrol item of a province (tens of millions)."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="+", verbose_name="企业")
    year = models.PositiveSmallIntegerField("年度")
    patrols = models.PositiveIntegerField("巡检次数", default=0)
    items = models.PositiveIntegerField("检查项", default=0)
    failed = models.PositiveIntegerField("未落实项", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年度巡检汇总"
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="patrol_year_unique")]
        # The patrol statistics read the counts from the index alone (SQLite: province 1.3 s → 0.75 s, bench/risks.py).
        indexes = [models.Index(fields=["enterprise", "year", "patrols", "items", "failed"], name="patrol_year_counts")]

    def __str__(self):
        return f"{self.enterprise_id} {self.year}"


class PatrolItem(models.Model):
    """One measure checked in a patrol: in place or not, a note, a photo. A measure found not in place is where
    a hazard (隐患) begins: `risks.signals.measure_not_in_place` tells the hazards module."""

    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="items", verbose_name="巡检记录")
    measure = models.ForeignKey(ControlMeasure, models.SET_NULL, null=True, related_name="patrol_items", verbose_name="管控措施")
    measure_text = models.CharField("管控措施", max_length=500)  # kept when the measure is later deleted
    in_place = models.BooleanField("措施落实", default=True)
    note = models.CharField("说明", max_length=500, blank=True)
    photo = models.FileField("照片", upload_to=RandomName("risks/patrols"), blank=True)

    objects = ScopedQuerySet.on("patrol__enterprise").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "巡检项"
        ordering = ["patrol", "id"]

    def __str__(self):
        return f"{self.measure_text[:40]}：{'落实' if self.in_place else '未落实'}"

