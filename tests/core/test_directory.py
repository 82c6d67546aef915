"""通讯录: each kind of account sees the organisations and contacts within its reach, and the numbers it may not see in
full only masked (never the full number anywhere in the page)."""
import pytest
from django.urls import reverse

from tests.factories import create_enterprise, create_org, create_user
from worksafe.core.display import mask_phone
from worksafe.core.models import OrgLevel, Role

pytestmark = pytest.mark.django_db
URL = reverse("core:directory_list")

# Every account's mobile, unique, so a page shows exactly whose numbers it holds.
MOBILES = {"province": "13900000001", "city": "13900000002", "jinshui": "13900000003", "erqi": "13900000004",
           "chem": "13900000005", "owner": "13900000006", "outsider": "13900000007", "jingba": "13900000008",
           "jinshui_admin": "13900000009", "staff": "13900000010"}


@pytest.fixture
def people(users, county_admins, township_user, enterprise):
    """The shared accounts with names and mobiles, 金水's township regulator, 金水's administrator and a staff member."""
    everyone = {**users, "jingba": township_user, "jinshui_admin": county_admins["jinshui"],
                "staff": create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=enterprise)}
    for key, mobile in MOBILES.items():
        everyone[key].mobile, everyone[key].full_name = mobile, f"{key}姓名"
        everyone[key].email = f"{key}@example.cn"
        everyone[key].save()
    return everyone


@pytest.fixture
def contacts(enterprise, other_enterprise):
    """Known safety contacts of the two counties' enterprises."""
    enterprise.legal_representative, enterprise.legal_representative_mobile = "金法人", "13700000001"
    enterprise.safety_head, enterprise.safety_head_mobile = "金安全", "13700000002"
    enterprise.safety_office_phone, enterprise.duty_phone = "0371-66001234", "0371-66005678"
    enterprise.save()
    other_enterprise.legal_representative, other_enterprise.legal_representative_mobile = "二法人", "13700000003"
    other_enterprise.safety_head, other_enterprise.safety_head_mobile = "二安全", "13700000004"
    other_enterprise.save()
    return enterprise, other_enterprise


def page(client, whole=False, **query):
    """The directory's table (the whole page with `whole`, or when it has no table: the 三员's)."""
    response = client.get(URL, query)
    assert response.status_code == 200
    html = response.content.decode()
    if whole or 'data-testid="directory-table"' not in html:
        return html
    return html.split('data-testid="directory-table"', 1)[1].split("</table>", 1)[0]


def shows_in_full(html, key):
    return MOBILES[key] in html and f'href="tel:{MOBILES[key]}"' in html


def shows_masked(html, key):
    return mask_phone(MOBILES[key]) in html and MOBILES[key] not in html


def test_it_shows_a_county_regulator_its_own_and_subordinate_organisations_in_full(login, people):
    html = page(login(people["jinshui"]))
    for key in ("jinshui", "jinshui_admin", "jingba"):  # its own organisation and its township's
        assert f"{key}姓名" in html and shows_in_full(html, key), key
    assert "经八路街道安监站" in html


def test_it_shows_a_county_regulator_the_organisations_above_masked(login, people):
    html = page(login(people["jinshui"]))
    for key in ("city", "province", "chem"):  # the city, the province and a province department
        assert f"{key}姓名" in html and shows_masked(html, key), key
    assert "郑州市应急管理局" in html and "河南省应急管理厅" in html


def test_it_leaves_the_sibling_county_and_the_enterprises_accounts_out_of_a_regulators_list(login, people):
    html = page(login(people["jinshui"]))
    for key in ("erqi", "owner", "outsider", "staff"):
        assert f"{key}姓名" not in html and MOBILES[key] not in html and mask_phone(MOBILES[key]) not in html, key
    assert "二七区应急管理局" not in html


def test_it_shows_a_city_regulator_its_counties_and_townships_in_full(login, people):
    html = page(login(people["city"]))
    for key in ("city", "jinshui", "erqi", "jingba"):
        assert shows_in_full(html, key), key
    assert shows_masked(html, "province")


