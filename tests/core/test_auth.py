"""Logging in: USCC usernames, one-time passwords that must be changed, lock-out, no default passwords."""
import re

import pytest
from axes.models import AccessLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD, can_log_in, create_user, form_data, log_in
from worksafe.core.models import Role, User
from worksafe.core.passwords import generate, issue_one_time_password

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Anquan-2026-Hn"


def test_an_enterprise_administrator_logs_in_with_the_uscc(client, users, enterprise):
    response = log_in(client, enterprise.uscc, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    page = client.get(reverse("archive:workbench")).content.decode()
    assert "我的工作台" in page and enterprise.name in page


def test_the_uscc_may_be_typed_in_lower_case_with_spaces(client, users, enterprise):
    assert can_log_in(client, f" {enterprise.uscc.lower()} ", PASSWORD)


def test_other_usernames_keep_their_case(client, users, orgs):
    create_user("zhangsan.jinshui.1", Role.REGULATOR, orgs["jinshui"])  # 18 characters, not a USCC
    assert can_log_in(client, "zhangsan.jinshui.1", PASSWORD)


def test_a_wrong_password_is_refused_in_chinese(client, users, enterprise):
    response = log_in(client, enterprise.uscc, "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_explains_the_uscc(client):
    page = client.get(reverse("core:login")).content.decode()
    assert "统一社会信用代码" in page and "登录" in page


def test_logged_in_users_skip_the_login_page(login, users):
    assert login(users["jinshui"]).get(reverse("core:login"))["Location"] == reverse("home")


def test_login_does_not_redirect_off_site(client, users):
    response = client.post(reverse("core:login") + "?next=https://evil.example/", {"username": "jinshui", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


@pytest.fixture
def fresh_account(login, users, enterprise):
    """The enterprise administrator after the county regulator issued a one-time password."""
    page = login(users["jinshui"]).post(reverse("archive:enterprise_reset_password", args=[enterprise.pk]), follow=True).content.decode()
    password = re.search(r"新一次性密码：(\w+)", page).group(1)
    login(users["jinshui"]).logout()
    return User.objects.get(username=enterprise.uscc), password


def test_a_one_time_password_must_be_changed_before_anything_else(client, fresh_account, enterprise):
    account, password = fresh_account
    response = log_in(client, account.username, password)
    assert response.status_code == 302
    for url in ["/", reverse("archive:workbench"), enterprise.get_absolute_url(), reverse("archive:enterprise_edit", args=[enterprise.pk]),
                reverse("core:profile"), reverse("core:user_list")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("core:password_change"), url
    # Writes are stopped too.
    response = client.post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, staff_count=1))
    assert response["Location"] == reverse("core:password_change")
    page = client.get(reverse("core:password_change")).content.decode()
    assert "您正在使用一次性密码，须设置新密码后才能继续使用系统。" in page
    assert client.get("/static/worksafe.css").status_code == 200


def test_changing_the_one_time_password_opens_the_system(client, fresh_account):
    account, password = fresh_account
    log_in(client, account.username, password)
    response = client.post(reverse("core:password_change"), {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get(reverse("archive:workbench")).status_code == 200  # still logged in
    assert not can_log_in(client, account.username, password)
    assert can_log_in(client, account.username, NEW_PASSWORD)


@pytest.mark.parametrize("weak", ["123456", "123456a", "12345678", "password"])
def test_weak_and_default_passwords_are_refused(client, fresh_account, weak):
    account, password = fresh_account
    log_in(client, account.username, password)
    response = client.post(reverse("core:password_change"), {"old_password": password, "new_password1": weak, "new_password2": weak})
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors  # every message in Chinese
    account.refresh_from_db()
    assert account.must_change_password and account.check_password(password)


def test_the_new_password_must_differ(client, users, enterprise):
    log_in(client, enterprise.uscc, PASSWORD)
    response = client.post(reverse("core:password_change"), {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert "新密码不能与当前密码相同。" in response.content.decode()


@pytest.mark.parametrize("password,message", [
    ("123456", "密码太短，至少需要 8 个字符。"),
    ("123456a", "这个密码太常见了。"),
    ("12345678", "密码只包含数字。"),
])
def test_password_validation_rejects_the_old_default_passwords(password, message):
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert message in error.value.messages


def test_one_time_passwords_are_strong_and_different():
    passwords = {generate() for _ in range(50)}
    assert len(passwords) == 50
    for pw in passwords:
        validate_password(pw)
        assert len(pw) == 12 and not set(pw) & set("0O1lI")


def test_no_account_is_handed_out_with_a_default_password(login, users, county_admins, enterprise):
    """Every way an account is created or reset gives a fresh password, never 123456 / 123456a."""
    client = login(county_admins["jinshui"])
    client.post(reverse("core:user_add"), {"username": "newbie", "full_name": "新人", "organization": county_admins["jinshui"].organization_id,
                                           "role": Role.REGULATOR})
    client.post(reverse("archive:enterprise_reset_password", args=[enterprise.pk]))
    accounts = [User.objects.get(username="newbie"), User.objects.get(username=enterprise.uscc)]
    for account in accounts:
        assert account.must_change_password
        assert not any(account.check_password(p) for p in ["123456", "123456a", "", account.username])


def test_five_failed_logins_lock_the_account_on_that_client(client, users, enterprise):
    for _ in range(5):
        log_in(client, enterprise.uscc.lower(), "wrong-password")  # any spelling of the code counts
    response = log_in(client, enterprise.uscc, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "已临时锁定" in page and "30 分钟后再试" in page
    assert "_auth_user_id" not in client.session
    # Other accounts are not locked (no IP-wide lock on shared government networks).
    assert can_log_in(client, "jinshui", PASSWORD)


def test_four_failed_logins_do_not_lock(client, users, enterprise):
    for _ in range(4):
        log_in(client, enterprise.uscc, "wrong-password")
    assert can_log_in(client, enterprise.uscc, PASSWORD)


def test_a_password_reset_unlocks_the_account(client, login, users, enterprise):
    for _ in range(5):
        log_in(client, enterprise.uscc, "wrong-password")
    page = login(users["jinshui"]).post(reverse("archive:enterprise_reset_password", args=[enterprise.pk]), follow=True).content.decode()
    password = re.search(r"新一次性密码：(\w+)", page).group(1)
    assert can_log_in(client, enterprise.uscc, password)


def test_successful_logins_are_logged(client, users):
    log_in(client, "jinshui", PASSWORD)
    assert AccessLog.objects.filter(username="jinshui").count() == 1


def test_logging_out_works_with_a_one_time_password(client, fresh_account):
    account, password = fresh_account
    log_in(client, account.username, password)
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_issuing_a_password_replaces_the_old_one(users):
    account = users["jinshui"]
    password = issue_one_time_password(account)
    account.refresh_from_db()
    assert account.check_password(password) and not account.check_password(PASSWORD) and account.must_change_password


def test_profile_saves_and_checks_the_mobile(login, users):
    client = login(users["jinshui"])
    response = client.post(reverse("core:profile"), {"full_name": "张伟", "mobile": "13800000000", "email": ""}, follow=True)
    assert "个人信息已保存。" in response.content.decode()
    users["jinshui"].refresh_from_db()
    assert users["jinshui"].full_name == "张伟"
    bad = client.post(reverse("core:profile"), {"full_name": "张伟", "mobile": "12345", "email": ""})
    assert "手机号码应为11位数字，以1开头。" in bad.content.decode()
