"""隐患排查治理: checklists, check plans and records, hazards and their closed loop, public reports, reporting duty.

A hazard (隐患) carries every field of 表4 and 辅助表1 (seed 000) and moves through
已上报 → 整改中 → 待验收 → 已销号 (rejection back to 整改中); every step is a HazardStep row. A major hazard is
reviewed by a regulator (confirmed, optionally listed for supervision 挂牌督办, or returned as general), and only a
regulator accepts it. Like the risk list, every record carries its enterprise: scoping is
enterprise_q(user, "enterprise").
"""
import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from worksafe.core.scoping import ScopedQuerySet
from worksafe.core.uploads import RandomName
from worksafe.risks.models import FrequencyUnit


def EXTERNAL_ID_UNIQUE(name):
    """One record per sender id and enterprise (数据对接); records made here have none."""
    return models.UniqueConstraint(fields=["enterprise", "external_id"], condition=~Q(external_id=""),
                                   name=f"{name}_unique_external_id")


MONEY = {"max_digits": 12, "decimal_places": 2, "null": True, "blank": True, "validators": [MinValueValidator(0)]}


class Level(models.TextChoices):
    GENERAL = "general", "一般隐患"
    MAJOR = "major", "重大隐患"


LEVEL_COLORS = {Level.GENERAL: "yellow", Level.MAJOR: "red"}


class Source(models.TextChoices):
    SELF_CHECK = "self_check", "企业自查"
    PATROL = "patrol", "风险巡检"
    INSPECTION = "inspection", "监管检查"
    PUBLIC = "public", "群众举报（随手拍）"


