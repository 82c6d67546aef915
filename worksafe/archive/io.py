"""xlsx import and export of enterprises (表1), on the shared column spec of worksafe.core.xlsx.

The import is all-or-nothing: every row is parsed, looked up and validated with the model's field validators
first (reference data and the existing enterprises are loaded in a few queries, never per row), and only a
file without a single error is written, in one transaction, with bulk inserts and updates. Rows are matched
on the 统一社会信用代码: existing enterprises are updated, new ones created together with their enterprise
administrator account and a one-time password. Bulk writes bypass the audit signals, so the ChangeRecords
are built here with `audit.record` and bulk-created too.
"""
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from worksafe.core import audit, imports, passwords, permissions, refdata
from worksafe.core.display import region_label
from worksafe.core.models import AuditAction, ChangeRecord, CompetentDepartment, Industry, Region, RegionLevel, Role, User
from worksafe.core.scoping import regions_for, supervised_industries
from worksafe.core.validators import normalize_uscc
from worksafe.core.xlsx import Column, Spec, cell_text, human_size

from . import review, signals
from .forms import county_regions
from .models import ArchiveReview, Enterprise, ReviewState

CHUNK = 1000
OUT_OF_JURISDICTION = "不在您的管辖范围内"
OUT_OF_INDUSTRIES = "不在您的监管行业范围内"
FOREIGN_ENTERPRISE = "该统一社会信用代码的企业已存在，但不在您的管辖范围内，不能通过导入修改"
USERNAME_TAKEN = "已有以该代码为用户名的账号，无法为新企业创建企业管理员账号"
REVIEW_AGAIN = "已审核档案被导入修改，重新待审"


def _region_choices(context):
    user = (context or {}).get("user")
    if user is None:
        qs = Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.CITY]).exclude(code__endswith="00")
    else:
        qs = county_regions(user)  # the form's choices (a township regulator gets its townships)
    return [(r.code, region_label(r)) for r in qs.order_by("code")]


def _industry_choices(context):
    user = (context or {}).get("user")
    allowed = _allowed_industries(user) if user is not None else None
    return [(i.code, i.name) for i in Industry.objects.all() if allowed is None or i.code in allowed]


def _allowed_industries(user):
    """The industry codes `user` supervises, or None for all (as in scoping.enterprise_q)."""
    if user.is_sysadmin or not user.is_regulator:
        return None
    return supervised_industries(user.organization) or None


def _parse_uscc(value):
    return normalize_uscc(cell_text(value))


def _col(name, **overrides):
    return Column.for_field(Enterprise, name, **overrides)


ENTERPRISE_SPEC = Spec(
    [
        _col("name", example="郑州宏达机械有限公司"),
        _col("uscc", parse=_parse_uscc, width=22, example="91410105MA44ABCD1P", format_help="18位代码（数字和大写字母）",
             help="18位，GB 32100。用于识别企业：系统中已有的企业按本行更新，没有的新增并创建企业管理员账号（用户名即此代码）"),
        _col("legal_representative", example="张伟"),
        _col("legal_representative_mobile", format_help="11位手机号码", example="13800000000"),
        _col("address", width=36),
        _col("founded_on", example="2010-05-20"),
        _col("business_license"),
        _col("industry", choices=_industry_choices, strict=False, width=20, format=lambda e: e.industry.name,
             format_help="从下拉列表选择（也可填写行业代码）", example="机械"),
        _col("competent_department", choices=lambda context: refdata.active_choices(CompetentDepartment, blank=None),
             format=lambda e: e.competent_department.name, format_help="从下拉列表选择（也可填写代码）", width=12, example="应急局"),
        _col("staff_count"),
        _col("region", choices=_region_choices, strict=False, width=24, format=lambda e: region_label(e.region),
             format_help="从下拉列表选择，或填写区划代码", example="金水区（410105）",
             help="县（区）级区划；也可填写辖区内乡镇（街道）的9位区划代码"),
        _col("fixed_assets"),
        _col("floor_area"),
        _col("industry_type_note", width=24),
        _col("subordinate_units", width=24),
        _col("safety_office_name"),
        _col("safety_office_phone", format_help="电话号码", example="0371-12345678"),
        _col("safety_head"),
        _col("safety_head_mobile", format_help="11位手机号码"),
        _col("duty_phone", format_help="电话号码", example="0371-12345678"),
        _col("fulltime_safety_staff"),
        _col("parttime_safety_staff"),
        _col("has_major_hazard_source"),
        _col("risk_identified"),
        _col("major_hazard_filed"),
        _col("longitude", format_help="-180～180，保留 6 位小数", example="113.665412"),
        _col("latitude", format_help="-90～90，保留 6 位小数", example="34.757975"),
        _col("review_state", export_only=True, required=False, help="仅导出，导入时忽略"),
    ],
    key="uscc",
    title="生产经营单位",
    notes=[
        "第一行是表头，请勿修改列名（列的顺序可以调整）。从第二行起每行填写一家企业，空行会被忽略。",
        "表头为红色的列必填；带下拉列表的列请从列表中选择。",
        "按“统一社会信用代码”识别企业：系统中已有的企业按本表更新（留空的选填项将被清空或取默认值），"
        "没有的企业将被新增，并创建企业管理员账号（用户名为统一社会信用代码）。新增企业的文件在后台任务中导入，"
        "各账号的一次性密码作为任务结果文件（xlsx）只能下载一次，首次登录须修改。",
        "所在县区和行业分类须在您的管辖范围和监管行业之内。已审核通过的档案被修改后，将重新进入待审核状态。",
        "任何一行有错误时整个文件都不会导入；请按错误提示（第N行 字段: 原因）修改后重新上传。",
        lambda: f"文件须为 .xlsx 格式，不超过 {human_size(settings.IMPORT_MAX_BYTES)}，数据不超过 {settings.IMPORT_MAX_ROWS} 行。",
    ],
)

