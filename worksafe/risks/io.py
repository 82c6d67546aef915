"""The risk list as a spreadsheet (附件2 of seed 004) and 表3 风险辨识分级管控登记表 (seed 000).

The list's sheet is the sample list's 14 columns, optionally followed by columns that make an export → import
round trip lossless (类别 … 分析对象类型). It is read the way the sample is laid out:

- a row whose columns 1–9 (序号 … 安全风险事件) are blank continues the risk above: one more control measure;
- in a risk row, a blank 对象 / 单元 / 危险源 means "as the row above" (merged cells read like that); 责任部门 and
  责任人 belong to the object and need to be stated on one of its rows only; within one risk, a measure's blank
  分类 / 层级 / 频次 take the values of the measure in the row above;
- a row naming an object, unit or source but no risk registers that node (so empty ones survive a round trip).

The import is all-or-nothing: every row is parsed, the rows are assembled into the tree (contradictions such as
one risk with two levels name both rows), each node is validated as the model does (RiskEvent.clean grades the
event), and only a clean file is written, in one transaction, with ordinary saves (the audit trail and the risk
summary follow through the signals). Nodes are matched on their path (object by name, unit by object and name,
source by unit and name, event by source and name, measure by event and content); nodes absent from the file are
kept, or deleted when the user asks for a replacing import.
"""
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from worksafe.core import imports, permissions
from worksafe.core.models import AccidentCategory, AuditAction
from worksafe.core.pdf import render_pdf
from worksafe.core.risk_levels import COLORS, ORDER, RiskLevel
from worksafe.core.xlsx import HEADER_FILL, HELP_SHEET, REQUIRED_FONT, Column, RowError, Spec, cell_text, decimal_parser, human_size

from . import grading
from .grading import SCALES, numeral
from .models import (
    ControlMeasure,
    ControlTier,
    FrequencyUnit,
    HazardSource,
    MeasureCategory,
    Method,
    ObjectKind,
    RiskEvent,
    RiskObject,
    RiskUnit,
    State,
    Tense,
)

DEFAULT_REASON = "按风险清单导入确定的等级"
EXAMPLE_SHEET = "示例"

# Vocabulary: what users type, mapped to the stored values ------------------------------------------------------

TIER_LABELS = {ControlTier.COMPANY: "公司级", ControlTier.WORKSHOP: "车间级", ControlTier.TEAM: "班组级", ControlTier.POST: "岗位级"}
TIER_ALIASES = {"厂级": ControlTier.COMPANY, "公司": ControlTier.COMPANY, "车间": ControlTier.WORKSHOP,
                "班组": ControlTier.TEAM, "岗位": ControlTier.POST}
LEVEL_ALIASES = {"重大": RiskLevel.MAJOR, "较大": RiskLevel.HIGH, "一般": RiskLevel.MEDIUM, "低": RiskLevel.LOW}
METHOD_LABELS = {Method.LEC: "LEC法", Method.LS: "风险矩阵法", Method.DIRECT: "直接判定"}
METHOD_ALIASES = {"LEC": Method.LEC, "D=L×E×C": Method.LEC, "LS": Method.LS, "LS法": Method.LS, "风险矩阵": Method.LS,
                  "矩阵法": Method.LS, "LS矩阵法": Method.LS, "R=L×S": Method.LS, "直接判定法": Method.DIRECT,
                  **{label: value for value, label in Method.choices}}
FREQUENCY_UNITS = {"班": FrequencyUnit.SHIFT, "天": FrequencyUnit.DAY, "日": FrequencyUnit.DAY, "周": FrequencyUnit.WEEK,
                   "星期": FrequencyUnit.WEEK, "月": FrequencyUnit.MONTH, "季度": FrequencyUnit.QUARTER,
                   "季": FrequencyUnit.QUARTER, "年": FrequencyUnit.YEAR}
FREQUENCY_RE = re.compile(r"(每)?(\d*)(个)?(班|天|日|周|星期|月|季度|季|年)(一次|1次)?")
FREQUENCY_HELP = "应为“数字+单位”，如 1天、2周、1班、每班、1个月、1季度、1年（单位：班、天、周、月、季度、年）"
POST_PERSON_RE = re.compile(r"(.*?)\s*[（(]\s*(.*?)\s*[）)]")


def _squeeze(text):
    return re.sub(r"\s+", "", text).upper()


def alias_parser(choices, aliases, allowed):
    """A parser accepting each choice's value and label and the `aliases`, ignoring spaces and letter case."""
    lookup = {_squeeze(str(k)): v for k, v in aliases.items()}
    for value, label in choices:
        lookup[_squeeze(str(label))] = lookup[_squeeze(str(value))] = value

    def parse(value):
        try:
            return lookup[_squeeze(cell_text(value))]
        except KeyError:
            raise ValueError(f"应为以下之一：{allowed}") from None

    return parse


