"""表4 重大隐患排查治理统计表, 辅助表1 重大隐患整改治理台账 (page and xlsx), and 隐患增删改记录查询."""
import datetime
import io as _io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import create_hazard
from worksafe.core import audit
from worksafe.core.models import ChangeRecord
from worksafe.hazards import workflow
from worksafe.hazards.models import Hazard

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
LEDGER_LABELS = ["隐患名称", "隐患排查时间", "隐患地点部位", "隐患级别", "隐患类型", "主要危险物质", "隐患内容（主要危害）",
                 "可能造成经济损失（万元）", "可能造成的伤亡人数", "周边环境情况", "安全防范措施和应急预案", "治理的方法和措施",
                 "治理的时限和要求", "计划整改完成时间", "目前状况", "预计所需资金（万元）", "实际使用资金（万元）", "实际完成时间",
                 "隐患整改结果评估"]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(_io.BytesIO(b"".join(response.streaming_content)))


def values(ws):
    return [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]


@pytest.fixture
def hazards(users, enterprise, other_enterprise):
    """金水: two major hazards (this year and last year) and a general one; 二七: a major one."""
    last_year = datetime.date(TODAY.year - 1, 6, 1)
    return {
        "major": create_hazard(
            enterprise, "液氨储罐区泄漏报警失效", level="major", review="confirmed", place="液氨储罐区", kind="condition",
            substance="液氨", possible_loss=Decimal("120.50"), possible_casualties=5, surroundings="东侧 200 米为居民区",
            precautions="设置临时监护，完善应急预案", method="更换报警器并联动切断阀", requirements="30日内完成",
            planned_completion=TODAY + datetime.timedelta(days=30), current_status="整改中", planned_funds=Decimal("8"),
            filled_by="李四", filled_on=TODAY, reviewed_by="王五", category="equipment", found_on=TODAY),
        "old": create_hazard(enterprise, "锅炉安全阀失效", level="major", found_on=last_year, category="special_equipment"),
        "general": create_hazard(enterprise, "配电箱警示标识缺失"),
        "erqi": create_hazard(other_enterprise, "二七重大隐患", level="major"),
    }


# ---- 表4 ----


def test_table4_lists_only_the_enterprises_major_hazards(login, users, enterprise, hazards):
    response = login(users["owner"]).get(reverse("hazards:table4_detail", args=[enterprise.pk]))
    assert response.status_code == 200
    assert [h.name for h in response.context["hazards"]] == ["锅炉安全阀失效", "液氨储罐区泄漏报警失效"]  # 排查时间 order
    html = response.content.decode()
    for header in ("序号", "隐患排查时间", "隐患名称", "隐患地点部位", "隐患内容（主要危害）", "隐患类别", "隐患级别",
                   "安全防范措施和应急预案", "治理的时限和要求"):
        assert header in html
    assert "配电箱警示标识缺失" not in html and "二七重大隐患" not in html
    assert "现场管理-生产设备设施及工艺" in html and "设置临时监护" in html and "30日内完成" in html


def test_table4_year_filter(login, users, enterprise, hazards):
    client = login(users["jinshui"])
    response = client.get(reverse("hazards:table4_detail", args=[enterprise.pk]), {"year": TODAY.year - 1})
    assert [h.name for h in response.context["hazards"]] == ["锅炉安全阀失效"]
    assert response.context["years"] == [TODAY.year, TODAY.year - 1]
    # A year without major hazards is not offered: the whole list instead.
    response = client.get(reverse("hazards:table4_detail", args=[enterprise.pk]), {"year": 1999})
    assert len(response.context["hazards"]) == 2


@pytest.mark.parametrize("name", ["table4_detail", "table4_xlsx", "ledger_all_xlsx"])
def test_enterprise_pages_are_scoped(client, login, users, enterprise, hazards, name):
    target = reverse(f"hazards:{name}", args=[enterprise.pk])
    for user in ("owner", "jinshui", "city", "province", "sysadmin"):
        assert login(users[user]).get(target).status_code == 200, user
    for user in ("erqi", "outsider", "chem"):  # chem: 金水's enterprise is machinery, not chemicals
        assert login(users[user]).get(target).status_code == 404, user
    client.logout()
    assert client.get(target).status_code == 302


