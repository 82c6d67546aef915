"""Filling in a registration table, for every shipped table: what is posted is stored as the schema says, read back on
the archive page, in the xlsx and in the PDF; what is wrong is refused field by field, in Chinese, storing nothing."""
import datetime
import io
import random
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from tests.factories import JINSHUI, create_enterprise, create_user
from worksafe.core.models import Role
from worksafe.registrations import fake, schema
from worksafe.registrations.fields import Group
from worksafe.registrations.forms import as_post
from worksafe.registrations.models import Registration

pytestmark = pytest.mark.django_db
TABLES = ["underground_mine", "open_pit_mine", "tailings_pond", "onshore_oil_gas", "hazardous_chemicals"]


# ---- helpers ----


@pytest.fixture
def filler(login):
    """filler(key) → (enterprise of the table's industry in 金水, its enterprise administrator's client, table)."""

    def make(key):
        table = schema.get(key)
        e = create_enterprise(JINSHUI, industry=table.industries[0], name=f"金水{table.short}测试公司")
        return e, login(create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e)), table

    return make


def edit_url(e, table):
    return reverse("registrations:table_edit", args=[e.pk, table.key])


def again(table, stored, post=None):
    """The POST of the edit page of an already saved table: the blocks shown are the formsets' initial forms."""
    post = dict(post if post is not None else as_post(table, stored))
    for g in table.groups:
        post[f"{g.key}-INITIAL_FORMS"] = str(len(g.rows(stored)))
    return post


