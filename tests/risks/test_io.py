"""The risk list as xlsx (附件2 layout: export, template, all-or-nothing import) and 表3 (page, xlsx, PDF)."""
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.codes.helpers import pdf_fonts, pdf_page_size, pdf_text, write
from tests.factories import create_risk_list
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.risks import io as risk_io
from worksafe.risks.models import ControlMeasure, HazardSource, RiskEvent, RiskObject, RiskUnit

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [c.header for c in risk_io.COLUMNS[:14]]
ALL_HEADERS = [c.header for c in risk_io.COLUMNS]
MODELS = (RiskObject, RiskUnit, HazardSource, RiskEvent, ControlMeasure)
TIER_ERROR = "应为以下之一：公司级（厂级）、车间级、班组级、岗位级"
FREQUENCY_ERROR = "应为“数字+单位”，如 1天、2周、1班、每班、1个月、1季度、1年（单位：班、天、周、月、季度、年）"

# Seed 004, 附件2, as the sample lays it out: a continuation row (columns 1–9 blank) for the second measure of risk 1,
# blank 对象 … 危险源 cells for "as above", a second hazard source, and a numbered empty row at the end.
SAMPLE = [
    [1, "甲醇罐区", "安环部", "张XX", "甲醇罐区微单元", "危险源1", "泄漏造成火灾", "重大风险", "爆炸、火灾", "工程技术", "对液位进行巡检",
     "厂级", "李XX", "1天"],
    [None] * 9 + ["个体防护", "带口罩", None, "李XX", None],
    [2, None, None, None, None, None, "检修作业高空坠落", "一般风险", "高处坠落", "操作行为", "高处作业系挂安全带", "班组级", "检修工(王五)", "每班"],
    [3, None, None, None, None, "危险源2", "管道腐蚀泄漏中毒", "较大风险", "中毒", "维护保养", "定期测厚检查", "车间", "设备员（赵六）", "1个月"],
    [4] + [None] * 13,
]


def urls(pk):
    return {name: reverse(f"risks:{name}", args=[pk])
            for name in ("register_export", "register_template", "register_import", "table3_detail", "table3_xlsx", "table3_pdf")}


