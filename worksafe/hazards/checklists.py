"""Checklists (隐患排查标准): guidelines per industry (指引标准, maintained by regulators, imported from xlsx) and the
enterprises' own checklists derived from them (自定义标准, reviewed by their regulators).

One column spec (SPEC) drives the template, the import and the export. A custom checklist moves
未提交 → 待审核 → 审核通过 / 已退回 (reason required); editing an approved one sends it back to 未提交. The review is a
step table on the core workflow engine (REVIEW, core/workflow.py): lock the row, check the state (ValidationError in
Chinese) and the actor (PermissionDenied), save audited with the step's action and the reason as its message; the
change log is the checklist's history.
"""
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from worksafe.core import audit, imports, permissions, refdata, workflow
from worksafe.core.models import AuditAction, OrgLevel
from worksafe.core.scoping import enterprise_q
from worksafe.core.workflow import Step
from worksafe.core.xlsx import Column, Spec, cell_text, parse_integer

from .models import Category, Checklist, ChecklistItem, ChecklistState
from .perms import CUSTOM, GUIDELINES, REVIEW_CHECKLISTS

S = ChecklistState
STATE_COLORS = {S.DRAFT: "secondary", S.SUBMITTED: "orange", S.APPROVED: "green", S.RETURNED: "red"}

def category_parser():
    """隐患类别 by name or code, among the active ones (core.refdata; read once per file): the code."""
    lookup = refdata.Lookup(Category)

    def parse(value):
        text = cell_text(value).replace(" ", "")
        code, reason = lookup.resolve(text)
        if code is None:
            if text in lookup.rows or text in lookup.names:
                raise ValueError(f"隐患类别{reason}")
            raise ValueError(f"无法识别的隐患类别“{text}”，请从下拉列表选择（如“现场管理-消防安全”）")
        return code

    return parse


SPEC = Spec(
    [
        Column("序号", "order", parse=parse_integer, default=None, format_help="整数；留空按行的先后编号", width=8,
               number_format="0", optional=True),
        Column("检查项", "section", required=True, format_help="文本，最多 200 字", width=24,
               help="同一检查项下的检查内容在页面上归为一组，如“安全生产责任制”“消防安全”", example="消防安全"),
        Column("检查内容", "content", required=True, format_help="文本", width=60,
               help="排查时逐条判定“符合 / 不符合”的内容", example="灭火器按规定配置、定期检查，压力正常"),
        Column("检查依据", "basis", format_help="文本，最多 500 字", width=40, example="《消防法》第十六条", optional=True),
        Column("隐患类别", "category", choices=lambda context: refdata.active_choices(Category, blank=None),
               format=lambda i: i.category.name if i.category_id else "", format_help="从下拉列表选择", width=28,
               help="不符合时生成的隐患默认归入此类别；留空时为“现场管理-其他”", optional=True),
    ],
    key="order",
    title="排查标准",
    notes=[
        "每行一条检查内容；第一行为表头，请勿修改。",
        "任何一行有错误时整个文件都不会导入，请按错误提示修改后重新上传。",
        "导入到已有的指引标准时，该标准原有的全部检查内容被文件中的内容替换。",
    ],
)

MAX_LENGTHS = {"section": 200, "basis": 500}


# ---- who may do what ----------------------------------------------------------------------------------------


def is_reviewer(user):
    """Regulators above township level (and system administrators) maintain guidelines and review custom ones."""
    return user.is_sysadmin or (user.is_regulator and user.organization.level != OrgLevel.TOWNSHIP)


def can_import(user):
    return permissions.has(user, GUIDELINES) and is_reviewer(user)


def can_manage_guideline(user, checklist):
    """Edit, re-import, delete a guideline: the organisation that published it, or a system administrator."""
    if not checklist.is_guideline or not permissions.has(user, GUIDELINES):
        return False
    return user.is_sysadmin or (user.is_regulator and checklist.owner_id == user.organization_id)