IMPORT_FIELDS = [c.field for c in ENTERPRISE_SPEC.import_columns]
# Fields checked by the lookups instead of the model (which would run a query per row for each).
LOOKUP_FIELDS = {"region", "industry", "competent_department"}
NOT_VALIDATED = {f.name for f in Enterprise._meta.concrete_fields if f.name not in IMPORT_FIELDS} | LOOKUP_FIELDS


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # RowError: .row, .field, .message; str() = 第N行 字段: 原因
    accounts: list = field(default_factory=list)  # (username, one-time password) of the new administrators
    names: dict = field(default_factory=dict)  # username → enterprise name

    @property
    def ok(self):
        return not self.errors

    @property
    def account_rows(self):
        return [(username, self.names.get(username, ""), password) for username, password in self.accounts]


class _Lookups:
    """Regions and industries loaded once per import, with the importer's jurisdiction, as cell parsers."""

    CODE_IN_LABEL = re.compile(r"^(.*?)\s*[（(]\s*(\d{6,12})\s*[）)]$")

    def __init__(self, user):
        self.regions = {r.code: r for r in Region.objects.only("code", "name", "level")}
        self.regions_by_name = defaultdict(list)
        for r in self.regions.values():
            self.regions_by_name[r.name].append(r)
        self.allowed_regions = set(regions_for(user).values_list("code", flat=True))
        industries = list(Industry.objects.all())
        self.industries = {i.code: i for i in industries}
        self.industries_by_name = defaultdict(list)
        for i in industries:
            self.industries_by_name[i.name].append(i)
            if i.parent_id:
                parent = next((p for p in industries if p.code == i.parent_id), None)
                if parent:
                    self.industries_by_name[f"{parent.name}-{i.name}"].append(i)
        self.allowed_industries = _allowed_industries(user)
        self.departments = refdata.Lookup(CompetentDepartment)

    def department(self, value):
        """A 主管部门 by name or code; a deactivated one is checked against what the row held (_validate)."""
        code, _ = self.departments.resolve(cell_text(value), current=cell_text(value))
        if code is None:
            raise ValueError(f"应为以下之一：{'、'.join(o.name for o in self.departments.active)}")
        return self.departments.rows[code]

    @staticmethod
    def placeable(region):
        """Enterprises sit in a county-level division (zones, 济源 included) or a township under one."""
        if region.level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
            return True
        return region.level == RegionLevel.CITY and not region.code.endswith("00")

    def region(self, value):
        text = cell_text(value)
        match = self.CODE_IN_LABEL.match(text)
        name, code = (match.group(1).strip(), match.group(2)) if match else (None, text) if text.isdigit() else (text, None)
        if code is not None:
            region = self.regions.get(code)
            if region is None:
                raise ValueError(f"未找到区划代码 {code}")
            if name and name != region.name:
                raise ValueError(f"区划名称与代码不符（{code} 是 {region.name}）")
        else:
            candidates = [r for r in self.regions_by_name.get(name, ()) if self.placeable(r)]
            mine = [r for r in candidates if r.code in self.allowed_regions]
            if len(mine) == 1 or len(candidates) == 1:
                region = (mine or candidates)[0]
            elif not candidates:
                raise ValueError("未找到该区划，请从下拉列表选择")
            elif not mine:
                raise ValueError(OUT_OF_JURISDICTION)
            else:
                raise ValueError("区划名称不唯一，请从下拉列表选择或填写区划代码")
        if not self.placeable(region):
            raise ValueError("应为县（区）或乡镇（街道），不能是省、市")
        if region.code not in self.allowed_regions:
            raise ValueError(OUT_OF_JURISDICTION)
        return region

    def industry(self, value):
        text = re.sub(r"\s+", "", cell_text(value))
        found = (self.industries.get(text) or self.industries.get(text.zfill(2))) if text.isdigit() else None
        if found is None:
            candidates = self.industries_by_name.get(text, ())
            if len(candidates) > 1:
                raise ValueError("行业名称不唯一，请填写行业代码")
            if not candidates:
                raise ValueError("未找到该行业分类，请从下拉列表选择")
            found = candidates[0]
        if self.allowed_industries is not None and found.code not in self.allowed_industries:
            raise ValueError(OUT_OF_INDUSTRIES)
        return found


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def import_enterprises(uploaded_file, user, progress=imports.QUIET, defer_accounts=False):
    """Import an uploaded xlsx of enterprises for `user`; nothing is written unless the whole file is valid.

    `defer_accounts` (the import page, in the request): a valid file with new enterprises raises imports.RunAsJob
    before writing, as their administrators' one-time passwords are handed out only as a job's once-only result."""
    if not permissions.can_add_enterprise(user):
        raise PermissionDenied
    lookups = _Lookups(user)
    rows, errors = ENTERPRISE_SPEC.read(uploaded_file, parsers={"region": lookups.region, "industry": lookups.industry,
                                                                     "competent_department": lookups.department})
    result = ImportResult(errors=errors)
    if rows:
        creates, updates, result.unchanged = _validate(rows, user, errors, progress)
        if not errors:
            if creates and defer_accounts:
                raise imports.RunAsJob
            progress.step("正在写入数据库")
            try:
                _write(creates, updates, user, result)
            except IntegrityError:
                # Someone created one of these enterprises or accounts while we were validating.
                result.accounts, result.names = [], {}
                result.errors = [ENTERPRISE_SPEC.error(None, "", "导入期间数据已被修改（统一社会信用代码或账号重复），未导入任何数据，请重新导入")]
    result.errors.sort(key=lambda e: e.sort_key)
    return result


