"""The archive's pages: the enterprise form and its checks, the one-page archive, the workbench and the list."""
import re

import pytest
from django.urls import reverse
from stdnum.cn import uscc as uscc_mod

from tests.factories import JINSHUI, PASSWORD, can_log_in, create_enterprise, create_item, create_unit, form_data
from worksafe.archive.models import Enterprise, KeySupervisionItem, SecondaryUnit
from worksafe.core.models import Role, User

pytestmark = pytest.mark.django_db


def valid_uscc(body="91410105MA47U2TQ1"):
    return body + uscc_mod.calc_check_digit(body)


@pytest.fixture
def new_enterprise(enterprise):
    """Form data for an enterprise not yet in the archive (copied from the fixture's)."""
    e = Enterprise(**{f.attname: getattr(enterprise, f.attname) for f in Enterprise._meta.concrete_fields if not f.primary_key})
    e.name, e.uscc = "金水新建机械有限公司", valid_uscc()
    return form_data(e)


def add(client, data):
    return client.post(reverse("archive:enterprise_add"), data)


def errors(response):
    return response.context["form"].errors


# ---- 表1: adding and editing an enterprise ----

def test_a_regulator_adds_an_enterprise_and_gets_its_one_time_password(login, users, new_enterprise):
    response = login(users["jinshui"]).post(reverse("archive:enterprise_add"), {**new_enterprise, "uscc": new_enterprise["uscc"].lower()},
                                            follow=True)
    e = Enterprise.objects.get(name="金水新建机械有限公司")
    assert e.uscc == new_enterprise["uscc"]  # typed in lower case, stored as printed
    assert response.redirect_chain[-1][0] == e.get_absolute_url()
    page = response.content.decode()
    password = re.search(r"一次性密码：(\w+)", page).group(1)
    account = User.objects.get(username=e.uscc)
    assert account.role == Role.ENTERPRISE_ADMIN and account.enterprise == e and account.must_change_password
    assert account.check_password(password)
    assert not any(account.check_password(p) for p in ["123456", "123456a", e.uscc, e.uscc[-6:]])


@pytest.mark.parametrize("field,value,message", [
    ("uscc", "91410105MA47U2TQ1X", "统一社会信用代码校验位错误（GB 32100）。"),
    ("uscc", "914101", "统一社会信用代码应为18位。"),
    ("uscc", "91410105MA47U2TQ1!", "统一社会信用代码格式错误（GB 32100）。"),
    ("uscc", "", "这个字段是必填项。"),
    ("legal_representative_mobile", "23800000000", "手机号码应为11位数字，以1开头。"),
    ("safety_head_mobile", "1380000000", "手机号码应为11位数字，以1开头。"),
    ("duty_phone", "12345", "电话号码格式错误，例如 0371-12345678 或 13800000000。"),
    ("safety_office_phone", "0371-abc", "电话号码格式错误，例如 0371-12345678 或 13800000000。"),
    ("staff_count", "-1", "确保该值大于或等于0。"),
    ("fulltime_safety_staff", "-3", "确保该值大于或等于0。"),
    ("longitude", "180.5", "确保该值小于或等于180。"),
    ("latitude", "-90.1", "确保该值大于或等于-90。"),
    ("industry", "99", "不存在或已停用"),
    ("region", "410100", "不存在或已停用"),
    ("competent_department", "police", "所选主管部门“police”不存在或已停用"),
])
def test_it_rejects_bad_enterprise_fields_in_chinese(login, users, new_enterprise, field, value, message):
    response = add(login(users["city"]), {**new_enterprise, field: value})
    assert response.status_code == 200
    assert any(message in e for e in errors(response)[field]), errors(response)
    assert message in response.content.decode()
    assert not Enterprise.objects.filter(name="金水新建机械有限公司").exists()


def test_phone_numbers_in_their_usual_forms_pass(login, users, new_enterprise):
    data = {**new_enterprise, "duty_phone": "0371-66668888", "safety_office_phone": "037166668888-123"}
    assert add(login(users["jinshui"]), data).status_code == 302


