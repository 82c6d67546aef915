"""Registration tables among the other pages: who may see and fill in which, the way from the basic information to the
table, the change history and review, the regulators' bulk export, and the archive page's cost."""
import datetime
import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import ERQI, JINSHUI, TOWNSHIP, create_enterprise, create_user, form_data
from worksafe.archive.models import Enterprise
from worksafe.core import permissions
from worksafe.core.models import ChangeRecord, Role
from worksafe.registrations import fake, schema
from worksafe.registrations.forms import as_post
from worksafe.registrations.models import Registration

pytestmark = pytest.mark.django_db
TAILINGS = schema.get("tailings_pond")
OPEN_PIT = schema.get("open_pit_mine")
TAILINGS_DATA = {"name": "金水一号尾矿库", "ownerless": "否", "operating_status": "在用", "design_dam_height": 30,
                 "design_capacity": 120.5, "special_workers": 12, "license_validity": ["2023-01-01", "2026-01-01"]}


def edit_url(e, table="tailings_pond"):
    return reverse("registrations:table_edit", args=[e.pk, table])


def again(table, stored):
    """What the edit page of a saved table posts back (its blocks are the formsets' initial forms)."""
    post = as_post(table, stored)
    for g in table.groups:
        post[f"{g.key}-INITIAL_FORMS"] = str(len(g.rows(stored)))
    return post


