"""参考数据维护 (core.refdata, issue 22): one set of pages for every reference table; values in use are deactivated,
never deleted; imports are all or nothing; 主管部门 and 隐患类别 became tables holding the values they had."""
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tests.factories import JINSHUI, create_enterprise, create_hazard, create_unit, create_user
from worksafe.archive.models import Enterprise
from worksafe.core import menu, refdata
from worksafe.core.models import AccidentCategory, AuditAction, ChangeRecord, CompetentDepartment, Industry, Region, Role
from worksafe.hazards.models import Category, Hazard

pytestmark = pytest.mark.django_db

# The fixed lists as they were before they became tables (TextChoices), in their order: none may be lost.
OLD_DEPARTMENTS = [("emergency", "应急局"), ("coal", "煤炭局"), ("industry", "工信局"), ("other", "其他")]
OLD_CATEGORIES = [
    ("qualification", "基础管理-资质证照"), ("organization", "基础管理-安全生产管理机构及人员"),
    ("responsibility", "基础管理-安全生产责任制"), ("rules", "基础管理-安全生产管理制度"), ("procedures", "基础管理-安全操作规程"),
    ("training", "基础管理-教育培训"), ("records", "基础管理-安全生产管理档案"), ("investment", "基础管理-安全生产投入"),
    ("emergency", "基础管理-应急管理"), ("special_equipment_mgmt", "基础管理-特种设备基础管理"),
    ("occupational_mgmt", "基础管理-职业卫生基础管理"), ("contractor_mgmt", "基础管理-相关方基础管理"), ("other_mgmt", "基础管理-其他"),
    ("special_equipment", "现场管理-特种设备现场管理"), ("equipment", "现场管理-生产设备设施及工艺"), ("place", "现场管理-场所环境"),
    ("behaviour", "现场管理-从业人员操作行为"), ("fire", "现场管理-消防安全"), ("electricity", "现场管理-用电安全"),
    ("occupational", "现场管理-职业卫生现场安全"), ("confined_space", "现场管理-有限空间现场安全"), ("auxiliary", "现场管理-辅助动力系统"),
    ("contractor", "现场管理-相关方现场管理"), ("other_site", "现场管理-其他"),
]


@pytest.fixture
def admin(login, db):
    return login(create_user("sys", Role.SYSADMIN))


def url(name, key, *args):
    return reverse(f"core:refdata_{name}", args=[key, *args])


def changes(obj):
    return list(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
                .order_by("id").values_list("action", flat=True))


def xlsx(headers, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("参考数据.xlsx", out.getvalue(), content_type="application/octet-stream")


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# Migrated values ---------------------------------------------------------------------------------------------------

def test_the_migrated_tables_hold_every_value_of_the_old_fixed_lists_in_their_order():
    assert list(CompetentDepartment.objects.values_list("code", "name")) == OLD_DEPARTMENTS
    assert list(Category.objects.values_list("code", "name")) == OLD_CATEGORIES
    assert all(CompetentDepartment.objects.values_list("is_active", flat=True))
    assert set(AccidentCategory.objects.values_list("edition", flat=True)) == {"GB 6441-1986"}


def test_rows_keep_their_codes_in_the_same_columns(enterprise):
    hazard = create_hazard(enterprise, category="fire")
    assert Enterprise._meta.get_field("competent_department").column == "competent_department"
    assert Hazard._meta.get_field("category").column == "category"
    assert hazard.category.name == "现场管理-消防安全" and enterprise.competent_department.name in dict(OLD_DEPARTMENTS).values()


# Pages and audit ---------------------------------------------------------------------------------------------------

def test_every_table_has_its_page_and_the_menu_leads_there(login):
    user = create_user("sys", Role.SYSADMIN)
    admin = login(user)
    index = admin.get(reverse("core:refdata_list")).content.decode()
    for key in ("regions", "industries", "competent-departments", "accident-categories", "hazard-categories"):
        assert f'data-testid="refdata-{key}"' in index
        assert admin.get(url("table", key)).status_code == 200
    links = [link.href for item in menu.for_user(user) for link in item.links]
    assert reverse("core:refdata_list") in links
    assert "指引标准的适用行业不另设表" in admin.get(url("table", "industries")).content.decode()


def test_a_regulator_may_not_maintain_reference_data(login, users):
    assert login(users["province"]).get(url("table", "regions")).status_code == 403
    assert login(users["province"]).post(url("add", "competent-departments"), {"code": "x", "name": "x"}).status_code == 403
    assert not CompetentDepartment.objects.filter(code="x").exists()


def test_adding_editing_and_deactivating_are_audited(admin):
    r = admin.post(url("add", "competent-departments"), {"code": "housing", "name": "住建局", "sort": 50})
    assert r.status_code == 302
    dept = CompetentDepartment.objects.get(code="housing")
    admin.post(url("edit", "competent-departments", "housing"), {"name": "住房和城乡建设局", "sort": 50})
    admin.post(url("state", "competent-departments", "housing", "deactivate"))
    admin.post(url("state", "competent-departments", "housing", "activate"))
    dept.refresh_from_db()
    assert dept.name == "住房和城乡建设局" and dept.is_active
    assert changes(dept) == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.UPDATE, AuditAction.UPDATE]
    last = ChangeRecord.objects.filter(object_id="housing").order_by("id").last()
    assert (last.user.username, last.before, last.after) == ("sys", {"is_active": False}, {"is_active": True})