def parse_frequency(value):
    """"1天", "2周", "每班", "1个月" … → (2, "week")."""
    match = FREQUENCY_RE.fullmatch(re.sub(r"\s+", "", cell_text(value)))
    if not match:
        raise ValueError(FREQUENCY_HELP)
    number = int(match[2]) if match[2] else 1
    if not 1 <= number <= 32767:
        raise ValueError("频次数值应为 1～32767 的整数")
    return number, FREQUENCY_UNITS[match[4]]


def format_frequency(value, unit):
    return f"{value}{FrequencyUnit(unit).label}"


def parse_post_person(value):
    """"操作工(李四)" → ("操作工", "李四"); a bare "李四" is a person; "操作工()" a post alone."""
    text = cell_text(value)
    match = POST_PERSON_RE.fullmatch(text)
    return (match[1], match[2]) if match else ("", text)


def format_post_person(post, person):
    return f"{post}({person})" if post else person


def _cell_number(number):
    if number is None:
        return None
    number = Decimal(number)
    return int(number) if number == number.to_integral_value() else float(number)


# The sheet ------------------------------------------------------------------------------------------------------


def _categories(context=None):
    return [(c.code, c.name) for c in AccidentCategory.objects.filter(is_active=True)]


def _col(header, name, **kw):
    kw.setdefault("default", None)  # blank cells stay None: "not stated", told apart from a stated default
    return Column(header, name, format=lambda row, f=name: row.get(f), **kw)


LEVEL_CHOICES = [(level.value, level.label) for level in ORDER]
TIER_CHOICES = list(TIER_LABELS.items())
METHOD_CHOICES = list(METHOD_LABELS.items())

COLUMNS = [
    _col("序号", "seq", width=6, help="安全风险的编号；只用于阅读，导入时不使用"),
    _col("安全风险分析对象", "object", width=18, example="甲醇罐区", help="设备设施、作业活动、工艺过程或场所区域"),
    _col("责任部门", "department", example="安环部", help="分析对象的责任部门；同一对象填写一次即可"),
    _col("责任人", "person", width=10, example="张XX", help="分析对象的责任人；同一对象填写一次即可"),
    _col("安全风险分析单元", "unit", width=18, example="甲醇罐区微单元"),
    _col("危险源", "source", example="危险源1"),
    _col("安全风险", "event", width=20, example="泄漏造成火灾", help="风险事件；续行（同一安全风险的更多管控措施）留空"),
    _col("安全风险等级", "level", choices=LEVEL_CHOICES, strict=False, width=12, example="重大风险",
         parse=alias_parser(LEVEL_CHOICES, LEVEL_ALIASES, "重大风险、较大风险、一般风险、低风险"),
         format_help="从下拉列表选择", help="按 LEC 法或风险矩阵法评价时可留空，由系统计算；填写时须与计算结果一致"),
    _col("安全风险事件(最严重后果)", "consequence", width=16, example="爆炸、火灾"),
    _col("风险管控措施分类", "category", choices=MeasureCategory.choices, width=12, example="工程技术",
         format_help="从下拉列表选择"),
    _col("风险管控措施", "measure", width=30, example="对液位进行巡检", help="每行一条管控措施"),
    _col("风险管控层级", "tier", choices=TIER_CHOICES, strict=False, width=12, example="厂级",
         parse=alias_parser(TIER_CHOICES, {**TIER_ALIASES, **{label: tier for tier, label in ControlTier.choices}},
                            "公司级（厂级）、车间级、班组级、岗位级"),
         format_help="公司级（厂级）、车间级、班组级、岗位级"),
    _col("岗位(责任人)", "post_person", width=16, example="操作工(李XX)", parse=parse_post_person,
         format_help="岗位(责任人)，如“操作工(李四)”；只填姓名为责任人；只有岗位时填“操作工()”"),
    _col("排查频次", "frequency", width=10, example="1天", parse=parse_frequency,
         format_help="数字+单位，如 1天、2周、1班、每班、1个月、1季度、1年"),
    # Optional: the event's other fields and the object's kind (an export carries them all).
    _col("类别", "accident_category", choices=_categories, strict=False, width=12, example="火灾",
         format_help="GB 6441 事故类别名称或代码，如“火灾”或“08”"),
    _col("时态", "tense", choices=Tense.choices, width=8, format_help="从下拉列表选择", help="留空为“现在”"),
    _col("状态", "state", choices=State.choices, width=8, format_help="从下拉列表选择", help="留空为“正常”"),
    _col("高危工序名称", "procedure"),
    _col("评价方法", "method", choices=METHOD_CHOICES, strict=False, width=12,
         parse=alias_parser(METHOD_CHOICES, METHOD_ALIASES, "LEC法、风险矩阵法、直接判定"), format_help="LEC法、风险矩阵法、直接判定",
         help="留空时：填了 E、C 为 LEC法，填了 S 为风险矩阵法，否则为直接判定"),
    _col("L", "l", width=6, parse=decimal_parser(), number_format="General",
         format_help=f"LEC法：{'、'.join(numeral(v) for v, _ in grading.LEC_L)}；风险矩阵法：{'、'.join(str(v) for v, _ in grading.LS_L)}"),
    _col("E", "e", width=6, parse=decimal_parser(), number_format="General", format_help="、".join(numeral(v) for v, _ in grading.LEC_E)),
    _col("C", "c", width=6, parse=decimal_parser(), number_format="General", format_help="、".join(numeral(v) for v, _ in grading.LEC_C)),
    _col("S", "s", width=6, parse=decimal_parser(), number_format="General", format_help="、".join(str(v) for v, _ in grading.LS_S)),
    _col("直接判定理由", "reason", width=24, help=f"直接判定时留空记为“{DEFAULT_REASON}”"),
    _col("重点管控", "key_control", choices=[(True, "是"), (False, "否")], width=8, format_help="是 / 否",
         help="只有最严重后果为爆炸、火灾、中毒或窒息的风险可列为重点管控"),
    _col("危险危害表现形式描述", "description", width=24),
    _col("备注", "note"),
    _col("分析对象类型", "kind", choices=ObjectKind.choices, width=12, format_help="从下拉列表选择"),
]
CORE = [c.field for c in COLUMNS[:14]]  # the sample list's columns: every file has them
for _column in COLUMNS[len(CORE):]:
    _column.optional = True  # the trailing columns: a file may leave them out