def test_uscc_is_unique_whatever_the_case(login, users, enterprise, new_enterprise):
    response = add(login(users["jinshui"]), {**new_enterprise, "uscc": enterprise.uscc.lower()})
    assert "统一社会信用代码" in errors(response)["uscc"][0] and "已存在" in errors(response)["uscc"][0]
    assert Enterprise.objects.filter(uscc=enterprise.uscc).count() == 1


def test_counties_and_zones_are_choices_cities_are_not(login, users):
    form = login(users["city"]).get(reverse("archive:enterprise_add")).context["form"]
    codes = {r.code for r in form.fields["region"].queryset}
    assert {"410105", "410103", "410171"} <= codes
    assert "410100" not in codes and not any(c.startswith("4103") for c in codes)
    industries = {i.code for i in form.fields["industry"].queryset}
    assert {"0203", "0301"} <= industries


def test_township_regulators_add_enterprises_in_their_township(login, township_user, new_enterprise):
    client = login(township_user)
    form = client.get(reverse("archive:enterprise_add")).context["form"]
    assert [r.code for r in form.fields["region"].queryset] == ["410105001"]
    assert add(client, {**new_enterprise, "region": "410105001"}).status_code == 302
    assert Enterprise.objects.get(name="金水新建机械有限公司").region_id == "410105001"


def test_jiyuan_is_a_county_level_choice_for_the_province(login, users):
    form = login(users["province"]).get(reverse("archive:enterprise_add")).context["form"]
    codes = set(form.fields["region"].queryset.values_list("code", flat=True))
    assert "419001" in codes and "410000" not in codes


def test_editing_shows_the_new_value_and_the_change(login, users, enterprise):
    client = login(users["owner"])
    old = enterprise.duty_phone
    response = client.post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, duty_phone="0371-60001234"), follow=True)
    page = response.content.decode()
    assert "企业基本信息已保存。" in page
    assert "0371-60001234" in page
    history = page.split('id="history"')[1]
    assert "值班电话" in history and old in history and "0371-60001234" in history


def test_edit_form_keeps_regulator_fields_read_only_for_enterprises(login, users, enterprise):
    form = login(users["owner"]).get(reverse("archive:enterprise_edit", args=[enterprise.pk])).context["form"]
    assert all(form.fields[f].disabled for f in ["region", "industry", "competent_department", "uscc"])
    form = login(users["jinshui"]).get(reverse("archive:enterprise_edit", args=[enterprise.pk])).context["form"]
    assert not form.fields["industry"].disabled


def test_a_regulator_admin_deletes_an_enterprise_a_regulator_cannot(login, users, county_admins, enterprise):
    url = reverse("archive:enterprise_delete", args=[enterprise.pk])
    assert login(users["jinshui"]).post(url).status_code == 403
    response = login(county_admins["jinshui"]).post(url, follow=True)
    assert f"已删除企业 {enterprise.name}" in response.content.decode()
    assert not Enterprise.objects.filter(pk=enterprise.pk).exists()
    assert not User.objects.filter(username=enterprise.uscc).exists()


def test_reset_password_issues_a_new_one_time_password(client, login, users, enterprise):
    page = login(users["jinshui"]).post(reverse("archive:enterprise_reset_password", args=[enterprise.pk]), follow=True).content.decode()
    password = re.search(r"新一次性密码：(\w+)", page).group(1)
    account = User.objects.get(username=enterprise.uscc)
    assert account.check_password(password) and account.must_change_password
    assert not can_log_in(client, enterprise.uscc, PASSWORD)
    assert can_log_in(client, enterprise.uscc.lower(), password)


def test_reset_password_follows_the_enterprise_after_its_uscc_is_corrected(login, users, enterprise):
    """The administrator logs in with the enterprise's USCC; correcting the code must not orphan the account."""
    new_code = valid_uscc("91410105MA9XK3BT2")
    response = login(users["jinshui"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, uscc=new_code))
    assert response.status_code == 302
    account = users["owner"]
    account.refresh_from_db()
    assert account.username == new_code
    login(users["jinshui"]).post(reverse("archive:enterprise_reset_password", args=[enterprise.pk]))
    assert User.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE_ADMIN).count() == 1


# ---- secondary units and key items ----

