"""Checklists: guideline import / template / export, the guideline list, derive → edit → submit → approve / return,
who may do what, and scope (404 outside, 403 for the wrong role)."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.factories import TOWNSHIP, messages_of
from worksafe.archive.models import Enterprise
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.hazards import checklists
from worksafe.hazards.models import Category, Checklist, ChecklistItem, CheckPlan

pytestmark = pytest.mark.django_db

HEADERS = ["序号", "检查项", "检查内容", "检查依据", "隐患类别"]
GOOD_ROWS = [
    [1, "消防安全", "灭火器按规定配置，压力正常", "《消防法》第十六条", "现场管理-消防安全"],
    [2, "消防安全", "疏散通道畅通，安全出口不上锁", "", "现场管理-消防安全"],
    [3, "用电安全", "配电箱有警示标识，箱门完好", "GB 50054", "现场管理-用电安全"],
    [None, "教育培训", "特种作业人员持证上岗", "", None],
]


def xlsx(rows, headers=HEADERS, name="标准.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def import_file(client, upload, name="机械行业隐患排查指引", industry="07", query=""):
    return client.post(reverse("hazards:checklist_import") + query, {"name": name, "industry": industry, "note": "", "file": upload})


def make_guideline(org=None, name="机械行业隐患排查指引", industry="07", items=GOOD_ROWS[:3]):
    c = Checklist.objects.create(name=name, industry_id=industry, owner=org, state="approved")
    for order, section, content, basis, category in items:
        ChecklistItem.objects.create(checklist=c, order=order, section=section, content=content, basis=basis or "",
                                     category=Category.objects.filter(name=category).first() if category else None)
    return c


@pytest.fixture
def guideline(orgs):
    return make_guideline(orgs["jinshui"])


def client_of(user):
    """A client of its own (the `login` fixture re-logs one shared client): two people working side by side."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def items_of(checklist):
    rows = checklist.items.order_by("order", "pk").values_list("order", "section", "content", "basis", "category")
    return [(*row[:4], row[4] or "") for row in rows]


# ---- import, template, export ----


def test_it_imports_a_guideline_from_a_good_file(users, login):
    client = login(users["jinshui"])
    response = import_file(client, xlsx(GOOD_ROWS))
    c = Checklist.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hazards:checklist_detail", args=[c.pk])
    assert (c.name, c.industry_id, c.enterprise_id, c.owner_id) == ("机械行业隐患排查指引", "07", None, users["jinshui"].organization_id)
    assert items_of(c) == [
        (1, "消防安全", "灭火器按规定配置，压力正常", "《消防法》第十六条", "fire"),
        (2, "消防安全", "疏散通道畅通，安全出口不上锁", "", "fire"),
        (3, "用电安全", "配电箱有警示标识，箱门完好", "GB 50054", "electricity"),
        (4, "教育培训", "特种作业人员持证上岗", "", ""),  # a blank 序号 is the row's position
    ]
    assert "已导入排查标准《机械行业隐患排查指引》：4 条检查内容。" in messages_of(client.get(response["Location"]))
    assert ChangeRecord.objects.filter(object_id=str(c.pk), content_type__model="checklist").exists()


def test_a_file_with_bad_rows_reports_each_row_and_writes_nothing(users, login):
    client = login(users["jinshui"])
    rows = [
        GOOD_ROWS[0],
        [2, "消防安全", None, "", "现场管理-消防安全"],            # 第3行: 检查内容 missing
        [3, "用电安全", "配电箱有警示标识", "", "电气类"],          # 第4行: unknown 隐患类别
        [1, "用电安全", "漏电保护器定期试验", "", ""],              # 第5行: 序号 repeated
        ["三", "用电安全", "线路无私拉乱接", "", ""],               # 第6行: 序号 not a number
    ]
    response = import_file(client, xlsx(rows))
    assert response.status_code == 200
    errors = [str(e) for e in response.context["errors"]]
    assert errors == [
        "第3行 检查内容: 不能为空",
        "第4行 隐患类别: 无法识别的隐患类别“电气类”，请从下拉列表选择（如“现场管理-消防安全”）",
        "第5行 序号: 与第2行的序号重复",
        "第6行 序号: 应为整数",
    ]
    assert "未导入任何数据" in response.content.decode()
    assert not Checklist.objects.exists() and not ChecklistItem.objects.exists()