class Category(models.Model):
    """隐患类别: the 基础管理类 / 现场管理类 classification the provincial enforcement platforms use, kept on the site as
    reference data (core.refdata, registered in apps.py). The codes are those hazards stored when this was a fixed list
    (migration 0005 inserted them with their labels and order)."""

    code = models.CharField("代码", max_length=24, primary_key=True)
    name = models.CharField("名称", max_length=64, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    # The codes the code itself names (a hazard raised from a patrol without a category).
    OTHER_SITE = "other_site"

    class Meta:
        verbose_name = verbose_name_plural = "隐患类别"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class Kind(models.TextChoices):
    """隐患类型 (辅助表1)."""

    BEHAVIOUR = "behaviour", "人的不安全行为"
    CONDITION = "condition", "物的不安全状态"
    MANAGEMENT = "management", "管理上的缺陷"
    ENVIRONMENT = "environment", "环境的不良因素"


class State(models.TextChoices):
    REPORTED = "reported", "已上报"
    RECTIFYING = "rectifying", "整改中"
    ACCEPTING = "accepting", "待验收"
    CLOSED = "closed", "已销号"


STATE_COLORS = {State.REPORTED: "blue", State.RECTIFYING: "orange", State.ACCEPTING: "purple", State.CLOSED: "green"}
OPEN_STATES = (State.REPORTED, State.RECTIFYING, State.ACCEPTING)


class Review(models.TextChoices):
    """A major hazard's review by the regulator (seed 001, 2.3)."""

    PENDING = "pending", "待审核"
    CONFIRMED = "confirmed", "已确认"
    DOWNGRADED = "downgraded", "打回为一般隐患"


class Supervision(models.TextChoices):
    NONE = "", "未挂牌"
    COUNTY = "county", "县级挂牌督办"
    CITY = "city", "市级挂牌督办"


class Hazard(models.Model):
    """事故隐患: 表4 重大隐患排查治理统计表 and 辅助表1 重大隐患整改治理台账 as one record, for general hazards too."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="hazards", verbose_name="企业")
    # Copies of the enterprise's region and industry (kept in step by save() and signals.py): the regulators' lists
    # test the jurisdiction on the list's own index instead of joining 300,000 enterprises (scoping.enterprise_q(located=True)).
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", db_index=False, editable=False, verbose_name="属地")
    industry = models.ForeignKey("core.Industry", models.PROTECT, related_name="+", db_index=False, editable=False,
                                 verbose_name="行业分类")
    # 表4
    found_on = models.DateField("隐患排查时间", help_text="精确到日")
    name = models.CharField("隐患名称", max_length=200)
    place = models.CharField("隐患地点部位", max_length=200)
    content = models.TextField("隐患内容（主要危害）")
    # The column keeps its name and the codes it held as a fixed list (Category's primary key).
    category = models.ForeignKey(Category, models.PROTECT, db_column="category", related_name="+", verbose_name="隐患类别")
    level = models.CharField("隐患级别", max_length=8, choices=Level.choices, default=Level.GENERAL)
    precautions = models.TextField("安全防范措施和应急预案", blank=True)
    requirements = models.TextField("治理的时限和要求", blank=True)
    # 辅助表1
    kind = models.CharField("隐患类型", max_length=12, choices=Kind.choices, blank=True)
    source = models.CharField("隐患来源", max_length=12, choices=Source.choices, default=Source.SELF_CHECK)
    substance = models.CharField("主要危险物质", max_length=200, blank=True)
    possible_loss = models.DecimalField("可能造成经济损失（万元）", **MONEY)
    possible_casualties = models.PositiveIntegerField("可能造成的伤亡人数", null=True, blank=True)
    possible_consequence = models.CharField("可能造成的后果", max_length=200, blank=True)
    surroundings = models.CharField("周边环境情况", max_length=500, blank=True)
    method = models.TextField("治理的方法和措施", blank=True)
    deadline = models.DateField("整改期限", null=True, blank=True)
    planned_completion = models.DateField("计划整改完成时间", null=True, blank=True)
    current_status = models.CharField("目前状况", max_length=200, blank=True)
    planned_funds = models.DecimalField("预计所需资金（万元）", **MONEY)
    actual_funds = models.DecimalField("实际使用资金（万元）", **MONEY)
    completed_on = models.DateField("实际完成时间", null=True, blank=True)
    evaluation = models.TextField("隐患整改结果评估", blank=True)
    responsible = models.CharField("整改责任人", max_length=64, blank=True)
    filled_by = models.CharField("填表人", max_length=64, blank=True)
    filled_on = models.DateField("填表时间", null=True, blank=True)
    reviewed_by = models.CharField("审核人", max_length=64, blank=True)  # filled by acceptance
    reviewed_on = models.DateField("审核时间", null=True, blank=True)
    # The rectification record a hazard cannot close without.
    measures_taken = models.TextField("已采取的整改措施", blank=True)
    no_photo_reason = models.CharField("未提供整改后照片的原因", max_length=500, blank=True)
    # The closed loop
    state = models.CharField("整改状态", max_length=12, choices=State.choices, default=State.REPORTED)  # workflow.py moves it
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    # Major hazards: review, supervision (挂牌督办), the notice, the enterprise's plan (seed 001, 2.3)
    review = models.CharField("重大隐患审核", max_length=12, choices=Review.choices, blank=True)
    review_reason = models.CharField("审核意见", max_length=500, blank=True)
    supervision = models.CharField("挂牌督办", max_length=8, choices=Supervision.choices, blank=True)
    supervisor = models.ForeignKey("core.Organization", models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name="督办单位")
    notice_number = models.CharField("整改通知书文号", max_length=64, blank=True)
    notice_on = models.DateField("通知书日期", null=True, blank=True)
    plan_leader = models.CharField("责任领导", max_length=64, blank=True)
    plan_measures = models.TextField("整改措施", blank=True)
    plan_funds = models.DecimalField("整改资金（万元）", **MONEY)
    plan_person = models.CharField("整改负责人", max_length=64, blank=True)
    plan_deadline = models.DateField("整改期限（方案）", null=True, blank=True)
    plan_emergency = models.TextField("应急预案", blank=True)
    # Where it came from
    check_item = models.OneToOneField("HazardCheckItem", models.SET_NULL, null=True, blank=True, related_name="hazard",
                                      verbose_name="排查记录项")
    patrol_item = models.OneToOneField("risks.PatrolItem", models.SET_NULL, null=True, blank=True, related_name="hazard",
                                       verbose_name="巡检项")
    created_by = models.ForeignKey("core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # The id the enterprise's own system gives the hazard (数据对接, worksafe/api): re-uploads match on it.
    external_id = models.CharField("对接记录编号", max_length=64, blank=True, default="")

    objects = ScopedQuerySet.on("enterprise", located=True).as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患"
        ordering = ["-found_on", "-id"]
        constraints = [EXTERNAL_ID_UNIQUE("hazard")]
        indexes = [
            # An enterprise's hazard list and yearly recount: WHERE enterprise_id = ? [AND found_on in a year].
            models.Index(fields=["enterprise", "found_on"], name="hazard_enterprise_found"),
            # 未整改隐患管理: open hazards ORDER BY deadline, id, the jurisdiction (and the level filter) tested on the
            # index's own columns: a walk in deadline order that stops when the page is full, whatever the region.
            models.Index(fields=["deadline", "id", "region", "industry", "level"], condition=~Q(state="closed"),
                         name="hazard_open_deadline"),
            # 重大隐患管理 / 隐患清单: WHERE level = ? ORDER BY found_on DESC, id DESC, likewise; with the state, the open
            # major hazards are counted from the index alone (bench/hazards.py, SQLite: 0.6 s → 25 ms at 3 million).
            models.Index(fields=["level", "found_on", "id", "region", "industry", "state"], name="hazard_level_found"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # However a major hazard is recorded (form, check, public report, API), it awaits the regulator's review.
        if self.level == Level.MAJOR and not self.review:
            self.review = Review.PENDING
        self.region_id, self.industry_id = self.enterprise.region_id, self.enterprise.industry_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("hazards:hazard_detail", args=[self.pk])

    @property
    def is_major(self):
        return self.level == Level.MAJOR

    @property
    def is_open(self):
        return self.state != State.CLOSED

    @property
    def level_color(self):
        return LEVEL_COLORS[self.level]

    @property
    def state_color(self):
        return STATE_COLORS[self.state]

    def audit_label(self):
        """What the change log keeps of a hazard (隐患增删改记录: description and level)."""
        return f"【{self.get_level_display()}】{self.name}"


class HazardStep(models.Model):
    """One step of the closed loop, kept as a row: who, when, from which state to which, why."""

    class Action(models.TextChoices):
        REPORT = "report", "上报"
        START = "start", "开始整改"
        CONFIRM = "confirm", "确认重大隐患"
        DOWNGRADE = "downgrade", "打回为一般隐患"
        SUPERVISE = "supervise", "挂牌督办"
        PLAN = "plan", "填报整改方案"
        SUBMIT = "submit", "提交验收"
        ACCEPT = "accept", "验收通过"
        REJECT = "reject", "验收不通过"

    hazard = models.ForeignKey(Hazard, models.CASCADE, related_name="steps", verbose_name="隐患")
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    source = models.CharField("原状态", max_length=12, choices=State.choices, blank=True)
    target = models.CharField("新状态", max_length=12, choices=State.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    actor = models.ForeignKey("core.User", models.SET_NULL, null=True, related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人", max_length=150)
    actor_org = models.CharField("操作单位", max_length=128, blank=True)
    time = models.DateTimeField("时间", default=timezone.now)  # an uploaded history keeps the sender's times

    objects = ScopedQuerySet.on("hazard__enterprise").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患处理记录"
        ordering = ["time", "id"]

    def __str__(self):
        return f"隐患处理（{self.get_action_display()}，{self.actor_name}）"


class HazardPhoto(models.Model):
    """Photos before (整改前) and after (整改后) rectification."""

    class Stage(models.TextChoices):
        BEFORE = "before", "整改前"
        AFTER = "after", "整改后"

    hazard = models.ForeignKey(Hazard, models.CASCADE, related_name="photos", verbose_name="隐患")
    stage = models.CharField("阶段", max_length=8, choices=Stage.choices)
    file = models.FileField("照片", upload_to=RandomName("hazards/photos"))
    uploaded_by = models.ForeignKey("core.User", models.SET_NULL, null=True, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = ScopedQuerySet.on("hazard__enterprise").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患照片"
        ordering = ["stage", "id"]

    def __str__(self):
        # The change history names the photo by its hazard (the hazard is cached when the photo is saved with it).
        return f"{self.get_stage_display()}照片 · {self.hazard.name}"


class HazardYear(models.Model):
    """An enterprise's hazards found in one year, recounted on every hazard change: the statistics read these rows
    (one per enterprise and year, with copies of its region and industry) instead of millions of hazards."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="+", verbose_name="企业")
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", db_index=False, verbose_name="属地")
    industry = models.ForeignKey("core.Industry", models.PROTECT, related_name="+", db_index=False, verbose_name="行业分类")
    year = models.PositiveSmallIntegerField("年度")
    general = models.PositiveIntegerField("一般隐患", default=0)
    major = models.PositiveIntegerField("重大隐患", default=0)
    closed = models.PositiveIntegerField("已销号", default=0)

    objects = ScopedQuerySet.on("enterprise", located=True).as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年度隐患汇总"
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="hazard_year_unique")]
        # 隐患统计: SUM(...) GROUP BY region, industry over a jurisdiction's range, read from the index alone.
        indexes = [models.Index(fields=["region", "industry", "year", "general", "major", "closed"], name="hazard_year_counts")]

    def __str__(self):
        return f"{self.year}年隐患汇总（企业 {self.enterprise_id}）"