def test_secondary_units_are_added_and_named_once_per_enterprise(login, users, enterprise, other_enterprise):
    client = login(users["owner"])
    url = reverse("archive:unit_add", args=[enterprise.pk])
    data = {"name": "运输部", "industry": "07", "competent_department": "emergency", "principal_mobile": "13800000000"}
    assert client.post(url, data).status_code == 302
    create_unit(other_enterprise, name="运输部")  # another enterprise may use the same name
    again = client.post(url, data)
    assert again.status_code == 200
    assert "该企业已有同名的二级生产经营单位。" in again.content.decode()
    assert SecondaryUnit.objects.filter(enterprise=enterprise).count() == 1

    bad = client.post(url, {**data, "name": "机修车间", "principal_mobile": "123"})
    assert "手机号码应为11位数字，以1开头。" in bad.content.decode()


def test_renaming_a_unit_to_its_own_name_is_fine(login, users, enterprise):
    unit = create_unit(enterprise, name="运输部")
    data = {"name": "运输部", "industry": "07", "competent_department": "coal"}
    assert login(users["owner"]).post(reverse("archive:unit_edit", args=[unit.pk]), data).status_code == 302
    unit.refresh_from_db()
    assert unit.competent_department_id == "coal"


def test_key_items_take_their_risk_type_from_gb_6441(login, users, enterprise):
    client = login(users["owner"])
    form = client.get(reverse("archive:item_add", args=[enterprise.pk])).context["form"]
    choices = [label for value, label in form.fields["accident_category"].choices if value]
    assert len(choices) == 20 and choices[0] == "01 物体打击" and choices[16] == "17 容器爆炸"
    assert form.initial["seq"] == 1
    data = {"seq": 1, "name": "液氨储罐", "area": "罐区", "accident_category": "17", "controlled": "on", "is_major_hazard_source": "on"}
    assert client.post(reverse("archive:item_add", args=[enterprise.pk]), data).status_code == 302
    item = KeySupervisionItem.objects.get(enterprise=enterprise)
    assert item.accident_category.name == "容器爆炸" and item.controlled and item.is_major_hazard_source
    bad = client.post(reverse("archive:item_add", args=[enterprise.pk]), {**data, "accident_category": "21"})
    assert "所选风险类型“21”不存在或已停用" in bad.content.decode()


# ---- the one-page archive, the workbench and the home page ----

def test_the_archive_page_shows_everything_on_one_page(login, users, enterprise):
    create_unit(enterprise, name="一号矿井")
    create_item(enterprise, name="液氨储罐区", accident_category_id="17")
    enterprise.staff_count = 4321
    enterprise.save()
    page = login(users["jinshui"]).get(enterprise.get_absolute_url()).content.decode()
    for text in [enterprise.name, enterprise.uscc, "河南省郑州市金水区", "企业基本信息", "法定代表人", enterprise.legal_representative,
                 "二级生产经营单位", "一号矿井", "重点监管信息", "液氨储罐区", "17 容器爆炸", "未提交", "审核记录", "变更历史", "4321",
                 "企业管理员账号：" + enterprise.uscc]:
        assert text in page, text
    history = page.split('id="history"')[1]
    assert "职工总数" in history and "4321" in history


def test_the_archive_page_costs_the_same_with_more_rows(login, users, enterprise, django_assert_max_num_queries):
    client = login(users["jinshui"])
    create_unit(enterprise, name="单位"), create_item(enterprise, name="设施")
    client.get(enterprise.get_absolute_url())
    with django_assert_max_num_queries(40) as few:
        client.get(enterprise.get_absolute_url())
    for n in range(8):
        create_unit(enterprise, name=f"单位{n}")
        create_item(enterprise, name=f"设施{n}")
    with django_assert_max_num_queries(40) as many:
        client.get(enterprise.get_absolute_url())
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("who,target", [("owner", "/workbench/"), ("sysadmin", "/system/users/")])
def test_home_sends_each_role_to_its_start_page(login, users, who, target):
    response = login(users[who]).get("/")
    assert response.status_code == 302 and response["Location"] == target


def test_home_is_the_regulators_own_page(login, users):
    response = login(users["jinshui"]).get("/")  # 待办 and the jurisdiction's tiles: tests/core/test_home.py
    assert response.status_code == 200 and "金水区应急管理局" in response.content.decode()


