"""数据对接 (seed 004): interface subscriptions, their keys and tokens, the call log, and the staging table.

An enterprise applies for the interfaces it needs (ApiSubscription, 待审核 → 已授权 / 已驳回; later 已注销 by the
subscriber or 已吊销 by a regulator); a park or city system is granted a subscription covering its organisation's
region. An approved subscription has a key id (企业标识) and a secret (授权KEY) kept only as a hash; the pair is
exchanged for short-lived tokens (ApiToken). Every call of a subscription is logged (ApiCall), which is also what its
rate limit counts; calls without one are logged up to a bound per client (guard.py).
City systems may instead write into the staging table (StagingRecord, `api_staging`), imported by
`worksafe import_staging` with the same rules as the API.
"""
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from worksafe.core.scoping import ScopedQuerySet, enterprise_q, region_q


class Interface(models.TextChoices):
    RISKS = "risks", "安全风险分级管控清单"
    CHECKS = "checks", "隐患排查记录"
    HAZARDS = "hazards", "隐患排查治理台账"
    MAPS = "maps", "安全风险四色分布图"


class SubscriptionState(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已授权"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已注销"
    REVOKED = "revoked", "已吊销"


STATE_COLORS = {"pending": "orange", "approved": "green", "rejected": "red", "cancelled": "secondary", "revoked": "red"}


class SubscriptionQuerySet(ScopedQuerySet):
    """An enterprise's subscriptions are scoped by their enterprise; an organisation's (a park, a city) by its region:
    a regulator sees those whose region lies in its region's subtree."""

    def scope_q(self, user):
        own = enterprise_q(user, "enterprise")
        if not (user.is_authenticated and user.is_active and user.is_regulator):
            return own
        organisations = Q(organization__isnull=False) & region_q(user.organization.region)
        if user.organization.by_membership:  # a park shares its county's region, not the county's subscriptions
            organisations = Q(organization_id=user.organization_id)
        return (Q(enterprise__isnull=False) & own) | organisations


class ApiSubscription(models.Model):
    """接口订阅: who connects (an enterprise, or a park or city organisation), to which interfaces, in what state."""

    enterprise = models.ForeignKey("archive.Enterprise", models.CASCADE, null=True, blank=True, related_name="api_subscriptions",
                                   verbose_name="订阅企业")
    organization = models.ForeignKey("core.Organization", models.CASCADE, null=True, blank=True, related_name="api_subscriptions",
                                     verbose_name="订阅单位（园区、市县）")
    # The enterprise's region, or the organisation's: what regulators' lists scope on, and (for an organisation)
    # the region whose enterprises the subscription covers.
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="所在地区")
    interfaces = models.JSONField("订阅接口", default=list)
    system_name = models.CharField("对接系统名称", max_length=128)
    vendor = models.CharField("系统建设单位", max_length=128, blank=True)
    contact = models.CharField("联系人", max_length=64)
    phone = models.CharField("联系电话", max_length=20)
    note = models.CharField("申请说明", max_length=500, blank=True)
    staging = models.BooleanField("库表对接", default=False, help_text="市县自建系统通过中间表上传数据")
    # The database role (worksafe staging_role) whose rows in the staging table may act for this subscription.
    staging_role = models.CharField("中间库账号", max_length=63, blank=True)
    state = models.CharField("状态", max_length=10, choices=SubscriptionState.choices, default=SubscriptionState.PENDING)  # workflow.py moves it
    reason = models.CharField("审核意见", max_length=500, blank=True)
    key_id = models.CharField("企业标识", max_length=32, unique=True, null=True, blank=True)
    secret_hash = models.CharField("授权KEY摘要", max_length=64, blank=True)
    # Tokens issued before this moment are void: set when the secret is issued or rotated.
    secret_set_at = models.DateTimeField("授权KEY生成时间", null=True, blank=True)
    applicant = models.ForeignKey("core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="申请人")
    applied_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey("core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="审核人")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接口订阅"
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(enterprise__isnull=True) ^ models.Q(organization__isnull=True),
                                   name="api_subscription_one_subscriber"),
        ]
        indexes = [models.Index(fields=["region", "state"], name="api_subscription_region")]

    def __str__(self):
        return self.system_name

    def get_absolute_url(self):
        return reverse("api:subscription_detail", args=[self.pk])

    @property
    def subscriber(self):
        return self.enterprise or self.organization

    @property
    def state_color(self):
        return STATE_COLORS[self.state]

    @property
    def is_active(self):
        return self.state == SubscriptionState.APPROVED

    def interface_labels(self):
        return [Interface(i).label for i in self.interfaces if i in Interface.values]

    def covers(self):
        """The enterprises this subscription may write to: its own, or those the organisation oversees on the
        subscription's region (as its regulators' scope is: scoping.organization_q)."""
        from worksafe.archive.models import Enterprise
        from worksafe.core.scoping import organization_q

        if self.enterprise_id:
            return Enterprise.objects.filter(pk=self.enterprise_id)
        return Enterprise.objects.filter(organization_q(self.organization, region=self.region))