def workbook(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def history(client, e):
    return client.get(reverse("archive:enterprise_detail", args=[e.pk])).content.decode().split('id="history"', 1)[1]


@pytest.fixture
def mines(users):
    """尾矿库 enterprises: 金水 filled in (with its administrator and a staff member) and not, 二七 filled in and not."""
    jinshui = create_enterprise(JINSHUI, industry="0203", name="金水尾矿库有限公司")
    out = {
        "jinshui": jinshui,
        "jinshui_blank": create_enterprise(JINSHUI, industry="0203", name="金水未填尾矿库有限公司"),
        "erqi": create_enterprise(ERQI, industry="0203", name="二七尾矿库有限公司"),
        "erqi_blank": create_enterprise(ERQI, industry="0203", name="二七未填尾矿库有限公司"),
        "admin": create_user(jinshui.uscc, Role.ENTERPRISE_ADMIN, enterprise=jinshui),
        "staff": create_user("tailings_staff", Role.ENTERPRISE_STAFF, enterprise=jinshui),
    }
    Registration.objects.create(enterprise=jinshui, table="tailings_pond", data=TAILINGS_DATA)
    Registration.objects.create(enterprise=out["erqi"], table="tailings_pond",
                                data={**TAILINGS_DATA, "name": "二七一号尾矿库", "design_dam_height": 42.25})
    return out


# ---- scope ----


@pytest.mark.parametrize("who", ["erqi", "outsider", "chem", "owner"])
@pytest.mark.parametrize("name", ["table_edit", "table_xlsx", "table_pdf"])
def test_outsiders_get_404_on_another_enterprises_table(login, users, mines, who, name):
    client = login(users[who])
    url = reverse(f"registrations:{name}", args=[mines["jinshui"].pk, "tailings_pond"])
    assert client.get(url).status_code == 404
    if name == "table_edit":
        assert client.post(url, as_post(TAILINGS, {**TAILINGS_DATA, "name": "改名"})).status_code == 404
        assert Registration.objects.get(enterprise=mines["jinshui"]).data == TAILINGS_DATA


@pytest.mark.parametrize("who", ["admin", "staff", "jinshui", "city", "province", "sysadmin"])
def test_the_enterprise_and_its_regulators_see_and_fill_in_its_table(login, users, mines, who):
    client = login(mines[who] if who in ("admin", "staff") else users[who])
    e = mines["jinshui"]
    assert client.get(edit_url(e)).status_code == 200
    assert workbook(client.get(reverse("registrations:table_xlsx", args=[e.pk, "tailings_pond"]))).worksheets[0]["A1"].value == TAILINGS.title
    response = client.post(edit_url(e), as_post(TAILINGS, {**TAILINGS_DATA, "name": f"{who}改的名"}))
    assert response.status_code == 302
    assert Registration.objects.get(enterprise=e).data["name"] == f"{who}改的名"


def test_the_pdf_is_inline_for_those_in_scope(login, users, mines):
    response = login(users["jinshui"]).get(reverse("registrations:table_pdf", args=[mines["jinshui"].pk, "tailings_pond"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline") and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("who, where, expected", [
    ("township", TOWNSHIP, 200),      # a township regulator: the enterprises of its township
    ("township", JINSHUI, 404),       # not those of the county around it
    ("chem", JINSHUI, 404),           # the province's 危化处: only 危险化学品 enterprises
    ("jinshui", TOWNSHIP, 200),       # the county: its townships too
    ("erqi", TOWNSHIP, 404),
])
def test_regulators_follow_the_archive_rules(login, users, township_user, who, where, expected):
    user = township_user if who == "township" else users[who]
    e = create_enterprise(JINSHUI, industry="0203", name="街道尾矿库有限公司")
    Enterprise.objects.filter(pk=e.pk).update(region_id=where)
    e.refresh_from_db()
    assert permissions.can_edit_archive(user, e) == (expected == 200)
    client = login(user)
    assert client.get(edit_url(e)).status_code == expected
    response = client.post(edit_url(e), as_post(TAILINGS, TAILINGS_DATA))
    assert response.status_code == (302 if expected == 200 else 404)
    assert Registration.objects.filter(enterprise=e).exists() == (expected == 200)


def test_the_chemicals_regulator_fills_in_a_chemical_enterprises_table(login, users):
    e = create_enterprise(JINSHUI, industry="0301", name="金水化工有限公司")
    table = schema.get("hazardous_chemicals")
    client = login(users["chem"])
    response = client.post(edit_url(e, "hazardous_chemicals"), as_post(table, {"license_no": "（豫）WH安许证字〔2024〕9号"}))
    assert response.status_code == 302
    assert Registration.objects.get(enterprise=e).data == {"license_no": "（豫）WH安许证字〔2024〕9号"}


def test_a_table_of_another_industry_is_not_found(login, users, mines):
    e = mines["jinshui"]
    for user in (mines["admin"], users["city"]):
        client = login(user)
        assert client.get(edit_url(e, "underground_mine")).status_code == 404
        assert client.post(edit_url(e, "underground_mine"), {"name": "x"}).status_code == 404
        assert client.get(edit_url(e, "no_such_table")).status_code == 404
        assert client.get(reverse("registrations:table_xlsx", args=[e.pk, "underground_mine"])).status_code == 404
        assert client.get(reverse("registrations:table_pdf", args=[e.pk, "open_pit_mine"])).status_code == 404
    assert not Registration.objects.filter(enterprise=e).exclude(table="tailings_pond").exists()


def test_an_unfilled_table_has_no_xlsx_or_pdf_yet(login, users, mines):
    client = login(users["city"])
    for name in ("table_xlsx", "table_pdf"):
        assert client.get(reverse(f"registrations:{name}", args=[mines["jinshui_blank"].pk, "tailings_pond"])).status_code == 404


def test_the_archive_card_offers_what_the_user_may_do(login, users, mines):
    blank = login(users["jinshui"]).get(reverse("archive:enterprise_detail", args=[mines["jinshui_blank"].pk])).content.decode()
    assert "尚未填写尾矿库登记表，请点击“填写”" in blank and edit_url(mines["jinshui_blank"]) in blank
    assert reverse("registrations:table_xlsx", args=[mines["jinshui_blank"].pk, "tailings_pond"]) not in blank

    e = mines["jinshui"]
    filled = login(mines["admin"]).get(reverse("archive:enterprise_detail", args=[e.pk])).content.decode()
    for url in (edit_url(e), *[reverse(f"registrations:{name}", args=[e.pk, "tailings_pond"]) for name in ("table_xlsx", "table_pdf")]):
        assert url in filled
    assert "金水一号尾矿库" in filled and "30 米" in filled and "2023-01-01 至 2026-01-01" in filled

    other = login(users["owner"]).get(reverse("archive:enterprise_detail", args=[users["owner"].enterprise_id])).content.decode()
    assert 'data-testid="registration-' not in other  # 机械: no table


# ---- from the basic information to the table ----


def test_after_the_basic_information_a_tailings_enterprise_goes_on_to_its_table(login, mines):
    e = mines["jinshui"]
    response = login(mines["admin"]).post(reverse("archive:enterprise_edit", args=[e.pk]), form_data(e, duty_phone="0371-60001234"))
    assert response.status_code == 302
    assert response["Location"] == edit_url(e)
    assert Enterprise.objects.get(pk=e.pk).duty_phone == "0371-60001234"


def test_after_the_basic_information_a_chemical_enterprise_goes_on_to_its_table(login, users, other_enterprise):
    response = login(users["outsider"]).post(reverse("archive:enterprise_edit", args=[other_enterprise.pk]), form_data(other_enterprise))
    assert response.status_code == 302 and response["Location"] == edit_url(other_enterprise, "hazardous_chemicals")


def test_after_the_basic_information_an_enterprise_without_a_table_goes_back_to_its_archive(login, users, enterprise):
    response = login(users["owner"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]),
                                          form_data(enterprise, duty_phone="0371-60001234"))
    assert response.status_code == 302 and response["Location"] == enterprise.get_absolute_url()


# ---- history and review ----


def registration_changes(e, action="update"):
    return ChangeRecord.objects.filter(enterprise_id=e.pk, content_type__model="registration", action=action).order_by("id")


def test_a_table_change_is_recorded_field_by_field(login, mines):
    e = mines["jinshui"]
    client = login(mines["admin"])
    assert client.post(edit_url(e), as_post(TAILINGS, {**TAILINGS_DATA, "design_dam_height": 35.5, "grade": "三等"})).status_code == 302
    change = registration_changes(e).get()
    assert change.action == "update" and change.object_repr == TAILINGS.title and change.user == mines["admin"]
    assert change.changed_fields == [("设计总坝高", "30 米", "35.5 米"), ("尾矿库等别", "—", "三等")]
    shown = history(client, e)
    for text in [TAILINGS.title, "设计总坝高", "30 米", "35.5 米", "尾矿库等别", "三等"]:
        assert text in shown, text


def test_saving_a_table_unchanged_records_nothing(login, mines):
    e = mines["jinshui"]
    registration = Registration.objects.get(enterprise=e)
    response = login(mines["admin"]).post(edit_url(e), as_post(TAILINGS, TAILINGS_DATA))
    assert response.status_code == 302
    assert not registration_changes(e).exists()
    assert Registration.objects.get(pk=registration.pk).updated_at == registration.updated_at


def test_the_first_filling_in_is_recorded_with_its_values(login, mines):
    e = mines["jinshui_blank"]
    client = login(users_admin := create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e))
    assert client.post(edit_url(e), as_post(TAILINGS, TAILINGS_DATA)).status_code == 302
    change = registration_changes(e, "create").get()
    assert change.user == users_admin
    rows = dict((label, new) for label, _, new in change.changed_fields)
    assert rows["尾矿库名称"] == "金水一号尾矿库" and rows["设计总坝高"] == "30 米" and rows["安全生产许可证有效期"] == "2023-01-01 至 2026-01-01"


