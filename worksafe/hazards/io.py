"""Hazards as spreadsheets: the regulators' list exports, 表4 重大隐患排查治理统计表 and 辅助表1 重大隐患整改治理台账
(seed 000), laid out like the paper forms.

The list exports are declared with their pages (views_scope, core.lists); 表4 and 辅助表1 are printable sheets with
a title, 单位名称, borders and merged cells. 辅助表1's grid is written once (LEDGER_ROWS) and drawn by both the web
page and the sheet.
"""
import re

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from worksafe.core.display import display_value
from worksafe.core.xlsx import HEADER_FILL

from . import deadlines
from .models import Hazard


def _field(name):
    return Hazard._meta.get_field(name)


def due_text(hazard, today=None):
    status = deadlines.due_status(hazard.deadline, today, hazard.is_open)
    return deadlines.labels()[status] if status else ("已销号" if not hazard.is_open else "未设期限")


# 辅助表1's fields in the form's order (the grid below), one row per hazard, then the closed loop's.
LEDGER_FIELDS = [
    "name", "found_on", "place", "level", "kind", "substance", "content", "possible_loss", "possible_casualties",
    "surroundings", "precautions", "method", "requirements", "planned_completion", "current_status", "planned_funds",
    "actual_funds", "completed_on", "evaluation", "filled_by", "filled_on", "reviewed_by",
]


# 表4 ---------------------------------------------------------------------------------------------------------

TABLE4_TITLE = "表4 重大隐患排查治理统计表"
TABLE4_FIELDS = ["found_on", "name", "place", "content", "category", "level", "precautions", "requirements"]
TABLE4_HEADERS = ["序号", *[str(_field(f).verbose_name) for f in TABLE4_FIELDS]]
TABLE4_NOTES = ["隐患排查时间：精确到日。", "隐患类别：参照省执法监管平台现有分类。",
                "隐患级别：（191 号令分为 2 类）一般隐患、重大隐患。本表只统计重大隐患。"]
TABLE4_WIDTHS = (6, 12, 24, 18, 36, 22, 10, 36, 30)

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")


def text(hazard, name):
    """A field as the forms print it: choice labels, dates, — for blanks."""
    f = _field(name)
    if f.is_relation:  # 隐患类别: the caller selected it with the hazards
        return str(getattr(hazard, name) or "—")
    value = display_value(f, f.value_from_object(hazard))
    return str(value)


def table4_cells(number, hazard):
    return [number, *[text(hazard, f) for f in TABLE4_FIELDS]]


def _title(ws, title, unit, width):
    """A form's title row and its 单位名称 row (with the export date on the right)."""
    ws.append([title])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    cell = ws.cell(row=ws.max_row, column=1)
    cell.font, cell.alignment = Font(bold=True, size=16), Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[ws.max_row].height = 30
    split = max(1, width - 2)
    ws.append([f"单位名称：{unit}"] + [None] * (split - 1) + [f"导出日期：{timezone.localdate():%Y-%m-%d}"])
    row = ws.max_row
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=split)
    if width > split + 1:
        ws.merge_cells(start_row=row, start_column=split + 1, end_row=row, end_column=width)
    ws.cell(row=row, column=split + 1).alignment = Alignment(horizontal="right")


def _plain(cell):
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"  # user text, never a formula