PATH_FIELDS = CORE[:9]  # blank in a continuation row
MEASURE_FIELDS = ("category", "measure", "tier", "post_person", "frequency")
EVENT_FIELDS = ("level", "consequence", "accident_category", "tense", "state", "procedure", "method", "l", "e", "c", "s",
                "reason", "key_control", "description", "note")
EVENT_EXTRA = EVENT_FIELDS[2:]
OBJECT_FIELDS = ("department", "person", "kind")
# What the template's 填写说明 says instead of 必填 / 选填: most columns are required in some rows only.
NEEDED = {
    "object": "必填（与上一行相同时可留空）",
    "unit": "必填（与上一行同一对象、同一单元时可留空）",
    "source": "安全风险所在行必填（与上一行同一单元、同一危险源时可留空）",
    "event": "安全风险所在行必填；续行留空",
    "level": "直接判定时必填",
    "category": "每条措施必填（同一安全风险上一行措施相同时可留空）",
    "measure": "每条措施必填",
    "tier": "每条措施必填（同一安全风险上一行措施相同时可留空）",
    "frequency": "每条措施必填（同一安全风险上一行措施相同时可留空）",
}
NOTES = [
    "本表即《危险化学品企业安全风险分级管控清单（样表）》：第一行是表头，请勿修改列名；前 14 列（序号至排查频次）必须有，"
    "其后各列（类别至分析对象类型）可以整列删去，删去的列导入时保持系统中已有的内容。",
    "每行填写一个安全风险及其第一条管控措施；同一安全风险的其他管控措施写在下面各行，这些行的前 9 列（序号至安全风险事件）留空。",
    "安全风险分析对象、安全风险分析单元、危险源与上一行相同时可留空（合并单元格按此读取）；责任部门、责任人在同一对象的任一行填写一次即可。",
    "只填到分析对象、分析单元或危险源而不填安全风险的行，登记尚未辨识出安全风险的对象、单元或危险源。",
    "填写评价方法和 L、E、C（LEC法）或 L、S（风险矩阵法）时，风险等级由系统计算，表中的安全风险等级可留空，填写时须与计算结果一致；"
    f"其余为直接判定，须填写安全风险等级，直接判定理由留空时记为“{DEFAULT_REASON}”。",
    "按名称识别条目：分析对象按名称，分析单元按所属对象和名称，危险源按所属单元和名称，安全风险按所属危险源和名称，管控措施按所属安全风险和措施内容。"
    "系统中已有的条目按本表更新，没有的新增；本表中没有的条目默认保留，导入时勾选“删除清单中没有的条目”则删除。",
    "任何一行有错误时整个文件都不会导入；请按错误提示（第N行 字段: 原因）修改后重新上传。",
    lambda: f"文件须为 .xlsx 格式，不超过 {human_size(settings.IMPORT_MAX_BYTES)}，数据不超过 {settings.IMPORT_MAX_ROWS} 行。",
    f"“{EXAMPLE_SHEET}”工作表是填好的样表，可参照填写。",
]


LIST_SPEC = Spec(COLUMNS, key="event", title="安全风险分级管控清单", notes=NOTES)
SAMPLE = [  # seed 004, 附件2, with its blank cells (merged in the original) and a second hazard source filled in
    [1, "甲醇罐区", "安环部", "张XX", "甲醇罐区微单元", "危险源1", "泄漏造成火灾", "重大风险", "爆炸、火灾", "工程技术", "对液位进行巡检",
     "厂级", "李XX", "1天"],
    [None] * 9 + ["个体防护", "带口罩", None, "李XX", None],
    [2, None, None, None, None, None, "检修作业高空坠落", "一般风险", "高处坠落", "操作行为", "高处作业系挂安全带", "班组级", "检修工(王XX)", "1班"],
    [3, None, None, None, None, "危险源2", "管道腐蚀泄漏中毒", "较大风险", "中毒", "维护保养", "定期测厚检查", "车间级", "设备员(赵XX)", "1个月"],
]


