"""Reference data (regions, industries, accident categories), organisations, users and the audit trail."""
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县（区）"
    TOWNSHIP = "township", "乡镇（街道）"


class Region(models.Model):
    """An administrative division, keyed by its GB/T 2260 code (9 digits for townships)."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级")
    # Reference data is deactivated, never deleted while in use (core.refdata): no longer offered for new input.
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def prefix(self):
        """The code prefix shared by this region and everything under it (41, 4101, 410102, 410102001)."""
        if self.level == RegionLevel.PROVINCE:
            return self.code[:2]
        if self.level == RegionLevel.CITY and self.code.endswith("00"):
            return self.code[:4]
        return self.code

    @property
    def is_zone(self):
        """Functional zones (高新区, 经开区 ...) carry 7x as their county digits."""
        return self.level == RegionLevel.COUNTY and self.code[4] == "7"

    @property
    def full_name(self):
        names, r = [], self
        while r is not None:
            names.append(r.name)
            r = r.parent
        return "".join(reversed(names))


class Industry(models.Model):
    """行业分类 from 表1: a two-level tree (非煤矿山 → 尾矿库 ...)."""

    code = models.CharField("代码", max_length=16, primary_key=True)
    name = models.CharField("名称", max_length=64)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级")
    sort = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "行业分类"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class AccidentCategory(models.Model):
    """GB 6441-86 企业职工伤亡事故分类, codes 01–20; `edition` names the standard a category comes from."""

    code = models.CharField("代码", max_length=2, primary_key=True)
    name = models.CharField("名称", max_length=32)
    edition = models.CharField("标准版本", max_length=32, default="GB 6441-1986")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "事故类别（GB 6441）"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class CompetentDepartment(models.Model):
    """主管部门 of 表1 (应急局, 煤炭局 ...): reference data kept on the site (core.refdata). The code is the value
    enterprises stored when this was a fixed list (migration 0014 inserted those)."""

    code = models.CharField("代码", max_length=16, primary_key=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "主管部门"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class OrgLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"


LEVEL_RANK = {OrgLevel.TOWNSHIP: 0, OrgLevel.COUNTY: 1, OrgLevel.CITY: 2, OrgLevel.PROVINCE: 3}


class OrgKind(models.TextChoices):
    BUREAU = "bureau", "应急管理部门"
    DEPARTMENT = "department", "行业主管部门"
    PARK = "park", "园区管理机构"


class Organization(models.Model):
    """A government body: an 应急管理局 at some level, an industry department or a park administration.

    A park on a functional zone's own region code (7x county digits, e.g. 411071) is a region like any other; a park
    on its county's (or city's) region is the explicit set of enterprises in archive.ParkMember (`by_membership`)."""

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类别", max_length=12, choices=OrgKind.choices, default=OrgKind.BUREAU)
    level = models.CharField("级别", max_length=10, choices=OrgLevel.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="管辖区域")
    industries = models.ManyToManyField(
        Industry, blank=True, verbose_name="监管行业", help_text="为空表示监管全部行业；选择上级行业包含其下级。"
    )
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级单位")
    # Never deleted once it has history (accounts, changes, subscriptions): deactivated (core.organizations).
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "监管单位"
        ordering = ["region_id", "name"]

    def __str__(self):
        return self.name

    @property
    def by_membership(self):
        """A park without its own region code: its jurisdiction is its member list, not its region."""
        return self.kind == OrgKind.PARK and not self.region.is_zone


class Side(models.TextChoices):
    """Which side of the system a role works on; with the account's organisation or enterprise it decides what the
    account sees (core.scoping), whatever the role's permissions."""

    GOVERNMENT = "government", "监管端"
    ENTERPRISE = "enterprise", "企业端"
    SYSTEM = "system", "系统管理"  # the 三员: no jurisdiction, no enterprise data


class Duty(models.TextChoices):
    """三员分立 (等保 2.0 level 3): the system-wide administrative permissions fall into three duties that no role
    combines (core.roles.check)."""

    SYSTEM = "system", "系统管理"
    SECURITY = "security", "安全管理"
    AUDIT = "audit", "安全审计"


class Role(models.Model):
    """A role composed by a security administrator from the registered permissions (角色管理). The built-in roles
    (core.roles.BUILTIN) are code, not rows: their permissions are what each module registers for them, so they
    always behave as the code says. An account's `User.role` holds a built-in role's code or a composed role's."""

    # The built-in roles' codes (core.roles.BUILTIN describes them).
    SYSADMIN = "sysadmin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"
    REGULATOR_ADMIN = "regulator_admin"
    REGULATOR = "regulator"
    ENTERPRISE_ADMIN = "enterprise_admin"
    ENTERPRISE_STAFF = "enterprise_staff"
    # Never an account's: the stand-in of 快速登录企业端 (core.impersonation, core.roles.VIEWER).
    ENTERPRISE_VIEWER = "enterprise_viewer"

    code = models.SlugField("代码", max_length=40, unique=True, help_text="英文字母、数字、下划线，创建后不可修改")
    name = models.CharField("名称", max_length=64, unique=True)
    side = models.CharField("适用", max_length=12, choices=Side.choices)
    permissions = models.JSONField("权限", default=list, blank=True)
    description = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    builtin = False

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        ordering = ["side", "name"]

    def __str__(self):
        return self.name

    @property
    def granted(self):
        return frozenset(self.permissions)


