"""Reference data kept on the site (seed 001 六 1.2–1.4 企业信息配置, 行政区域维护, 部门维护; issue 22): one mechanism for
every table of codes the other records pick from — regions, industries, 主管部门, accident categories, hazard
categories … — instead of one maintenance page per table.

A table registers a `Table` (its model, title, the fields edited and imported, a note); core registers its own below,
a feature app its tables from its AppConfig.ready() (`refdata.register(...)`). Every table is then browsed, added to,
edited, deactivated and reactivated, imported from and exported to xlsx through core.views_refdata at
/system/reference/<key>/, by the system administrator (permissions.CONFIGURE). The model keeps a few promises:

- its primary key is the code the rows referencing it store (so a value that used to be a fixed list keeps its
  column: the data migration inserted the old codes), and it has `name` and `is_active`;
- a value is deactivated, never deleted while any row refers to it (`uses` asks every relation pointing at the model,
  whichever app declared it); an unused value may be deleted;
- a deactivated value is no longer offered for new input (`offer_active` on a form, `active_choices` for a filter,
  `Lookup` for an import or the API) while rows holding it still show it;
- it is audited (core.audit): every add, edit, (de)activation, delete and imported row is a ChangeRecord.

An import (`import_rows`) is all or nothing: every row is checked (第N行 字段: 原因) before any is written, and a row
whose code exists updates it.
"""
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction

from . import audit, imports, jobs
from .xlsx import Column, Spec, cell_text

CODE = re.compile(r"^[A-Za-z0-9_\-.]+$")  # a code travels in URLs (/system/reference/<key>/<code>/edit/)
IMPORT_JOB = "core.refdata_import"


@dataclass
class Table:
    """One table of reference data.

    key      the URL part (/system/reference/<key>/)
    fields   the fields edited and imported, the code (primary key) first; `is_active` is always added
    search   the fields the list's keyword looks in
    codes    foreign keys entered as the target's code in a text box (a region's parent among 50,000 regions)
    note     a sentence on the page (what the table is for, where else it shows)
    check    obj → {field: message} for rules beyond the model's fields (a region code's length)
    """

    key: str
    model: type
    title: str
    fields: Sequence[str]
    order: int = 50
    search: Sequence[str] = ("code", "name")
    codes: Sequence[str] = ()
    note: str = ""
    check: Callable | None = None
    _spec: Spec | None = field(default=None, repr=False)

    @property
    def pk_name(self):
        return self.model._meta.pk.name

    @property
    def columns(self):
        """[(field name, verbose name)] the list shows."""
        return [(name, self.model._meta.get_field(name).verbose_name) for name in self.fields]

    @property
    def relations(self):
        """The foreign keys among `fields` (the list selects them)."""
        return [n for n in self.fields if self.model._meta.get_field(n).is_relation]

    @property
    def spec(self):
        """The xlsx columns: template, export and import (启用 optional: a file without it keeps each row's state)."""
        if self._spec is None:
            columns = [_column(self.model, name) for name in self.fields]
            columns.append(Column.for_field(self.model, "is_active", optional=True, help="否：停用（不再供新录入选择）"))
            self._spec = Spec(columns, key=self.fields[0], title=self.title[:31], notes=[
                "按代码匹配：代码已存在的行修改该条，其余新增；任何一行有错误时整个文件都不导入。",
                "已被引用的值只能停用，不能删除；停用的值不再供新录入选择，已有记录照常显示。",
            ])
        return self._spec

    def form_class(self):
        widgets = {n: forms.TextInput for n in self.codes}
        return forms.modelform_factory(self.model, form=RefForm, fields=[*self.fields], widgets=widgets)


def _column(model, name):
    f = model._meta.get_field(name)
    if f.is_relation:
        target = f.related_model._meta.verbose_name
        return Column.for_field(model, name, parse=cell_text, format=lambda obj, a=f.attname: getattr(obj, a) or "",
                                format_help=f"{target}的代码", width=14)
    return Column.for_field(model, name)