def template():
    """The import template: headers with drop-downs, 填写说明, and the sample list filled in on its own sheet."""
    wb = LIST_SPEC.template()
    by_header = {c.header: c for c in COLUMNS}
    for row in wb[HELP_SHEET].iter_rows(min_col=1, max_col=2):
        column = by_header.get(row[0].value)
        if column is not None and column.field in NEEDED:
            row[1].value = NEEDED[column.field]
    for cell in wb.worksheets[0][1]:
        column = by_header[cell.value]
        if column.field in NEEDED:
            cell.font = REQUIRED_FONT
            cell.comment = Comment("；".join(filter(None, [NEEDED[column.field], column.format_help, column.help])), "worksafe",
                                   width=260, height=120)
    example = wb.create_sheet(EXAMPLE_SHEET, 2)
    example.append([c.header for c in COLUMNS[:14]])
    for cell, column in zip(example[1], COLUMNS, strict=False):
        cell.font, cell.fill = REQUIRED_FONT if column.field in NEEDED else Font(bold=True), HEADER_FILL
        example.column_dimensions[cell.column_letter].width = max(column.width, len(column.header) * 2 + 2)
    for values in SAMPLE:
        example.append(values)
    return wb


# Export ---------------------------------------------------------------------------------------------------------


def list_rows(enterprise):
    """The enterprise's risk list as sheet rows (dicts by field), in the sample's layout."""
    from .views import risk_tree

    seq = 0
    for o in risk_tree(enterprise):
        path = {"object": o.name, "department": o.department, "person": o.person, "kind": o.get_kind_display() if o.kind else None}
        units = o.units.all()
        if not units:
            yield path
        for u in units:
            sources = u.sources.all()
            if not sources:
                yield {**path, "unit": u.name}
            for s in sources:
                events = s.events.all()
                if not events:
                    yield {**path, "unit": u.name, "source": s.name}
                for ev in events:
                    seq += 1
                    row = {**path, "seq": seq, "unit": u.name, "source": s.name, **_event_cells(ev)}
                    measures = ev.measures.all()
                    if not measures:
                        yield row
                    for i, m in enumerate(measures):
                        yield {**(row if i == 0 else {}), **_measure_cells(m)}


def _event_cells(ev):
    lec, ls = ev.method == Method.LEC, ev.method == Method.LS
    return {
        "event": ev.name, "level": ev.get_level_display(), "consequence": ev.consequence,
        "accident_category": ev.accident_category.name if ev.accident_category_id else None,
        "tense": ev.get_tense_display(), "state": ev.get_state_display(), "procedure": ev.procedure,
        "method": METHOD_LABELS[ev.method],
        "l": _cell_number(ev.lec_l if lec else ev.ls_l if ls else None),
        "e": _cell_number(ev.lec_e) if lec else None, "c": _cell_number(ev.lec_c) if lec else None,
        "s": _cell_number(ev.ls_s) if ls else None,
        "reason": ev.reason, "key_control": "是" if ev.key_control else "否", "description": ev.description, "note": ev.note,
    }


def _measure_cells(m):
    return {"category": m.get_category_display(), "measure": m.content, "tier": TIER_LABELS[m.tier],
            "post_person": format_post_person(m.post, m.person), "frequency": format_frequency(m.frequency_value, m.frequency_unit)}


def export_list(rows):
    """The sheet rows of list_rows (any iterable, consumed once) as the importable workbook."""
    return LIST_SPEC.export(rows)


# Import: rows → tree ---------------------------------------------------------------------------------------------

KIND_LABELS = {"object": "安全风险分析对象", "unit": "安全风险分析单元", "source": "危险源", "event": "安全风险", "measure": "风险管控措施"}
KINDS = tuple(KIND_LABELS)


class Node:
    """One node of the tree the file describes: the values its rows state (with the row stating each) and its
    children by name; later the model instance it becomes, and whether that is new, changed or unchanged."""

    def __init__(self, kind, name, row, parent=None):
        self.kind, self.name, self.row, self.parent = kind, name, row, parent
        self.values, self.rows, self.children = {}, {}, {}
        self.failed = False
        self.instance, self.status, self.changed = None, None, []

    def child(self, kind, name, row):
        node = self.children.get(name)
        if node is None:
            node = self.children[name] = Node(kind, name, row, self)
        return node

    def state(self, name, value, row, errors):
        """Record a value stated in `row`; a different value stated earlier is a contradiction naming both rows."""
        if value is None:
            return
        if name not in self.values:
            self.values[name], self.rows[name] = value, row
        elif self.values[name] != value:
            first = self.rows[name]
            errors.append(LIST_SPEC.error(row, name, f"与第{first}行不一致：同一{KIND_LABELS[self.kind]}“{self.name}”"
                                                      f"在第{first}行为“{_show(name, self.values[name])}”，本行为“{_show(name, value)}”"))

    def row_of(self, name):
        return self.rows.get(name, self.row)


