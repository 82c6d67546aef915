"""Registration tables as xlsx: one filled table laid out as the form (label, value, unit; groups as small tables),
and one table kind for many enterprises (one row each; each repeating group also on its own sheet, one row per block)."""
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from worksafe.core.display import region_label
from worksafe.core.xlsx import HEADER_FILL, HEADER_FONT, header_cells, safe_cell

from .fields import Group

TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
ENTERPRISE_COLUMNS = ["企业名称", "统一社会信用代码", "属地", "行业分类", "填写状态", "更新时间"]


def _styled(ws, value, font=None, fill=None, wrap=False):
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if wrap:
        cell.alignment = WRAP
    return cell


def form_workbook(table, enterprise, registration):
    """The filled table on one sheet, in the order and sections of the paper form."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.short[:31])
    for letter, width in zip("ABCDEFGHIJ", (34, 40, 14, 16, 16, 16, 16, 16, 16, 16), strict=False):
        ws.column_dimensions[letter].width = width
    data = registration.data
    ws.append([_styled(ws, table.title, TITLE_FONT)])
    ws.append([_styled(ws, f"{table.form}　企业：{enterprise.name}（{enterprise.uscc}）　更新时间："
                           f"{timezone.localtime(registration.updated_at):%Y-%m-%d %H:%M}")])
    for title, fields in table.sections:
        ws.append([])
        ws.append([_styled(ws, title, HEADER_FONT, HEADER_FILL)])
        for f in fields:
            if not f.shown(data):
                continue
            if isinstance(f, Group):
                ws.append([_styled(ws, f"{f.label}（共 {len(f.rows(data))} 个{f.item}）", HEADER_FONT)])
                headers = [h for g in f.fields for h, _ in g.cells({})]
                ws.append(["序号", *header_cells(ws, headers)])
                for n, item in enumerate(f.rows(data), start=1):
                    ws.append([n, *[safe_cell(ws, v) for g in f.fields for _, v in g.cells(item)]])
                continue
            value = f.cells(data)[0][1] if f.type in ("integer", "number", "date", "coordinate") else (f.text(data) or None)
            unit = f.unit_of(data) if f.type == "number" else f.unit
            ws.append([_styled(ws, f.label, wrap=True), _styled(ws, value, wrap=True), unit or None])
    if table.notes:
        ws.append([])
        ws.append([_styled(ws, "说明", HEADER_FONT)])
        for n, note in enumerate(table.notes, start=1):
            ws.append([f"{n}. {note}"])
    return wb


def bulk_workbook(table, enterprises):
    """`enterprises` (iterated once) carry `registration_data` / `registration_updated` (None when not filled in)."""
    wb = Workbook(write_only=True)
    main = wb.create_sheet(table.short[:31])
    main.freeze_panes = "C2"
    main.append(header_cells(main, ENTERPRISE_COLUMNS + [h for f in table.fields for h, _ in f.cells({})]))
    sheets = {}
    for g in table.groups:
        ws = sheets[g.key] = wb.create_sheet(g.label[:31])
        ws.freeze_panes = "C2"
        ws.append(header_cells(ws, ["企业名称", "统一社会信用代码", "序号"] + [h for f in g.fields for h, _ in f.cells({})]))
    for e in enterprises:
        data = e.registration_data or {}
        updated = e.registration_updated and timezone.localtime(e.registration_updated).replace(tzinfo=None, microsecond=0)
        head = [e.name, e.uscc, region_label(e.region), e.industry.name, "已填写" if e.registration_data is not None else "未填写", updated]
        main.append([safe_cell(main, v) for v in head] +
                    [safe_cell(main, v) if f.shown(data) else None for f in table.fields for _, v in f.cells(data)])
        for g in table.groups:
            ws = sheets[g.key]
            for n, item in enumerate(g.rows(data), start=1):
                ws.append([safe_cell(ws, e.name), e.uscc, n, *[safe_cell(ws, v) for f in g.fields for _, v in f.cells(item)]])
    return wb