def test_wrong_headers_and_a_non_xlsx_file_are_refused(users, login):
    client = login(users["jinshui"])
    response = import_file(client, xlsx([["消防安全", "灭火器"]], headers=["检查项", "内容"]))
    assert [str(e) for e in response.context["errors"]] == [
        "第1行 表头: 缺少列：检查内容（请使用导入模板）", "第1行 表头: 无法识别的列：内容（请使用导入模板，勿修改表头）"]
    response = import_file(client, SimpleUploadedFile("标准.xlsx", b"MZ\x90\x00 not a workbook"))
    assert [str(e) for e in response.context["errors"]] == ["文件不是有效的 xlsx 文件"]
    assert not Checklist.objects.exists()


def test_template_and_export_share_the_columns_and_round_trip(users, login, guideline):
    client = login(users["province"])
    template = load_workbook(io.BytesIO(b"".join(client.get(reverse("hazards:checklist_template")).streaming_content)))
    assert [c.value for c in template.worksheets[0][1]] == HEADERS
    assert template.sheetnames[1] == "填写说明"

    response = client.get(reverse("hazards:checklist_export", args=[guideline.pk]))
    content = b"".join(response.streaming_content)
    exported = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in exported[1]] == HEADERS
    assert [c.value for c in exported[2]] == [1, "消防安全", "灭火器按规定配置，压力正常", "《消防法》第十六条", "现场管理-消防安全"]
    # The exported file imports again as it is: the same items.
    response = import_file(client, SimpleUploadedFile("导出.xlsx", content), name="副本")
    assert response.status_code == 302
    copy = Checklist.objects.get(name="副本")
    assert items_of(copy) == items_of(guideline)


def test_reimporting_replaces_the_items_of_a_guideline(users, login, guideline):
    client = login(users["jinshui"])
    url = reverse("hazards:checklist_import") + f"?replace={guideline.pk}"
    assert client.get(url).context["form"].initial["name"] == guideline.name
    response = import_file(client, xlsx([[1, "有限空间", "作业前检测气体", "", "现场管理-有限空间现场安全"]]),
                           name="机械行业隐患排查指引（2026版）", query=f"?replace={guideline.pk}")
    assert response.status_code == 302
    guideline.refresh_from_db()
    assert guideline.name == "机械行业隐患排查指引（2026版）"
    assert items_of(guideline) == [(1, "有限空间", "作业前检测气体", "", "confined_space")]
    assert Checklist.objects.count() == 1
    record = ChangeRecord.objects.filter(object_id=str(guideline.pk), action=AuditAction.IMPORT).get()
    assert record.message == "导入 1 条检查内容，替换原有 3 条"
    # Another organisation's regulator may not replace it; a system administrator may.
    assert import_file(login(users["erqi"]), xlsx(GOOD_ROWS), query=f"?replace={guideline.pk}").status_code == 403
    assert import_file(login(users["sysadmin"]), xlsx(GOOD_ROWS), query=f"?replace={guideline.pk}").status_code == 302
    assert guideline.items.count() == 4


def test_only_regulators_above_township_import(users, login, township_user):
    for user in (users["owner"], township_user):
        client = login(user)
        assert client.get(reverse("hazards:checklist_import")).status_code == 403
        assert import_file(client, xlsx(GOOD_ROWS)).status_code == 403
    assert not Checklist.objects.exists()


def test_a_guideline_is_edited_and_deleted_by_its_publisher_and_not_while_plans_use_it(users, login, guideline, enterprise):
    edit = reverse("hazards:checklist_edit", args=[guideline.pk])
    delete = reverse("hazards:checklist_delete", args=[guideline.pk])
    for name in ("erqi", "city", "owner"):
        assert login(users[name]).get(edit).status_code == 403
        assert login(users[name]).post(delete).status_code == 403
    plan = CheckPlan.objects.create(enterprise=enterprise, name="月度综合排查", checklist=guideline, person="张三",
                                    starts_on="2026-01-01")
    client = login(users["jinshui"])
    response = client.post(delete, follow=True)
    assert "正被 1 个排查计划使用，不能删除" in " ".join(messages_of(response))
    assert Checklist.objects.filter(pk=guideline.pk).exists()
    plan.delete()
    assert client.post(delete).status_code == 302
    assert not Checklist.objects.filter(pk=guideline.pk).exists()


