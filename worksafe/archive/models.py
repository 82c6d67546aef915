"""一企一档: the enterprise (表1), its secondary units and key supervision items (表2), and archive review."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from worksafe.core.models import AccidentCategory, CompetentDepartment, Industry, OrgLevel, Region
from worksafe.core.risk_levels import ORDER, RiskLevel, grade
from worksafe.core.scoping import ScopedQuerySet
from worksafe.core.validators import validate_mobile, validate_phone, validate_uscc


class YesNoNA(models.TextChoices):
    YES = "yes", "是"
    NO = "no", "否"
    NA = "na", "不涉及"


class ReviewState(models.TextChoices):
    DRAFT = "draft", "未提交"
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "审核通过"
    RETURNED = "returned", "已退回"


REVIEW_COLORS = {"draft": "secondary", "submitted": "orange", "approved": "green", "returned": "red"}


RISK_SUMMARY_FIELDS = ("risk_grade", "risk_major", "risk_high", "risk_medium", "risk_low")


class Enterprise(models.Model):
    """A 生产经营单位 with the fields of 表1 企业基本信息表."""

    name = models.CharField("企业名称", max_length=128)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc])
    legal_representative = models.CharField("法定代表人", max_length=64)
    legal_representative_mobile = models.CharField("法定代表人手机", max_length=11, validators=[validate_mobile])
    address = models.CharField("单位地址", max_length=255, help_text="注册地址，同营业执照")
    founded_on = models.DateField("成立时间", null=True, blank=True)
    business_license = models.CharField("营业执照", max_length=64, blank=True, help_text="营业执照编号或登记机关")
    industry = models.ForeignKey(Industry, models.PROTECT, verbose_name="行业分类")
    # Its column keeps the name and the codes it had as a fixed list (core.CompetentDepartment's primary key).
    competent_department = models.ForeignKey(CompetentDepartment, models.PROTECT, db_column="competent_department",
                                             related_name="+", verbose_name="主管部门")
    staff_count = models.PositiveIntegerField("职工总数", default=0)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="所在县区", db_index=False)
    fixed_assets = models.DecimalField(
        "固定资产（万元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    floor_area = models.DecimalField(
        "总建筑面积（㎡）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    industry_type_note = models.CharField("企业所属行业及类型", max_length=255, blank=True, help_text="由企业自行填写")
    subordinate_units = models.CharField("所辖单位", max_length=255, blank=True, help_text="下属子公司或控股单位")
    safety_office_name = models.CharField("安全管理机构名称", max_length=128, blank=True)
    safety_office_phone = models.CharField("安全管理机构电话", max_length=32, blank=True, validators=[validate_phone])
    safety_head = models.CharField("安全管理机构负责人", max_length=64, blank=True)
    safety_head_mobile = models.CharField("安全管理机构负责人手机", max_length=11, blank=True, validators=[validate_mobile])
    duty_phone = models.CharField("值班电话", max_length=32, blank=True, validators=[validate_phone])
    fulltime_safety_staff = models.PositiveIntegerField("专职安全管理人员数", default=0)
    parttime_safety_staff = models.PositiveIntegerField("兼职安全管理人员数", default=0)
    has_major_hazard_source = models.BooleanField("是否有危化品重大危险源", default=False)
    risk_identified = models.BooleanField("是否进行风险辨识", default=False)
    major_hazard_filed = models.CharField("危化品重大危险源是否备案", max_length=3, choices=YesNoNA.choices, default=YesNoNA.NA)
    longitude = models.DecimalField(
        "经度", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        "纬度", max_digits=8, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    # 风险分级管控 in one row: the most severe level of the enterprise's risk events and the count per level, kept
    # by risks.summary whenever events change (derived, so neither edited nor audited), for lists, filters, stats.
    risk_grade = models.CharField("安全风险等级", max_length=8, choices=RiskLevel.choices, blank=True)
    risk_major = models.PositiveIntegerField("重大风险数", default=0)
    risk_high = models.PositiveIntegerField("较大风险数", default=0)
    risk_medium = models.PositiveIntegerField("一般风险数", default=0)
    risk_low = models.PositiveIntegerField("低风险数", default=0)
    review_state = models.CharField("审核状态", max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT)  # review.py moves it
    review_reason = models.CharField("退回原因", max_length=500, blank=True)
    # 分级负责 (seed 000 二(二)): the level that supervises the enterprise — it owns the archive review and its 待办 —
    # and, where set, the industry department. Changed only by an approved SupervisionChange (supervision.py).
    supervision_level = models.CharField("负责监管层级", max_length=10, choices=OrgLevel.choices, default=OrgLevel.COUNTY,
                                         editable=False)
    supervising_department = models.ForeignKey("core.Organization", models.PROTECT, null=True, blank=True, editable=False,
                                               related_name="supervised_enterprises", verbose_name="负责监管的行业部门")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.on("").as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "生产经营单位"
        ordering = ["region_id", "name"]
        indexes = [
            # Jurisdiction scans: WHERE region_id >= ? AND region_id < ? ORDER BY region_id, name, id. With id the
            # index gives the list's whole order (and deep pages their ids, listing.Paginator); with uscc too, the
            # COUNT of a keyword search (name LIKE / uscc LIKE) is answered from the index alone (bench/).
            models.Index(fields=["region", "name", "id", "uscc"], name="enterprise_region_name"),
            # ... AND industry_id IN (...) [AND name LIKE ?]: an industry department's list and its keyword search.
            models.Index(fields=["industry", "region", "name"], name="enterprise_industry_region"),
            models.Index(fields=["review_state", "region"], name="enterprise_review_region"),
            # 企业统计: GROUP BY region_id, industry_id / review_state, and the size bands' COUNT(staff_count)
            # FILTER (...) GROUP BY region_id, all read from this index in its order (views_stats, bench/).
            models.Index(fields=["region", "industry", "review_state", "staff_count"], name="enterprise_stats"),
            # 按风险等级筛选: WHERE risk_grade = ? AND region_id in a jurisdiction.
            models.Index(fields=["risk_grade", "region"], name="enterprise_risk_region"),
            # 风险统计: SUM(risk_major …) GROUP BY region_id, industry_id, risk_grade read from the index alone
            # (province on SQLite ~1.1 s → ~0.14 s, bench/risks.py).
            models.Index(fields=["region", "industry", "risk_grade", "risk_major", "risk_high", "risk_medium", "risk_low"],
                         name="enterprise_risk_stats"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:enterprise_detail", args=[self.pk])

    @property
    def risk_level(self):
        """The overall risk level as pages, the QR code's public tier and placards show it (None: not graded)."""
        return grade(self.risk_grade)

    @property
    def risk_counts(self):
        """[(Grade, count)] from 重大 to 低."""
        return [(grade(level), getattr(self, f"risk_{level}")) for level in ORDER]

    @property
    def review_color(self):
        return REVIEW_COLORS[self.review_state]