def to_bytes(wb):
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet(rows, headers=HEADERS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    return to_bytes(wb)


def full_row(**cells):
    """A row of the full layout from {header: value}."""
    return [cells.get(h) for h in ALL_HEADERS]


def upload(client, enterprise, data, replace=False):
    payload = {"file": SimpleUploadedFile("清单.xlsx", data, content_type=XLSX)}
    if replace:
        payload["replace"] = "on"
    return client.post(reverse("risks:register_import", args=[enterprise.pk]), payload)


def imported(response):
    """The result of an import that must have succeeded (its errors shown when it did not)."""
    assert response.status_code == 200
    assert "result" in response.context, [str(e) for e in response.context["errors"]]
    return response.context["result"]


def errors_of(response):
    assert response.status_code == 200
    return [str(e) for e in response.context["errors"]]


def downloaded(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    return b"".join(response.streaming_content)


def rows_of(data, sheet_index=0):
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[sheet_index]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def row_counts():
    return tuple(model.objects.count() for model in MODELS) + (ChangeRecord.objects.count(),)


def dump(enterprise):
    """Every field of an enterprise's list, keyed by path instead of ids: equal dumps are equal lists."""
    out = []
    for o in RiskObject.objects.filter(enterprise=enterprise).order_by("id"):
        out.append(("object", o.name, o.kind, o.department, o.person))
        for u in o.units.order_by("id"):
            out.append(("unit", o.name, u.name, u.map_x, u.map_y))
            for s in u.sources.order_by("id"):
                out.append(("source", o.name, u.name, s.name))
                for ev in s.events.order_by("id"):
                    out.append(("event", o.name, u.name, s.name, ev.name, ev.description, ev.accident_category_id, ev.consequence,
                                ev.tense, ev.state, ev.procedure, ev.method, ev.lec_l, ev.lec_e, ev.lec_c, ev.ls_l, ev.ls_s,
                                ev.value, ev.level, ev.reason, ev.key_control, ev.note, ev.enterprise_id == enterprise.pk))
                    for m in ev.measures.order_by("id"):
                        out.append(("measure", o.name, u.name, s.name, ev.name, m.category, m.content, m.tier, m.post,
                                    m.person, m.frequency_value, m.frequency_unit, m.enterprise_id == enterprise.pk))
    return out


def richer_list(enterprise):
    """create_risk_list plus what a round trip must keep: LS and direct grading, a post-only measure, empty nodes."""
    tree = create_risk_list(enterprise)
    tree["object"].kind = "place"
    tree["object"].save()
    ls = RiskEvent(source=tree["source"], enterprise=enterprise, name="储罐超压", method="ls", ls_l=4, ls_s=4,
                   consequence="爆炸", accident_category_id="17", tense="future", state="abnormal", procedure="充装作业",
                   description="安全阀失效时超压", note="=备注不是公式")
    ls.full_clean(exclude=["enterprise", "source"])
    ls.save()
    ControlMeasure.objects.create(event=ls, enterprise=enterprise, category="management", content="压力联锁每季度校验",
                                  tier="workshop", post="仪表工", person="", frequency_value=1, frequency_unit="quarter")
    ControlMeasure.objects.create(event=ls, enterprise=enterprise, category="training", content="培训",
                                  tier="team", post="", person="", frequency_value=2, frequency_unit="week")
    direct = RiskEvent(source=tree["source"], enterprise=enterprise, name="雷击", method="direct", level="high",
                       reason="构成较大风险的直接判定情形")
    direct.full_clean(exclude=["enterprise", "source"])
    direct.save()
    empty_object = RiskObject.objects.create(enterprise=enterprise, name="仓库", kind="facility", department="仓储部")
    RiskUnit.objects.create(object=tree["object"], name="空单元")
    HazardSource.objects.create(unit=tree["unit2"], name="空危险源")
    tree.update(ls=ls, direct=direct, empty_object=empty_object)
    return tree


# The sample's layout --------------------------------------------------------------------------------------------


def test_it_imports_the_sample_list_as_laid_out(login, users, enterprise):
    response = upload(login(users["owner"]), enterprise, sheet(SAMPLE))
    assert response.status_code == 200
    assert response.context["result"].ok, response.context.get("errors")
    [o] = RiskObject.objects.filter(enterprise=enterprise)
    assert (o.name, o.department, o.person) == ("甲醇罐区", "安环部", "张XX")
    [unit] = o.units.all()
    assert unit.name == "甲醇罐区微单元"
    assert [s.name for s in unit.sources.order_by("id")] == ["危险源1", "危险源2"]
    fire, fall = RiskEvent.objects.filter(source__name="危险源1").order_by("id")
    [poison] = RiskEvent.objects.filter(source__name="危险源2")
    assert (fire.name, fire.level, fire.consequence, fire.method, fire.reason) == (
        "泄漏造成火灾", "major", "爆炸、火灾", "direct", "按风险清单导入确定的等级")
    assert (fall.name, fall.level, poison.name, poison.level) == ("检修作业高空坠落", "medium", "管道腐蚀泄漏中毒", "high")
    measures = [(m.category, m.content, m.tier, m.post, m.person, m.frequency_value, m.frequency_unit) for m in fire.measures.order_by("id")]
    # The continuation row's blank 层级 and 频次 are those of the measure above (merged cells in the sample).
    assert measures == [("engineering", "对液位进行巡检", "company", "", "李XX", 1, "day"),
                        ("ppe", "带口罩", "company", "", "李XX", 1, "day")]
    [m] = fall.measures.all()
    assert (m.category, m.tier, m.post, m.person, m.frequency_value, m.frequency_unit) == ("operation", "team", "检修工", "王五", 1, "shift")
    [m] = poison.measures.all()
    assert (m.tier, m.post, m.person, m.frequency_value, m.frequency_unit) == ("workshop", "设备员", "赵六", 1, "month")
    assert all(x.enterprise_id == enterprise.pk for x in [unit, fire, fall, poison, m])
    enterprise.refresh_from_db()
    assert (enterprise.risk_grade, enterprise.risk_major, enterprise.risk_high, enterprise.risk_medium) == ("major", 1, 1, 1)
    # Ordinary saves: the audit trail has every new node, as an import by the user.
    records = ChangeRecord.objects.filter(enterprise_id=enterprise.pk, action=AuditAction.IMPORT)
    assert records.count() == 1 + 1 + 2 + 3 + 4
    assert {r.user_id for r in records} == {users["owner"].pk}
    html = response.content.decode()
    assert "安全风险分级管控清单导入完成" in html
    table = response.context["result"].table
    assert [row[:2] for row in table] == [("安全风险分析对象", 1), ("安全风险分析单元", 1), ("危险源", 2), ("安全风险", 3), ("风险管控措施", 4)]


@pytest.mark.parametrize("text, expected", [
    ("1天", (1, "day")), ("2周", (2, "week")), ("1班", (1, "shift")), ("每班", (1, "shift")), ("每天", (1, "day")),
    ("1个月", (1, "month")), ("1月", (1, "month")), ("1季度", (1, "quarter")), ("1年", (1, "year")), ("3 天", (3, "day")),
])
def test_it_reads_check_frequencies(text, expected):
    assert risk_io.parse_frequency(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("操作工(李四)", ("操作工", "李四")), ("操作工（李四）", ("操作工", "李四")), ("李XX", ("", "李XX")), ("操作工()", ("操作工", "")),
])
def test_it_reads_post_and_person(text, expected):
    assert risk_io.parse_post_person(text) == expected
    post, person = expected
    assert risk_io.parse_post_person(risk_io.format_post_person(post, person)) == expected


def test_the_template_has_the_columns_the_instructions_and_the_sample(login, users, enterprise):
    data = downloaded(login(users["owner"]).get(urls(enterprise.pk)["register_template"]))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:3] == ["安全风险分级管控清单", "填写说明", "示例"]
    assert [c.value for c in wb.worksheets[0][1]] == ALL_HEADERS
    assert wb.worksheets[0].max_row == 1  # nothing to import by mistake
    help_text = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "前 9 列（序号至安全风险事件）留空" in help_text and "删除清单中没有的条目" in help_text
    example = [r for r in wb["示例"].iter_rows(values_only=True)]
    assert list(example[0]) == HEADERS
    assert example[1][:8] == (1, "甲醇罐区", "安环部", "张XX", "甲醇罐区微单元", "危险源1", "泄漏造成火灾", "重大风险")
    # The sample imports as it stands.
    assert upload(login(users["owner"]), enterprise, sheet(example[1:])).context["result"].ok
    assert RiskEvent.objects.filter(enterprise=enterprise).count() == 3