def test_a_group_change_names_the_block(login, users):
    e = create_enterprise(JINSHUI, industry="0202", name="金水露天矿有限公司")
    client = login(create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e))
    data = {"system_name": "金水露天矿生产系统", "mine_status": "持证生产", "waste_dumps": [{"name": "一号排土场", "design_height": 30},
                                                             {"name": "二号排土场", "design_height": 25}]}
    assert client.post(edit_url(e, "open_pit_mine"), as_post(OPEN_PIT, data)).status_code == 302
    changed = {**data, "waste_dumps": [{"name": "一号排土场", "design_height": 30}, {"name": "二号排土场", "design_height": 28.5},
                                       {"name": "三号排土场"}]}
    post = again(OPEN_PIT, data)
    post.update({k: v for k, v in as_post(OPEN_PIT, changed).items() if k.startswith("waste_dumps-") and k != "waste_dumps-INITIAL_FORMS"})
    assert client.post(edit_url(e, "open_pit_mine"), post).status_code == 302
    assert Registration.objects.get(enterprise=e).data == changed
    change = registration_changes(e).get()
    assert change.changed_fields == [("排土场 第2个排土场 · 设计排土高度", "25 m", "28.5 m"),
                                     ("排土场 第3个排土场", "—", "排土场名称：三号排土场")]
    shown = history(client, e)
    assert "排土场 第2个排土场 · 设计排土高度" in shown and "28.5 m" in shown and "排土场 第3个排土场" in shown

    post = again(OPEN_PIT, changed)
    post["waste_dumps-0-DELETE"] = "on"
    assert client.post(edit_url(e, "open_pit_mine"), post).status_code == 302
    change = registration_changes(e).last()
    assert ("排土场 第1个排土场 · 排土场名称", "一号排土场", "二号排土场") in change.changed_fields
    assert ("排土场 第3个排土场", "排土场名称：三号排土场", "—") in change.changed_fields