def test_the_code_cannot_be_changed_nor_taken_twice(admin):
    admin.post(url("edit", "competent-departments", "coal"), {"code": "mine", "name": "煤炭局", "sort": 20})
    assert CompetentDepartment.objects.filter(code="coal").exists() and not CompetentDepartment.objects.filter(code="mine").exists()
    r = admin.post(url("add", "competent-departments"), {"code": "coal", "name": "另一个", "sort": 1})
    assert "代码“coal”已存在" in r.content.decode()
    r = admin.post(url("add", "competent-departments"), {"code": "a/b", "name": "斜杠", "sort": 1})
    assert "代码只能包含字母、数字、下划线、短横线或点" in r.content.decode()


def test_a_region_code_must_fit_its_parent(admin):
    r = admin.post(url("add", "regions"), {"code": "410195", "name": "错挂区", "level": "county", "parent": "410200"})
    assert "区划代码应以上级（开封市）的代码 4102 开头" in r.content.decode()
    r = admin.post(url("add", "regions"), {"code": "410198", "name": "郑州新区", "level": "county", "parent": "410100"})
    assert r.status_code == 302 and Region.objects.get(code="410198").parent_id == "410100"


# In use: deactivated, never deleted ----------------------------------------------------------------------------------

def test_a_value_in_use_cannot_be_deleted_and_its_deactivation_keeps_rows_showing_it(admin, login, users, enterprise):
    create_unit(enterprise, competent_department="coal")
    r = admin.post(url("state", "competent-departments", "coal", "delete"), follow=True)
    assert "煤炭局”已被二级生产经营单位引用，不能删除，只能停用" in " ".join(messages_of(r))
    assert CompetentDepartment.objects.filter(code="coal").exists()
    admin.post(url("state", "competent-departments", "coal", "deactivate"))
    assert not CompetentDepartment.objects.get(code="coal").is_active
    page = login(users["jinshui"]).get(enterprise.get_absolute_url()).content.decode()
    assert "煤炭局" in page  # the unit still shows its department


@pytest.mark.parametrize("key,code,user", [
    ("regions", JINSHUI, "企业"), ("industries", "07", "企业"), ("hazard-categories", "fire", "隐患"),
    ("accident-categories", "09", "重点监管"),
])
def test_values_used_by_any_app_are_protected(admin, enterprise, key, code, user):
    create_hazard(enterprise, category="fire")
    enterprise.key_items.create(name="液氨储罐", area="罐区", accident_category_id="09", seq=1)
    r = admin.post(url("state", key, code, "delete"), follow=True)
    assert "不能删除，只能停用" in " ".join(messages_of(r))
    assert refdata.get(key).model.objects.filter(pk=code).exists()


def test_an_unused_value_may_be_deleted_and_the_deletion_is_audited(admin):
    CompetentDepartment.objects.create(code="temp", name="临时部门", sort=90)
    r = admin.post(url("state", "competent-departments", "temp", "delete"), follow=True)
    assert "已删除主管部门“临时部门”" in " ".join(messages_of(r))
    assert not CompetentDepartment.objects.filter(code="temp").exists()
    assert ChangeRecord.objects.filter(object_id="temp", action=AuditAction.DELETE).exists()


# Deactivated: not offered, refused -------------------------------------------------------------------------------

def test_a_deactivated_value_is_not_offered_and_is_refused_in_forms(login, users, enterprise):
    CompetentDepartment.objects.filter(code="coal").update(is_active=False)
    Category.objects.filter(code="fire").update(is_active=False)
    client = login(users["owner"])
    form = client.get(reverse("archive:unit_add", args=[enterprise.pk])).context["form"]
    assert "coal" not in [str(v) for v, _ in form.fields["competent_department"].choices]
    r = client.post(reverse("archive:unit_add", args=[enterprise.pk]), {"name": "运输部", "industry": "07", "competent_department": "coal"})
    assert r.status_code == 200 and "所选主管部门“coal”不存在或已停用" in r.content.decode()
    ledger = login(users["jinshui"]).get(reverse("hazards:open_list"))
    assert "fire" not in [v for v, _ in ledger.context["filter"].form.fields["category"].choices]


def test_a_row_holding_a_deactivated_value_can_still_be_edited(login, users, enterprise):
    unit = create_unit(enterprise, competent_department="coal")
    CompetentDepartment.objects.filter(code="coal").update(is_active=False)
    r = login(users["owner"]).post(reverse("archive:unit_edit", args=[unit.pk]),
                                   {"name": "运输一部", "industry": "07", "competent_department": "coal"})
    assert r.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.competent_department_id) == ("运输一部", "coal")