def _show(name, value):
    if name == "frequency":
        return format_frequency(*value)
    if name == "post_person":
        return format_post_person(*value)
    if name in ("level", "tier", "method", "category", "tense", "state", "kind", "key_control"):
        labels = {"level": LEVEL_CHOICES, "tier": TIER_CHOICES, "method": METHOD_CHOICES, "category": MeasureCategory.choices,
                  "tense": Tense.choices, "state": State.choices, "kind": ObjectKind.choices,
                  "key_control": [(True, "是"), (False, "否")]}[name]
        return dict(labels).get(value, value)
    if isinstance(value, AccidentCategory):
        return value.name
    if isinstance(value, Decimal):
        return numeral(value)
    return str(value)


def _filled(row, name):
    return name in row.failed or row.get(name) is not None


def build_tree(rows, errors):
    """The parsed rows as a tree of Nodes (a root whose children are the objects); problems go to `errors`."""
    root = Node("root", "", 0)
    path = (None, None, None)  # the (object, unit, source) names of the last risk row: what blank cells repeat
    event = None  # the risk a continuation row adds a measure to
    above = None  # (event node, measure values) of the row just above, for a measure's blank cells
    fields = [c.field for c in COLUMNS if c.field != "seq"]
    for row in rows:
        if not any(_filled(row, f) for f in fields):
            event = above = None  # a numbered empty row (the sample has some): nothing to read
            continue
        if not any(_filled(row, f) for f in PATH_FIELDS):
            for f in EVENT_EXTRA + ("kind",):
                if _filled(row, f):
                    errors.append(LIST_SPEC.error(row.number, f, "续行（前 9 列为空的行）只填写管控措施各列"))
            if event is None:
                errors.append(LIST_SPEC.error(row.number, "measure", "上方没有安全风险：前 9 列为空的行是上一个安全风险的又一条管控措施"))
                above = None
            else:
                above = _add_measure(event, row, above, errors)
            continue

        names = {f: row.get(f) for f in ("object", "unit", "source")}
        same = True  # still on the path of the row above: blank cells repeat it
        for i, f in enumerate(("object", "unit", "source")):
            if names[f] is None and same:
                names[f] = path[i]
            same = same and names[f] is not None and names[f] == path[i]
        path = (names["object"], names["unit"], names["source"])
        event, above = None, None
        has_event = any(_filled(row, f) for f in ("event",) + EVENT_FIELDS + MEASURE_FIELDS)
        needed = ("object", "unit", "source", "event") if has_event else ("object", "unit") if names["source"] else ("object",)
        missing = [f for f in needed if (row.get(f) if f == "event" else names[f]) is None]
        for f in missing:
            errors.append(LIST_SPEC.error(row.number, f, "不能为空"))
        if missing:
            continue
        obj = root.child("object", names["object"], row.number)
        for f in OBJECT_FIELDS:
            if f in row.failed:
                obj.failed = True
            else:
                obj.state(f, row.get(f), row.number, errors)
        node = obj
        for kind in ("unit", "source"):
            if names[kind] is not None:
                node = node.child(kind, names[kind], row.number)
        if not has_event:
            continue
        event = node.child("event", row["event"], row.number)
        for f in EVENT_FIELDS:
            if f in row.failed:
                event.failed = True
            else:
                event.state(f, row.get(f), row.number, errors)
        if any(_filled(row, f) for f in MEASURE_FIELDS):
            above = _add_measure(event, row, None, errors)
    return root


def _add_measure(event, row, above, errors):
    """Add the row's measure to `event`; the values it resolves to (for the row below), or None."""
    values = {f: row.get(f) for f in MEASURE_FIELDS}
    if above is not None and above[0] is event:
        for f in ("category", "tier", "frequency"):
            if values[f] is None and f not in row.failed:
                values[f] = above[1][f]
    missing = [f for f in ("category", "measure", "tier", "frequency") if values[f] is None and f not in row.failed]
    for f in missing:
        errors.append(LIST_SPEC.error(row.number, f, "不能为空"))
    if values["measure"] is None:
        return None
    measure = event.child("measure", values["measure"], row.number)
    if missing or row.failed & set(MEASURE_FIELDS):
        measure.failed = True
        return None
    for f in ("category", "tier", "post_person", "frequency"):
        measure.state(f, values[f], row.number, errors)
    return event, values


def walk(node):
    """Every node below `node`, parents before children, in file order."""
    for child in node.children.values():
        yield child
        yield from walk(child)


# Import: tree → model instances ---------------------------------------------------------------------------------

