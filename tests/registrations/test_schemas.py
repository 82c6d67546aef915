"""Registration table schemas: every shipped file loads, broken files are refused with the file and the field named,
a new table needs only a file, the shipped reference lists, and the coordinate parser."""
import io
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from stdnum import casrn

from tests.factories import JINSHUI, create_enterprise, create_user
from worksafe.core import reference
from worksafe.core.models import Role
from worksafe.registrations import fields, schema
from worksafe.registrations.forms import as_post
from worksafe.registrations.models import Registration
from worksafe.registrations.schema import SchemaError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {
    "underground_mine": ["0201"],
    "open_pit_mine": ["0202"],
    "tailings_pond": ["0203"],
    "onshore_oil_gas": ["0204"],
    "hazardous_chemicals": ["0301"],
}


# ---- the shipped schemas ----


def test_it_loads_every_shipped_schema():
    tables = schema.tables()
    assert {t.key: t.industries for t in tables} == SHIPPED
    assert [t.key for t in tables] == list(SHIPPED)  # in the order of their industry codes
    for t in tables:
        assert t.title and t.short and t.fields and t.source == f"{t.key}.yaml"
        assert schema.get(t.key) is t
        assert schema.for_industry(t.industries[0]) == [t]
    assert schema.get("nothing") is None and schema.for_industry("07") == []


def test_it_gives_every_table_its_groups_and_reference_options():
    underground, chemicals = schema.get("underground_mine"), schema.get("hazardous_chemicals")
    assert "vertical_shafts" in [g.key for g in underground.groups]
    assert [g.key for g in chemicals.groups] == ["licensed_products", "processes", "major_hazards"]
    process = next(f for f in next(g for g in chemicals.groups if g.key == "processes").fields if f.key == "process")
    assert len(process.options) == 18 and process.options[0] == "光气及光气化工艺"
    products = next(g for g in chemicals.groups if g.key == "licensed_products")
    key_chemicals = next(f for f in products.fields if f.key == "key_chemicals")
    assert len(key_chemicals.options) == 74 and ("氯", "氯（CAS 7782-50-5）") in key_chemicals.choices