def card(client, e, table):
    """The archive page's card of `table`."""
    response = client.get(reverse("archive:enterprise_detail", args=[e.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    marker = f'data-testid="registration-{table.key}"'
    assert marker in html
    return html.split(marker, 1)[1].split('data-testid="registration-', 1)[0]


def plain(value):
    """A spreadsheet cell as openpyxl reads it, compared with what the table writes: dates are dates."""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date()
    return value


def sheet(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return wb.worksheets[0]


def rows_of(ws):
    out = []
    for row in ws.iter_rows(values_only=True):
        row = [plain(v) for v in row]
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


def pdf_text(response, tmp_path):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "table.pdf"
    path.write_bytes(response.content)
    assert path.read_bytes().startswith(b"%PDF")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def cell_value(f, data):
    """What the one-table xlsx shows in the value column of a (non-group) field."""
    return f.cells(data)[0][1] if f.type in ("integer", "number", "date", "coordinate") else (f.text(data) or None)


# ---- round trip ----


@pytest.mark.parametrize("key", TABLES)
@pytest.mark.parametrize("seed", [1, 2])
def test_it_stores_what_was_posted_and_shows_it_everywhere(filler, key, seed, tmp_path):
    e, client, table = filler(key)
    data = fake.example(table, random.Random(seed))
    response = client.post(edit_url(e, table), as_post(table, data))
    assert response.status_code == 302, response.context and response.context["form"].errors()
    assert response["Location"] == reverse("archive:enterprise_detail", args=[e.pk]) + f"#reg-{key}"
    assert Registration.objects.get(enterprise=e, table=key).data == data

    # the archive page: every field's text, every block's cells
    shown = card(client, e, table)
    for f in table.fields:
        if isinstance(f, Group):
            assert f.rows(data), f.key
            for item in f.rows(data):
                for g in f.fields:
                    if g.text(item):
                        assert escape(g.text(item)) in shown, (f.key, g.key, g.text(item))
        elif f.text(data):
            assert f'data-field="{f.key}">{escape(f.text(data))}</dd>' in shown, (f.key, f.text(data))

    # the table's own xlsx: label | value | unit, groups as small tables with 序号
    rows = rows_of(sheet(client.get(reverse("registrations:table_xlsx", args=[e.pk, key]))))
    assert rows[0] == [table.title]
    by_label = {r[0]: r[1:] for r in rows if len(r) > 1 and isinstance(r[0], str)}
    for f in table.fields:
        if isinstance(f, Group):
            title = [f"{f.label}（共 {len(f.rows(data))} 个{f.item}）"]
            start = rows.index(title)
            assert rows[start + 1] == ["序号", *[h for g in f.fields for h, _ in g.cells({})]]
            for n, item in enumerate(f.rows(data), start=1):
                expected = [n, *[v for g in f.fields for _, v in g.cells(item)]]
                while expected[-1] is None:
                    expected.pop()
                assert rows[start + 1 + n] == expected, (f.key, n)
        elif f.text(data):
            assert by_label[f.label][0] == cell_value(f, data), f.key
            if f.type in ("integer", "number", "coordinate"):
                assert isinstance(by_label[f.label][0], (int, float)), f.key

    # the PDF: the title, the enterprise and some values
    text = pdf_text(client.get(reverse("registrations:table_pdf", args=[e.pk, key])), tmp_path)
    assert table.title in text and e.name in text
    texts = [f.text(data) for f in table.fields if f.type in ("text", "integer", "date", "daterange") and f.text(data)]
    assert len(texts) >= 3
    for value in texts[:6]:
        assert re.sub(r"\s+", "", value) in text, value


@pytest.mark.parametrize("key", TABLES)
def test_a_partly_filled_table_round_trips_too(filler, key):
    e, client, table = filler(key)
    data = fake.example(table, random.Random(5), full=False)
    response = client.post(edit_url(e, table), as_post(table, data))
    assert response.status_code == 302, response.context and response.context["form"].errors()
    assert Registration.objects.get(enterprise=e, table=key).data == data
    # and saving it again from the edit page changes nothing
    registration = Registration.objects.get(enterprise=e, table=key)
    assert client.post(edit_url(e, table), again(table, data)).status_code == 302
    assert Registration.objects.get(pk=registration.pk).data == data
    assert Registration.objects.get(pk=registration.pk).updated_at == registration.updated_at


@pytest.mark.parametrize("key", TABLES)
def test_the_edit_page_shows_the_stored_values(filler, key):
    e, client, table = filler(key)
    data = fake.example(table, random.Random(3))
    Registration.objects.create(enterprise=e, table=key, data=data)
    response = client.get(edit_url(e, table))
    assert response.status_code == 200
    html = response.content.decode()
    for g in table.groups:
        assert f'name="{g.key}-INITIAL_FORMS" value="{len(g.rows(data))}"' in html
    text = next(f for f in table.fields if f.type == "text" and f.text(data))
    assert f'name="{text.key}" value="{escape(data[text.key])}"' in html


def test_an_empty_table_starts_from_the_archive(filler):
    e, client, table = filler("tailings_pond")
    form = client.get(edit_url(e, table)).context["form"].main
    assert form["address"].value() == e.address
    assert float(form["latitude"].value()) == float(e.latitude) and float(form["longitude"].value()) == float(e.longitude)
    assert form["name"].value() is None


# ---- refused input ----


def set_(**values):
    return lambda post: post.update(values)


def drop(*names):
    return lambda post: [post.pop(n, None) for n in names]


INVALID = [
    # (table, change to a valid POST, the field's name in the page's list of problems, the message)
    ("underground_mine", set_(design_max_depth="-5"), "最大开采深度 · 设计最大开采深度", "确保该值大于或等于0"),
    ("tailings_pond", set_(operating_status="运行良好"), "尾矿库信息 · 运行状况", "选择一个有效的选项"),
    ("tailings_pond", set_(design_dam_height="三十米"), "型式与设计 · 设计总坝高", "输入一个数字"),
    ("tailings_pond", set_(operating_status=["在建", "在用"]), "尾矿库信息 · 运行状况", "单选项只能选择一项"),
    ("tailings_pond", set_(sector="其他", sector_other=" "), "尾矿库信息 · 所属行业", "选择“其他”时请填写具体内容"),
    ("tailings_pond", set_(license_validity_0="2024-05-01", license_validity_1="2024-04-30"),
     "尾矿库信息 · 安全生产许可证有效期", "结束日期不能早于开始日期"),
    ("tailings_pond", set_(license_validity_0="2024-05-01", license_validity_1=""), "尾矿库信息 · 安全生产许可证有效期",
     "请同时填写起止日期"),
    ("tailings_pond", set_(license_validity_0="", license_validity_1="2024-05-01"), "尾矿库信息 · 安全生产许可证有效期",
     "请同时填写起止日期"),
    ("tailings_pond", set_(license_validity_0="2024-13-01", license_validity_1="2025-01-01"),
     "尾矿库信息 · 安全生产许可证有效期", "输入一个有效的日期"),
    ("tailings_pond", set_(latitude="北纬34度"), "尾矿库信息 · 北纬", "请填写十进制度数"),
    ("tailings_pond", set_(latitude="134.5"), "尾矿库信息 · 北纬", "不能大于 90°"),
    ("tailings_pond", set_(name=""), "尾矿库信息 · 尾矿库名称", "这个字段是必填项"),
    ("tailings_pond", drop("ownerless"), "尾矿库信息 · 是否为无主库", "这个字段是必填项"),
    ("tailings_pond", set_(dry_moisture="120", storage_method="干式堆存"), "型式与设计 · 干式堆存入库尾矿含水率", "确保该值小于或等于100"),
    ("tailings_pond", set_(license_no="许" * 65), "尾矿库信息 · 安全生产许可证编号", "64"),
    ("tailings_pond", set_(special_workers="3.5"), "尾矿库信息 · 特种作业人员数量", "整数"),
    ("tailings_pond", set_(flood_facilities=["井管", "地下河"]), "型式与设计 · 排洪设施型式", "选择一个有效的选项"),
    ("underground_mine", set_(**{"vertical_shafts-1-collar_elevation": "abc"}), "井筒 · 竖井（含盲竖井） 第2个竖井 · 井口标高",
     "输入一个数字"),
    ("underground_mine", set_(**{"vertical_shafts-0-shaft_type": ""}), "井筒 · 竖井（含盲竖井） 第1个竖井 · 类型",
     "这个字段是必填项"),
    ("underground_mine", set_(reserve_ore_unit="立方千米"), "资源储量与生产规模 · 矿产资源储量·矿石量", "选择一个有效的选项"),
    ("hazardous_chemicals", set_(**{"processes-1-process": "炼金工艺"}),
     "涉及的重点监管的危险化工工艺 · 涉及的重点监管的危险化工工艺 第2个危险化工工艺 · 工艺名称", "选择一个有效的选项"),
    ("hazardous_chemicals", set_(**{"major_hazards-0-chemicals": ["其他"], "major_hazards-0-chemicals_other": ""}),
     "涉及的重大危险源 · 涉及的重大危险源 第1个重大危险源 · 涉及的危险化学品", "选择“其他”时请填写具体内容"),
]


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("key, change, where, message", INVALID,
                         ids=[f"{i}-{row[0]}" for i, row in enumerate(INVALID)])
def test_invalid_input_stores_nothing_and_names_the_field(filler, key, change, where, message, existing):
    e, client, table = filler(key)
    data = fake.example(table, random.Random(4))
    before = None
    if existing:
        before = Registration.objects.create(enterprise=e, table=key, data=fake.example(table, random.Random(9)))
    post = again(table, data) if existing else as_post(table, data)
    change(post)
    response = client.post(edit_url(e, table), post)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    problems = [f"{w}：{m}" for w, m in response.context["form"].errors()]
    assert any(p.startswith(f"{where}：") and message in p for p in problems), problems
    assert len(problems) == 1, problems
    assert escape(problems[0]) in html  # in the list of problems at the top
    feedback = re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', html)
    assert any(message in m for m in feedback), feedback  # and under the field
    if existing:
        after = Registration.objects.get(pk=before.pk)
        assert after.data == before.data and after.updated_at == before.updated_at
    else:
        assert not Registration.objects.filter(enterprise=e).exists()


def test_the_page_keeps_what_was_typed_when_refused(filler):
    e, client, table = filler("tailings_pond")
    post = as_post(table, fake.example(table, random.Random(4)))
    post.update(name="某尾矿库", design_dam_height="三十米")
    html = client.post(edit_url(e, table), post).content.decode()
    assert 'name="name" value="某尾矿库"' in html and 'name="design_dam_height" value="三十米"' in html
    assert "未保存，请修改以下 1 处" in html


# ---- `when` ----


def test_a_hidden_field_is_neither_checked_nor_kept(filler):
    e, client, table = filler("tailings_pond")
    data = fake.example(table, random.Random(4))
    post = as_post(table, data)
    post.update(in_mine_project="否", mine_project_name="某矿山工程", storage_method="湿式堆存", wet_dam_method="中线式",
                dry_moisture="很湿", dry_stacking="不存在的方式", online_monitoring="否", monitoring_ok="不知道",
                operating_status="在用", closure_design_org="某设计院", closure_acceptance_date="不是日期", reuse=["尾砂再选"])
    post.pop("upstream_method", None), post.pop("upstream_method_other", None)
    response = client.post(edit_url(e, table), post)
    assert response.status_code == 302, response.context and response.context["form"].errors()
    stored = Registration.objects.get(enterprise=e).data
    for hidden in ["mine_project_name", "dry_moisture", "dry_stacking", "monitoring_ok", "upstream_method",
                   "closure_design_org", "closure_acceptance_date", "reuse"]:
        assert hidden not in stored, hidden
    assert stored["in_mine_project"] == "否" and stored["wet_dam_method"] == "中线式"


def test_a_shown_field_is_checked_and_kept(filler):
    e, client, table = filler("tailings_pond")
    post = as_post(table, fake.example(table, random.Random(4)))
    post.update(in_mine_project="是", mine_project_name="某矿山工程", storage_method="干式堆存", dry_moisture="12.5")
    assert client.post(edit_url(e, table), post).status_code == 302
    stored = Registration.objects.get(enterprise=e).data
    assert stored["mine_project_name"] == "某矿山工程" and stored["dry_moisture"] == 12.5
    assert "wet_dam_method" not in stored and "wet_discharge" not in stored

    post.update(dry_moisture="很湿")
    response = client.post(edit_url(e, table), again(table, stored, post))
    assert response.status_code == 200 and "输入一个数字" in response.content.decode()


def test_a_hidden_field_of_a_block_is_dropped(filler):
    e, client, table = filler("underground_mine")
    post = as_post(table, fake.example(table, random.Random(4)))
    post.update({"shaft_hoisting-0-containers": ["箕斗"], "shaft_hoisting-0-cage_type": "单层罐笼",
                 "shaft_hoisting-0-cage_max_persons": "很多", "shaft_hoisting-0-skip_volume": "2.5",
                 "shaft_hoisting-0-skip_type": "底卸式"})
    response = client.post(edit_url(e, table), post)
    assert response.status_code == 302, response.context and response.context["form"].errors()
    block = Registration.objects.get(enterprise=e).data["shaft_hoisting"][0]
    assert block["containers"] == ["箕斗"] and block["skip_volume"] == 2.5
    assert "cage_type" not in block and "cage_max_persons" not in block


# ---- repeating groups ----


def dumps(*names):
    return [{"name": n, "status": "在用", "design_height": 30 + i} for i, n in enumerate(names)]


@pytest.fixture
def open_pit(filler):
    """An open-pit mine whose table is saved with two 排土场."""
    e, client, table = filler("open_pit_mine")
    data = {"system_name": "金水露天矿生产系统", "mine_status": "持证生产", "waste_dumps": dumps("一号排土场", "二号排土场")}
    assert client.post(edit_url(e, table), as_post(table, data)).status_code == 302
    return e, client, table, data


def saved_dumps(e):
    return [b["name"] for b in Registration.objects.get(enterprise=e, table="open_pit_mine").data.get("waste_dumps", [])]


def test_a_block_can_be_added(open_pit):
    e, client, table, data = open_pit
    post = again(table, data, as_post(table, {**data, "waste_dumps": dumps("一号排土场", "二号排土场", "三号排土场")}))
    assert post["waste_dumps-INITIAL_FORMS"] == "2" and post["waste_dumps-TOTAL_FORMS"] == "3"
    assert client.post(edit_url(e, table), post).status_code == 302
    assert saved_dumps(e) == ["一号排土场", "二号排土场", "三号排土场"]


def test_resubmitting_the_first_page_keeps_its_blocks(open_pit):
    e, client, table, data = open_pit
    # The page the table was first saved from (INITIAL_FORMS=0), sent again (back button) with another system name.
    post = as_post(table, {**data, "system_name": "金水露天矿二号生产系统"})
    assert post["waste_dumps-INITIAL_FORMS"] == "0"
    assert client.post(edit_url(e, table), post).status_code == 302
    assert Registration.objects.get(enterprise=e).data["system_name"] == "金水露天矿二号生产系统"
    assert saved_dumps(e) == ["一号排土场", "二号排土场"]


def test_a_block_can_be_deleted_even_when_invalid(open_pit):
    e, client, table, data = open_pit
    post = again(table, data)
    post.update({"waste_dumps-0-DELETE": "on", "waste_dumps-0-name": "", "waste_dumps-0-design_height": "很高"})
    response = client.post(edit_url(e, table), post)
    assert response.status_code == 302, response.context and response.context["form"].errors()
    assert saved_dumps(e) == ["二号排土场"]

    post = again(table, {**data, "waste_dumps": dumps("二号排土场")})
    post["waste_dumps-0-DELETE"] = "on"
    assert client.post(edit_url(e, table), post).status_code == 302
    assert "waste_dumps" not in Registration.objects.get(enterprise=e).data


def test_blank_added_blocks_are_ignored(open_pit):
    e, client, table, data = open_pit
    post = again(table, data)
    post.update({"waste_dumps-TOTAL_FORMS": "4", "waste_dumps-2-name": "", "waste_dumps-3-name": "  "})
    response = client.post(edit_url(e, table), post)
    assert response.status_code == 302, response.context and response.context["form"].errors()
    assert saved_dumps(e) == ["一号排土场", "二号排土场"]


def test_a_blank_block_with_its_default_unit_is_ignored_too(filler):
    e, client, table = filler("hazardous_chemicals")
    data = {"license_no": "（豫）WH安许证字〔2024〕001号", "licensed_products": [{"license_no": "A1", "capacity": 5000,
                                                                             "capacity_unit": "吨/年"}]}
    post = as_post(table, data)
    post.update({"licensed_products-TOTAL_FORMS": "2", "licensed_products-1-capacity_unit": "吨/年",
                 "processes-TOTAL_FORMS": "1", "processes-0-process": "", "major_hazards-TOTAL_FORMS": "1"})
    response = client.post(edit_url(e, table), post)
    assert response.status_code == 302, response.context and response.context["form"].errors()
    assert Registration.objects.get(enterprise=e).data == data


def test_a_block_added_half_filled_is_checked(open_pit):
    e, client, table, data = open_pit
    post = again(table, data)
    post.update({"waste_dumps-TOTAL_FORMS": "3", "waste_dumps-2-design_height": "40"})
    response = client.post(edit_url(e, table), post)
    assert response.status_code == 200
    assert ("排土场信息 · 排土场 第3个排土场 · 排土场名称", "这个字段是必填项。") in response.context["form"].errors()
    assert saved_dumps(e) == ["一号排土场", "二号排土场"]


def test_no_more_blocks_than_max(filler):
    e, client, table = filler("open_pit_mine")
    group = next(g for g in table.groups if g.key == "waste_dumps")
    assert group.max == 50
    data = {"system_name": "金水露天矿生产系统", "mine_status": "持证生产"}
    response = client.post(edit_url(e, table), as_post(table, {**data, "waste_dumps": dumps(*[f"{n}号" for n in range(51)])}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "排土场信息 · 排土场：" in html and "50" in html
    assert not Registration.objects.filter(enterprise=e).exists()
    assert client.post(edit_url(e, table), as_post(table, {**data, "waste_dumps": dumps(*[f"{n}号" for n in range(50)])})).status_code == 302
    assert len(saved_dumps(e)) == 50
