"""User management and the login / operation logs, each within the manager's reach."""
import random
import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import LUOYANG, PASSWORD, create_org, create_user, form_data, log_in
from worksafe.archive.fake import make_uscc
from worksafe.core.models import OrgLevel, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def luoyang(orgs):
    """A sibling city (洛阳) with its own administrator."""
    org = create_org("洛阳市应急管理局", OrgLevel.CITY, LUOYANG)
    return {"org": org, "admin": create_user("luoyang_admin", Role.REGULATOR_ADMIN, org)}


def add_user(client, org, username="newbie", role=Role.REGULATOR, follow=False):
    data = {"username": username, "full_name": "新同事", "organization": org.pk, "role": role}
    return client.post(reverse("core:user_add"), data, follow=follow)


def test_a_city_admin_creates_users_in_its_city_and_counties(login, users, orgs, luoyang):
    client = login(users["city"])
    form = client.get(reverse("core:user_add")).context["form"]
    assert set(form.fields["organization"].queryset) == {orgs["city"], orgs["jinshui"], orgs["erqi"]}

    response = add_user(client, orgs["jinshui"], follow=True)
    page = response.content.decode()
    password = re.search(r"一次性密码：(\w+)", page).group(1)
    account = User.objects.get(username="newbie")
    assert account.organization == orgs["jinshui"] and account.role == Role.REGULATOR
    assert account.must_change_password and account.check_password(password)
    assert "newbie" in page and "待改密" in page


def test_a_city_admin_cannot_create_users_in_a_sibling_city(login, users, luoyang):
    response = add_user(login(users["city"]), luoyang["org"])
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_a_county_admin_cannot_create_users_above_or_beside_it(login, orgs, county_admins):
    client = login(county_admins["jinshui"])
    for org in (orgs["city"], orgs["erqi"], orgs["province"]):
        assert add_user(client, org).status_code == 200
    assert not User.objects.filter(username="newbie").exists()
    assert add_user(client, orgs["jinshui"]).status_code == 302


def test_only_government_roles_can_be_given(login, users, orgs):
    response = add_user(login(users["city"]), orgs["jinshui"], role=Role.SYSADMIN)
    assert "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_usernames_are_unique(login, users, orgs):
    response = add_user(login(users["city"]), orgs["jinshui"], username="jinshui")
    assert "已存在" in response.content.decode()


def test_plain_regulators_and_enterprise_staff_cannot_create_users(login, users, orgs, enterprise):
    staff = create_user("staff1", Role.ENTERPRISE_STAFF, enterprise=enterprise)
    for user in (users["jinshui"], staff):
        assert login(user).get(reverse("core:user_add")).status_code == 403
        assert add_user(login(user), orgs["jinshui"]).status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_enterprise_staff_and_plain_regulators_have_no_user_management(login, users, enterprise):
    staff = create_user("staff1", Role.ENTERPRISE_STAFF, enterprise=enterprise)
    for user in (staff, users["jinshui"]):
        client = login(user)
        for name in ["core:user_list", "core:login_log_list", "core:operation_log_list"]:
            assert client.get(reverse(name)).status_code == 403, (user, name)
        assert "系统管理" not in client.get(reverse("core:profile")).content.decode()


def test_the_user_list_shows_the_managed_accounts(login, users, county_admins, luoyang):
    page = login(users["city"]).get(reverse("core:user_list")).content.decode()
    for name in ["jinshui", "erqi", "jinshui_admin", users["owner"].username, users["outsider"].username]:
        assert f"<td>{name}</td>" in page, name
    for name in ["luoyang_admin", "province", "sysadmin", "chem"]:
        assert f"<td>{name}</td>" not in page, name
    county = login(county_admins["jinshui"]).get(reverse("core:user_list")).content.decode()
    assert "<td>jinshui</td>" in county and f"<td>{users['owner'].username}</td>" in county
    assert "<td>erqi</td>" not in county and f"<td>{users['outsider'].username}</td>" not in county
    found = login(users["city"]).get(reverse("core:user_list"), {"q": "erqi"}).content.decode()
    assert "<td>erqi</td>" in found and "<td>jinshui</td>" not in found