def can_derive(user, checklist):
    return checklist.is_guideline and user.is_enterprise_user and permissions.has(user, CUSTOM)


def is_own(user, checklist):
    return user.is_enterprise_user and checklist.enterprise_id is not None and user.enterprise_id == checklist.enterprise_id


def can_edit_custom(user, checklist):
    """The enterprise edits its own checklist unless it awaits review."""
    return permissions.has(user, CUSTOM) and is_own(user, checklist) and checklist.state != S.SUBMITTED


def can_edit(user, checklist):
    return can_manage_guideline(user, checklist) if checklist.is_guideline else can_edit_custom(user, checklist)


def can_delete(user, checklist):
    return can_edit(user, checklist)


def can_submit(user, checklist):
    return permissions.has(user, CUSTOM) and is_own(user, checklist)


def can_review(user, checklist):
    """A custom checklist's regulators: in scope of its enterprise, above township level."""
    if checklist.is_guideline or not permissions.has(user, REVIEW_CHECKLISTS) or not is_reviewer(user):
        return False
    return user.is_sysadmin or permissions.in_scope(user, checklist.enterprise)


def visible_q(user):
    """Guidelines for everyone; custom checklists for their enterprise and the regulators in scope."""
    return Q(enterprise__isnull=True) | (Q(enterprise__isnull=False) & enterprise_q(user, "enterprise"))


def visible(user):
    return Checklist.objects.filter(visible_q(user))


def usable_q(enterprise):
    """The checklists an enterprise may check by: its own approved ones and every guideline."""
    return Q(enterprise__isnull=True) | Q(enterprise=enterprise, state=S.APPROVED)


# ---- import and export ------------------------------------------------------------------------------------------


class ImportResult(NamedTuple):
    checklist: Checklist | None
    errors: list
    created: int = 0
    replaced: int = 0
    replacing: bool = False  # the items of an existing guideline were replaced

    @property
    def ok(self):
        return not self.errors

    @property
    def message(self):
        """What the importer is told: the checklist page's message, or a background job's summary."""
        text = f"已导入排查标准《{self.checklist.name}》：{self.created} 条检查内容"
        return text + (f"（替换原有 {self.replaced} 条）。" if self.replacing else "。")


def read_items(upload):
    """The items of an uploaded file, checked: ([ChecklistItem], errors)."""
    rows, errors = SPEC.read(upload, parsers={"category": category_parser()})
    if errors and not rows:
        return [], errors
    seen = {}
    for row in rows:
        for field, limit in MAX_LENGTHS.items():
            if field not in row.failed and len(row.get(field) or "") > limit:
                errors.append(SPEC.error(row.number, field, f"不能超过 {limit} 字（现有 {len(row[field])} 字）"))
        order = row.get("order")
        if order is not None and "order" not in row.failed:
            if order < 0:
                errors.append(SPEC.error(row.number, "order", "应为非负整数"))
            elif order in seen:
                errors.append(SPEC.error(row.number, "order", f"与第{seen[order]}行的序号重复"))
            else:
                seen[order] = row.number
    if errors:
        return [], sorted(errors, key=lambda e: e.sort_key)
    items = []
    for position, row in enumerate(rows, 1):
        order = row.get("order")
        items.append(ChecklistItem(order=position if order is None else order, section=row["section"],
                                   content=row["content"], basis=row.get("basis") or "", category_id=row.get("category") or None))
    return items, []