# Export → import ------------------------------------------------------------------------------------------------


def test_export_is_the_sample_layout_with_continuation_rows(login, users, enterprise):
    tree = create_risk_list(enterprise)
    rows = rows_of(downloaded(login(users["jinshui"]).get(urls(enterprise.pk)["register_export"])))
    assert rows[0] == ALL_HEADERS
    core = [r[:14] for r in rows[1:]]
    assert core[0] == [1, "甲醇罐区", "安环部", "张三", "甲醇罐区微单元", "甲醇储罐", "泄漏造成火灾", "重大风险", "爆炸、火灾",
                       "工程技术", "对液位进行巡检", "公司级", "操作工(李四)", "1天"]
    assert core[1] == [None] * 9 + ["个体防护", "佩戴防毒口罩", "岗位级", "操作工(李四)", "1班"]
    assert core[2][:9] == [2, "甲醇罐区", "安环部", "张三", "检修平台", "检修作业", "检修作业高空坠落", "低风险", "高处坠落"]
    assert core[2][9:] == [None] * 5  # no measures yet
    first = dict(zip(ALL_HEADERS, rows[1], strict=False))
    assert (first["评价方法"], first["L"], first["E"], first["C"], first["类别"], first["重点管控"]) == ("LEC法", 3, 6, 40, "火灾", "是")
    assert tree["event"].value == Decimal("720")


def test_export_then_import_reproduces_the_list(login, users, enterprise, other_enterprise):
    richer_list(enterprise)
    data = downloaded(login(users["owner"]).get(urls(enterprise.pk)["register_export"]))
    original = dump(enterprise)
    assert len(original) == 16  # 2 objects, 3 units, 3 sources, 4 events, 4 measures
    # Into another enterprise (its own administrator): the same list, field for field.
    response = upload(login(users["outsider"]), other_enterprise, data)
    assert response.context["result"].ok, response.context.get("errors")
    assert dump(other_enterprise) == original
    # Back into the same one: nothing to do, nothing recorded.
    before = row_counts()
    response = upload(login(users["owner"]), enterprise, data, replace=True)
    result = response.context["result"]
    assert result.ok and sum(c["created"] + c["updated"] + c["deleted"] for c in result.counts.values()) == 0
    assert row_counts() == before and dump(enterprise) == original