def approved(e):
    Enterprise.objects.filter(pk=e.pk).update(review_state="approved")
    e.refresh_from_db()
    return e


def test_a_table_change_sends_an_approved_archive_back_to_review(login, mines):
    e = approved(mines["jinshui"])
    client = login(mines["admin"])
    assert client.post(edit_url(e), as_post(TAILINGS, TAILINGS_DATA)).status_code == 302
    assert Enterprise.objects.get(pk=e.pk).review_state == "approved"  # unchanged: still approved
    assert client.post(edit_url(e), as_post(TAILINGS, {**TAILINGS_DATA, "special_workers": 13})).status_code == 302
    e.refresh_from_db()
    assert e.review_state == "submitted"
    assert e.reviews.get().reason == "已审核档案被修改，重新待审"


def test_a_first_filling_in_sends_an_approved_archive_back_to_review(login, mines):
    e = approved(mines["jinshui_blank"])
    client = login(create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e))
    assert client.post(edit_url(e), as_post(TAILINGS, TAILINGS_DATA)).status_code == 302
    assert Enterprise.objects.get(pk=e.pk).review_state == "submitted"


def test_a_refused_table_leaves_an_approved_archive_approved(login, mines):
    e = approved(mines["jinshui"])
    response = login(mines["admin"]).post(edit_url(e), as_post(TAILINGS, {**TAILINGS_DATA, "special_workers": -1}))
    assert response.status_code == 200
    assert Enterprise.objects.get(pk=e.pk).review_state == "approved" and not registration_changes(e).exists()


# ---- the regulators' bulk export ----


def bulk(client, key="tailings_pond", query=""):
    return workbook(client.get(reverse("registrations:table_bulk_export", args=[key]) + query))


def by_name(ws):
    rows = rows_of(ws)
    return rows[0], {r[0]: dict(zip(rows[0], r, strict=False)) for r in rows[1:]}, rows[1:]


def test_the_city_exports_every_county_with_filled_and_unfilled_rows(login, users, mines):
    header, rows, lines = by_name(bulk(login(users["city"])).worksheets[0])
    assert header[:6] == ["企业名称", "统一社会信用代码", "属地", "行业分类", "填写状态", "更新时间"]
    assert sorted(rows) == sorted(["金水尾矿库有限公司", "金水未填尾矿库有限公司", "二七尾矿库有限公司", "二七未填尾矿库有限公司"])
    assert len(lines) == 4  # one row per enterprise; the 机械 and 危化 enterprises are not 尾矿库
    assert rows["金水尾矿库有限公司"]["填写状态"] == "已填写" and rows["二七未填尾矿库有限公司"]["填写状态"] == "未填写"
    assert rows["金水尾矿库有限公司"]["尾矿库名称"] == "金水一号尾矿库"
    assert rows["二七尾矿库有限公司"]["设计总坝高（米）"] == 42.25
    assert rows["金水尾矿库有限公司"]["统一社会信用代码"] == mines["jinshui"].uscc
    assert rows["二七尾矿库有限公司"]["属地"] == "二七区（410103）"
    assert rows["金水未填尾矿库有限公司"]["尾矿库名称"] is None and rows["金水未填尾矿库有限公司"]["更新时间"] is None
    assert rows["金水尾矿库有限公司"]["更新时间"] is not None
    assert rows["金水尾矿库有限公司"]["安全生产许可证有效期（起）"].date().isoformat() == "2023-01-01"


def test_a_county_exports_its_own_only(login, users, mines):
    _, rows, _ = by_name(bulk(login(users["jinshui"])).worksheets[0])
    assert sorted(rows) == sorted(["金水尾矿库有限公司", "金水未填尾矿库有限公司"])
    _, rows, _ = by_name(bulk(login(users["chem"])).worksheets[0])
    assert rows == {}


@pytest.mark.parametrize("who", ["owner", "outsider", "admin", "staff"])
def test_enterprise_users_may_not_bulk_export(login, users, mines, who):
    client = login(mines[who] if who in ("admin", "staff") else users[who])
    assert client.get(reverse("registrations:table_bulk_export", args=["tailings_pond"])).status_code == 403


def test_an_unknown_table_has_no_export(login, users):
    assert login(users["city"]).get(reverse("registrations:table_bulk_export", args=["no_such_table"])).status_code == 404