# ---------------------------------------------------------------------------------------------------------------
# Checklists (自查标准 / 自定义标准), plans (排查计划) and check records (排查记录)


class ChecklistQuerySet(ScopedQuerySet):
    """Custom checklists (and their items) of the enterprises in scope; the guidelines (no enterprise) are everyone's
    and not part of for_user (checklists.visible adds them)."""

    def scope_q(self, user):
        return Q(**{f"{self.enterprise_path}__isnull": False}) & super().scope_q(user)


class ChecklistState(models.TextChoices):
    DRAFT = "draft", "未提交"
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "审核通过"
    RETURNED = "returned", "已退回"


class Checklist(models.Model):
    """A guideline checklist (指引标准, enterprise is empty: maintained by regulators, per industry) or an
    enterprise's own checklist derived from one (自定义标准, approved by its regulator)."""

    name = models.CharField("标准名称", max_length=200)
    industry = models.ForeignKey("core.Industry", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="适用行业")
    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, null=True, blank=True, related_name="checklists",
                                   verbose_name="企业")
    based_on = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="derived", verbose_name="依据指引标准")
    owner = models.ForeignKey("core.Organization", models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name="发布单位")
    state = models.CharField("审核状态", max_length=10, choices=ChecklistState.choices, default=ChecklistState.DRAFT)  # checklists.py moves it
    review_reason = models.CharField("审核意见", max_length=500, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患排查标准"
        ordering = ["enterprise", "name", "id"]

    def __str__(self):
        return self.name

    @property
    def is_guideline(self):
        return self.enterprise_id is None


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, models.CASCADE, related_name="items", verbose_name="排查标准")
    order = models.PositiveIntegerField("序号", default=0)
    section = models.CharField("检查项", max_length=200)
    content = models.TextField("检查内容")
    basis = models.CharField("检查依据", max_length=500, blank=True)
    category = models.ForeignKey(Category, models.PROTECT, null=True, blank=True, db_column="category", related_name="+",
                                 verbose_name="隐患类别")

    objects = ChecklistQuerySet.on("checklist__enterprise").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查标准条目"
        ordering = ["checklist", "order", "id"]

    def __str__(self):
        return f"{self.section}：{self.content[:40]}"