MODEL_FIELDS = {  # model field → sheet column, for the model's own errors
    "object": {"name": "object", "department": "department", "person": "person", "kind": "kind"},
    "unit": {"name": "unit"},
    "source": {"name": "source"},
    "event": {"name": "event", "lec_l": "l", "lec_e": "e", "lec_c": "c", "ls_l": "l", "ls_s": "s", "__all__": "event"},
    "measure": {"content": "measure", "category": "category", "tier": "tier", "post": "post_person", "person": "post_person",
                "frequency_value": "frequency", "frequency_unit": "frequency"},
}
MODELS = {"object": RiskObject, "unit": RiskUnit, "source": HazardSource, "event": RiskEvent, "measure": ControlMeasure}
PARENT_FIELD = {"unit": "object", "source": "unit", "event": "source", "measure": "event"}


class Existing:
    """The enterprise's current list, loaded in five queries, indexed by each node's key."""

    def __init__(self, enterprise):
        self.nodes = {kind: {} for kind in KINDS}  # kind → {(parent pk, name): instance}
        self.all = {kind: {} for kind in KINDS}  # kind → {pk: instance}
        for kind in KINDS:
            parent = PARENT_FIELD.get(kind)
            name = "content" if kind == "measure" else "name"
            qs = MODELS[kind].objects.filter(enterprise=enterprise).order_by("id")
            if kind == "event":
                qs = qs.select_related("accident_category")  # RiskEvent.clean reads its name (重点管控)
            for obj in qs:
                self.all[kind][obj.pk] = obj
                # Measures with the same text under one event (the form allows them): the first one is matched.
                self.nodes[kind].setdefault((getattr(obj, f"{parent}_id") if parent else None, getattr(obj, name)), obj)

    def find(self, kind, parent, name):
        parent_pk = parent.pk if parent is not None else None
        if kind != "object" and parent_pk is None:
            return None
        return self.nodes[kind].get((parent_pk, name))


def _values(instance):
    return {f.name: f.value_from_object(instance) for f in instance._meta.concrete_fields if not f.primary_key}


def _model_errors(node, error, errors):
    mapping = MODEL_FIELDS[node.kind]
    for name, messages in error.message_dict.items():
        column = mapping.get(name, name)
        errors.append(LIST_SPEC.error(node.row_of(column), column, "；".join(messages)))


def _fill_object(node, obj, present):
    v = node.values
    obj.department = v.get("department") or ""
    obj.person = v.get("person") or ""
    if "kind" in present:
        obj.kind = v.get("kind") or ""


def _fill_measure(node, m, present):
    v = node.values
    m.content = node.name
    m.category, m.tier = v["category"], v["tier"]
    m.post, m.person = v.get("post_person") or ("", "")
    m.frequency_value, m.frequency_unit = v["frequency"]


def _fill_event(node, ev, present, errors):
    """Set the event's fields from the file; False when its grading cannot even be attempted."""
    v = node.values
    ev.consequence = v.get("consequence") or ""
    if "accident_category" in present:
        ev.accident_category = v.get("accident_category")
    for name, default in (("tense", Tense.PRESENT), ("state", State.NORMAL), ("procedure", ""), ("description", ""),
                          ("note", ""), ("key_control", False)):
        if name in present:
            setattr(ev, name, default if v.get(name) is None else v[name])
    level = v.get("level")
    method = v.get("method")
    if method is None:
        if v.get("e") is not None or v.get("c") is not None:
            method = Method.LEC
        elif v.get("s") is not None:
            method = Method.LS
        elif v.get("l") is not None:
            errors.append(LIST_SPEC.error(node.row_of("l"), "method", "填写了 L，请写明评价方法（LEC法 或 风险矩阵法）"))
            return False
        elif v.get("reason"):
            method = Method.DIRECT
    if method is None:
        # The file says nothing about the grading: an event it does not regrade keeps its own.
        if ev.pk and (level is None or level == ev.level):
            return True
        method = Method.DIRECT
    ev.method = method
    if method == Method.DIRECT:
        ev.level, ev.reason = level or "", v.get("reason") or DEFAULT_REASON
        return True
    ok = True
    for column, attr, scale in SCALES[method]:
        value = v.get(column)
        if value is None:
            continue  # RiskEvent.clean names the missing factors
        allowed = [number for number, _ in scale]
        if value not in allowed:
            name = "LEC法" if method == Method.LEC else "风险矩阵法"
            errors.append(LIST_SPEC.error(node.row_of(column), column,
                                          f"{name}的 {column.upper()} 应为 {'、'.join(numeral(n) for n in allowed)} 之一，而不是 {numeral(value)}"))
            ok = False
        else:
            setattr(ev, attr, allowed[allowed.index(value)])
    for column, attr, _ in SCALES[method]:
        if v.get(column) is None:
            setattr(ev, attr, None)
    return ok