def test_the_api_refuses_a_deactivated_category_for_a_new_hazard():
    lookup_before = refdata.Lookup(Category)
    assert lookup_before.resolve("现场管理-消防安全") == ("fire", "")
    Category.objects.filter(code="fire").update(is_active=False)
    lookup = refdata.Lookup(Category)
    code, reason = lookup.resolve("fire")
    assert code is None and reason == "“现场管理-消防安全”已停用，不能用于新录入"
    assert lookup.resolve("fire", current="fire") == ("fire", "")  # a hazard that holds it keeps it
    assert "fire（" not in lookup.allowed()


# Import -------------------------------------------------------------------------------------------------------------

HEADERS = ["代码", "名称", "排序", "启用"]


def test_an_import_with_bad_rows_names_them_and_writes_nothing(admin):
    before = list(CompetentDepartment.objects.values_list("code", "name", "sort", "is_active"))
    count = ChangeRecord.objects.count()
    upload = xlsx(HEADERS, [["housing", "住建局", 50, "是"], ["coal", "", 20, "是"], ["transport", "交通局", "很多", "是"],
                            ["housing", "重复", 60, "是"], ["market", "应急局", 70, "是"]])
    r = admin.post(url("import", "competent-departments"), {"file": upload})
    text = r.content.decode()
    assert r.status_code == 200
    for message in ("第3行 名称: 不能为空", "第4行 排序: 应为整数", "第5行 代码: 与第2行重复", "第6行 名称: “应急局”已被代码 emergency 使用"):
        assert message in text
    assert list(CompetentDepartment.objects.values_list("code", "name", "sort", "is_active")) == before
    assert ChangeRecord.objects.count() == count


def test_a_good_import_adds_and_updates_and_is_audited(admin):
    upload = xlsx(HEADERS, [["housing", "住建局", 50, "是"], ["coal", "煤炭管理局", 20, "否"], ["emergency", "应急局", 10, "是"]])
    r = admin.post(url("import", "competent-departments"), {"file": upload}, follow=True)
    assert "新增 1 条，修改 1 条，未变 1 条" in " ".join(messages_of(r))
    coal = CompetentDepartment.objects.get(code="coal")
    assert (coal.name, coal.is_active) == ("煤炭管理局", False)
    assert CompetentDepartment.objects.get(code="housing").name == "住建局"
    assert ChangeRecord.objects.filter(object_id="housing", action=AuditAction.CREATE, message="xlsx 导入").exists()


def test_a_region_import_takes_parents_from_earlier_rows_and_refuses_unknown_ones(admin):
    headers = ["区划代码", "名称", "级别", "上级", "启用"]
    bad = xlsx(headers, [["410199", "新区", "县（区）", "410100", "是"], ["410199001", "一街道", "乡镇（街道）", "410199", "是"],
                         ["410199002", "二街道", "乡镇（街道）", "410198", "是"]])
    r = admin.post(url("import", "regions"), {"file": bad})
    assert "第4行 上级: 代码“410198”不存在（须已存在或在本文件中排在前面）" in r.content.decode()
    assert not Region.objects.filter(code__startswith="410199").exists()
    good = xlsx(headers, [["410199", "新区", "县（区）", "410100", "是"], ["410199001", "一街道", "乡镇（街道）", "410199", "是"]])
    admin.post(url("import", "regions"), {"file": good})
    assert Region.objects.get(code="410199001").full_name == "河南省郑州市新区一街道"


def test_an_import_refuses_a_deactivated_parent_for_new_rows(admin):
    Industry.objects.filter(code="07").update(is_active=False)
    upload = xlsx(["代码", "名称", "上级", "排序", "启用"], [["0799", "新机械", "07", 99, "是"]])
    r = admin.post(url("import", "industries"), {"file": upload})
    assert "第2行 上级: “机械”已停用，不能选用" in r.content.decode()
    assert not Industry.objects.filter(code="0799").exists()


def test_the_template_and_export_round_trip(admin):
    from openpyxl import load_workbook

    template = load_workbook(io.BytesIO(b"".join(admin.get(url("template", "accident-categories")).streaming_content)))
    assert [c.value for c in template.worksheets[0][1]] == ["代码", "名称", "标准版本", "启用"]
    export = admin.get(url("export", "accident-categories"))
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0].values)
    assert rows[1][:3] == ("01", "物体打击", "GB 6441-1986") and len(rows) == 21
    assert ChangeRecord.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_enterprise_import_refuses_a_deactivated_department(login, users):
    CompetentDepartment.objects.filter(code="coal").update(is_active=False)
    from worksafe.archive.io import _Lookups

    lookups = _Lookups(users["city"])
    assert lookups.department("应急局").pk == "emergency"
    with pytest.raises(ValueError, match="应为以下之一"):
        lookups.department("公安局")
    assert create_enterprise(JINSHUI, competent_department="emergency").competent_department_id == "emergency"