def _validate(rows, user, errors, progress):
    """Check the parsed rows against the database and the model; return (creates, updates, unchanged)."""
    spec = ENTERPRISE_SPEC
    progress.progress(0, len(rows), step="正在校验")
    first_row = spec.check_duplicates(rows, errors)  # uscc → the row it first appears on

    existing, visible, taken = {}, set(), set()
    for chunk in _chunks(first_row):
        existing.update((e.uscc, e) for e in Enterprise.objects.filter(uscc__in=chunk))
        visible.update(Enterprise.objects.for_user(user).filter(uscc__in=chunk).values_list("uscc", flat=True))
    for chunk in _chunks(code for code in first_row if code not in existing):
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))

    creates, updates, unchanged = [], [], 0
    for done, row in enumerate(rows, 1):
        progress.progress(done)
        code = None if "uscc" in row.failed else row.get("uscc")
        current = existing.get(code)
        if current is not None and code not in visible:
            # Say no more than that: the enterprise's data stays out of reach.
            errors.append(spec.error(row.number, "uscc", FOREIGN_ENTERPRISE))
            continue
        if current is None and code in taken:
            errors.append(spec.error(row.number, "uscc", USERNAME_TAKEN))
            continue
        obj = current if current is not None else Enterprise()
        before = audit.snapshot(obj) if current is not None else None
        held = obj.competent_department_id
        for name in IMPORT_FIELDS:
            if name in row:
                setattr(obj, name, row[name])
        department = row.get("competent_department")
        if department is not None and not department.is_active and department.pk != held:
            errors.append(spec.error(row.number, "competent_department", f"“{department.name}”已停用，不能用于新录入"))
            continue
        try:
            obj.clean_fields(exclude=NOT_VALIDATED | row.failed)
        except ValidationError as e:
            for name, messages in e.message_dict.items():
                errors.append(spec.error(row.number, name, "；".join(messages)))
            continue
        if row.failed:
            continue
        if current is None:
            creates.append(obj)
            continue
        after = audit.snapshot(obj)
        changed = [k for k in after if before.get(k) != after[k]]
        if changed:
            updates.append((obj, {k: before.get(k) for k in changed}, {k: after[k] for k in changed}))
        else:
            unchanged += 1
    return creates, updates, unchanged