def test_table4_xlsx_is_the_form(login, users, enterprise, hazards):
    wb = workbook(login(users["owner"]).get(reverse("hazards:table4_xlsx", args=[enterprise.pk])))
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "表4 重大隐患排查治理统计表"
    assert rows[1][0] == f"单位名称：{enterprise.name}"
    assert rows[2] == ["序号", "隐患排查时间", "隐患名称", "隐患地点部位", "隐患内容（主要危害）", "隐患类别", "隐患级别",
                       "安全防范措施和应急预案", "治理的时限和要求"]
    assert [r[2] for r in rows[3:5]] == ["锅炉安全阀失效", "液氨储罐区泄漏报警失效"]
    assert rows[4][0] == 2 and rows[4][6] == "重大隐患" and rows[4][1] == str(TODAY)
    assert "配电箱警示标识缺失" not in values(ws)
    assert any("本表只统计重大隐患" in str(v) for v in values(ws))


# ---- 辅助表1 ----


def test_ledger_page_is_laid_out_like_the_form(login, users, hazards):
    h = hazards["major"]
    response = login(users["owner"]).get(reverse("hazards:ledger_detail", args=[h.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "辅助表1 重大隐患整改治理台账" in html
    for label in LEDGER_LABELS:
        assert label in html, label
    for value in ("液氨储罐区泄漏报警失效", "液氨", "120.50", "东侧 200 米为居民区", "物的不安全状态", "更换报警器并联动切断阀",
                  "填表人：李四", "审核人：王五"):
        assert value in html, value
    # The grid: each row fills the form's six columns (one label column per value).
    assert all(sum(1 + c["span"] for c in row) == 6 for row in response.context["grid"])


def test_ledger_and_its_xlsx_are_scoped(client, login, users, hazards):
    for name in ("ledger_detail", "ledger_xlsx"):
        target = reverse(f"hazards:{name}", args=[hazards["major"].pk])
        for user in ("owner", "jinshui", "city"):
            assert login(users[user]).get(target).status_code == 200
        for user in ("erqi", "outsider", "chem"):
            assert login(users[user]).get(target).status_code == 404
        assert login(users["chem"]).get(reverse(f"hazards:{name}", args=[hazards["erqi"].pk])).status_code == 200


def test_ledger_xlsx_has_the_form_labels_merged_cells_and_footer(login, users, enterprise, hazards):
    wb = workbook(login(users["owner"]).get(reverse("hazards:ledger_xlsx", args=[hazards["major"].pk])))
    ws = wb.worksheets[0]
    cells = values(ws)
    assert cells[0] == "辅助表1 重大隐患整改治理台账"
    assert f"单位名称：{enterprise.name}" in cells
    for label in LEDGER_LABELS:
        assert label in cells, label
    assert "液氨储罐区泄漏报警失效" in cells and "液氨" in cells and "120.50" in cells
    footer = [v for v in cells if str(v).startswith("填表人")]
    assert footer and "填表人：李四" in footer[0] and "审核人：王五" in footer[0] and f"填表时间：{TODAY}" in footer[0]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "B3:D3" in merged  # 隐患名称 spans three columns, 隐患排查时间 beside it
    assert "B4:F4" in merged  # 隐患地点部位 spans the row
    assert ws["A3"].border.left.style == "thin"


def test_ledger_all_xlsx_has_a_sheet_per_major_hazard(login, users, enterprise, hazards):
    wb = workbook(login(users["jinshui"]).get(reverse("hazards:ledger_all_xlsx", args=[enterprise.pk])))
    assert wb.sheetnames == ["目录", "1.锅炉安全阀失效", "2.液氨储罐区泄漏报警失效"]
    assert "液氨" in values(wb["2.液氨储罐区泄漏报警失效"])
    wb = workbook(login(users["jinshui"]).get(reverse("hazards:ledger_all_xlsx", args=[enterprise.pk]),
                                             {"year": TODAY.year}))
    assert wb.sheetnames == ["目录", "1.液氨储罐区泄漏报警失效"]


# ---- 隐患增删改记录查询 ----


@pytest.fixture
def history(users, enterprise, other_enterprise):
    """金水's owner creates a general hazard, edits it, starts it; creates and deletes another; 二七 creates one."""
    owner, outsider = users["owner"], users["outsider"]
    with audit.acting_as(owner):
        h = create_hazard(enterprise, "配电箱警示标识缺失")
        h.place = "二车间"
        h.save()
        workflow.perform(h, "start", owner)
        gone = create_hazard(enterprise, "误录隐患", level="major")
        gone.delete()
    with audit.acting_as(outsider):
        create_hazard(other_enterprise, "二七隐患")
    return h


def change_rows(client, **params):
    response = client.get(reverse("hazards:change_list"), params)
    assert response.status_code == 200
    return response, list(response.context["page"].object_list)


def test_change_log_shows_create_update_delete_with_level_and_user(login, users, enterprise, history):
    response, changes = change_rows(login(users["jinshui"]))
    seen = [(c.action, c.description, c.level_label, c.user_name) for c in changes]
    owner = users["owner"].username
    assert seen == [
        ("delete", "误录隐患", "重大隐患", owner),
        ("create", "误录隐患", "重大隐患", owner),
        ("transition", "配电箱警示标识缺失", "一般隐患", owner),
        ("update", "配电箱警示标识缺失", "一般隐患", owner),
        ("create", "配电箱警示标识缺失", "一般隐患", owner),
    ]
    html = response.content.decode()
    for text in ("序号", "企业名称", "隐患描述", "隐患级别", "操作用户", "操作时间", "操作类型", "查看",
                 "新增", "修改", "删除", "流程操作", "开始整改", enterprise.name):
        assert text in html, text
    assert "【一般隐患】" not in html  # the level has its own column
    # 查看: what changed, before → after (the place), and a deletion's last content.
    assert "隐患地点部位" in html and "一车间" in html and "二车间" in html
    assert html.count('data-testid="change-detail"') == 5


def test_change_log_is_scoped(login, users, history):
    def described(user):
        return {c.description for c in change_rows(login(users[user]))[1]}

    assert described("jinshui") == described("owner") == {"配电箱警示标识缺失", "误录隐患"}
    assert described("erqi") == described("outsider") == described("chem") == {"二七隐患"}
    assert described("city") == described("sysadmin") == {"配电箱警示标识缺失", "误录隐患", "二七隐患"}


def test_change_log_only_lists_hazards(login, users, enterprise, history):
    from worksafe.core.models import AuditAction

    audit.record(enterprise, AuditAction.UPDATE, {"name": "a"}, {"name": "b"}).save()
    _, changes = change_rows(login(users["jinshui"]))
    assert {c.content_type.model for c in changes} == {"hazard"}


@pytest.mark.parametrize("params, expected", [
    ({"action": "create"}, [("create", "二七隐患"), ("create", "误录隐患"), ("create", "配电箱警示标识缺失")]),
    ({"action": "delete"}, [("delete", "误录隐患")]),
    ({"level": "major"}, [("delete", "误录隐患"), ("create", "误录隐患")]),
    ({"q": "金水测试"}, None),  # the enterprise's name: all of 金水's
    ({"q": "二七"}, [("create", "二七隐患")]),
    ({"date_from": str(TODAY), "date_to": str(TODAY)}, None),
    ({"date_to": str(TODAY - datetime.timedelta(days=1))}, []),
])
def test_change_log_filters(login, users, history, params, expected):
    _, changes = change_rows(login(users["city"]), **params)
    got = [(c.action, c.description) for c in changes]
    if expected is None:
        assert len(got) >= 5 and {d for _, d in got} >= {"误录隐患", "配电箱警示标识缺失"}
    else:
        assert got == expected


def test_change_log_keeps_deleted_enterprises_history_readable(login, users, enterprise, history):
    ChangeRecord.objects.filter(enterprise_id=enterprise.pk).update(enterprise_id=None)
    response, changes = change_rows(login(users["sysadmin"]))
    assert "（企业已注销）" in response.content.decode()


def test_change_log_query_count_does_not_grow_with_rows(login, users, enterprise, history, django_assert_max_num_queries):
    client = login(users["jinshui"])
    client.get(reverse("hazards:change_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("hazards:change_list"))
    with audit.acting_as(users["owner"]):
        for i in range(15):
            create_hazard(enterprise, f"批量{i}", level="major" if i % 2 else "general")
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("hazards:change_list"))
    assert len(response.context["page"].object_list) == 20
    assert Hazard.objects.filter(enterprise=enterprise).count() == 16