class ParkMember(models.Model):
    """An enterprise (or one of its secondary units) inside a park that has no region code of its own: the park's
    jurisdiction (core.scoping joins on it), chosen by the county or city above the park (parks.py)."""

    park = models.ForeignKey("core.Organization", models.CASCADE, related_name="park_members", verbose_name="园区")
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="park_memberships", verbose_name="企业")
    secondary_unit = models.ForeignKey("SecondaryUnit", models.SET_NULL, null=True, blank=True, related_name="+",
                                       verbose_name="入园的二级单位", help_text="为空表示企业整体在园区内")
    added_at = models.DateTimeField("加入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "园区企业"
        ordering = ["park", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["park", "enterprise"], name="park_member_unique")]

    def __str__(self):
        return f"{self.park}：{self.enterprise}"


class ChangeState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    WITHDRAWN = "withdrawn", "已撤回"


class SupervisionChange(models.Model):
    """A request to change who supervises an enterprise (分级负责), reviewed by a level above both (supervision.py)."""

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="supervision_changes", verbose_name="企业")
    from_level = models.CharField("原负责层级", max_length=10, choices=OrgLevel.choices)
    to_level = models.CharField("新负责层级", max_length=10, choices=OrgLevel.choices)
    from_department = models.ForeignKey("core.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                                        verbose_name="原行业部门")
    to_department = models.ForeignKey("core.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name="新行业部门")
    reason = models.CharField("调整理由", max_length=500)
    state = models.CharField("状态", max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING)
    requested_by = models.ForeignKey("core.User", models.SET_NULL, null=True, related_name="+", verbose_name="申请人")
    requester_name = models.CharField("申请人", max_length=150)
    requester_level = models.CharField("申请单位级别", max_length=10, choices=OrgLevel.choices)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey("core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="审批人")
    decider_name = models.CharField("审批人", max_length=150, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    comment = models.CharField("审批意见", max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "负责层级调整"
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise"], condition=models.Q(state="pending"),
                                               name="supervision_change_one_pending")]

    def __str__(self):
        return f"{self.enterprise}：{self.get_from_level_display()} → {self.get_to_level_display()}"


class ArchiveReview(models.Model):
    """One step of the review workflow, kept as a row (who, when, from which state to which, why)."""

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="reviews", verbose_name="企业")
    source = models.CharField("原状态", max_length=10, choices=ReviewState.choices)
    target = models.CharField("新状态", max_length=10, choices=ReviewState.choices)
    reason = models.CharField("意见", max_length=500, blank=True)
    actor = models.ForeignKey("core.User", models.SET_NULL, null=True, related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人", max_length=150)
    time = models.DateTimeField("时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "档案审核记录"
        ordering = ["-time", "-id"]

    def __str__(self):
        return f"档案审核（{self.get_source_display()}→{self.get_target_display()}，{self.actor_name}）"


class SecondaryUnit(models.Model):
    """二级生产经营单位: a mine, a transport division ... of an enterprise, without its own licence."""

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="secondary_units", verbose_name="所属企业")
    name = models.CharField("单位名称", max_length=128)
    industry = models.ForeignKey(Industry, models.PROTECT, verbose_name="行业分类")
    # Its column keeps the name and the codes it had as a fixed list (core.CompetentDepartment's primary key).
    competent_department = models.ForeignKey(CompetentDepartment, models.PROTECT, db_column="competent_department",
                                             related_name="+", verbose_name="主管部门")
    principal = models.CharField("负责人", max_length=64, blank=True)
    principal_mobile = models.CharField("负责人手机", max_length=11, blank=True, validators=[validate_mobile])
    address = models.CharField("地址", max_length=255, blank=True)
    note = models.CharField("备注", max_length=255, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "二级生产经营单位"
        ordering = ["enterprise", "name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="secondary_unit_unique_name")]

    def __str__(self):
        return self.name


class KeySupervisionItem(models.Model):
    """A row of 表2 重点监管信息表: a facility or activity with its area, risk type and controls."""

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="key_items", verbose_name="企业")
    seq = models.PositiveIntegerField("序号", default=1)
    name = models.CharField("设施设备名称或作业活动名称", max_length=128)
    area = models.CharField("所在区域", max_length=128)
    accident_category = models.ForeignKey(AccidentCategory, models.PROTECT, verbose_name="风险类型")
    procedure = models.CharField("危险工序", max_length=128, blank=True)
    location = models.CharField("具体部位", max_length=128, blank=True)
    department = models.CharField("行业管理部门", max_length=64, blank=True)
    controlled = models.BooleanField("是否受控状态", default=True)
    is_major_hazard_source = models.BooleanField("是否构成重大危险源", default=False)
    has_emergency_plan = models.BooleanField("是否制定应急预案", default=False)
    monitoring = models.CharField("关键监测监控措施", max_length=255, blank=True)
    reviewer = models.CharField("审核人姓名", max_length=64, blank=True)
    responsible_contact = models.CharField("责任部门和责任人联系方式", max_length=128, blank=True)
    note = models.CharField("备注", max_length=255, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "重点监管信息"
        ordering = ["enterprise", "seq", "id"]

    def __str__(self):
        return self.name