def _check_level(node, ev, errors):
    """A level stated next to LEC or LS factors must be the computed one."""
    stated = node.values.get("level")
    if stated is None or ev.method == Method.DIRECT or stated == ev.level:
        return
    if ev.method == Method.LEC:
        how = f"按 LEC法 D = {numeral(ev.lec_l)} × {numeral(ev.lec_e)} × {numeral(ev.lec_c)} = {numeral(ev.value)}"
    else:
        how = f"按风险矩阵法 R = {ev.ls_l} × {ev.ls_s} = {numeral(ev.value)}"
    errors.append(LIST_SPEC.error(node.row_of("level"), "level",
                                  f"与评价结果不符：表中为“{RiskLevel(stated).label}”，{how}，应为“{RiskLevel(ev.level).label}”"))


def resolve(root, enterprise, present, errors, progress=imports.QUIET):
    """Match every node to an existing instance or a new one, set its fields and validate it as the model does."""
    existing = Existing(enterprise)
    nodes = list(walk(root))
    progress.progress(0, len(nodes), step="正在校验")
    for done, node in enumerate(nodes, 1):
        progress.progress(done)
        kind = node.kind
        parent = node.parent.instance if node.parent.kind != "root" else None
        instance = existing.find(kind, parent, node.name)
        if instance is None:
            instance = MODELS[kind](**({"name": node.name} if kind != "measure" else {}))
        # The same objects on matched nodes too: saves and the audit trail ask each node for them.
        instance.enterprise = enterprise
        if kind != "object":
            setattr(instance, PARENT_FIELD[kind], parent)
        node.instance = instance
        if node.failed:
            continue
        before = _values(instance)
        exclude = ["enterprise", PARENT_FIELD.get(kind, "enterprise")]
        if kind == "object":
            _fill_object(node, instance, present)
        elif kind == "measure":
            _fill_measure(node, instance, present)
        elif kind == "event":
            exclude.append("accident_category")  # looked up already; the model's check would query per event
            if not _fill_event(node, instance, present, errors):
                node.failed = True
                continue
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as e:
            _model_errors(node, e, errors)
            node.failed = True
            continue
        if kind == "event":
            _check_level(node, instance, errors)
        if instance.pk is None:
            node.status = "created"
        else:
            after = _values(instance)
            node.changed = [k for k in after if after[k] != before[k]]
            node.status = "updated" if node.changed else "unchanged"
    matched = {kind: set() for kind in KINDS}
    for node in walk(root):
        if node.instance is not None and node.instance.pk is not None:
            matched[node.kind].add(node.instance.pk)
    return {kind: [obj for pk, obj in existing.all[kind].items() if pk not in matched[kind]] for kind in KINDS}


# Import: the whole of it ----------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    errors: list = field(default_factory=list)  # RowError; str() = 第N行 字段: 原因
    counts: dict = field(default_factory=lambda: {kind: Counter() for kind in KINDS})  # kind → created/updated/unchanged/deleted/kept
    replace: bool = False

    @property
    def ok(self):
        return not self.errors

    @property
    def table(self):
        """[(label, created, updated, unchanged, deleted or kept)] per level, for the result page."""
        return [(KIND_LABELS[k], c["created"], c["updated"], c["unchanged"], c["deleted"], c["kept"]) for k, c in self.counts.items()]

    @property
    def deleted(self):
        return sum(c["deleted"] for c in self.counts.values())

    @property
    def kept(self):
        return sum(c["kept"] for c in self.counts.values())

    def summary(self, filename):
        """What the result page's table says, as text (a background job's summary)."""
        lines = [f"已导入 {filename}。"]
        for label, created, updated, unchanged, deleted, kept in self.table:
            rest = f"删除 {deleted}" if self.replace else f"文件中没有（保留） {kept}"
            lines.append(f"{label}：新增 {created}，更新 {updated}，无变化 {unchanged}，{rest}")
        return "\n".join(lines)


def import_list(uploaded_file, enterprise, user, replace=False, progress=imports.QUIET):
    """Import an uploaded risk list into `enterprise`; nothing is written unless the whole file is valid."""
    if not permissions.can_edit_risks(user, enterprise):
        raise PermissionDenied
    spec = LIST_SPEC
    categories = {}
    for c in AccidentCategory.objects.all():
        categories[c.code] = categories[c.name] = categories[str(c)] = c
        categories[str(int(c.code))] = c

    def category(value):
        text = cell_text(value)
        found = categories.get(text) or categories.get(re.sub(r"\s+", " ", text))
        if found is None:
            raise ValueError("应为 GB 6441 事故类别的名称或代码，如“火灾”或“08”")
        return found

    rows, errors = spec.read(uploaded_file, parsers={"accident_category": category})
    result = ImportResult(errors=errors, replace=replace)
    if rows:
        root = build_tree(rows, errors)
        present = {c.field for c in LIST_SPEC.columns if c.field in rows[0]}  # optional columns left out keep our values
        absent = resolve(root, enterprise, present, errors, progress)
        if not errors:
            progress.step("正在写入数据库")
            try:
                _write(root, absent, enterprise, replace, result)
            except IntegrityError:
                result.counts = {kind: Counter() for kind in KINDS}
                errors.append(RowError(None, "", "导入期间清单已被他人修改（出现了同名条目），未导入任何数据，请重新导入"))
    result.errors.sort(key=lambda e: e.sort_key)
    return result


