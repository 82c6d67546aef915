"""Password rules: character classes, history, expiry; one-time passwords expire; demo accounts and production."""
import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, create_user, log_in
from worksafe.core.models import Role, User
from worksafe.core.passwords import issue_one_time_password

pytestmark = pytest.mark.django_db

CHANGE = reverse("core:password_change")


def change(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


@pytest.mark.parametrize("weak", ["zhangsan", "zhangsan2026", "ZHANGSAN2026", "anquan!!shengchan"])
def test_a_password_needs_three_kinds_of_characters(weak):
    with pytest.raises(ValidationError) as error:
        validate_password(weak)
    assert "密码须包含大写字母、小写字母、数字、特殊字符中的至少 3 种。" in error.value.messages


@pytest.mark.parametrize("good", ["Zhangsan2026", "zhangsan-2026", "demo2026!", "ANQUAN#shengchan"])
def test_three_kinds_are_enough(good):
    validate_password(good)


def test_the_number_of_kinds_is_a_setting(settings):
    settings.PASSWORD_MIN_CLASSES = 4
    with pytest.raises(ValidationError):
        validate_password("Zhangsan2026")
    validate_password("Zhangsan-2026")


@pytest.fixture
def person(orgs):
    """An ordinary (not demo) account."""
    return create_user("wangwu", Role.REGULATOR, orgs["jinshui"], is_demo=False)


def test_a_new_password_may_not_repeat_a_recent_one(client, person):
    log_in(client, "wangwu", PASSWORD)
    passwords = [PASSWORD, "Anquan-2027-a", "Anquan-2027-b", "Anquan-2027-c"]
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert change(client, old, new).status_code == 302
    refused = change(client, passwords[-1], passwords[1])
    assert refused.status_code == 200 and "新密码不能与最近 5 次使用过的密码相同。" in refused.content.decode()
    person.refresh_from_db()
    assert person.check_password(passwords[-1])


def test_the_history_is_a_setting_and_keeps_only_that_many(client, person, settings):
    settings.PASSWORD_HISTORY = 2
    log_in(client, "wangwu", PASSWORD)
    passwords = [PASSWORD, "Anquan-2027-a", "Anquan-2027-b", "Anquan-2027-c"]
    for old, new in zip(passwords, passwords[1:], strict=False):
        change(client, old, new)
    assert person.password_history.count() == 2
    assert change(client, passwords[-1], passwords[0]).status_code == 302  # three changes ago: allowed again


def test_an_expired_password_must_be_changed_first(client, person, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=person.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    log_in(client, "wangwu", PASSWORD)
    response = client.get(reverse("archive:enterprise_list"))
    assert response.status_code == 302 and response["Location"] == CHANGE
    assert "您的密码已使用超过 90 天" in client.get(CHANGE).content.decode()
    assert change(client, PASSWORD, "Anquan-2027-x").status_code == 302
    assert client.get(reverse("archive:enterprise_list")).status_code == 200


def test_a_recent_password_is_not_expired(client, person):
    User.objects.filter(pk=person.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=89))
    log_in(client, "wangwu", PASSWORD)
    assert client.get(reverse("archive:enterprise_list")).status_code == 200


def test_a_one_time_password_expires(client, person, settings):
    settings.ONE_TIME_PASSWORD_HOURS = 72
    password = issue_one_time_password(person)
    User.objects.filter(pk=person.pk).update(password_changed_at=timezone.now() - datetime.timedelta(hours=73))
    response = log_in(client, "wangwu", password)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "一次性密码已过期（签发后 72 小时内有效），请联系管理员重新签发。" in response.content.decode()


def test_a_fresh_one_time_password_works_and_must_be_changed(client, person):
    password = issue_one_time_password(person)
    assert log_in(client, "wangwu", password).status_code == 302
    assert client.get("/")["Location"] == CHANGE


def test_demo_accounts_are_exempt_outside_production(client, users):
    User.objects.filter(username="jinshui").update(password_changed_at=timezone.now() - datetime.timedelta(days=400))
    log_in(client, "jinshui", PASSWORD)
    assert client.get(reverse("archive:enterprise_list")).status_code == 200


def test_in_production_a_demo_account_must_change_its_published_password(client, users, settings):
    settings.PRODUCTION = True
    log_in(client, "jinshui", PASSWORD)
    response = client.get(reverse("archive:enterprise_list"))
    assert response["Location"] == CHANGE
    assert "演示账号的密码是公开的" in client.get(CHANGE).content.decode()
    change(client, PASSWORD, "Anquan-2027-x")
    users["jinshui"].refresh_from_db()
    assert not users["jinshui"].is_demo
    assert client.get(reverse("archive:enterprise_list")).status_code == 200


def test_a_demo_account_given_a_one_time_password_must_still_change_it(client, users):
    password = issue_one_time_password(users["jinshui"])
    log_in(client, "jinshui", password)
    assert client.get(reverse("archive:enterprise_list"))["Location"] == CHANGE


def test_the_demo_command_flags_its_accounts_and_refuses_production(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = True  # on PostgreSQL the demo writes only to a development database
    call_command("demo", enterprises=3, seed=1)
    demo = User.objects.filter(is_demo=True)
    assert set(demo.values_list("username", flat=True)) >= {"sysadmin", "secadmin", "auditor", "henan", "zhengzhou", "jinshui", "erqi"}
    assert demo.filter(role=Role.ENTERPRISE_ADMIN).count() == 2
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo", enterprises=3)


def test_production_refuses_debug_and_flags_plain_http(settings):
    from django.core.checks import run_checks

    settings.PRODUCTION, settings.DEBUG, settings.HTTPS, settings.CLIENT_IP_HEADER = True, True, False, ""
    ids = {m.id for m in run_checks(tags=["worksafe"])}
    assert ids == {"worksafe.E001", "worksafe.W001", "worksafe.W002"}
    settings.DEBUG, settings.HTTPS, settings.CLIENT_IP_HEADER = False, True, "HTTP_X_REAL_IP"
    assert run_checks(tags=["worksafe"]) == []
    settings.PRODUCTION, settings.DEBUG = False, True
    assert run_checks(tags=["worksafe"]) == []