def test_enterprise_administrators_manage_their_own_staff(login, users, enterprise, other_enterprise):
    theirs = create_user("staff_erqi", Role.ENTERPRISE_STAFF, enterprise=other_enterprise)
    client = login(users["owner"])
    response = client.post(reverse("core:user_add"), {"username": "zhangsan", "full_name": "张三", "mobile": "13800138000",
                                                     "organization": "", "role": Role.REGULATOR_ADMIN}, follow=True)
    password = re.search(r"一次性密码：(\w+)", response.content.decode()).group(1)
    staff = User.objects.get(username="zhangsan")
    # Whatever is posted, the account is staff of the administrator's own enterprise, with a one-time password.
    assert (staff.role, staff.enterprise, staff.organization) == (Role.ENTERPRISE_STAFF, enterprise, None)
    assert staff.must_change_password and staff.check_password(password)
    page = client.get(reverse("core:user_list")).content.decode()
    assert "<td>zhangsan</td>" in page and "<td>staff_erqi</td>" not in page
    assert client.post(reverse("core:user_reset_password", args=[staff.pk])).status_code == 302
    staff.refresh_from_db()
    assert not staff.check_password(password)
    assert client.post(reverse("core:user_reset_password", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.check_password(PASSWORD)
    for name in ["core:login_log_list", "core:operation_log_list"]:
        assert client.get(reverse(name)).status_code == 403, name
    menu = client.get(reverse("archive:workbench")).content.decode()
    assert "用户管理" in menu and "操作日志" not in menu


def test_staff_usernames_cannot_look_like_a_credit_code(login, users, enterprise):
    code = make_uscc(random.Random(3), "410105")
    response = login(users["owner"]).post(reverse("core:user_add"), {"username": code, "full_name": "李四"})
    assert "用户名不能是统一社会信用代码的形式" in response.content.decode()
    assert not User.objects.filter(username=code).exists()


def test_reset_password_within_reach(login, users, county_admins):
    client = login(county_admins["jinshui"])
    response = client.post(reverse("core:user_reset_password", args=[users["jinshui"].pk]), follow=True)
    password = re.search(r"新一次性密码：(\w+)", response.content.decode()).group(1)
    users["jinshui"].refresh_from_db()
    assert users["jinshui"].check_password(password) and users["jinshui"].must_change_password
    for outsider in ("erqi", "city", "outsider"):
        assert client.post(reverse("core:user_reset_password", args=[users[outsider].pk])).status_code == 404
        users[outsider].refresh_from_db()
        assert users[outsider].check_password(PASSWORD)
    assert client.post(reverse("core:user_reset_password", args=[county_admins["jinshui"].pk])).status_code == 403


def test_reset_password_does_not_redirect_off_site(login, users, county_admins):
    response = login(county_admins["jinshui"]).post(reverse("core:user_reset_password", args=[users["jinshui"].pk]), {"next": "//evil.example/x"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


# ---- login log ----

def test_the_login_log_shows_the_managed_accounts_only(client, login, users, county_admins):
    log_in(client, "jinshui", PASSWORD)
    log_in(client, "erqi", PASSWORD)
    client.logout()
    for _ in range(2):
        log_in(client, "erqi", "wrong-password")
        log_in(client, "jinshui", "wrong-password")
    page = login(county_admins["jinshui"]).get(reverse("core:login_log_list")).content.decode()
    assert "登录日志" in page and "最近登录失败" in page
    assert "<td>jinshui</td>" in page and "<td>erqi</td>" not in page
    city = login(users["city"]).get(reverse("core:login_log_list")).content.decode()
    assert "<td>jinshui</td>" in city and "<td>erqi</td>" in city
    assert AccessAttempt.objects.filter(username="erqi").exists()


# ---- operation log ----

def test_the_operation_log_is_scoped(login, users, county_admins, enterprise, other_enterprise):
    login(users["owner"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, address="金水路1号"))
    login(users["outsider"]).post(reverse("archive:enterprise_edit", args=[other_enterprise.pk]), form_data(other_enterprise, address="二七路2号"))
    page = login(county_admins["jinshui"]).get(reverse("core:operation_log_list")).content.decode()
    assert "操作日志" in page and "金水路1号" in page and "二七路2号" not in page
    everything = login(users["sysadmin"]).get(reverse("core:operation_log_list")).content.decode()
    assert "金水路1号" in everything and "二七路2号" in everything
    filtered = login(users["city"]).get(reverse("core:operation_log_list"), {"q": other_enterprise.name}).content.decode()
    assert "二七路2号" in filtered and "金水路1号" not in filtered


def test_the_operation_log_shows_account_changes_by_managed_users(login, users, county_admins, orgs):
    add_user(login(county_admins["jinshui"]), orgs["jinshui"], username="newbie")
    page = login(users["city"]).get(reverse("core:operation_log_list")).content.decode()
    assert "newbie" in page and "重置密码" in page
    assert "newbie" not in login(county_admins["erqi"]).get(reverse("core:operation_log_list")).content.decode()


def test_industry_departments_see_only_their_industries_in_the_operation_log(login, users, enterprise, other_enterprise):
    chem_admin = create_user("chem_admin", Role.REGULATOR_ADMIN, users["chem"].organization)
    login(users["owner"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, address="金水路1号"))
    login(users["outsider"]).post(reverse("archive:enterprise_edit", args=[other_enterprise.pk]), form_data(other_enterprise, address="二七路2号"))
    page = login(chem_admin).get(reverse("core:operation_log_list")).content.decode()
    assert "二七路2号" in page and "金水路1号" not in page