def _landscape(ws):
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def table4_workbook(enterprise, hazards):
    """表4 as a printable sheet: title, 单位名称, the 9 columns, a row per major hazard, the form's notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "表4"
    width = len(TABLE4_HEADERS)
    _title(ws, TABLE4_TITLE, enterprise.name, width)
    ws.append(TABLE4_HEADERS)
    for cell in ws[ws.max_row]:
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_row = ws.max_row
    for number, hazard in enumerate(hazards, 1):
        ws.append(table4_cells(number, hazard))
        for cell in ws[ws.max_row]:
            cell.border, cell.alignment = BORDER, WRAP
            _plain(cell)
    ws.append([])
    for note in TABLE4_NOTES:
        ws.append([note])
    for i, w in enumerate(TABLE4_WIDTHS, 1):
        ws.column_dimensions[chr(64 + i)].width = w
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    _landscape(ws)
    return wb


# 辅助表1 -------------------------------------------------------------------------------------------------------

LEDGER_TITLE = "辅助表1 重大隐患整改治理台账"
LEDGER_COLUMNS = 6
# The paper form's grid: each row is (field, columns its value spans); each label takes one column.
LEDGER_ROWS = [
    [("name", 3), ("found_on", 1)],
    [("place", 5)],
    [("level", 1), ("kind", 1), ("substance", 1)],
    [("content", 5)],
    [("possible_loss", 1), ("possible_casualties", 1), ("surroundings", 1)],
    [("precautions", 5)],
    [("method", 5)],
    [("requirements", 5)],
    [("planned_completion", 1), ("current_status", 3)],
    [("planned_funds", 1), ("actual_funds", 1), ("completed_on", 1)],
    [("evaluation", 5)],
]
LEDGER_FOOTER = ["filled_by", "filled_on", "reviewed_by"]
LONG_TEXT = {"content", "precautions", "method", "requirements", "evaluation"}


def ledger_title(hazard):
    return LEDGER_TITLE if hazard.is_major else "隐患整改治理台账"


def ledger_grid(hazard):
    """[[{label, value, span, long}]] for the page and the sheet, in the form's order."""
    return [
        [{"label": str(_field(name).verbose_name), "value": text(hazard, name), "span": span, "long": name in LONG_TEXT}
         for name, span in row]
        for row in LEDGER_ROWS
    ]


def ledger_footer(hazard):
    return [(str(_field(name).verbose_name), text(hazard, name)) for name in LEDGER_FOOTER]


def _ledger_sheet(ws, hazard):
    _title(ws, ledger_title(hazard), hazard.enterprise.name, LEDGER_COLUMNS)
    label_font = Font(bold=True)
    label_align = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in ledger_grid(hazard):
        r = ws.max_row + 1
        column = 1
        tall = False
        for cell in row:
            label = ws.cell(row=r, column=column, value=cell["label"])
            label.font, label.fill, label.alignment = label_font, HEADER_FILL, label_align
            value = ws.cell(row=r, column=column + 1, value=cell["value"])
            value.alignment = WRAP
            _plain(value)
            if cell["span"] > 1:
                ws.merge_cells(start_row=r, start_column=column + 1, end_row=r, end_column=column + cell["span"])
            column += 1 + cell["span"]
            tall = tall or cell["long"] or len(cell["value"]) > 24
        for c in range(1, LEDGER_COLUMNS + 1):
            ws.cell(row=r, column=c).border = BORDER
        ws.row_dimensions[r].height = 60 if tall else 30
    ws.append([])
    ws.append(["    ".join(f"{label}：{value if value != '—' else ''}" for label, value in ledger_footer(hazard))])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=LEDGER_COLUMNS)
    for letter, w in zip("ABCDEF", (16, 22, 14, 18, 14, 22), strict=False):
        ws.column_dimensions[letter].width = w
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def ledger_workbook(hazard):
    wb = Workbook()
    ws = wb.active
    ws.title = "辅助表1"
    _ledger_sheet(ws, hazard)
    return wb


SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\']")


def ledger_workbook_all(enterprise, hazards):
    """One 辅助表1 sheet per hazard (named by its number and name), after a 目录 sheet listing them."""
    wb = Workbook()
    index = wb.active
    index.title = "目录"
    _title(index, f"{LEDGER_TITLE}（目录）", enterprise.name, 5)
    index.append(["序号", "工作表", "隐患名称", "隐患排查时间", "整改状态"])
    for cell in index[index.max_row]:
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
    for number, hazard in enumerate(hazards, 1):
        name = f"{number}.{SHEET_NAME_BAD.sub('', hazard.name)}"[:31]
        _ledger_sheet(wb.create_sheet(name), hazard)
        index.append([number, name, hazard.name, text(hazard, "found_on"), hazard.get_state_display()])
        for cell in index[index.max_row]:
            cell.border = BORDER
            _plain(cell)
    for letter, w in zip("ABCDE", (6, 24, 36, 14, 10), strict=False):
        index.column_dimensions[letter].width = w
    return wb