class ApiToken(models.Model):
    """An access token (kept as its SHA-256 digest), valid until `expires_at` while its subscription stays approved
    and its secret unchanged."""

    subscription = models.ForeignKey(ApiSubscription, models.CASCADE, related_name="tokens", verbose_name="接口订阅")
    digest = models.CharField("令牌摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")

    class Meta:
        verbose_name = verbose_name_plural = "访问令牌"

    def __str__(self):
        return f"访问令牌（订阅 {self.subscription_id}，{timezone.localtime(self.expires_at):%Y-%m-%d %H:%M} 过期）"


class ApiCall(models.Model):
    """调用日志: one call — who, what, how many records, with what result."""

    subscription = models.ForeignKey(ApiSubscription, models.CASCADE, null=True, blank=True, related_name="calls",
                                     verbose_name="接口订阅")
    key_id = models.CharField("企业标识", max_length=32, blank=True)  # as presented, for refused token requests too
    time = models.DateTimeField("调用时间", auto_now_add=True)
    operation = models.CharField("接口", max_length=64)
    method = models.CharField("方法", max_length=8)
    path = models.CharField("路径", max_length=200)
    status = models.PositiveSmallIntegerField("状态码")
    records = models.PositiveIntegerField("记录数", default=0)
    summary = models.JSONField("结果", default=dict, blank=True)  # {"created": n, "updated": n, ...}
    message = models.CharField("说明", max_length=500, blank=True)
    client = models.CharField("来源地址", max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "接口调用日志"
        ordering = ["-time", "-id"]
        indexes = [
            # The subscription's log page and its rate limit: WHERE subscription_id = ? AND time > ?
            models.Index(fields=["subscription", "time"], name="api_call_subscription_time"),
            # Was the per-key-id token limit's; token failures are now counted in the cache (guard.py) and no query
            # reads this any more: a migration may drop it.
            models.Index(fields=["key_id", "time"], name="api_call_key_time"),
        ]

    def __str__(self):
        return f"接口调用 {self.method} {self.path} {self.status}"

    @property
    def ok(self):
        return self.status < 400


class StagingStatus(models.TextChoices):
    PENDING = "pending", "待导入"
    DONE = "done", "已导入"
    FAILED = "failed", "导入失败"


class CurrentUser(models.Func):
    """The database role running the statement: PostgreSQL's CURRENT_USER; '' on SQLite, which has no roles."""

    template = "CURRENT_USER"
    output_field = models.CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "''", []


class StagingRecord(models.Model):
    """中间表 (库表对接): one row a city system inserts — a record in the API's JSON format, or a withdrawal.

    The city's database role may INSERT and SELECT here and nothing else, and only its own rows (row-level security
    on `db_user`, which the database fills in: docs/api.md); the database fills in the other defaults too, so a plain
    INSERT of (key_id, interface, enterprise, external_id, payload) is a complete row. The import accepts a row only
    from the role bound to the key id's subscription: a key id alone (not a secret) cannot act for another system.
    """

    key_id = models.CharField("企业标识", max_length=32)
    interface = models.CharField("接口", max_length=10, choices=Interface.choices)
    action = models.CharField("操作", max_length=10, db_default="upsert", default="upsert",
                              help_text="upsert：新增或更新；withdraw：撤回")
    enterprise = models.CharField("统一社会信用代码", max_length=18)
    external_id = models.CharField("发送方记录编号", max_length=64)
    payload = models.JSONField("记录内容", null=True, blank=True)
    status = models.CharField("导入状态", max_length=10, choices=StagingStatus.choices, db_default="pending",
                              default=StagingStatus.PENDING)
    result = models.CharField("导入结果", max_length=10, blank=True, db_default="", default="")
    reason = models.TextField("失败原因", blank=True, db_default="", default="")
    created_at = models.DateTimeField("写入时间", db_default=Now())
    processed_at = models.DateTimeField("导入时间", null=True, blank=True)
    db_user = models.CharField("写入账号", max_length=63, db_default=CurrentUser(), editable=False)

    class Meta:
        db_table = "api_staging"
        verbose_name = verbose_name_plural = "中间表记录"
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"], name="api_staging_pending")]

    def __str__(self):
        return f"中间表记录 {self.pk}（{self.get_interface_display()}，{self.enterprise}/{self.external_id}）"