def test_an_import_updates_matched_nodes_and_keeps_their_history(login, users, enterprise):
    tree = create_risk_list(enterprise)
    RiskUnit.objects.filter(pk=tree["unit"].pk).update(map_x=0.25, map_y=0.5)  # the four-colour map's, not the file's
    data = downloaded(login(users["owner"]).get(urls(enterprise.pk)["register_export"]))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    col = {c.value: c.column for c in ws[1]}
    for r in (2, 4):  # every row naming the object states its department
        ws.cell(row=r, column=col["责任部门"]).value = "生产部"
    ws.cell(row=2, column=col["C"]).value = 7  # 3 × 6 × 7 = 126: 一般风险
    ws.cell(row=2, column=col["安全风险等级"]).value = "一般风险"
    ws.cell(row=2, column=col["重点管控"]).value = "否"
    ws.cell(row=3, column=col["排查频次"]).value = "2班"
    result = imported(upload(login(users["owner"]), enterprise, to_bytes(wb)))
    assert [c["updated"] for c in result.counts.values()] == [1, 0, 0, 1, 1]
    ev = RiskEvent.objects.get(pk=tree["event"].pk)
    assert (ev.lec_c, ev.value, ev.level, ev.method) == (Decimal("7.0"), Decimal("126.00"), "medium", "lec")
    m = ControlMeasure.objects.get(pk=tree["measures"][1].pk)  # the same row, not a new one
    assert (m.frequency_value, m.frequency_unit) == (2, "shift")
    assert RiskObject.objects.get(pk=tree["object"].pk).department == "生产部"
    assert RiskUnit.objects.filter(enterprise=enterprise).get(pk=tree["unit"].pk).map_x == 0.25
    change = ChangeRecord.objects.get(content_type=ContentType.objects.get_for_model(RiskEvent), object_id=str(ev.pk),
                                      action=AuditAction.IMPORT)
    assert change.before["level"] == "major" and change.after["level"] == "medium"
    enterprise.refresh_from_db()
    assert (enterprise.risk_major, enterprise.risk_medium, enterprise.risk_low) == (0, 1, 1)


def test_a_sample_only_file_keeps_the_grading_it_agrees_with(login, users, enterprise):
    tree = create_risk_list(enterprise)
    data = downloaded(login(users["owner"]).get(urls(enterprise.pk)["register_export"]))
    rows = [r[:14] for r in rows_of(data)[1:]]
    rows[2][7] = "较大风险"  # 检修作业高空坠落: LEC says 低风险, the file now says 较大
    response = upload(login(users["owner"]), enterprise, sheet(rows))
    assert response.context["result"].ok, response.context.get("errors")
    ev = RiskEvent.objects.get(pk=tree["event"].pk)
    assert (ev.method, ev.lec_l, ev.level, ev.key_control, ev.accident_category_id) == ("lec", Decimal("3.0"), "major", True, "08")
    ev2 = RiskEvent.objects.get(pk=tree["event2"].pk)
    assert (ev2.method, ev2.level, ev2.reason, ev2.lec_l) == ("direct", "high", "按风险清单导入确定的等级", None)


def test_replace_mode_deletes_what_the_file_does_not_have(login, users, enterprise):
    tree = create_risk_list(enterprise)
    keep = [[1, "甲醇罐区", "安环部", "张三", "甲醇罐区微单元", "甲醇储罐", "泄漏造成火灾", "重大风险", "爆炸、火灾",
             "工程技术", "对液位进行巡检", "公司级", "操作工(李四)", "1天"]]
    client = login(users["owner"])
    response = upload(client, enterprise, sheet(keep))
    result = response.context["result"]
    assert result.ok and not result.replace and result.kept == 4  # unit 检修平台, its source and event, one measure
    assert "系统中有而文件中没有的 4 个条目已保留" in response.content.decode()
    assert row_counts()[:5] == (1, 2, 2, 2, 2)

    response = upload(client, enterprise, sheet(keep), replace=True)
    result = response.context["result"]
    assert result.ok and result.deleted == 4
    assert [c["deleted"] for c in result.counts.values()] == [0, 1, 1, 1, 1]
    assert "已删除清单中没有的条目 4 个" in response.content.decode()
    assert row_counts()[:5] == (1, 1, 1, 1, 1)
    assert not RiskUnit.objects.filter(pk=tree["unit2"].pk).exists()
    assert ControlMeasure.objects.get().pk == tree["measures"][0].pk
    assert ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(RiskEvent), object_id=str(tree["event2"].pk),
                                       action=AuditAction.DELETE).exists()
    enterprise.refresh_from_db()
    assert (enterprise.risk_major, enterprise.risk_low) == (1, 0)