class User(AbstractUser):
    """A person. Enterprise administrators log in with their enterprise's 统一社会信用代码 as username."""

    # A built-in role's code or a composed Role's (core.roles.of resolves it; Role rows are few and rarely change).
    role = models.CharField("角色", max_length=40, default=Role.ENTERPRISE_STAFF)
    organization = models.ForeignKey(
        Organization, models.PROTECT, null=True, blank=True, related_name="users", verbose_name="监管单位"
    )
    enterprise = models.ForeignKey(
        "archive.Enterprise", models.CASCADE, null=True, blank=True, related_name="users", verbose_name="企业"
    )
    full_name = models.CharField("姓名", max_length=128, blank=True)
    mobile = models.CharField("手机", max_length=20, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)
    # When the password was last set: one-time passwords and ordinary ones expire from here (core.passwords).
    password_changed_at = models.DateTimeField("密码设置时间", default=timezone.now)
    # Set by `worksafe demo` only: exempt from password change and the second factor, never in production.
    is_demo = models.BooleanField("演示账号", default=False)
    # Kept in step with the user's confirmed TOTP devices (core.second_factor), so no request asks the device table.
    has_second_factor = models.BooleanField("已启用双因素认证", default=False)
    # The bell's figure, read from the row every request loads anyway (no query per page). Written only with F() by
    # core.notify, in the transaction that adds or reads notifications, and recounted when the list is opened; never by
    # a plain save (below), which would write back whatever figure the instance was loaded with.
    unread_notifications = models.PositiveIntegerField("未读通知", default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username

    @property
    def role_info(self):
        """The account's role: core.roles.BUILTIN's entry or the composed Role row (looked up once per code)."""
        cached = self.__dict__.get("_role_info")
        if cached is None or cached[0] != self.role:
            from .roles import of

            cached = self.__dict__["_role_info"] = (self.role, of(self.role))
        return cached[1]

    @property
    def side(self):
        return self.role_info.side

    def get_role_display(self):
        return self.role_info.name

    @property
    def is_regulator(self):
        """A government account: sees the jurisdiction of its organisation (core.scoping)."""
        return self.organization_id is not None and self.side == Side.GOVERNMENT

    @property
    def is_enterprise_user(self):
        return self.enterprise_id is not None and self.side == Side.ENTERPRISE

    @property
    def is_sysadmin(self):
        """Break-glass (is_superuser): sees and may do everything, and every request is logged (core.break_glass).
        The system administrator of 三员分立 is a role (Role.SYSADMIN) and sees no enterprise data."""
        return self.is_superuser

    @property
    def is_exempt(self):
        """A demo account outside production: no forced password change, no second factor."""
        return self.is_demo and not settings.PRODUCTION

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args, **kwargs):
        """A save of an existing account leaves `unread_notifications` alone: the instance's figure may be stale
        (notifications arrive from other requests meanwhile); core.notify keeps it."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name != "unread_notifications"]
        super().save(*args, **kwargs)


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords, so a new one cannot repeat them (settings.PASSWORD_HISTORY)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"历史密码（用户 {self.user_id}，{timezone.localtime(self.created_at):%Y-%m-%d}）"


class LoginThrottle(models.Model):
    """Failed logins counted per (account, client), and per address across accounts (username "").

    `client` is a keyed hash (core.clients): of the address and the device cookie for an account's row, of the
    address alone for the address's row. An account's row locks that pair only (`locked_until`); the address's row
    only slows the address down (core.login_guard). Cleared by expiry, by a successful login of the pair, or by an
    administrator's audited unlock.
    """

    username = models.CharField("用户名", max_length=150, blank=True)
    client = models.CharField("客户端", max_length=32)
    failures = models.PositiveIntegerField("失败次数", default=0)
    first_failure = models.DateTimeField("首次失败")
    last_failure = models.DateTimeField("最近失败")
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录失败计数"
        constraints = [models.UniqueConstraint(fields=["username", "client"], name="login_throttle_pair")]
        # The login log's list of locks: WHERE locked_until > now.
        indexes = [models.Index(fields=["locked_until"], name="login_throttle_locked")]

    def __str__(self):
        return f"登录失败计数 {self.username}" if self.username else "登录失败计数（按地址）"


class UserSession(models.Model):
    """One logged-in session of a user, so the user can see and end them (the session store cannot be searched by
    user). Rows come and go with login and logout (core.sessions); a row whose session expired is dropped when
    the list is read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField("登录时间", default=timezone.now)
    last_seen = models.DateTimeField("最近活动", default=timezone.now)
    address = models.CharField("IP 地址", max_length=64, blank=True)
    user_agent = models.CharField("浏览器", max_length=255, blank=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"登录会话（{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} 登录，{self.address or '地址未知'}）"


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    IMPORT = "import", "导入"
    RESET_PASSWORD = "reset_password", "重置密码"
    SUBMIT = "submit", "提交审核"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回"
    MOVE_REGION = "move_region", "属地调整"
    SET_TYPE = "set_type", "类型设置"
    REVOKE_CODE = "revoke_code", "二维码作废"
    TRANSITION = "transition", "流程操作"
    EXPORT = "export", "导出"
    UNLOCK = "unlock", "解除锁定"
    RESET_OTP = "reset_otp", "重置双因素认证"
    REVOKE_SESSION = "revoke_session", "注销会话"
    TAKE_RESULT = "take_result", "下载一次性结果"
    BREAK_GLASS = "break_glass", "超级管理员操作"
    VIEW_AS = "view_as", "企业端查看"  # 快速登录企业端: a regulator's read-only page view (core.impersonation)
    MERGE = "merge", "合并"


# Records of reading, not of changing (downloads, a regulator's look at the enterprise side): in the operation log and
# the archive's history, never among "recent changes" or the changes a reviewer is shown.
NOT_CHANGES = (AuditAction.EXPORT, AuditAction.VIEW_AS)


class ChangeRecord(models.Model):
    """One change to one record: who, when, what, and the fields before and after.

    `enterprise` is the archive the change belongs to; `region_code` its jurisdiction, which scopes the regulators'
    list of changes (kept current when the archive moves, see audit._saved; the last one once it is deleted).
    """

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="操作用户")
    user_name = models.CharField("操作用户", max_length=150, blank=True)
    request_id = models.CharField("请求", max_length=32, blank=True)
    action = models.CharField("操作类型", max_length=20, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, models.PROTECT, verbose_name="对象类型")
    object_id = models.CharField("对象ID", max_length=64)
    object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField("对象", max_length=200)
    # No database constraint: the history of a deleted enterprise stays, still scoped by `region_code`.
    enterprise = models.ForeignKey(
        "archive.Enterprise", models.DO_NOTHING, null=True, blank=True, db_index=False, db_constraint=False,
        related_name="changes", verbose_name="企业",
    )
    region_code = models.CharField("属地", max_length=12, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "变更记录"
        ordering = ["-time", "-id"]
        indexes = [
            # The enterprise history tab: WHERE enterprise_id = ? ORDER BY time DESC
            models.Index(fields=["enterprise", "-time"], name="change_enterprise_time"),
            models.Index(fields=["content_type", "object_id"], name="change_object"),
            # The regulator's change list: WHERE region_code BETWEEN ? AND ? ORDER BY time DESC
            models.Index(fields=["region_code", "-time"], name="change_region_time"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    @property
    def changed_fields(self):
        """[(verbose name, before, after)] in readable form, for the fields that differ."""
        from .display import display_value

        before, after = self.before or {}, self.after or {}
        model = self.content_type.model_class()
        # A model whose values are not plain columns (a registration table's JSON) describes its own changes.
        described = model.describe_changes(self) if hasattr(model, "describe_changes") else None
        if described is not None:
            return described
        fields = {f.attname: f for f in model._meta.concrete_fields} if model else {}
        # Snapshots taken when a foreign key was still a plain column (主管部门, 隐患类别) name it by its column.
        fields.update({f.column: f for f in (model._meta.concrete_fields if model else ()) if f.column not in fields})
        rows = []
        for key in [k for k in {**before, **after} if before.get(k) != after.get(k)]:
            field = fields.get(key)
            if field is not None and field.primary_key:
                continue
            if field is None:
                rows.append((key, before.get(key), after.get(key)))
            else:
                related = getattr(self, "related_names", None)
                old, new = display_value(field, before.get(key), related), display_value(field, after.get(key), related)
                if old != new:
                    rows.append((field.verbose_name, old, new))
        return rows


class JobState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """One piece of long work a user started (core.jobs): what it is, how far it got, and what it produced.

    The task queue (django-tasks) only says "run job X"; this row is what the user watches. The worker writes
    `done`/`total`/`heartbeat` as it goes, the result file when it finishes, `error` (Chinese) when it fails. The id
    is a UUID: job pages are the owner's alone (404 for anyone else), and ids do not tell how many jobs there are.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="jobs", verbose_name="发起人")
    kind = models.CharField("类型", max_length=64)
    label = models.CharField("任务", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    state = models.CharField("状态", max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", null=True, blank=True)
    step = models.CharField("当前步骤", max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat = models.DateTimeField("最近心跳", null=True, blank=True)
    expires_at = models.DateTimeField("结果保留至", null=True, blank=True)
    result = models.FileField("结果文件", upload_to="jobs/%Y/%m/", blank=True, max_length=200)
    result_name = models.CharField("结果文件名", max_length=200, blank=True)
    result_type = models.CharField("结果类型", max_length=100, blank=True)
    # A secret result (one-time passwords) is stored encrypted and deleted at its first download.
    result_secret = models.BooleanField("一次性结果", default=False)
    result_taken_at = models.DateTimeField("结果下载时间", null=True, blank=True)
    summary = models.TextField("结果说明", blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [
            # The owner's job list, newest first.
            models.Index(fields=["owner", "-created_at"], name="job_owner_created"),
            # The sweep and /healthz: WHERE state = 'running' AND heartbeat < ?; WHERE state = 'queued' ORDER BY created
            models.Index(fields=["state", "heartbeat"], name="job_state_heartbeat"),
            models.Index(fields=["expires_at"], name="job_expires"),
        ]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:job_detail", args=[self.pk])

    @property
    def finished(self):
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self):
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    @property
    def has_result(self):
        return bool(self.result) and self.result_taken_at is None

    @property
    def elapsed(self):
        """"1 分 05 秒" since the job started (until it finished), or ""."""
        if self.started_at is None:
            return ""
        seconds = int(((self.finished_at or timezone.now()) - self.started_at).total_seconds())
        minutes, seconds = divmod(max(0, seconds), 60)
        return f"{minutes} 分 {seconds:02d} 秒" if minutes else f"{seconds} 秒"
class Notification(models.Model):
    """One message to one user (core.notify): what happened, where to look, whether it was read.

    `kind` is one of core.notify's registered kinds (the list filters by it); `link` a path on this site; the object
    it concerns, when there is one, is kept as a generic reference (content type and id)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name="接收人")
    kind = models.CharField("类型", max_length=40)
    text = models.CharField("内容", max_length=500)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    content_type = models.ForeignKey(ContentType, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="对象类型")
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list and its unread tab: WHERE recipient_id = ? [AND read_at IS NULL] ORDER BY created_at DESC;
            # the recount: COUNT(*) WHERE recipient_id = ? AND read_at IS NULL.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self):
        return self.text[:50]


class NotificationDelivery(models.Model):
    """One attempt to send a notification beyond the site (e-mail, the SMS/WeChat gateway), successful or not: the
    job queue writes one row per attempt, so a message that never arrived can be traced (admin site)."""

    class Channel(models.TextChoices):
        EMAIL = "email", "电子邮件"
        GATEWAY = "gateway", "短信/微信网关"

    notification = models.ForeignKey(Notification, models.CASCADE, related_name="deliveries", verbose_name="通知")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    attempt = models.PositiveSmallIntegerField("第几次")
    ok = models.BooleanField("成功")
    status = models.PositiveSmallIntegerField("HTTP 状态", null=True, blank=True)
    detail = models.CharField("响应或错误", max_length=500, blank=True)
    time = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "通知发送记录"
        ordering = ["-time", "-id"]

    def __str__(self):
        return f"{self.get_channel_display()} 第{self.attempt}次（{'成功' if self.ok else '失败'}）"
class TileSnapshot(models.Model):
    """A home page tile's value for one organisation on one day (`worksafe snapshot_tiles`, nightly): the home page
    shows each tile's change against the snapshot of 7 days earlier (core/home.py)."""

    # No index of its own: the unique constraint leads with it.
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="+", db_index=False, verbose_name="监管单位")
    key = models.CharField("指标", max_length=64)
    date = models.DateField("日期")
    value = models.DecimalField("数值", max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "首页指标快照"
        # The home page: WHERE organization_id = ? AND date BETWEEN ? AND ? (every key of one week's days).
        constraints = [models.UniqueConstraint(fields=["organization", "date", "key"], name="tile_snapshot_unique")]

    def __str__(self):
        return f"{self.organization_id} {self.key} {self.date}: {self.value}"


class WorkflowSetting(models.Model):
    """An administrator's value for a workflow setting a module declared (core/workflow_settings.py): a time limit or
    the approver of a step. Only the values that differ from the declared default are rows; 恢复默认 deletes the row.
    Audited (who changed which setting from what to what)."""

    key = models.CharField("设置项", max_length=64, unique=True)
    value = models.CharField("设置值", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "流程设置"
        ordering = ["key"]

    def __str__(self):
        return self.key