def test_the_list_filters_apply_to_the_export(login, users, mines):
    client = login(users["city"])
    _, rows, _ = by_name(bulk(client, query="?q=二七未填").worksheets[0])
    assert list(rows) == ["二七未填尾矿库有限公司"]
    _, rows, _ = by_name(bulk(client, query=f"?region={ERQI}").worksheets[0])
    assert sorted(rows) == ["二七尾矿库有限公司", "二七未填尾矿库有限公司"]
    page = client.get(reverse("archive:enterprise_list") + "?q=二七未填").content.decode()
    assert reverse("registrations:table_bulk_export", args=["tailings_pond"]) + "?q=" in page


def test_group_sheets_have_one_row_per_block(login, users):
    first = create_enterprise(JINSHUI, industry="0202", name="金水露天矿一")
    second = create_enterprise(ERQI, industry="0202", name="二七露天矿二")
    create_enterprise(JINSHUI, industry="0202", name="金水露天矿未填")
    Registration.objects.create(enterprise=first, table="open_pit_mine", data={
        "system_name": "一号系统", "waste_dumps": [{"name": "甲排土场", "design_capacity": 12.5, "downstream_residents": 30},
                                                   {"name": "乙排土场", "slope_monitoring": ["人工观测", "在线监测"]}]})
    Registration.objects.create(enterprise=second, table="open_pit_mine", data={
        "system_name": "二号系统", "waste_dumps": [{"name": f"{n}号排土场"} for n in range(1, 4)]})
    wb = bulk(login(users["city"]), "open_pit_mine")
    assert wb.sheetnames == ["金属非金属露天矿山", "排土场"]
    header, rows, lines = by_name(wb.worksheets[0])
    assert len(lines) == 3
    assert rows["金水露天矿一"]["排土场（排土场数）"] == 2 and rows["二七露天矿二"]["排土场（排土场数）"] == 3
    assert rows["金水露天矿未填"]["排土场（排土场数）"] == 0
    blocks = rows_of(wb["排土场"])
    assert blocks[0][:4] == ["企业名称", "统一社会信用代码", "序号", "排土场名称"]
    body = sorted((r[0], r[2], r[3]) for r in blocks[1:])
    assert body == [("二七露天矿二", 1, "1号排土场"), ("二七露天矿二", 2, "2号排土场"), ("二七露天矿二", 3, "3号排土场"),
                    ("金水露天矿一", 1, "甲排土场"), ("金水露天矿一", 2, "乙排土场")]
    first_block = next(dict(zip(blocks[0], r, strict=False)) for r in blocks[1:] if r[3] == "甲排土场")
    assert first_block["设计排土容量（万m³）"] == 12.5 and first_block["下游500m内居民人数（人）"] == 30
    assert first_block["统一社会信用代码"] == first.uscc
    assert next(dict(zip(blocks[0], r, strict=False)) for r in blocks[1:] if r[3] == "乙排土场")["边坡安全监测"] == "人工观测、在线监测"


def plain(value):
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date()
    return value


@pytest.mark.parametrize("key", [t.key for t in schema.tables()])
def test_the_bulk_export_has_every_field_of_every_table(login, users, key):
    table = schema.get(key)
    e = create_enterprise(JINSHUI, industry=table.industries[0], name=f"金水{table.short}公司")
    data = fake.example(table, random.Random(2))
    Registration.objects.create(enterprise=e, table=key, data=data)
    wb = bulk(login(users["city"]), key)
    assert wb.sheetnames == [table.short[:31], *[g.label[:31] for g in table.groups]]
    rows = rows_of(wb.worksheets[0])
    assert rows[0][6:] == [h for f in table.fields for h, _ in f.cells({})]
    row = next(r for r in rows[1:] if r[0] == e.name)
    assert row[4] == "已填写"
    assert [plain(v) for v in row[6:]] == [v for f in table.fields for _, v in f.cells(data)]
    for g in table.groups:
        blocks = [[plain(v) for v in r[2:]] for r in rows_of(wb[g.label[:31]])[1:] if r[0] == e.name]
        assert blocks == [[n, *[v for f in g.fields for _, v in f.cells(item)]] for n, item in enumerate(g.rows(data), start=1)]