def test_the_checker_command_passes_on_the_shipped_files():
    result = subprocess.run([sys.executable, "-m", "worksafe.registrations.schema"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    for key in SHIPPED:
        assert f"{key}.yaml: " in result.stdout


# ---- broken schemas ----

VALID = """
key: broken
title: 测试登记表
short: 测试
industries: ["0203"]
sections:
  - title: 基本信息
    fields:
      - {key: name, label: 名称, required: true}
      - {key: kind, label: 类型, type: choice, options: [甲, 乙], other: true}
      - {key: height, label: 高度, type: number, unit: m}
"""


def write(tmp_path, text, name="broken.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def extra(fields, industries='["0203"]'):
    """VALID with more fields appended to its section (each a YAML line, or a block, indented as a list item)."""
    return VALID.replace('["0203"]', industries) + textwrap.indent(textwrap.dedent(fields), " " * 6)


def test_it_loads_the_valid_example(tmp_path):
    table = schema.load(write(tmp_path, VALID))
    assert [f.key for f in table.fields] == ["name", "kind", "height"]


@pytest.mark.parametrize("fields, named, says", [
    ("- {key: size, label: 大小, type: float}", "大小（size）", "未知类型 float"),
    ("- {key: name, label: 另一个名称}", "另一个名称（name）", "key name 重复"),
    ("- {key: kind_other, label: 类型说明}", "类型说明（kind_other）", "key kind_other 重复"),
    ("- {key: note, label: 说明, when: {later: 是}}\n- {key: later, label: 以后, type: yesno}", "说明（note）",
     "when 引用的字段 later 不在此字段之前"),
    ("- {key: note, label: 说明, when: {nothing: 是}}", "说明（note）", "when 引用的字段 nothing"),
    ("- {key: note, label: 说明, when: {kind: 丙}}", "说明（note）", "“丙”不是 kind 的选项"),
    ("- {key: note, label: 说明, when: {kind: [甲, 丁]}}", "说明（note）", "“丁”不是 kind 的选项"),
    ("- {key: note, label: 说明, when: {name: 甲}}", "说明（note）", "when 只能引用选择类字段"),
    ("- {key: colour, label: 颜色, type: choice}", "颜色（colour）", "须给出 options 或 options_from 之一"),
    ("- {key: colour, label: 颜色, type: multi, options: []}", "颜色（colour）", "须给出 options 或 options_from 之一"),
    ("- {key: stuff, label: 物质, type: multi, options_from: chemicals}", "物质（stuff）", "options_from 只能是"),
    ("- {key: place, label: 位置, type: coordinate}", "位置（place）", "axis"),
    ("- {key: size, label: 大小, type: number, colour: red}", "大小（size）", "无法识别的项 colour"),
    ("""\
     - key: units
       label: 单元
       type: group
       fields:
         - key: parts
           label: 部件
           type: group
           fields: [{key: name, label: 部件名称}]
     """, "部件（parts）", "组内不能再嵌套组"),
    ("""\
     - key: units
       label: 单元
       type: group
       fields: [{key: note, label: 说明, when: {kind: 甲}}]
     """, "说明（note）", "when 引用的字段 kind 不在此字段之前"),
])
def test_a_broken_field_is_refused_naming_the_file_and_the_field(tmp_path, fields, named, says):
    with pytest.raises(SchemaError) as error:
        schema.load(write(tmp_path, extra(fields)))
    message = str(error.value)
    assert message.startswith("broken.yaml: "), message
    assert named in message and says in message, message


def test_an_unknown_industry_is_refused(tmp_path):
    with pytest.raises(SchemaError) as error:
        schema.load(write(tmp_path, VALID.replace('["0203"]', '["0203", "0999"]')))
    assert str(error.value).startswith("broken.yaml: ") and "行业代码 0999 不存在" in str(error.value)


@pytest.mark.parametrize("text, says", [
    (VALID.replace("key: broken", "key: Broken-Table"), "key “Broken-Table”"),
    (VALID.replace("short: 测试\n", ""), "缺少 short"),
    (VALID + "colour: red\n", "无法识别的项：colour"),
    ("key: [unclosed\n", "不是有效的 YAML"),
])
def test_a_broken_table_is_refused_naming_the_file(tmp_path, text, says):
    with pytest.raises(SchemaError) as error:
        schema.load(write(tmp_path, text))
    assert str(error.value).startswith("broken.yaml: ") and says in str(error.value), str(error.value)


# ---- a seventh table needs only a file ----

TRADING = """
key: chemical_trading
title: 危险化学品经营登记信息
short: 危险化学品经营
form: 测试表1
industries: ["0302"]
sections:
  - title: 经营信息
    fields:
      - {key: license_no, label: 经营许可证编号, required: true, max_length: 64}
      - {key: mode, label: 经营方式, type: choice, options: [带储存经营, 不带储存经营]}
      - {key: storage_capacity, label: 储存能力, type: number, unit: 吨, when: {mode: 带储存经营}}
  - title: 仓库
    fields:
      - key: warehouses
        label: 仓库
        type: group
        item: 仓库
        fields:
          - {key: name, label: 仓库名称, required: true}
          - {key: area, label: 仓库面积, type: number, unit: m²}
"""


@pytest.fixture
def schemas_dir(tmp_path):
    """schema.SCHEMAS pointed at a copy of the shipped files (restored, and the table cache cleared, afterwards)."""
    folder = tmp_path / "schemas"
    shutil.copytree(schema.SCHEMAS, folder)
    original = schema.SCHEMAS
    schema.SCHEMAS = folder
    schema.tables.cache_clear()
    try:
        yield folder
    finally:
        schema.SCHEMAS = original
        schema.tables.cache_clear()


def sheet_rows(response):
    assert response.status_code == 200, response.status_code
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@pytest.mark.django_db
def test_a_seventh_table_needs_only_a_file(schemas_dir, users, login):
    write(schemas_dir, TRADING, "chemical_trading.yaml")
    table = schema.get("chemical_trading")
    assert table is not None and len(schema.tables()) == 6 and schema.for_industry("0302") == [table]

    trader = create_enterprise(JINSHUI, industry="0302", name="金水危化经营有限公司")
    client = login(create_user(trader.uscc, Role.ENTERPRISE_ADMIN, enterprise=trader))
    page = client.get(reverse("archive:enterprise_detail", args=[trader.pk])).content.decode()
    assert 'data-testid="registration-chemical_trading"' in page and "危险化学品经营登记信息" in page
    edit = reverse("registrations:table_edit", args=[trader.pk, "chemical_trading"])
    assert edit in page

    data = {"license_no": "豫郑危化经字〔2024〕000123", "mode": "带储存经营", "storage_capacity": 120.5,
            "warehouses": [{"name": "一号仓库", "area": 300}, {"name": "二号仓库"}]}
    form = client.get(edit)
    assert form.status_code == 200 and 'name="license_no"' in form.content.decode() and "warehouses-TOTAL_FORMS" in form.content.decode()
    response = client.post(edit, as_post(table, data))
    assert response.status_code == 302, response.context and response.context["form"].errors()
    assert Registration.objects.get(enterprise=trader, table="chemical_trading").data == data

    card = client.get(reverse("archive:enterprise_detail", args=[trader.pk])).content.decode()
    card = card.split('data-testid="registration-chemical_trading"', 1)[1]
    for text in ["豫郑危化经字〔2024〕000123", "带储存经营", "120.5 吨", "一号仓库", "二号仓库", "300 m²"]:
        assert text in card, text

    single = sheet_rows(client.get(reverse("registrations:table_xlsx", args=[trader.pk, "chemical_trading"])))["危险化学品经营"]
    assert ["储存能力", 120.5, "吨"] in single and [2, "二号仓库"] in [[v for v in r if v is not None] for r in single]

    rows = sheet_rows(login(users["jinshui"]).get(reverse("registrations:table_bulk_export", args=["chemical_trading"])))
    main = rows["危险化学品经营"]
    assert main[0][6:] == ["经营许可证编号", "经营方式", "储存能力（吨）", "仓库（仓库数）", "仓库"]
    assert [r[0] for r in main[1:]] == ["金水危化经营有限公司"]
    assert main[1][4] == "已填写" and main[1][6:9] == ["豫郑危化经字〔2024〕000123", "带储存经营", 120.5] and main[1][9] == 2
    assert rows["仓库"] == [["企业名称", "统一社会信用代码", "序号", "仓库名称", "仓库面积（m²）"],
                           ["金水危化经营有限公司", trader.uscc, 1, "一号仓库", 300],
                           ["金水危化经营有限公司", trader.uscc, 2, "二号仓库", None]]


WAREHOUSES_WHEN = """
key: chemical_trading
title: 危险化学品经营登记信息
short: 危险化学品经营
industries: ["0302"]
sections:
  - title: 经营信息
    fields:
      - {key: license_no, label: 经营许可证编号, required: true}
      - {key: has_warehouses, label: 是否有仓库, type: yesno}
      - key: warehouses
        label: 仓库
        type: group
        item: 仓库
        when: {has_warehouses: 是}
        fields:
          - {key: name, label: 仓库名称, required: true}
          - {key: area, label: 仓库面积, type: number, unit: m²}
"""


@pytest.fixture
def trading(schemas_dir, login):
    """A 0302 table whose group applies only when 是否有仓库 is 是: (table, edit url, the enterprise's client)."""
    write(schemas_dir, WAREHOUSES_WHEN, "chemical_trading.yaml")
    trader = create_enterprise(JINSHUI, industry="0302")
    client = login(create_user(trader.uscc, Role.ENTERPRISE_ADMIN, enterprise=trader))
    return schema.get("chemical_trading"), reverse("registrations:table_edit", args=[trader.pk, "chemical_trading"]), client, trader


@pytest.mark.django_db
def test_a_group_with_when_is_kept_only_when_shown(trading):
    table, url, client, trader = trading
    blocks = [{"name": "一号仓库", "area": 300}]
    assert client.post(url, as_post(table, {"license_no": "A1", "has_warehouses": "是", "warehouses": blocks})).status_code == 302
    assert Registration.objects.get(enterprise=trader).data["warehouses"] == blocks
    post = as_post(table, {"license_no": "A1", "has_warehouses": "否", "warehouses": blocks})
    post["warehouses-INITIAL_FORMS"] = "1"
    assert client.post(url, post).status_code == 302
    assert Registration.objects.get(enterprise=trader).data == {"license_no": "A1", "has_warehouses": "否"}


@pytest.mark.django_db
def test_a_hidden_group_is_not_checked(trading):
    table, url, client, trader = trading
    post = as_post(table, {"license_no": "A1", "has_warehouses": "否", "warehouses": [{"name": "一号仓库"}]})
    post["warehouses-0-area"] = "很大"
    response = client.post(url, post)
    assert response.status_code == 302, response.context["form"].errors()
    assert Registration.objects.get(enterprise=trader).data == {"license_no": "A1", "has_warehouses": "否"}


def test_two_files_with_one_key_are_refused(schemas_dir):
    shutil.copy(schemas_dir / "tailings_pond.yaml", schemas_dir / "tailings_copy.yaml")
    with pytest.raises(SchemaError, match="表 key 重复：tailings_pond"):
        schema.tables()


# ---- reference data ----


def test_the_hazardous_processes_are_the_18_of_both_batches():
    rows = reference.read_csv(reference.DATA / "hazardous_processes.csv")
    assert [r["code"] for r in rows] == [f"{n:02d}" for n in range(1, 19)]
    assert len({r["name"] for r in rows}) == 18
    assert [r["name"] for r in rows if r["batch"] == "2"] == ["新型煤化工工艺", "电石生产工艺", "偶氮化工艺"]
    assert {r["batch"] for r in rows[:15]} == {"1"}
    assert reference.option_choices("hazardous_processes") == [(r["name"], r["name"]) for r in rows]


def test_the_key_chemicals_are_74_with_valid_cas_numbers():
    rows = reference.read_csv(reference.DATA / "key_chemicals.csv")
    assert len(rows) == 74
    assert len({r["name"] for r in rows}) == 74
    assert [r["batch"] for r in rows].count("1") == 60 and [r["batch"] for r in rows].count("2") == 14
    numbers = [n for r in rows if r["cas"] for n in r["cas"].split(";")]
    assert len(numbers) >= 70
    assert [n for n in numbers if not casrn.is_valid(n)] == []
    assert len(set(numbers)) == len(numbers)
    choices = dict(reference.option_choices("key_chemicals"))
    assert choices["氯"] == "氯（CAS 7782-50-5）" and choices["原油"] == "原油"


# ---- coordinates ----


@pytest.mark.parametrize("text, degrees", [
    ("34.756806", 34.756806),
    (" 113.65 ", 113.65),
    ("34", 34.0),
    ("34°45′24.5″", 34.756806),
    ("34° 45′ 24.5″", 34.756806),
    ("34°45'24.5\"", 34.756806),
    ("34°45'24.5''", 34.756806),
    ("34°45’24.5”", 34.756806),
    ("34 45 24.5", 34.756806),
    ("34度45分24.5秒", 34.756806),
    ("113°39′", 113.65),
    ("113度39分", 113.65),
    ("34°45.5′", 34.758333),
    ("0°0′36″", 0.01),
])
def test_it_reads_decimal_degrees_and_dms(text, degrees):
    assert fields.parse_coordinate(text) == pytest.approx(degrees, abs=1e-9)


@pytest.mark.parametrize("text", ["34°60′", "34°45′60″", "34 75 10", "34.5°30′", "34.5 30", "N34.5", "34.5N", "东经113°",
                                  "abc", "", "34°45′24.5″E", "-34.5", "34,5"])
def test_it_refuses_what_is_not_a_coordinate(text):
    with pytest.raises(ValueError):
        fields.parse_coordinate(text)


def test_the_coordinate_field_keeps_to_its_axis():
    lat, lon = fields.Coordinate("lat", required=False), fields.Coordinate("lon", required=False)
    assert lat.clean("34°45′24.5″") == pytest.approx(34.756806) and lon.clean("113.65") == 113.65
    assert lat.clean("") is None
    with pytest.raises(Exception, match="不能大于 90°"):
        lat.clean("113.65")
    with pytest.raises(Exception, match="十进制度数"):
        lon.clean("34°60′")
