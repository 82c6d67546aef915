"""The ledgers as xlsx, in the layouts of 辅助表2 (年度生产安全事故（件）统计表) and 辅助表4 (年处罚和惩戒信息统计表)."""
from openpyxl import Workbook
from openpyxl.styles import Font

from worksafe.core.xlsx import HEADER_FILL, HEADER_FONT

TITLE = Font(bold=True, size=14)
ACCIDENT_HEADERS = ["月份", "发生时间", "事故（件）名称", "事故（件）类别", "死亡（人）", "重伤（人）", "轻伤（人）",
                    "直接经济损失（万元）", "事故类别", "事故类型（GB 6441）", "统计人"]
PENALTY_HEADERS = ["序号", "实施日期", "处罚（惩戒）种类", "实施部门", "事由", "闭环管理情况"]


def _sheet(title, e, headers, widths):
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = TITLE
    ws.append([f"单位名称：{e.name}（{e.uscc}）"])
    ws.append(headers)
    for cell in ws[3]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    return wb, ws


def _append(ws, values):
    """A row whose user text stays text: a leading "=" must not become a formula."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"
        if hasattr(cell.value, "year"):
            cell.number_format = "yyyy-mm-dd"


def accident_workbook(e, year, months, total):
    wb, ws = _sheet(f"{year}年度生产安全事故（件）统计表", e, ACCIDENT_HEADERS, (6, 12, 30, 10, 8, 8, 8, 14, 10, 16, 10))
    for m in months:
        if not m.rows:
            ws.append([f"{m.month:02d}", None, None, None, 0, 0, 0, 0])
        for a in m.rows:
            _append(ws, [f"{m.month:02d}", a.occurred_on, a.name, a.get_kind_display(), a.deaths, a.serious_injuries,
                         a.minor_injuries, float(a.direct_loss), a.get_category_display(),
                         a.gb_category.name if a.gb_category else None, a.recorded_by])
    ws.append(["合计", None, f"事故 {total.accidents} 起，事件 {total.incidents} 起", None, total.deaths,
               total.serious_injuries, total.minor_injuries, float(total.direct_loss)])
    for cell in ws[ws.max_row]:
        cell.font = HEADER_FONT
    return wb


def penalty_workbook(e, year, rows, totals):
    wb, ws = _sheet(f"{year}年处罚和惩戒信息统计表", e, PENALTY_HEADERS, (6, 12, 30, 24, 40, 12))
    for n, p in enumerate(rows, start=1):
        _append(ws, [f"{n:02d}", p.imposed_on, p.get_kind_display(), p.department, p.reason, p.get_state_display()])
    ws.append(["合计", None, f"处罚总数 {totals['penalties']}，惩戒总数 {totals['sanctions']}"])
    for cell in ws[ws.max_row]:
        cell.font = HEADER_FONT
    return wb