def test_numbers_are_numbers_and_formulas_stay_text(login, users, mines):
    Registration.objects.filter(enterprise=mines["jinshui"]).update(
        data={**TAILINGS_DATA, "name": "=cmd|' /C calc'!A0", "design_org": "=HYPERLINK(\"http://x\")"})
    ws = bulk(login(users["city"])).worksheets[0]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "金水尾矿库有限公司")
    cell = {h: c for h, c in zip(header, row, strict=False)}
    assert cell["尾矿库名称"].value == "=cmd|' /C calc'!A0" and cell["尾矿库名称"].data_type == "s"
    assert cell["安全设施设计单位"].data_type == "s"
    assert cell["设计总坝高（米）"].data_type == "n" and cell["设计总坝高（米）"].value == 30
    assert cell["设计总库容（万立方米）"].value == 120.5 and cell["特种作业人员数量（人）"].value == 12
    assert cell["安全生产许可证有效期（起）"].is_date

    single = workbook(login(mines["admin"]).get(reverse("registrations:table_xlsx", args=[mines["jinshui"].pk, "tailings_pond"]))).worksheets[0]
    values = {r[0].value: r[1] for r in single.iter_rows() if len(r) > 1 and r[0].value}
    assert values["尾矿库名称"].value == "=cmd|' /C calc'!A0" and values["尾矿库名称"].data_type == "s"
    assert values["设计总坝高"].data_type == "n" and values["设计总坝高"].value == 30


def test_formulas_in_blocks_stay_text(login, users):
    e = create_enterprise(JINSHUI, industry="0202", name="=金水露天矿")
    Registration.objects.create(enterprise=e, table="open_pit_mine", data={"system_name": "=1+1", "waste_dumps": [{"name": "=SUM(A1:A9)"}]})
    wb = bulk(login(users["city"]), "open_pit_mine")
    main = next(r for r in wb.worksheets[0].iter_rows(min_row=2) if r[0].value == "=金水露天矿")
    assert main[0].data_type == "s"
    block = next(r for r in wb["排土场"].iter_rows(min_row=2))
    assert block[0].value == "=金水露天矿" and block[0].data_type == "s"
    assert block[3].value == "=SUM(A1:A9)" and block[3].data_type == "s"
    single = workbook(login(users["city"]).get(reverse("registrations:table_xlsx", args=[e.pk, "open_pit_mine"]))).worksheets[0]
    cells = [c for r in single.iter_rows() for c in r if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in cells} >= {"=1+1", "=SUM(A1:A9)"} and all(c.data_type == "s" for c in cells)


# ---- cost ----


def archive_queries(client, e):
    url = reverse("archive:enterprise_detail", args=[e.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_archive_page_costs_the_same_however_many_blocks(login, users):
    e = create_enterprise(JINSHUI, industry="0201", name="金水地下矿有限公司")
    table = schema.get("underground_mine")
    client = login(users["jinshui"])
    data = fake.example(table, random.Random(1))
    one = {**data, **{g.key: g.rows(data)[:1] for g in table.groups}}
    registration = Registration.objects.create(enterprise=e, table=table.key, data=one)
    few = archive_queries(client, e)
    five = {**data, **{g.key: (g.rows(data) * 3)[:5] for g in table.groups}}
    registration.data = five
    registration.save()
    many = archive_queries(client, e)
    assert many == few
    page = client.get(reverse("archive:enterprise_detail", args=[e.pk])).content.decode()
    assert "（5 个竖井）" in page and "第5个竖井提升系统" in page


def test_the_bulk_export_costs_the_same_however_many_enterprises(login, users, mines):
    client = login(users["city"])
    url = reverse("registrations:table_bulk_export", args=["tailings_pond"])
    workbook(client.get(url))
    with CaptureQueriesContext(connection) as few:
        assert len(rows_of(workbook(client.get(url)).worksheets[0])) == 5
    for n in range(4):
        e = create_enterprise(ERQI if n % 2 else JINSHUI, industry="0203", name=f"又一尾矿库{n}")
        Registration.objects.create(enterprise=e, table="tailings_pond", data={**TAILINGS_DATA, "name": f"又一尾矿库{n}号库"})
    with CaptureQueriesContext(connection) as many:
        assert len(rows_of(workbook(client.get(url)).worksheets[0])) == 9
    assert len(many) == len(few)


def test_stored_markup_is_shown_as_text(login, users, mines):
    Registration.objects.filter(enterprise=mines["jinshui"]).update(data={**TAILINGS_DATA, "name": "<b>粗体</b>尾矿库"})
    page = login(users["jinshui"]).get(reverse("archive:enterprise_detail", args=[mines["jinshui"].pk])).content.decode()
    assert "&lt;b&gt;粗体&lt;/b&gt;尾矿库" in page and "<b>粗体</b>" not in page