def test_home_asks_strangers_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_the_workbench_summarises_the_own_archive(login, users, enterprise, other_enterprise):
    create_unit(enterprise)
    create_item(enterprise), create_item(enterprise, name="反应釜")
    page = login(users["owner"]).get(reverse("archive:workbench")).content.decode()
    for text in ["我的工作台", enterprise.name, enterprise.uscc, "河南省郑州市金水区", "档案审核状态", "未提交", "提交审核", "最近变更"]:
        assert text in page, text
    assert re.search(r"二级单位</div><div class=\"h1 m-0\">1<", page)
    assert re.search(r"重点监管信息</div><div class=\"h1 m-0\">2<", page)
    assert other_enterprise.name not in page


def test_regulators_have_no_workbench(login, users):
    assert login(users["jinshui"]).get(reverse("archive:workbench"))["Location"] == reverse("home")


def test_enterprise_staff_see_but_do_not_submit(login, enterprise):
    staff = User.objects.create(username="staff1", role=Role.ENTERPRISE_STAFF, enterprise=enterprise)
    page = login(staff).get(reverse("archive:workbench")).content.decode()
    assert enterprise.name in page and "提交审核</button>" not in page
    assert login(staff).post(reverse("archive:enterprise_review", args=[enterprise.pk, "submit"])).status_code == 403


# ---- the regulators' list ----

@pytest.fixture
def many(enterprise, other_enterprise):
    """A varied set of enterprises in 郑州 (plus the two fixtures): 7 in 金水区, 5 in 二七区, 1 in 洛阳."""
    rows = [
        create_enterprise(JINSHUI, "0301", name="金水甲化工", has_major_hazard_source=True, staff_count=500, review_state="submitted"),
        create_enterprise(JINSHUI, "0302", name="金水乙化工贸易", risk_identified=True, staff_count=10),
        create_enterprise(JINSHUI, "01", name="金水丙煤业", competent_department="coal", staff_count=2000),
        create_enterprise("410171", "07", name="经开丁机械", staff_count=1),
        create_enterprise("410105", "11", name="金水戊商贸", review_state="returned"),
        create_enterprise("410105001", "11", name="经八路己商贸"),
        create_enterprise("410103", "0203", name="二七庚尾矿", has_major_hazard_source=True),
        create_enterprise("410103", "11", name="二七辛商贸"),
        create_enterprise("410305", "11", name="洛阳壬商贸"),
    ]
    Enterprise.objects.update(risk_identified=False, has_major_hazard_source=False)
    Enterprise.objects.filter(name="金水乙化工贸易").update(risk_identified=True)
    Enterprise.objects.filter(name__in=["金水甲化工", "二七庚尾矿"]).update(has_major_hazard_source=True)
    return rows


def names(response):
    return [e.name for e in response.context["page"]]


def listing(client, **params):
    return client.get(reverse("archive:enterprise_list"), params)


@pytest.mark.parametrize("params,expected", [
    ({"region": "410105"}, {"金水测试机械有限公司", "金水甲化工", "金水乙化工贸易", "金水丙煤业", "金水戊商贸", "经八路己商贸"}),
    ({"region": "410171"}, {"经开丁机械"}),
    ({"industry": "03"}, {"金水甲化工", "金水乙化工贸易", "二七测试化工有限公司"}),
    ({"industry": "0302"}, {"金水乙化工贸易"}),
    ({"industry": "02"}, {"二七庚尾矿"}),
    ({"competent_department": "coal"}, {"金水丙煤业"}),
    ({"has_major_hazard_source": "1"}, {"金水甲化工", "二七庚尾矿"}),
    ({"risk_identified": "1"}, {"金水乙化工贸易"}),
    ({"review_state": "returned"}, {"金水戊商贸"}),
    ({"q": "商贸"}, {"金水戊商贸", "经八路己商贸", "二七辛商贸"}),
    ({"q": "商贸", "region": "410103"}, {"二七辛商贸"}),
])
def test_the_list_filters(login, users, many, params, expected):
    response = listing(login(users["city"]), **params, per_page=100)
    assert set(names(response)) == expected


def test_the_list_filters_on_the_whole_list_not_by_default(login, users, many):
    assert len(names(listing(login(users["city"]), per_page=100))) == 10
    assert len(names(listing(login(users["city"]), has_major_hazard_source="", per_page=100))) == 10
    no_major = names(listing(login(users["city"]), has_major_hazard_source="0", per_page=100))
    assert len(no_major) == 8 and "金水甲化工" not in no_major