def test_it_masks_the_other_departments_of_the_same_level(login, people):
    """危化处 and 应急管理厅 share the province's region: each sees the other masked (neither oversees the other)."""
    html = page(login(people["chem"]))
    assert shows_masked(html, "province")
    assert shows_in_full(html, "chem") and shows_in_full(html, "jinshui")


def test_it_shows_a_county_regulator_its_county_enterprises_contacts_in_full(login, people, contacts):
    html = page(login(people["jinshui"]), tab="enterprises")
    assert "金水测试机械有限公司" in html and "金法人" in html and "金安全" in html
    for number in ("13700000001", "13700000002", "0371-66001234", "0371-66005678"):
        assert f'href="tel:{number}"' in html, number
    assert "二七测试化工有限公司" not in html and "二法人" not in html and "13700000003" not in html


def test_an_industry_department_sees_the_contacts_of_its_industries_only(login, people, contacts):
    html = page(login(people["chem"]), tab="enterprises")
    assert "二七测试化工有限公司" in html and "13700000003" in html  # 危险化学品
    assert "金水测试机械有限公司" not in html  # 机械 (07)


def test_an_enterprise_user_sees_its_regulators_masked(login, people):
    html = page(login(people["staff"]))
    for key in ("jinshui", "jinshui_admin", "city", "province"):  # the organisations covering 金水's enterprise
        assert f"{key}姓名" in html and shows_masked(html, key), key
    for key in ("erqi", "chem", "jingba"):  # another county; another industry; a township not its own
        assert f"{key}姓名" not in html and mask_phone(MOBILES[key]) not in html, key
    assert "tel:" not in html


def test_an_enterprise_user_sees_its_own_staff_and_no_one_elses(login, people, contacts):
    other_staff = create_user("erqi_staff", Role.ENTERPRISE_STAFF, enterprise=contacts[1], full_name="二七员工",
                              mobile="13600000001")
    html = page(login(people["staff"]), tab="colleagues")
    assert shows_in_full(html, "owner") and shows_in_full(html, "staff")
    assert "二七员工" not in html and other_staff.mobile not in html and "outsider姓名" not in html


def test_an_enterprise_user_gets_no_enterprise_contacts_whatever_it_asks(login, people, contacts):
    html = page(login(people["owner"]), tab="enterprises")
    assert "金法人" not in html and "二法人" not in html and "13700000003" not in html
    assert "jinshui姓名" in html  # its own first tab instead


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_the_three_administrators_see_no_enterprise_contacts(login, people, contacts, role):
    admin = create_user(f"x_{role}", role)
    for tab in ("", "officials", "enterprises", "colleagues"):
        html = page(login(admin), whole=True, tab=tab)
        assert "没有管辖范围" in html
        assert "金水测试机械有限公司" not in html and "金法人" not in html
        assert not any(m in html or mask_phone(m) in html for m in MOBILES.values())


def test_a_break_glass_superuser_sees_everyone(login, people, contacts):
    html = page(login(people["sysadmin"]))
    assert all(shows_in_full(html, key) for key in ("province", "jinshui", "erqi", "jingba"))
    html = page(login(people["sysadmin"]), tab="enterprises")
    assert "13700000001" in html and "13700000003" in html


def test_it_lists_active_accounts_only(login, people):
    people["jingba"].is_active = False
    people["jingba"].save()
    html = page(login(people["jinshui"]))
    assert "jingba姓名" not in html and MOBILES["jingba"] not in html


def test_it_searches_people_and_organisations(login, people):
    client = login(people["jinshui"])
    html = page(client, q="jingba姓名")
    assert "jingba姓名" in html and "jinshui姓名" not in html
    html = page(client, q="郑州市")
    assert "city姓名" in html and "province姓名" not in html


def test_it_filters_people_by_region(login, people):
    html = page(login(people["city"]), region="410105")
    assert "jinshui姓名" in html and "jingba姓名" in html
    assert "erqi姓名" not in html and "city姓名" not in html


def test_it_searches_enterprises_by_name_and_contact(login, people, contacts):
    client = login(people["city"])
    html = page(client, tab="enterprises", q="二安全")
    assert "二七测试化工有限公司" in html and "金水测试机械有限公司" not in html
    html = page(client, tab="enterprises", q="金水测试")
    assert "金水测试机械有限公司" in html and "二七测试化工有限公司" not in html
    html = page(client, tab="enterprises", region="410103")
    assert "二七测试化工有限公司" in html and "金水测试机械有限公司" not in html