# ---- the guideline list ----


def test_enterprise_users_see_their_industry_first_and_every_guideline(users, login, orgs, enterprise):
    other = make_guideline(orgs["province"], name="危化品生产企业排查指引", industry="0301")
    general = make_guideline(orgs["province"], name="通用安全基础管理指引", industry=None)
    machinery = make_guideline(orgs["jinshui"], name="机械行业隐患排查指引", industry="07")
    response = login(users["owner"]).get(reverse("hazards:checklist_list"))
    rows = list(response.context["page"].object_list)
    assert [c.pk for c in rows] == [machinery.pk, general.pk, other.pk]
    assert [c.rank for c in rows] == [0, 1, 2]
    body = response.content.decode()
    assert body.index("本行业指引标准") < body.index("通用指引标准") < body.index("其他行业指引标准")
    # Filters: industry (with its sub-industries) and keyword.
    client = login(users["jinshui"])
    assert [c.pk for c in client.get(reverse("hazards:checklist_list"), {"industry": "03"}).context["page"]] == [other.pk]
    assert [c.pk for c in client.get(reverse("hazards:checklist_list"), {"q": "通用"}).context["page"]] == [general.pk]


def test_the_list_reads_a_fixed_number_of_queries(users, login, orgs, django_assert_max_num_queries):
    for i in range(15):
        make_guideline(orgs["province"], name=f"指引{i}", industry="07")
    client = login(users["owner"])
    client.get(reverse("hazards:checklist_list"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("hazards:checklist_list"))
    assert len(response.context["page"].object_list) == 15


# ---- custom checklists: derive, edit, submit, review ----


def formset_data(checklist, changes=None, deletions=(), additions=()):
    """POST data of the edit page: the checklist's fields and its items, with `changes` {item: {field: value}}."""
    changes = changes or {}
    items = list(checklist.items.order_by("order", "pk"))
    data = {"name": checklist.name, "note": checklist.note, "items-TOTAL_FORMS": str(len(items) + len(additions)),
            "items-INITIAL_FORMS": str(len(items)), "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"}
    if checklist.is_guideline:
        data["industry"] = checklist.industry_id or ""
    for n, item in enumerate(items):
        values = {"id": item.pk, "order": item.order, "section": item.section, "content": item.content, "basis": item.basis,
                  "category": item.category_id or "", **changes.get(item, {})}
        if item in deletions:
            values["DELETE"] = "on"
        data.update({f"items-{n}-{k}": v for k, v in values.items()})
        data[f"items-{n}-checklist"] = checklist.pk
    for m, values in enumerate(additions, start=len(items)):
        data.update({f"items-{m}-{k}": v for k, v in values.items()})
        data[f"items-{m}-checklist"] = checklist.pk
    return data


def test_derive_edit_submit_return_resubmit_approve(users, guideline, enterprise):
    owner = client_of(users["owner"])
    response = owner.post(reverse("hazards:checklist_derive", args=[guideline.pk]))
    custom = Checklist.objects.get(enterprise=enterprise)
    assert response["Location"] == reverse("hazards:checklist_edit", args=[custom.pk])
    assert (custom.state, custom.based_on_id, custom.name, custom.industry_id) == ("draft", guideline.pk, guideline.name, "07")
    assert [i[1:] for i in items_of(custom)] == [i[1:] for i in items_of(guideline)]

    # Edit: change one item, delete one, add one.
    first, second, third = custom.items.order_by("order")
    data = formset_data(custom, changes={first: {"content": "灭火器每月检查一次"}}, deletions=[second],
                        additions=[{"order": 9, "section": "有限空间", "content": "进入前通风检测", "basis": "", "category": ""}])
    response = owner.post(reverse("hazards:checklist_edit", args=[custom.pk]), data)
    assert response.status_code == 302, response.context and (response.context["form"].errors, response.context["formset"].errors)
    assert [(o, s, c) for o, s, c, _, _ in items_of(custom)] == [
        (1, "消防安全", "灭火器每月检查一次"), (3, "用电安全", "配电箱有警示标识，箱门完好"), (9, "有限空间", "进入前通风检测")]
    assert items_of(guideline)[0][2] == "灭火器按规定配置，压力正常"  # the guideline is untouched

    # Submit; while submitted the enterprise cannot edit.
    owner.post(reverse("hazards:checklist_submit", args=[custom.pk]))
    custom.refresh_from_db()
    assert custom.state == "submitted"
    response = owner.get(reverse("hazards:checklist_edit", args=[custom.pk]), follow=True)
    assert "正在等待监管部门审核，审核完成前不能修改" in " ".join(messages_of(response))

    # The regulator returns it: the reason is required.
    jinshui = client_of(users["jinshui"])
    review = reverse("hazards:checklist_review", args=[custom.pk])
    response = jinshui.post(review, {"action": "return", "reason": "  "}, follow=True)
    assert "退回须填写原因（需要修改的内容）。" in messages_of(response)
    custom.refresh_from_db()
    assert custom.state == "submitted"
    jinshui.post(review, {"action": "return", "reason": "缺少机加工车间的检查内容"})
    custom.refresh_from_db()
    assert (custom.state, custom.review_reason) == ("returned", "缺少机加工车间的检查内容")
    assert "缺少机加工车间的检查内容" in owner.get(reverse("hazards:checklist_detail", args=[custom.pk])).content.decode()

    # Resubmitted and approved.
    owner.post(reverse("hazards:checklist_submit", args=[custom.pk]))
    jinshui.post(review, {"action": "approve", "reason": ""})
    custom.refresh_from_db()
    assert custom.state == "approved"
    actions = list(ChangeRecord.objects.filter(object_id=str(custom.pk), content_type__model="checklist")
                   .exclude(action="update").order_by("time", "id").values_list("action", "message"))
    assert actions == [("create", "依据指引标准《机械行业隐患排查指引》制定"), ("submit", ""),
                       ("return", "缺少机加工车间的检查内容"), ("submit", ""), ("approve", "")]

    # Approving twice is refused with the state, not a crash.
    response = jinshui.post(review, {"action": "approve"}, follow=True)
    assert "该标准当前状态为“审核通过”，不能审核通过。" in messages_of(response)

    # Editing the approved checklist sends it back to 未提交.
    data = formset_data(custom, changes={custom.items.order_by("order").first(): {"basis": "企业制度"}})
    response = owner.post(reverse("hazards:checklist_edit", args=[custom.pk]), data, follow=True)
    custom.refresh_from_db()
    assert custom.state == "draft"
    assert "修改后须重新提交审核" in " ".join(messages_of(response))


def test_an_unchanged_save_keeps_an_approved_checklist_approved(users, login, guideline):
    owner = login(users["owner"])
    owner.post(reverse("hazards:checklist_derive", args=[guideline.pk]))
    custom = Checklist.objects.get(enterprise__isnull=False)
    Checklist.objects.filter(pk=custom.pk).update(state="approved")
    custom.refresh_from_db()
    owner.post(reverse("hazards:checklist_edit", args=[custom.pk]), formset_data(custom))
    custom.refresh_from_db()
    assert custom.state == "approved"


def test_a_checklist_keeps_at_least_one_item(users, login, guideline):
    owner = login(users["owner"])
    owner.post(reverse("hazards:checklist_derive", args=[guideline.pk]))
    custom = Checklist.objects.get(enterprise__isnull=False)
    data = formset_data(custom, deletions=list(custom.items.all()))
    response = owner.post(reverse("hazards:checklist_edit", args=[custom.pk]), data)
    assert response.status_code == 200
    assert "标准中至少须保留一条检查内容。" in response.content.decode()
    assert custom.items.count() == 3


@pytest.fixture
def submitted(guideline, enterprise):
    custom = checklists.derive(guideline, enterprise.users.get())
    Checklist.objects.filter(pk=custom.pk).update(state="submitted")
    custom.refresh_from_db()
    return custom


def test_who_may_see_edit_and_review_a_custom_checklist(users, login, submitted, township_user, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(region_id=TOWNSHIP)  # the township regulator's own enterprise
    detail = reverse("hazards:checklist_detail", args=[submitted.pk])
    review = reverse("hazards:checklist_review", args=[submitted.pk])
    edit = reverse("hazards:checklist_edit", args=[submitted.pk])
    # Out of scope: 404 for everything (a sibling county, another enterprise, a department of other industries).
    for name in ("erqi", "outsider", "chem"):
        client = login(users[name])
        for url in (detail, edit, reverse("hazards:checklist_export", args=[submitted.pk])):
            assert client.get(url).status_code == 404, (name, url)
        assert client.post(review, {"action": "approve"}).status_code == 404
        assert client.post(reverse("hazards:checklist_submit", args=[submitted.pk])).status_code == 404
    # In scope but not a reviewer: 403 (a township, the enterprise itself).
    assert login(township_user).get(detail).status_code == 200
    assert login(township_user).post(review, {"action": "approve"}).status_code == 403
    assert login(users["owner"]).post(review, {"action": "approve"}).status_code == 403
    # Regulators do not edit an enterprise's checklist.
    Checklist.objects.filter(pk=submitted.pk).update(state="draft")
    assert login(users["jinshui"]).get(edit).status_code == 403
    assert login(users["jinshui"]).post(reverse("hazards:checklist_submit", args=[submitted.pk])).status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == "draft"
    # The city above approves.
    Checklist.objects.filter(pk=submitted.pk).update(state="submitted")
    assert login(users["city"]).post(review, {"action": "approve"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == "approved"


def test_regulators_do_not_derive(users, login, guideline):
    assert login(users["jinshui"]).post(reverse("hazards:checklist_derive", args=[guideline.pk])).status_code == 403
    assert not Checklist.objects.filter(enterprise__isnull=False).exists()


def test_custom_checklist_management_lists_those_in_scope(users, login, submitted, other_enterprise, guideline, township_user):
    theirs = checklists.derive(guideline, other_enterprise.users.get())
    url = reverse("hazards:checklist_custom_list")
    response = login(users["jinshui"]).get(url)
    assert [c.pk for c in response.context["page"]] == [submitted.pk]
    assert response.context["pending"] == 1
    assert [c.pk for c in login(users["erqi"]).get(url).context["page"]] == [theirs.pk]
    city = login(users["city"])
    assert [c.pk for c in city.get(url).context["page"]] == [submitted.pk, theirs.pk]  # awaiting review first
    assert [c.pk for c in city.get(url, {"state": "draft"}).context["page"]] == [theirs.pk]
    assert login(township_user).get(url).status_code == 403
    assert login(users["owner"]).get(url).status_code == 403


def test_the_enterprise_sees_its_own_checklists_on_the_list(users, login, submitted, other_enterprise, guideline):
    checklists.derive(guideline, other_enterprise.users.get())
    response = login(users["owner"]).get(reverse("hazards:checklist_list"))
    body = response.content.decode()
    assert body.count('data-testid="own-row"') == 1 and "待审核" in body
    assert response.context["page"].object_list[0].own_copy.pk == submitted.pk


def test_guidelines_of_another_industry_are_visible_to_anyone_logged_in(users, login, client, orgs):
    chem = make_guideline(orgs["province"], name="危化品生产企业排查指引", industry="0301")
    assert login(users["owner"]).get(reverse("hazards:checklist_detail", args=[chem.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("hazards:checklist_detail", args=[chem.pk])).status_code == 302  # to the login page


def test_the_enterprise_deletes_its_own_unused_checklist(users, login, submitted, enterprise):
    Checklist.objects.filter(pk=submitted.pk).update(state="draft")
    assert login(users["jinshui"]).post(reverse("hazards:checklist_delete", args=[submitted.pk])).status_code == 403
    assert login(users["owner"]).post(reverse("hazards:checklist_delete", args=[submitted.pk])).status_code == 302
    assert not Checklist.objects.filter(pk=submitted.pk).exists()
