"""The archive's remaining ledgers (seed 000): 辅助表2 生产安全事故（件）台账, 辅助表3 事故（件）调查处理情况登记表,
辅助表4 处罚和惩戒信息台账."""
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from worksafe.core.models import AccidentCategory
from worksafe.core.scoping import ScopedQuerySet


class AccidentKind(models.TextChoices):
    ACCIDENT = "accident", "事故"
    INCIDENT = "incident", "事件"


class AccidentType(models.TextChoices):
    """事故类别 of 辅助表2 (the GB 6441 category is kept beside it)."""

    WORK_INJURY = "injury", "工伤事故"
    FIRE = "fire", "火灾事故"
    EQUIPMENT = "equipment", "设备事故"
    OTHER = "other", "其它事故"


class Accident(models.Model):
    """One row of 辅助表2: an accident or incident of the enterprise."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="accidents", verbose_name="企业",
                                   db_index=False)  # led by accident_enterprise_date
    occurred_on = models.DateField("发生时间", help_text="精确到日")
    name = models.CharField("事故（件）名称", max_length=200)
    kind = models.CharField("事故（件）类别", max_length=10, choices=AccidentKind.choices, default=AccidentKind.ACCIDENT)
    deaths = models.PositiveIntegerField("死亡人数", default=0)
    serious_injuries = models.PositiveIntegerField("重伤人数", default=0)
    minor_injuries = models.PositiveIntegerField("轻伤人数", default=0)
    direct_loss = models.DecimalField("直接经济损失（万元）", max_digits=12, decimal_places=2, default=0,
                                      validators=[MinValueValidator(0)])
    category = models.CharField("事故类别", max_length=10, choices=AccidentType.choices)
    gb_category = models.ForeignKey(AccidentCategory, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name="事故类型（GB 6441）")
    recorded_by = models.CharField("统计人", max_length=64)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "生产安全事故（件）"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "occurred_on"], name="accident_enterprise_date")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:accident_detail", args=[self.pk])

    def clean(self):
        if self.occurred_on and self.occurred_on > timezone.localdate():
            raise ValidationError({"occurred_on": "发生时间不能晚于今天。"})
        investigation = getattr(self, "investigation", None) if self.pk else None
        if investigation and self.occurred_on and self.occurred_on > investigation.investigated_on:
            raise ValidationError({"occurred_on": f"发生时间不能晚于已登记的调查时间（{investigation.investigated_on:%Y-%m-%d}）。"})

    @property
    def casualties(self):
        parts = [f"{label}{n}人" for label, n in (("死亡", self.deaths), ("重伤", self.serious_injuries), ("轻伤", self.minor_injuries)) if n]
        return "、".join(parts) or "无人员伤亡"


class Investigation(models.Model):
    """辅助表3 事故（件）调查处理情况登记表, one per accident."""

    accident = models.OneToOneField(Accident, models.CASCADE, related_name="investigation", verbose_name="事故（件）")
    number = models.CharField("调查编号", max_length=64, blank=True)
    investigated_on = models.DateField("调查时间", help_text="精确到日")
    subject = models.CharField("被调查对象", max_length=200)
    team_lead = models.CharField("调查组负责人", max_length=64)
    team_members = models.CharField("调查组成员", max_length=500, blank=True)
    course = models.TextField("事故经过及伤害情况", max_length=5000)
    direct_causes = models.TextField("直接原因分析", max_length=5000, blank=True)
    indirect_causes = models.TextField("间接原因分析", max_length=5000, blank=True)
    direct_responsibility = models.TextField("直接责任划分", max_length=5000, blank=True)
    leadership_responsibility = models.TextField("领导责任划分", max_length=5000, blank=True)
    loss_description = models.TextField("直接经济损失情况", max_length=5000, blank=True)
    training = models.TextField("培训教育", max_length=5000, blank=True)
    handling_opinion = models.TextField("处理意见", max_length=5000, blank=True)
    corrective_actions = models.TextField("整改措施意见", max_length=5000, blank=True)
    confirmed_by = models.CharField("责任部门确认", max_length=64, blank=True)
    reviewed_by = models.CharField("审核", max_length=64, blank=True)
    approved_by = models.CharField("批准", max_length=64, blank=True)
    follow_up = models.TextField("跟进结果", max_length=5000, blank=True)
    follow_up_reviewed_by = models.CharField("跟进结果审核", max_length=64, blank=True)

    objects = ScopedQuerySet.on("accident__enterprise").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事故（件）调查处理情况"

    def __str__(self):
        return f"{self.accident.name} 调查处理情况"

    def clean(self):
        if self.investigated_on and self.investigated_on > timezone.localdate():
            raise ValidationError({"investigated_on": "调查时间不能晚于今天。"})
        if self.accident_id and self.investigated_on and self.investigated_on < self.accident.occurred_on:
            raise ValidationError({"investigated_on": "调查时间不能早于事故发生时间。"})


class PenaltyKind(models.TextChoices):
    """处罚种类 1–7 of 辅助表4, and the one 惩戒种类."""

    WARNING = "warning", "警告"
    FINE = "fine", "罚款"
    CONFISCATION = "confiscation", "没收违法所得、没收非法财物"
    SUSPENSION = "suspension", "责令停产停业"
    LICENSE = "license", "暂扣或者吊销许可证、暂扣或者吊销执照"
    DETENTION = "detention", "行政拘留"
    OTHER = "other", "其他"
    SANCTION = "sanction", "安全生产联合惩戒"


class PenaltyState(models.TextChoices):
    """闭环管理情况: a penalty is 已完成 or 实施中; a sanction 实施中 or 移除惩戒."""

    DONE = "done", "已完成"
    ACTIVE = "active", "实施中"
    REMOVED = "removed", "移除惩戒"


PENALTY_STATES = {PenaltyState.DONE, PenaltyState.ACTIVE}
SANCTION_STATES = {PenaltyState.ACTIVE, PenaltyState.REMOVED}


class Penalty(models.Model):
    """One row of 辅助表4: a penalty (处罚) or a sanction (惩戒) on the enterprise."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="penalties", verbose_name="企业",
                                   db_index=False)  # led by penalty_enterprise_date
    imposed_on = models.DateField("实施日期")
    kind = models.CharField("处罚（惩戒）种类", max_length=16, choices=PenaltyKind.choices)
    department = models.CharField("实施部门", max_length=128)
    reason = models.TextField("事由", max_length=2000)
    state = models.CharField("闭环管理情况", max_length=10, choices=PenaltyState.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "处罚和惩戒"
        ordering = ["-imposed_on", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "imposed_on"], name="penalty_enterprise_date"),
            # Lists flag enterprises under an active sanction: WHERE kind = 'sanction' AND state = 'active'.
            models.Index(fields=["kind", "state", "enterprise"], name="penalty_active_sanction"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.imposed_on:%Y-%m-%d}）"

    @property
    def is_sanction(self):
        return self.kind == PenaltyKind.SANCTION

    def clean(self):
        allowed = SANCTION_STATES if self.is_sanction else PENALTY_STATES
        if self.kind and self.state and self.state not in allowed:
            labels = "或".join(s.label for s in PenaltyState if s in allowed)  # as the form lists them: 已完成或实施中
            raise ValidationError({"state": f"{'惩戒' if self.is_sanction else '处罚'}的闭环管理情况应为{labels}。"})