@transaction.atomic
def _write(root, absent, enterprise, replace, result):
    for node in walk(root):
        instance, counts = node.instance, result.counts[node.kind]
        counts[node.status] += 1
        if node.status == "unchanged":
            continue
        instance._audit_action = AuditAction.IMPORT
        instance._audit_message = "导入风险清单：" + ("新增" if node.status == "created" else "修改")
        if node.status == "created":
            instance.save()
        else:
            instance.save(update_fields=node.changed)
    key = "deleted" if replace else "kept"
    for kind in KINDS:
        result.counts[kind][key] += len(absent[kind])
    if replace:
        # The topmost absent nodes; their subtrees (absent too) go with them.
        gone = {kind: {obj.pk for obj in absent[kind]} for kind in KINDS}
        for kind in KINDS:
            parent = PARENT_FIELD.get(kind)
            for obj in absent[kind]:
                if parent is None or getattr(obj, f"{parent}_id") not in gone[parent]:
                    obj.enterprise = enterprise
                    obj.delete()


# 表3 风险辨识分级管控登记表 ---------------------------------------------------------------------------------------

TABLE3_TITLE = "风险辨识分级管控登记表"
TABLE3_HEADERS = ["序号", "风险名称", "区域、部位或作业活动", "危险危害表现形式描述", "类别", "高危工序名称", "时态", "状态",
                  "风险等级", "管控措施", "控制部门", "责任人", "备注"]
TABLE3_NOTES = ["时态：过去、现在、将来", "状态：正常、异常、紧急", "风险等级：依照 191 号令第九条分为 4 级，重大风险、较大风险、一般风险、低风险"]
LEVEL_FILLS = {"red": "D63939", "orange": "F76707", "yellow": "F59F00", "blue": "206BC4"}


def table3_events(enterprise):
    """The enterprise's risk events in list order, each with `place` (对象 / 单元 / 危险源); two queries."""
    events = list(
        RiskEvent.objects.filter(enterprise=enterprise)
        .select_related("source__unit__object", "accident_category")
        .prefetch_related("measures")
        .order_by("source__unit__object_id", "source__unit_id", "source_id", "id")
    )
    for ev in events:
        unit = ev.source.unit
        ev.place = f"{unit.object.name} / {unit.name} / {ev.source.name}"
    return events


def _table3_cells(number, ev):
    o = ev.source.unit.object
    measures = "\n".join(f"{i}. {m.content}" for i, m in enumerate(ev.measures.all(), 1))
    return [number, ev.name, ev.place, ev.description, ev.accident_category.name if ev.accident_category_id else "",
            ev.procedure, ev.get_tense_display(), ev.get_state_display(), ev.get_level_display(), measures,
            o.department, o.person, ev.note]


def table3_workbook(enterprise, events):
    """表3 as a printable sheet: title, 填表单位, the 13 columns, one row per risk event, the form's notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = TABLE3_TITLE
    width = len(TABLE3_HEADERS)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append([TABLE3_TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.append([f"填表单位：{enterprise.name}"] + [None] * 8 + [f"导出日期：{timezone.localdate():%Y-%m-%d}"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=9)
    ws.merge_cells(start_row=2, start_column=10, end_row=2, end_column=width)
    ws.cell(row=2, column=10).alignment = Alignment(horizontal="right")
    ws.append(TABLE3_HEADERS)
    for cell in ws[3]:
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, ev in enumerate(events, 1):
        ws.append(_table3_cells(number, ev))
        for cell in ws[ws.max_row]:
            cell.border, cell.alignment = border, wrap
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # user text, never a formula
        color = LEVEL_FILLS.get(COLORS.get(ev.level))
        if color:
            level_cell = ws.cell(row=ws.max_row, column=9)
            level_cell.fill = PatternFill("solid", fgColor=color)
            level_cell.font = Font(bold=True, color="FFFFFF")
    ws.append([])
    for note in TABLE3_NOTES:
        ws.append([note])
    for letter, w in zip("ABCDEFGHIJKLM", (6, 20, 28, 24, 10, 12, 6, 6, 10, 40, 12, 10, 14), strict=False):
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return wb


def table3_pdf(enterprise, events):
    """表3 as an A4 landscape PDF (WeasyPrint, the embedded CJK font of the placards)."""
    return render_pdf("risks/table3_pdf.html", {
        "e": enterprise, "events": events, "title": TABLE3_TITLE, "headers": TABLE3_HEADERS, "notes": TABLE3_NOTES,
        "today": timezone.localdate(),
    })