_tables = {}


def register(*tables):
    """Add reference tables (from an AppConfig.ready()); their models are audited from then on."""
    for t in tables:
        assert t.key not in _tables, f"reference table {t.key} registered twice"
        _tables[t.key] = t
        audit.register(t.model)


def tables():
    return sorted(_tables.values(), key=lambda t: (t.order, t.title))


def get(key):
    return _tables.get(key)


def is_reference(model):
    return any(t.model is model for t in _tables.values())


# In use, never deleted -----------------------------------------------------------------------------------------------

def uses(obj, limit=None):
    """[(what, model)] of the kinds of rows referring to `obj`: every foreign key and many-to-many pointing at its model,
    whichever app declared it (enterprises, organisations, hazards, checklists, child regions …). One EXISTS each."""
    found = []
    for rel in obj._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        related = rel.related_model
        if related._meta.proxy or not related._meta.managed:
            continue
        if related._base_manager.filter(**{rel.field.name: obj}).exists():
            found.append((str(related._meta.verbose_name), related))
            if limit and len(found) >= limit:
                break
    return found


# Offering only active values ---------------------------------------------------------------------------------------

INACTIVE = "所选{label}“{value}”不存在或已停用，请重新选择。"


def active(qs):
    return qs.filter(is_active=True)


def offer_active(form, *names):
    """Offer only active values in `form`'s choice fields of reference models (`names`, or all of them), keeping the
    value the instance holds (editing a row whose value was deactivated since keeps it), with a Chinese refusal."""
    instance = getattr(form, "instance", None)
    for name, f in form.fields.items():
        qs = getattr(f, "queryset", None)
        if qs is None or (names and name not in names) or not is_reference(qs.model):
            continue
        held = instance is not None and instance.pk is not None
        if isinstance(f, forms.ModelMultipleChoiceField):
            current = list(getattr(instance, name).values_list("pk", flat=True)) if held and hasattr(instance, name) else []
        else:
            current = [getattr(instance, f"{name}_id", None)] if held else []
        keep = models.Q(is_active=True) | models.Q(pk__in=[c for c in current if c is not None])
        f.queryset = qs.filter(keep)
        f.error_messages["invalid_choice"] = INACTIVE.format(label=f.label, value="%(value)s")


def active_choices(model, blank="全部"):
    """[(code, name)] of `model`'s active values, for a filter's choices (`blank` first unless None). One query."""
    rows = [(o.pk, str(o)) for o in active(model.objects.all())]
    return ([("", blank)] if blank is not None else []) + rows


def lazy_choices(model, blank=None):
    """`active_choices` as a callable for a form field's or a filter's `choices`: read when the field is first
    rendered or validated, then kept for that field (a page that never draws the field asks nothing)."""
    held = []

    def choices():
        if not held:
            held.append(active_choices(model, blank))
        return held[0]

    return choices


def offer_choices(field, model, blank="全部", current=None):
    """Give a plain ChoiceField `field` the active values of `model` (plus `current`, a value a row holds already),
    `blank` first (None: no blank choice), with a Chinese refusal of anything else."""
    choices = active_choices(model, blank)
    if current and current not in {c for c, _ in choices}:
        held = model.objects.filter(pk=current).first()
        if held is not None:
            choices.append((held.pk, f"{held.name}（已停用）"))
    field.choices = choices
    field.error_messages["invalid_choice"] = INACTIVE.format(label=field.label, value="%(value)s")
    return field


class Lookup:
    """Codes and names of one reference table, read once (an import's or an API upload's whole batch):
    `resolve(text, current)` → (code, "") or (None, the Chinese reason). `current` is what the record holds already
    (keeping a deactivated value is not new input)."""

    def __init__(self, model):
        self.model = model
        self.rows = {}
        self.active = []
        for obj in model.objects.all():
            self.rows[obj.pk] = obj
            if obj.is_active:
                self.active.append(obj)
        self.names = {obj.name: obj.pk for obj in self.rows.values()}

    def allowed(self):
        return "、".join(f"{o.pk}（{o.name}）" for o in self.active)

    def resolve(self, text, current=None):
        text = (text or "").strip()
        code = text if text in self.rows else self.names.get(text)
        if code is None:
            return None, f"应为以下之一：{self.allowed()}"
        if not self.rows[code].is_active and code != current:
            return None, f"“{self.rows[code].name}”已停用，不能用于新录入"
        return code, ""