# Bad files ------------------------------------------------------------------------------------------------------

RISK = [1, "甲醇罐区", "安环部", "张XX", "甲醇罐区微单元", "危险源1", "泄漏造成火灾", "重大风险", "爆炸、火灾", "工程技术", "对液位进行巡检", "厂级",
        "李XX", "1天"]


def changed(row, **by_header):
    row = list(row)
    for header, value in by_header.items():
        row[HEADERS.index(header)] = value
    return row


BAD_FILES = {
    "unknown tier": ([RISK, [None] * 9 + ["个体防护", "带口罩", "部门级", "李XX", None]],
                     [f"第3行 风险管控层级: {TIER_ERROR}"]),
    "bad frequency": ([changed(RISK, 排查频次="经常")], [f"第2行 排查频次: {FREQUENCY_ERROR}"]),
    "bad category": ([changed(RISK, 风险管控措施分类="技术")],
                     ["第2行 风险管控措施分类: 应为以下之一：工程技术、维护保养、操作行为、管理措施、培训教育、应急措施、个体防护"]),
    "bad level": ([changed(RISK, 安全风险等级="红色")], ["第2行 安全风险等级: 应为以下之一：重大风险、较大风险、一般风险、低风险"]),
    "missing 安全风险": ([RISK, changed(RISK, 序号=2, 安全风险=None, 安全风险等级="一般风险")], ["第3行 安全风险: 不能为空"]),
    "two levels for one risk": ([RISK, changed(RISK, 序号=2, 安全风险等级="一般风险", 风险管控措施="关闭阀门")],
                                ["第3行 安全风险等级: 与第2行不一致：同一安全风险“泄漏造成火灾”在第2行为“重大风险”，本行为“一般风险”"]),
    "two departments for one object": ([RISK, changed(RISK, 序号=2, 责任部门="生产部", 安全风险="泄漏中毒")],
                                       ["第3行 责任部门: 与第2行不一致：同一安全风险分析对象“甲醇罐区”在第2行为“安环部”，本行为“生产部”"]),
    "continuation without a risk above": ([[None] * 9 + ["个体防护", "带口罩", "厂级", "李XX", "1天"]],
                                          ["第2行 风险管控措施: 上方没有安全风险：前 9 列为空的行是上一个安全风险的又一条管控措施"]),
    "measure without its category": ([changed(RISK, 风险管控措施分类=None)], ["第2行 风险管控措施分类: 不能为空"]),
    "new object without a unit": ([RISK, changed(RISK, 安全风险分析对象="仓库", 安全风险分析单元=None)],
                                  ["第3行 安全风险分析单元: 不能为空"]),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_row_is_reported_and_nothing_is_written(login, users, enterprise, case):
    create_risk_list(enterprise)
    rows, expected = BAD_FILES[case]
    before, listed = row_counts(), dump(enterprise)
    response = upload(login(users["owner"]), enterprise, sheet(rows))
    assert errors_of(response) == expected
    assert "未导入任何数据" in response.content.decode()
    assert row_counts() == before and dump(enterprise) == listed


def full(**cells):
    base = dict(zip(HEADERS, RISK, strict=False))
    base.update(cells)
    return full_row(**base)


FULL_BAD_FILES = {
    "level contradicting LEC": ([full(评价方法="LEC法", L=3, E=6, C=40, 安全风险等级="一般风险")],
                                ["第2行 安全风险等级: 与评价结果不符：表中为“一般风险”，按 LEC法 D = 3 × 6 × 40 = 720，应为“重大风险”"]),
    "level contradicting LS": ([full(L=2, S=3, 安全风险等级="重大")],
                               ["第2行 安全风险等级: 与评价结果不符：表中为“重大风险”，按风险矩阵法 R = 2 × 3 = 6，应为“低风险”"]),
    "factor off the scale": ([full(评价方法="LEC", L=4, E=6, C=40)], ["第2行 L: LEC法的 L 应为 10、6、3、1、0.5、0.2、0.1 之一，而不是 4"]),
    "factor missing": ([full(评价方法="LEC法", L=3, E=6)], ["第2行 C: LEC 法须选择此项"]),
    "key control of a fall": ([full(**{"安全风险事件(最严重后果)": "高处坠落", "重点管控": "是"})],
                              ["第2行 重点管控: 只有最严重后果为爆炸、火灾、中毒或窒息的风险可列为重点管控"]),
    "unknown accident category": ([full(类别="地震")], ["第2行 类别: 应为 GB 6441 事故类别的名称或代码，如“火灾”或“08”"]),
    "event columns in a continuation row": ([full(), full_row(风险管控措施="带口罩", 风险管控措施分类="个体防护", 备注="x")],
                                            ["第3行 备注: 续行（前 9 列为空的行）只填写管控措施各列"]),
}


@pytest.mark.parametrize("case", FULL_BAD_FILES)
def test_graded_rows_are_checked_as_the_model_checks_them(login, users, enterprise, case):
    rows, expected = FULL_BAD_FILES[case]
    before = row_counts()
    response = upload(login(users["owner"]), enterprise, sheet(rows, ALL_HEADERS))
    assert errors_of(response) == expected
    assert row_counts() == before


def test_every_error_of_a_file_is_listed_at_once(login, users, enterprise):
    create_risk_list(enterprise)
    rows = [RISK, changed(RISK, 序号=2, 安全风险等级="一般风险", 风险管控措施="关闭阀门"), changed(RISK, 序号=3, 安全风险="b", 排查频次="常常"),
            changed(RISK, 序号=4, 安全风险="c", 风险管控层级="部门")]
    before = row_counts()
    response = upload(login(users["owner"]), enterprise, sheet(rows), replace=True)
    errors = errors_of(response)
    assert [e.split(" ")[0] for e in errors] == ["第3行", "第4行", "第5行"]
    assert row_counts() == before


def test_a_graded_file_imports_with_computed_levels(login, users, enterprise):
    rows = [full(评价方法=None, L=3, E=6, C=40, 安全风险等级=None, 类别="08", 重点管控="是"),
            full(序号=2, 安全风险="超压", 评价方法="风险矩阵法", L=4, S=5, 安全风险等级="重大风险", 风险管控措施="联锁"),
            full(序号=3, 安全风险="雷击", 安全风险等级="较大风险", 直接判定理由="构成较大风险的情形", 风险管控措施="避雷")]
    response = upload(login(users["owner"]), enterprise, sheet(rows, ALL_HEADERS))
    assert response.context["result"].ok, response.context.get("errors")
    fire, pressure, thunder = RiskEvent.objects.order_by("id")
    assert (fire.method, fire.value, fire.level, fire.key_control, fire.accident_category_id) == ("lec", Decimal("720.00"), "major", True, "08")
    assert (pressure.method, pressure.ls_l, pressure.ls_s, pressure.level) == ("ls", 4, 5, "major")
    assert (thunder.method, thunder.level, thunder.reason) == ("direct", "high", "构成较大风险的情形")


def test_headers_are_checked(login, users, enterprise):
    response = upload(login(users["owner"]), enterprise, sheet([RISK], HEADERS[:-1] + ["频次"]))
    assert errors_of(response) == ["第1行 表头: 缺少列：排查频次（请使用导入模板）", "第1行 表头: 无法识别的列：频次（请使用导入模板，勿修改表头）"]
    # Full-width parentheses in a header are the same column.
    headers = [h.replace("(", "（").replace(")", "）") for h in HEADERS]
    assert upload(login(users["owner"]), enterprise, sheet([RISK], headers)).context["result"].ok


# Scope ----------------------------------------------------------------------------------------------------------


def test_only_those_who_see_the_enterprise_reach_its_pages(login, users, enterprise, client):
    create_risk_list(enterprise)
    pages = urls(enterprise.pk)
    data = sheet([RISK])
    for who in ("erqi", "outsider"):
        c = login(users[who])
        for name, url in pages.items():
            assert c.get(url).status_code == 404, (who, name)
        assert upload(c, enterprise, data).status_code == 404
    c = login(users["jinshui"])
    for name in ("register_export", "register_template", "table3_detail", "table3_xlsx", "table3_pdf"):
        assert c.get(pages[name]).status_code == 200, name
    assert c.get(pages["register_import"]).status_code == 403
    before = row_counts()
    assert upload(c, enterprise, data).status_code == 403
    assert row_counts() == before
    c = login(users["owner"])
    assert c.get(pages["register_import"]).status_code == 200
    client.logout()
    assert client.get(pages["register_export"]).status_code == 302  # to the login page


# 表3 ----------------------------------------------------------------------------------------------------------------


def test_table3_page_lists_one_row_per_risk(login, users, enterprise):
    richer_list(enterprise)
    response = login(users["jinshui"]).get(urls(enterprise.pk)["table3_detail"])
    html = response.content.decode()
    assert html.count('data-testid="table3-row"') == 4
    for text in ("风险辨识分级管控登记表", "泄漏造成火灾", "甲醇罐区 / 甲醇罐区微单元 / 甲醇储罐", "对液位进行巡检", "安环部", "张三",
                 "安全阀失效时超压", "容器爆炸", "充装作业", "将来", "异常", 'data-level="major"', 'data-level="low"'):
        assert text in html, text


def test_table3_xlsx_has_the_form_columns_and_the_risks(login, users, enterprise):
    richer_list(enterprise)
    rows = rows_of(downloaded(login(users["jinshui"]).get(urls(enterprise.pk)["table3_xlsx"])))
    assert rows[0][0] == "风险辨识分级管控登记表"
    assert rows[1][0] == f"填表单位：{enterprise.name}"
    assert rows[2] == risk_io.TABLE3_HEADERS
    data = {r[1]: r for r in rows[3:7]}
    fire = data["泄漏造成火灾"]
    assert fire == [1, "泄漏造成火灾", "甲醇罐区 / 甲醇罐区微单元 / 甲醇储罐", None, "火灾", None, "现在", "正常", "重大风险",
                    "1. 对液位进行巡检\n2. 佩戴防毒口罩", "安环部", "张三", None]
    assert data["储罐超压"][3:9] == ["安全阀失效时超压", "容器爆炸", "充装作业", "将来", "异常", "较大风险"]
    assert data["储罐超压"][12] == "=备注不是公式"  # text, not a formula
    assert [r[0] for r in rows[3:7]] == [1, 2, 3, 4]


def test_table3_pdf_prints_the_risks_in_an_embedded_chinese_font(login, users, enterprise, tmp_path):
    richer_list(enterprise)
    response = login(users["jinshui"]).get(urls(enterprise.pk)["table3_pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = write(tmp_path, "table3.pdf", response.content)
    text = pdf_text(path)
    for words in ("风险辨识分级管控登记表", enterprise.name, "泄漏造成火灾", "检修作业高空坠落", "对液位进行巡检", "重大风险", "低风险",
                  "安全阀失效时超压", "控制部门"):
        assert words in text, words
    width, height = pdf_page_size(path)
    assert width == pytest.approx(841.9, abs=1) and height == pytest.approx(595.3, abs=1)  # A4 landscape
    cjk = [(name, embedded) for name, embedded in pdf_fonts(path) if "CJK" in name or "WenQuanYi" in name]
    assert cjk and all(embedded for _, embedded in cjk), pdf_fonts(path)


def test_pages_and_exports_take_a_fixed_number_of_queries(login, users, enterprise, django_assert_max_num_queries):
    for prefix in ("", "一", "二", "三"):
        create_risk_list(enterprise, prefix=prefix)
    client = login(users["jinshui"])
    pages = urls(enterprise.pk)
    # Session, user and scope (6), then the events and their measures (2) or the five levels of the tree (5);
    # a download also writes its audit record (1).
    for name, limit in (("table3_detail", 8), ("table3_xlsx", 9), ("table3_pdf", 9), ("register_export", 12)):
        with django_assert_max_num_queries(limit):
            assert client.get(pages[name]).status_code == 200