def test_the_keyword_finds_a_uscc_in_any_case_and_by_prefix(login, users, many, enterprise):
    client = login(users["city"])
    assert names(listing(client, q=enterprise.uscc.lower())) == [enterprise.name]
    assert names(listing(client, q=f"  {enterprise.uscc}  ")) == [enterprise.name]
    assert enterprise.name in names(listing(client, q=enterprise.uscc[:12]))


def test_the_region_filter_offers_only_the_own_jurisdiction(login, users, many):
    client = login(users["jinshui"])
    choices = {r.code for r in listing(client).context["filter"].form.fields["region"].queryset}
    assert choices == {"410105"}
    # Asking for a neighbour's region shows nothing of the neighbour.
    shown = names(listing(client, region="410103", per_page=100))
    assert not any(n.startswith("二七") for n in shown)


def test_the_filter_bar_has_the_shared_enterprise_filters_then_the_archives_own(login, users):
    form = listing(login(users["city"])).context["filter"].form
    assert [field.label for field in form] == [
        "关键字", "属地", "行业分类", "主管部门", "重大危险源", "风险辨识", "审核状态", "安全风险等级", "负责监管"]


@pytest.mark.parametrize("sort,first,last", [
    ("staff_count", "经开丁机械", "金水丙煤业"),
    ("-staff_count", "金水丙煤业", "经开丁机械"),
])
def test_the_list_sorts(login, users, many, sort, first, last):
    Enterprise.objects.exclude(name__in=["经开丁机械", "金水丙煤业"]).update(staff_count=100)
    shown = names(listing(login(users["city"]), sort=sort, per_page=100))
    assert shown[0] == first and shown[-1] == last


def test_the_list_sorts_by_name_and_ignores_unknown_columns(login, users, many):
    client = login(users["city"])
    by_name = names(listing(client, sort="name", per_page=100))
    assert by_name == sorted(by_name)
    assert names(listing(client, sort="password", per_page=100)) == names(listing(client, per_page=100))
    page = listing(client, sort="-name").content.decode()
    assert "企业名称 ▼" in page


def test_the_list_paginates(login, users, many):
    client = login(users["city"])
    for i in range(15):
        create_enterprise(JINSHUI, "11", name=f"金水分页{i:02}")
    first = listing(client)
    assert len(names(first)) == 20 and "共 25 条，第 1/2 页" in first.content.decode()
    second = listing(client, page=2)
    assert len(names(second)) == 5
    assert not set(names(first)) & set(names(second))
    assert len(names(listing(client, per_page=50))) == 25
    assert len(names(listing(client, per_page=7))) == 20  # only the offered page sizes
    assert names(listing(client, page=99)) == names(second)


def test_the_list_query_count_does_not_grow_with_the_page(login, users, many, django_assert_num_queries):
    client = login(users["city"])
    client.get(reverse("archive:enterprise_list"))  # warm the content-type cache
    # session, user, organisation, its region, its industries, count, the three filter choice lists (属地, 行业, and
    # 主管部门: a reference table, core.refdata), the rows, the page's enterprises under an active sanction
    with django_assert_num_queries(11):
        response = listing(client, per_page=20)
    assert len(names(response)) == 10
    for i in range(60):
        create_enterprise(JINSHUI, "0301", name=f"金水批量{i:02}")
    with django_assert_num_queries(11):
        response = listing(client, per_page=50)
    assert len(names(response)) == 50
    chem = login(users["chem"])
    listing(chem)
    with django_assert_num_queries(12):  # an industry department adds the sub-industries of its industries
        response = listing(chem, per_page=50)
    assert len(names(response)) == 50


def test_the_htmx_partial_returns_only_the_rows(login, users, many):
    client = login(users["city"])
    response = client.get(reverse("archive:enterprise_list"), {"q": "商贸"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="filter-form"' not in html
    assert 'data-testid="enterprise-table"' in html and "二七辛商贸" in html and "金水甲化工" not in html
    full = client.get(reverse("archive:enterprise_list"), {"q": "商贸"}).content.decode()
    assert "<html" in full and 'id="filter-form"' in full