# Forms --------------------------------------------------------------------------------------------------------------

class RefForm(forms.ModelForm):
    """The add/edit form of any table: the code only on add, foreign keys among active values, the table's check."""

    table = None

    def __init__(self, *args, table, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        pk = table.pk_name
        if self.instance.pk is not None and not self.instance._state.adding and pk in self.fields:
            self.fields[pk].disabled = True
            self.fields[pk].help_text = "代码创建后不可修改（记录按代码引用它）。"
        elif pk in self.fields:
            self.fields[pk].help_text = "字母、数字、下划线、短横线或点，创建后不可修改。"
        offer_active(self)
        for name in table.codes:
            self.fields[name].help_text = f"填写{self.fields[name].label}的代码。"

    def clean(self):
        data = super().clean()
        pk = self.table.pk_name
        if self.instance._state.adding and data.get(pk):
            if not CODE.match(data[pk]):
                self.add_error(pk, "代码只能包含字母、数字、下划线、短横线或点。")
            elif self.table.model.objects.filter(pk=data[pk]).exists():
                self.add_error(pk, f"代码“{data[pk]}”已存在。")
        parent = data.get("parent")
        if parent is not None and self.instance.pk is not None and parent.pk == self.instance.pk:
            self.add_error("parent", "上级不能是它自己。")
        if self.table.check and not self.errors:
            for name, message in (self.table.check(self.instance, data) or {}).items():
                self.add_error(name if name in self.fields else None, message)
        return data


# Import -------------------------------------------------------------------------------------------------------------

class Result:
    def __init__(self, errors=(), created=0, updated=0, unchanged=0):
        self.errors, self.created, self.updated, self.unchanged = list(errors), created, updated, unchanged

    @property
    def ok(self):
        return not self.errors

    @property
    def message(self):
        return f"新增 {self.created} 条，修改 {self.updated} 条，未变 {self.unchanged} 条。"


def import_rows(table, file, progress=imports.QUIET):
    """Check every row of `file` (第N行 字段: 原因), then write them all in one transaction, or nothing."""
    spec, model = table.spec, table.model
    rows, errors = spec.read(file)
    if errors and not rows:
        return Result(errors)
    spec.check_duplicates(rows, errors)
    existing = {obj.pk: obj for obj in model.objects.all()}
    targets = {}
    for name in table.relations:
        target = model._meta.get_field(name).related_model
        targets[name] = existing if target is model else {o.pk: o for o in target.objects.all()}
    unique = [f.name for f in model._meta.fields if f.unique and not f.primary_key and f.name in table.fields]
    taken = {name: {getattr(o, name): pk for pk, o in existing.items()} for name in unique}
    plan, pending = [], {}
    for i, row in enumerate(rows):
        progress.progress(i, len(rows))
        code = row.get(spec.key)
        if spec.key in row.failed or not code:
            continue
        obj = existing.get(code)
        adding = obj is None
        if adding:
            if not CODE.match(code):
                errors.append(spec.error(row.number, spec.key, "代码只能包含字母、数字、下划线、短横线或点"))
                continue
            obj = model(pk=code)
        names = [*table.fields, "is_active"]
        before = {n: getattr(obj, model._meta.get_field(n).attname) for n in names}
        bad = False
        for name in [*table.fields[1:], "is_active"]:
            if name not in row or name in row.failed:
                continue
            value = row[name]
            if name not in targets:
                setattr(obj, name, value)
                continue
            held = targets[name].get(value) or pending.get(value) if value else None
            if value and value == code:
                reason = "不能是它自己"
            elif value and held is None:
                reason = f"代码“{value}”不存在（须已存在或在本文件中排在前面）"
            elif held is not None and not held.is_active and value != before[name]:
                reason = f"“{held.name}”已停用，不能选用"
            else:
                setattr(obj, name, held)
                continue
            errors.append(spec.error(row.number, name, reason))
            bad = True
        for name in unique:
            holder = taken[name].get(getattr(obj, name))
            if holder is not None and holder != code:
                errors.append(spec.error(row.number, name, f"“{getattr(obj, name)}”已被代码 {holder} 使用"))
                bad = True
            else:
                taken[name][getattr(obj, name)] = code
        try:
            obj.full_clean(exclude=[*table.relations, model._meta.pk.name], validate_unique=False, validate_constraints=False)
        except ValidationError as e:
            for name, messages in e.message_dict.items():
                errors.append(spec.error(row.number, name, "；".join(messages)))
            bad = True
        if table.check and not bad:
            for name, message in (table.check(obj, {n: getattr(obj, n) for n in table.fields}) or {}).items():
                errors.append(spec.error(row.number, name, message))
                bad = True
        if not bad:
            pending[code] = obj
            changed = any(getattr(obj, model._meta.get_field(n).attname) != before[n] for n in names)
            plan.append((obj, adding, changed))
    if errors:
        errors.sort(key=lambda e: e.sort_key)
        return Result(errors)
    result = Result()
    with transaction.atomic():
        for obj, adding, changed in plan:
            if adding or changed:
                obj._audit_message = "xlsx 导入"
                obj.save(force_insert=adding)
            result.created += adding
            result.updated += changed and not adding
            result.unchanged += not (adding or changed)
    return result


@imports.job(IMPORT_JOB, "导入参考数据")
def import_job(file, user, progress, filename, key):
    table = get(key)
    with audit.acting_as(user):
        result = import_rows(table, file, progress)
    imports.check(result.errors)
    return jobs.Result(summary=f"{table.title}：{result.message}")


# Core's own tables ------------------------------------------------------------------------------------------------

def _region_check(obj, data):
    code = data.get("code") or obj.pk or ""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        return {"code": "区划代码应为6、9或12位数字"}
    parent = data.get("parent")
    if parent is not None and not code.startswith(parent.prefix):
        return {"parent": f"区划代码应以上级（{parent.name}）的代码 {parent.prefix} 开头"}
    return {}


def _industry_check(obj, data):
    parent = data.get("parent")
    if parent is not None and parent.parent_id:
        return {"parent": "行业分类只有两级：上级须是一级行业"}
    if parent is not None and obj.pk and obj.children.exists():
        return {"parent": "该行业有下级行业，不能再放到其他行业之下"}
    return {}


def register_core():
    from .models import AccidentCategory, CompetentDepartment, Industry, Region

    register(
        Table("regions", Region, "行政区域", ["code", "name", "level", "parent"], order=10, codes=["parent"],
              check=_region_check,
              note="GB/T 2260 行政区划（乡镇、街道为 9 位代码）。企业属地、监管单位的管辖区域从这里选择；停用的区域不再供新录入选择。"),
        Table("industries", Industry, "行业分类", ["code", "name", "parent", "sort"], order=20, check=_industry_check,
              note="表1 的行业分类，两级（行业 → 行业类型）。企业、监管单位的监管行业和隐患排查指引标准的“适用行业”都从这里选择，"
                   "指引标准的适用行业不另设表。"),
        Table("competent-departments", CompetentDepartment, "主管部门", ["code", "name", "sort"], order=30,
              note="表1 企业基本信息的“主管部门”。"),
        Table("accident-categories", AccidentCategory, "事故类别", ["code", "name", "edition"], order=40,
              note="企业职工伤亡事故分类（现行 GB 6441-1986）：事故台账、事故报告和重点监管事项的“事故类别”从这里选择。"),
    )