def sanctioned(enterprise_ids):
    """The ids among `enterprise_ids` under an active 联合惩戒 (one query; lists flag them)."""
    return set(Penalty.objects.filter(enterprise_id__in=enterprise_ids, kind=PenaltyKind.SANCTION, state=PenaltyState.ACTIVE)
               .values_list("enterprise_id", flat=True))


class Severity(models.TextChoices):
    """事故等级 of 《生产安全事故报告和调查处理条例》 (国务院令第493号) 第三条."""

    ORDINARY = "ordinary", "一般事故"
    LARGE = "large", "较大事故"
    MAJOR = "major", "重大事故"
    EXTRAORDINARY = "extraordinary", "特别重大事故"


def severity_of(deaths, serious_injuries, direct_loss):
    """The grade by the highest of its three thresholds (deaths, serious injuries incl. acute poisoning, loss in 万元)."""
    if deaths >= 30 or serious_injuries >= 100 or direct_loss >= 10000:
        return Severity.EXTRAORDINARY
    if deaths >= 10 or serious_injuries >= 50 or direct_loss >= 5000:
        return Severity.MAJOR
    if deaths >= 3 or serious_injuries >= 10 or direct_loss >= 1000:
        return Severity.LARGE
    return Severity.ORDINARY


class AccidentReport(models.Model):
    """事故快报: filed by a regulator or the enterprise, seen at once by every level above (scoping is by the
    enterprise's region); follow-up reports (续报) keep their order and time; closed when its investigation is linked."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="accident_reports", verbose_name="企业")
    title = models.CharField("事故名称", max_length=200)
    occurred_at = models.DateTimeField("发生时间")
    place = models.CharField("发生地点", max_length=200)
    summary = models.TextField("事故简要经过", max_length=5000)
    category = models.CharField("事故类别", max_length=10, choices=AccidentType.choices)
    gb_category = models.ForeignKey(AccidentCategory, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name="事故类型（GB 6441）")
    deaths = models.PositiveIntegerField("死亡人数", default=0)
    missing = models.PositiveIntegerField("失踪人数", default=0)
    serious_injuries = models.PositiveIntegerField("重伤人数（含急性工业中毒）", default=0)
    minor_injuries = models.PositiveIntegerField("轻伤人数", default=0)
    direct_loss = models.DecimalField("直接经济损失（万元）", max_digits=12, decimal_places=2, default=0,
                                      validators=[MinValueValidator(0)])
    severity = models.CharField("事故等级", max_length=16, choices=Severity.choices, editable=False)
    measures = models.TextField("已采取的措施", max_length=5000, blank=True)
    reporter = models.ForeignKey("core.User", models.SET_NULL, null=True, related_name="+", verbose_name="报告人")
    reporter_name = models.CharField("报告人", max_length=150)
    reporter_unit = models.CharField("报告单位", max_length=200)
    reported_at = models.DateTimeField("报告时间", auto_now_add=True)
    # RESTRICT: a closed report never reopens behind anyone's back because its accident was deleted from the ledger
    # (deleting the whole enterprise, report included, still goes through).
    investigation = models.OneToOneField(Investigation, models.RESTRICT, null=True, blank=True, related_name="report",
                                         verbose_name="调查处理情况")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事故快报"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["occurred_at"], name="accident_report_time")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.severity = severity_of(self.deaths, self.serious_injuries, self.direct_loss)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("incidents:report_detail", args=[self.pk])

    @property
    def closed(self):
        return self.investigation_id is not None


class FollowUp(models.Model):
    """续报: what is new since the last report, with the casualty and loss figures as they now stand."""

    report = models.ForeignKey(AccidentReport, models.CASCADE, related_name="follow_ups", verbose_name="事故快报")
    content = models.TextField("续报内容", max_length=5000)
    deaths = models.PositiveIntegerField("死亡人数", default=0)
    missing = models.PositiveIntegerField("失踪人数", default=0)
    serious_injuries = models.PositiveIntegerField("重伤人数（含急性工业中毒）", default=0)
    minor_injuries = models.PositiveIntegerField("轻伤人数", default=0)
    direct_loss = models.DecimalField("直接经济损失（万元）", max_digits=12, decimal_places=2, default=0,
                                      validators=[MinValueValidator(0)])
    reporter = models.ForeignKey("core.User", models.SET_NULL, null=True, related_name="+", verbose_name="报告人")
    reporter_name = models.CharField("报告人", max_length=150)
    reporter_unit = models.CharField("报告单位", max_length=200)
    reported_at = models.DateTimeField("续报时间", auto_now_add=True)

    objects = ScopedQuerySet.on("report__enterprise").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事故续报"
        ordering = ["reported_at", "id"]

    def __str__(self):
        return f"{self.report.title} 续报（{self.reported_at:%Y-%m-%d %H:%M}）"


FIGURES = ("deaths", "missing", "serious_injuries", "minor_injuries", "direct_loss")