def test_it_offers_no_export(login, people, contacts):
    html = page(login(people["jinshui"]), whole=True, tab="enterprises")
    assert "导出" not in html and "xlsx" not in html


def test_every_account_finds_it_in_its_user_menu(login, people):
    for key in ("jinshui", "owner", "staff"):
        assert f'href="{URL}"' in login(people[key]).get(reverse("core:profile")).content.decode(), key


# ---- masking --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number, masked", [
    ("13812341234", "138****1234"),  # a mobile: first 3 and last 4
    ("+86 138 1234 1234", "138****1234"),  # with the country code and spaces
    ("008613812341234", "138****1234"),
    ("0371-12345678", "0371-****5678"),  # a landline: area code and last 4
    ("037112345678", "0371-****5678"),  # the same without the hyphen
    ("010-12345678", "010-****5678"),  # three-digit area codes (010, 02x)
    ("02187654321", "021-****4321"),
    ("0371-1234567", "0371-****4567"),  # a 7-digit number
    ("0371-12345678-123", "0371-****5678"),  # the extension left out
    ("0371-12345678转123", "0371-****5678"),
    ("400-123-4567", "****4567"),  # no area code: the last 4 only
    ("12345678", "****5678"),
    ("12350", "****"),  # short: nothing shown
    ("未填写", "****"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.parametrize("number", ["13812341234", "0371-12345678", "037112345678", "010-12345678", "400-123-4567"])
def test_a_masked_number_never_holds_the_number(number):
    digits = "".join(c for c in number if c.isdigit())
    masked_digits = "".join(c for c in mask_phone(number) if c.isdigit())
    assert len(masked_digits) <= len(digits) - 4 and "****" in mask_phone(number)


# ---- cost -----------------------------------------------------------------------------------------------------------


# Measured with the fixtures' rows: session, user, the roles (listed accounts' role codes, then their names), the
# organisation and its region or the enterprise, the organisations above or covering, the count and the page, the
# filter's regions.
PINS = {("jinshui", "officials"): 11, ("jinshui", "enterprises"): 10, ("owner", "officials"): 10,
        ("owner", "colleagues"): 7}


@pytest.mark.parametrize("who, tab", list(PINS))
def test_each_tab_reads_a_fixed_number_of_queries_however_many_rows(login, people, orgs, enterprise, who, tab,
                                                                    django_assert_max_num_queries):
    client = login(people[who])
    client.get(URL, {"tab": tab})  # the session's first request reads what later ones find cached
    with django_assert_max_num_queries(PINS[who, tab]) as few:
        assert client.get(URL, {"tab": tab}).status_code == 200
    few = len(few)
    Role.objects.create(code="inspector", name="检查员", side="government", permissions=[])
    Role.objects.create(code="clerk", name="文员", side="enterprise", permissions=[])
    for i in range(6):
        township = create_org(f"街道{i}", OrgLevel.TOWNSHIP, f"41010500{i + 2}")
        create_user(f"t{i}", "inspector" if i % 2 else Role.REGULATOR, township, full_name=f"街道人员{i}", mobile=f"1350000000{i}")
        create_user(f"c{i}", Role.REGULATOR, orgs["city"], full_name=f"市局人员{i}", mobile=f"1350000001{i}")
        create_user(f"s{i}", "clerk" if i % 2 else Role.ENTERPRISE_STAFF, enterprise=enterprise, full_name=f"员工{i}")
        create_enterprise(name=f"辖区企业{i}")
    with django_assert_max_num_queries(few):
        response = client.get(URL, {"tab": tab})
    html = response.content.decode()
    shown = {("jinshui", "officials"): "街道人员5", ("jinshui", "enterprises"): "辖区企业5",
             ("owner", "officials"): "市局人员5", ("owner", "colleagues"): "员工5"}
    assert shown[who, tab] in html
    if (who, tab) != ("jinshui", "enterprises"):
        assert ("检查员" if tab == "officials" and who == "jinshui" else "文员" if tab == "colleagues" else "监管人员") in html