def import_guideline(upload, user, *, name, industry, note="", replace=None, progress=imports.QUIET):
    """Create a guideline from an xlsx file, or replace the items of `replace` (a guideline the user manages);
    all or nothing. The items are bulk-written: one change record says what the import did."""
    progress.step("正在校验")
    items, errors = read_items(upload)
    if errors:
        return ImportResult(None, errors)
    progress.step("正在写入数据库")
    with transaction.atomic():
        if replace is not None:
            checklist = Checklist.objects.select_for_update().get(pk=replace.pk)
            if not can_manage_guideline(user, checklist):
                raise PermissionDenied
            replaced, _ = checklist.items.all().delete()
        else:
            checklist, replaced = Checklist(owner=user.organization if user.is_regulator else None), 0
        checklist.name, checklist.industry, checklist.note = name, industry, note
        checklist.state = S.APPROVED  # a guideline is in force as published
        checklist._audit_action = AuditAction.IMPORT if replace is not None else None
        checklist._audit_message = f"导入 {len(items)} 条检查内容" + (f"，替换原有 {replaced} 条" if replace is not None else "")
        with audit.attributed_to(user):
            checklist.save()
        for item in items:
            item.checklist = checklist
        ChecklistItem.objects.bulk_create(items)
    return ImportResult(checklist, [], len(items), replaced, replace is not None)


def export(items):
    """A checklist's items (any iterable, consumed once) in the import layout."""
    return SPEC.export(items)


def template():
    return SPEC.template()


# ---- custom checklists: derive and the review -------------------------------------------------------------------


def derive(guideline, user):
    """The enterprise's own draft copy of `guideline` (自定义标准), which it then edits and submits."""
    if not can_derive(user, guideline):
        raise PermissionDenied
    enterprise = user.enterprise
    with transaction.atomic(), audit.attributed_to(user):
        checklist = Checklist(name=guideline.name, industry=guideline.industry, enterprise=enterprise, based_on=guideline,
                              state=S.DRAFT, note=guideline.note)
        checklist._audit_message = f"依据指引标准《{guideline.name}》制定"
        checklist.save()
        ChecklistItem.objects.bulk_create([
            ChecklistItem(checklist=checklist, order=i.order, section=i.section, content=i.content, basis=i.basis,
                          category_id=i.category_id)
            for i in guideline.items.all()
        ])
    return checklist


REOPENED = "已审核通过的标准被修改，须重新提交审核"


class ChecklistReview(workflow.Workflow):
    model = Checklist
    related = ("enterprise",)
    state_refused = "该标准当前状态为“{state}”，不能{step}。"
    comment_missing = "{step}须填写原因（需要修改的内容）。"
    steps = (
        Step("submit", "提交审核", (S.DRAFT, S.RETURNED), S.SUBMITTED, can_submit, audit=AuditAction.SUBMIT),
        Step("approve", "审核通过", (S.SUBMITTED,), S.APPROVED, can_review, audit=AuditAction.APPROVE),
        Step("return", "退回", (S.SUBMITTED,), S.RETURNED, can_review, needs_comment=True, audit=AuditAction.RETURN),
        # Not a button: saving a change to an approved checklist takes it (`reopen`).
        Step("reopen", "重新编辑", (S.APPROVED,), S.DRAFT, can_edit_custom, audit=AuditAction.UPDATE, offered=False),
    )

    def check(self, checklist, step, user, reason):
        if step.action == "submit" and not checklist.items.exists():
            raise ValidationError("标准中没有检查内容，不能提交审核。")

    def apply(self, checklist, step, user, reason):
        if step.action in ("approve", "return"):
            checklist.review_reason = reason
        elif step.action == "reopen":
            checklist.review_reason = ""

    def audit_message(self, checklist, step, reason):
        return reason


REVIEW = ChecklistReview()


def reopen(checklist, user):
    """An approved custom checklist that was changed goes back to 未提交 (it must be reviewed again); True when it did.
    Called by the edit view inside its transaction."""
    if checklist.is_guideline or checklist.state != S.APPROVED:
        return False
    REVIEW.perform(checklist, "reopen", user, REOPENED)
    return True


def grouped(items):
    """[(section, [item])] in the order the sections first appear."""
    groups = {}
    for item in items:
        groups.setdefault(item.section, []).append(item)
    return list(groups.items())