class CheckKind(models.TextChoices):
    DAILY = "daily", "日常排查"
    SPECIAL = "special", "专项排查"
    SEASONAL = "seasonal", "季节性排查"
    HOLIDAY = "holiday", "节假日排查"
    COMPREHENSIVE = "comprehensive", "综合排查"
    RESTART = "restart", "复产复工前排查"
    ANALOGY = "analogy", "事故类比排查"


class CheckPlan(models.Model):
    """排查计划: who checks what (a checklist, or the risk control measures), how often and how."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="check_plans", verbose_name="企业")
    name = models.CharField("计划名称", max_length=200)
    kind = models.CharField("排查方式", max_length=16, choices=CheckKind.choices, default=CheckKind.DAILY)
    checklist = models.ForeignKey(Checklist, models.PROTECT, null=True, blank=True, related_name="plans", verbose_name="排查标准")
    use_measures = models.BooleanField("按风险管控措施排查", default=False)
    department = models.CharField("责任部门", max_length=64, blank=True)
    person = models.CharField("排查责任人", max_length=64)
    frequency_value = models.PositiveSmallIntegerField("排查周期（数值）", default=1, validators=[MinValueValidator(1)])
    frequency_unit = models.CharField("排查周期（单位）", max_length=8, choices=FrequencyUnit.choices, default=FrequencyUnit.MONTH)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    active = models.BooleanField("启用", default=True)
    note = models.CharField("备注", max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患排查计划"
        ordering = ["enterprise", "name", "id"]

    def __str__(self):
        return self.name


class HazardCheck(models.Model):
    """隐患排查记录: one check, item by item."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="hazard_checks", verbose_name="企业")
    plan = models.ForeignKey(CheckPlan, models.SET_NULL, null=True, blank=True, related_name="checks", verbose_name="排查计划")
    checklist = models.ForeignKey(Checklist, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="排查标准")
    kind = models.CharField("排查方式", max_length=16, choices=CheckKind.choices, default=CheckKind.DAILY)
    checked_on = models.DateField("排查日期")
    checker = models.ForeignKey("core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="排查人账号")
    checker_name = models.CharField("排查人", max_length=64)
    note = models.CharField("备注", max_length=500, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    external_id = models.CharField("对接记录编号", max_length=64, blank=True, default="")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患排查记录"
        ordering = ["-checked_on", "-id"]
        constraints = [EXTERNAL_ID_UNIQUE("hazard_check")]
        indexes = [models.Index(fields=["enterprise", "checked_on"], name="hazard_check_enterprise_date")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.checked_on}"


class HazardCheckItem(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", "符合"
        FAIL = "fail", "不符合"

    check_record = models.ForeignKey(HazardCheck, models.CASCADE, related_name="items", verbose_name="排查记录")
    item = models.ForeignKey(ChecklistItem, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="标准条目")
    measure = models.ForeignKey("risks.ControlMeasure", models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name="管控措施")
    text = models.TextField("检查内容")  # kept when the item or measure is later changed or deleted
    result = models.CharField("检查结果", max_length=4, choices=Result.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    photo = models.FileField("照片", upload_to=RandomName("hazards/checks"), blank=True)

    objects = ScopedQuerySet.on("check_record__enterprise").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查记录项"
        ordering = ["check_record", "id"]

    def __str__(self):
        return f"{self.text[:40]}：{self.get_result_display()}"


# ---------------------------------------------------------------------------------------------------------------
# Reporting duty (查报周期, 查报状态) and the periodic reports (隐患排查上报)


class Cycle(models.TextChoices):
    MONTH = "month", "月报"
    QUARTER = "quarter", "季报"
    HALF = "half", "半年报"
    YEAR = "year", "年报"


class ReportingDuty(models.Model):
    """An enterprise's reporting cycle and pauses (暂不上报). No row: 月报, reporting normally."""

    enterprise = models.OneToOneField("archive.Enterprise", models.CASCADE, primary_key=True, related_name="reporting_duty",
                                      verbose_name="企业")
    cycle = models.CharField("查报周期", max_length=8, choices=Cycle.choices, default=Cycle.MONTH)
    paused_from = models.DateField("暂不上报开始日期", null=True, blank=True)
    paused_until = models.DateField("暂不上报结束日期", null=True, blank=True)
    pause_reason = models.CharField("暂不上报原因", max_length=500, blank=True)
    # The period key of the latest report (periods.key): "reported this period" is one comparison.
    last_period = models.CharField("最近上报周期", max_length=8, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患查报设置"

    def __str__(self):
        return f"{self.enterprise_id} {self.get_cycle_display()}"

    def paused_on(self, day):
        return bool(self.paused_from and self.paused_from <= day and (self.paused_until is None or day <= self.paused_until))


class HazardReport(models.Model):
    """隐患排查上报: an enterprise's report for one period of its cycle, with the counts it reported."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, related_name="hazard_reports", verbose_name="企业")
    cycle = models.CharField("查报周期", max_length=8, choices=Cycle.choices)
    period = models.CharField("上报周期", max_length=8)  # periods.key: 2026-11, 2026Q4, 2026H2, 2026
    starts_on = models.DateField("周期开始")
    ends_on = models.DateField("周期结束")
    checks = models.PositiveIntegerField("排查次数", default=0)
    general = models.PositiveIntegerField("一般隐患", default=0)
    major = models.PositiveIntegerField("重大隐患", default=0)
    closed = models.PositiveIntegerField("已整改", default=0)
    open = models.PositiveIntegerField("未整改", default=0)
    note = models.CharField("说明", max_length=500, blank=True)
    submitted_by = models.ForeignKey("core.User", models.SET_NULL, null=True, related_name="+", verbose_name="上报人")
    submitted_at = models.DateTimeField("上报时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "隐患排查上报"
        ordering = ["-starts_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "period"], name="hazard_report_unique_period")]

    def __str__(self):
        return f"{self.period} {self.get_cycle_display()}"


# ---------------------------------------------------------------------------------------------------------------
# Public reports (随手拍)


def new_receipt():
    """A receipt number the reporter keeps to look the report up: 12 characters, no 0/O/1/I to misread."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class PublicReport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待核实"
        ACCEPTED = "accepted", "已受理"
        REJECTED = "rejected", "不予受理"

    receipt = models.CharField("回执编号", max_length=12, unique=True, default=new_receipt)
    enterprise = models.ForeignKey("archive.Enterprise", models.SET_NULL, null=True, blank=True, related_name="public_reports",
                                   verbose_name="涉及企业")
    enterprise_name = models.CharField("涉及单位（举报人填写）", max_length=200, blank=True)
    # The jurisdiction whose regulators verify it: the enterprise's region, or the one the reporter chose.
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="所在地区")
    text = models.TextField("隐患描述")
    location = models.CharField("位置", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    contact = models.CharField("联系方式", max_length=64, blank=True)
    client = models.CharField("来源标识", max_length=64)  # a keyed hash of the client address
    created_at = models.DateTimeField("举报时间", auto_now_add=True)
    status = models.CharField("处理状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField("处理意见", max_length=500, blank=True)
    decided_by = models.ForeignKey("core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="核实人")
    decided_at = models.DateTimeField("核实时间", null=True, blank=True)
    hazard = models.OneToOneField(Hazard, models.SET_NULL, null=True, blank=True, related_name="public_report",
                                  verbose_name="形成的隐患")

    class Meta:
        verbose_name = verbose_name_plural = "随手拍举报"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The regulators' queue: WHERE region_id in a jurisdiction AND status = ? ORDER BY created_at.
            models.Index(fields=["status", "region", "created_at"], name="public_report_queue"),
            # Throttling: WHERE client = ? AND created_at > ?
            models.Index(fields=["client", "created_at"], name="public_report_client"),
        ]

    def __str__(self):
        return f"随手拍 {self.receipt}"


class PublicReportPhoto(models.Model):
    report = models.ForeignKey(PublicReport, models.CASCADE, related_name="photos", verbose_name="举报")
    file = models.FileField("照片", upload_to=RandomName("hazards/public"))

    class Meta:
        verbose_name = verbose_name_plural = "随手拍照片"
        ordering = ["id"]

    def __str__(self):
        return f"随手拍 {self.report.receipt} 的照片"