def _fill_pks(objs, model, key):
    """Primary keys after bulk_create on databases that cannot return them."""
    missing = [o for o in objs if o.pk is None]
    for chunk in _chunks(missing):
        pks = dict(model.objects.filter(**{f"{key}__in": [getattr(o, key) for o in chunk]}).values_list(key, "pk"))
        for o in chunk:
            o.pk = pks[getattr(o, key)]


@transaction.atomic
def _write(creates, updates, user, result):
    now = timezone.now()
    records, reviews = [], []

    Enterprise.objects.bulk_create(creates, batch_size=500)
    _fill_pks(creates, Enterprise, "uscc")
    for obj in creates:
        records.append(audit.record(obj, AuditAction.IMPORT, None, audit.snapshot(obj), "导入新增", enterprise=obj, user=user))

    fields = {"updated_at"}
    attnames = {f.attname: f.name for f in Enterprise._meta.concrete_fields}
    for obj, before, after in updates:
        fields.update(attnames[k] for k in after)
        obj.updated_at = now
        records.append(audit.record(obj, AuditAction.IMPORT, before, after, "导入修改", enterprise=obj, user=user))
        if obj.review_state == ReviewState.APPROVED:  # as editing does (review.mark_for_review), in bulk
            obj.review_state, obj.review_reason = ReviewState.SUBMITTED, ""
            fields.update({"review_state", "review_reason"})
            reviews.append(ArchiveReview(enterprise=obj, source=ReviewState.APPROVED, target=ReviewState.SUBMITTED,
                                         reason=REVIEW_AGAIN, actor=user, actor_name=str(user)))
            records.append(audit.record(obj, AuditAction.SUBMIT, {"review_state": ReviewState.APPROVED.value},
                                        {"review_state": ReviewState.SUBMITTED.value}, REVIEW_AGAIN, enterprise=obj, user=user))
    if updates:
        Enterprise.objects.bulk_update([u[0] for u in updates], sorted(fields))
        moved = [obj for obj, _, after in updates if {"region_id", "industry_id"} & set(after)]
        for obj in moved:
            audit.follow_region(obj.pk, obj.region_id)  # as a single save does (audit._saved)
        if moved:
            signals.relocated.send(sender=Enterprise, enterprises=moved)

    hash_password = passwords.bulk_hasher()
    accounts = []
    for obj in creates:
        password = passwords.generate()
        accounts.append(User(username=obj.uscc, role=Role.ENTERPRISE_ADMIN, enterprise=obj, full_name=obj.name,
                             must_change_password=True, password=hash_password(password)))
        result.accounts.append((obj.uscc, password))
        result.names[obj.uscc] = obj.name
    User.objects.bulk_create(accounts, batch_size=500)
    _fill_pks(accounts, User, "username")
    for account in accounts:
        records.append(audit.record(account, AuditAction.CREATE, None, audit.snapshot(account),
                                    "导入企业时创建企业管理员账号，签发一次性密码", enterprise=account.enterprise, user=user))
    ArchiveReview.objects.bulk_create(reviews, batch_size=500)
    review.announce_sent_back([r.enterprise for r in reviews], user)  # the reviewers are told (after the commit)
    ChangeRecord.objects.bulk_create(records, batch_size=500)

    # Belt and braces: everything written must be within the importer's reach, or nothing is.
    written = [o.pk for o in creates] + [u[0].pk for u in updates]
    reachable = sum(Enterprise.objects.for_user(user).filter(pk__in=chunk).count() for chunk in _chunks(written))
    if reachable != len(written):
        raise PermissionDenied("导入的企业超出管辖范围")
    result.created, result.updated = len(creates), len(updates)
