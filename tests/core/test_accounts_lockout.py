"""Failed logins lock an (account, client) pair, slow an address down, and never lock an account everywhere.

Enterprise usernames are public codes: anybody could lock any enterprise out if a lock followed the username
alone; whole bureaus share one NAT address, so an address alone must never lock anybody either.
"""
import datetime

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, create_user
from worksafe.core import login_guard
from worksafe.core.models import AuditAction, ChangeRecord, LoginThrottle, Role

pytestmark = pytest.mark.django_db

ATTACKER, BUREAU = "203.0.113.9", "198.51.100.20"


def attempt(client, username, password, address=ATTACKER):
    return client.post(reverse("core:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def logs_in(client, username, password, address=ATTACKER):
    response = attempt(client, username, password, address)
    ok = response.status_code == 302 and "_auth_user_id" in client.session
    client.post(reverse("core:logout"))  # as a person logs out: the browser keeps its device cookie
    return ok


def wait_out_the_address_delay():
    """What an attacker who waits between guesses achieves: the address's last failure moved back past any delay."""
    LoginThrottle.objects.filter(username="").update(last_failure=F("last_failure") - datetime.timedelta(seconds=600))


@pytest.fixture
def known_device(users, enterprise):
    """A browser the enterprise's administrator has logged in from before (it holds the signed device cookie)."""
    browser = Client()
    assert logs_in(browser, enterprise.uscc, PASSWORD, address=BUREAU)
    assert login_guard.DEVICE_COOKIE in browser.cookies
    return browser


def test_five_failures_lock_the_pair_and_say_how_long(client, users, enterprise):
    for _ in range(4):
        assert attempt(client, enterprise.uscc, "wrong-password").status_code == 200
    fifth = attempt(client, enterprise.uscc, "wrong-password")
    assert "已临时锁定，请 30 分钟后再试" in fifth.content.decode()
    # Locked: even the right password is not checked from this client.
    refused = attempt(client, enterprise.uscc, PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert "分钟后再试" in refused.content.decode()


def test_a_locked_pair_does_not_block_the_account_from_a_known_device(client, known_device, users, enterprise):
    for _ in range(5):
        attempt(client, enterprise.uscc, "wrong-password", address=BUREAU)  # the same NAT address as the owner
    assert attempt(client, enterprise.uscc, PASSWORD, address=BUREAU).status_code == 429
    assert logs_in(known_device, enterprise.uscc, PASSWORD, address=BUREAU)


def test_a_locked_pair_does_not_block_the_account_from_another_address(client, users, enterprise):
    for _ in range(5):
        attempt(client, enterprise.uscc, "wrong-password")
    assert logs_in(Client(), enterprise.uscc, PASSWORD, address=BUREAU)


def test_the_lock_ends_by_itself(client, users, enterprise):
    for _ in range(5):
        attempt(client, enterprise.uscc, "wrong-password")
    LoginThrottle.objects.exclude(username="").update(locked_until=F("locked_until") - datetime.timedelta(minutes=31))
    wait_out_the_address_delay()
    assert logs_in(client, enterprise.uscc, PASSWORD)


def test_forty_failures_across_ten_accounts_lock_nobody_and_slow_the_address(client, orgs):
    accounts = [create_user(f"staff{i}", Role.REGULATOR, orgs["jinshui"]) for i in range(10)]
    slowed = 0
    for n in range(40):
        response = attempt(client, accounts[n % 10].username, "wrong-password")
        if response.status_code == 429:  # the address must wait: the attacker waits, then goes on
            assert "本网络登录失败次数过多" in response.content.decode()
            slowed += 1
            wait_out_the_address_delay()
            response = attempt(client, accounts[n % 10].username, "wrong-password")
        assert response.status_code in (200, 429)
    assert slowed > 0
    assert list(LoginThrottle.objects.filter(locked_until__isnull=False).values()) == []  # nobody is locked
    # The address is slowed: the next try, even with the right password, must wait (at most the configured maximum).
    response = attempt(client, accounts[0].username, PASSWORD)
    assert response.status_code == 429 and "本网络登录失败次数过多，请 5 分钟后再试" in response.content.decode()
    # Nobody elsewhere is: another address logs in at once, and after the wait so does this one, for every account.
    assert logs_in(Client(), accounts[0].username, PASSWORD, address=BUREAU)
    for account in accounts:
        wait_out_the_address_delay()
        assert logs_in(client, account.username, PASSWORD), account.username


def test_the_address_delay_grows_and_is_capped(settings):
    settings.LOGIN_ADDRESS_FREE_FAILURES, settings.LOGIN_ADDRESS_DELAY_MAX = 10, 300
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    row = LoginThrottle(first_failure=now, last_failure=now)
    delays = []
    for failures in (10, 11, 12, 13, 20, 40):
        row.failures = failures
        delays.append(login_guard.address_delay(row, now))
    assert delays == [0, 1, 2, 4, 300, 300]
    assert login_guard.address_delay(row, now + datetime.timedelta(hours=2)) == 0  # the window passed


def test_a_known_device_is_not_slowed_by_its_address(client, known_device, orgs, users, enterprise):
    for i in range(30):
        attempt(client, f"nobody{i}", "wrong-password", address=BUREAU)
        if i < 29:
            wait_out_the_address_delay()
    assert attempt(client, enterprise.uscc, PASSWORD, address=BUREAU).status_code == 429
    assert logs_in(known_device, enterprise.uscc, PASSWORD, address=BUREAU)


def test_a_forged_device_cookie_counts_as_none(client, users, enterprise):
    client.cookies[login_guard.DEVICE_COOKIE] = "forged:value"
    for _ in range(5):
        attempt(client, enterprise.uscc, "wrong-password")
    del client.cookies[login_guard.DEVICE_COOKIE]
    assert attempt(client, enterprise.uscc, PASSWORD).status_code == 429  # the same pair as without the cookie


def test_the_client_address_comes_from_the_configured_header(client, settings, users, enterprise):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for _ in range(5):
        client.post(reverse("core:login"), {"username": enterprise.uscc, "password": "x"}, HTTP_X_REAL_IP=ATTACKER)
    # Everybody behind the proxy has the proxy's REMOTE_ADDR: only the header's address is locked.
    assert client.post(reverse("core:login"), {"username": enterprise.uscc, "password": PASSWORD}, HTTP_X_REAL_IP=ATTACKER).status_code == 429
    assert client.post(reverse("core:login"), {"username": enterprise.uscc, "password": PASSWORD}, HTTP_X_REAL_IP=BUREAU).status_code == 302


def test_a_success_clears_the_pair(client, users, enterprise):
    for _ in range(4):
        attempt(client, enterprise.uscc, "wrong-password")
    assert logs_in(client, enterprise.uscc, PASSWORD)
    for _ in range(4):
        attempt(client, enterprise.uscc, "wrong-password")
    assert logs_in(client, enterprise.uscc, PASSWORD)


def test_an_administrator_unlocks_an_account_and_it_is_audited(client, login, users, county_admins, enterprise):
    for _ in range(5):
        attempt(client, enterprise.uscc, "wrong-password")
    admin = login(county_admins["jinshui"])
    page = admin.get(reverse("core:login_log_list")).content.decode()
    assert "当前登录锁定" in page and enterprise.uscc in page
    response = admin.post(reverse("core:user_unlock", args=[users["owner"].pk]), {"reason": "企业来电，已核实"})
    assert response.status_code == 302
    assert not login_guard.locks().exists()
    change = ChangeRecord.objects.get(action=AuditAction.UNLOCK)
    assert change.user == county_admins["jinshui"] and change.object_id == str(users["owner"].pk)
    assert "企业来电，已核实" in change.message
    wait_out_the_address_delay()
    assert logs_in(client, enterprise.uscc, PASSWORD)


def test_an_administrator_cannot_unlock_outside_their_scope(client, login, users, county_admins, other_enterprise):
    for _ in range(5):
        attempt(client, other_enterprise.uscc, "wrong-password")
    response = login(county_admins["jinshui"]).post(reverse("core:user_unlock", args=[users["outsider"].pk]))
    assert response.status_code == 404
    assert login_guard.locks().filter(username=other_enterprise.uscc).exists()
    assert not ChangeRecord.objects.filter(action=AuditAction.UNLOCK).exists()


def test_unknown_usernames_are_counted_like_real_ones(client, users):
    for _ in range(5):
        attempt(client, "no-such-user", "wrong-password")
    assert attempt(client, "no-such-user", "wrong-password").status_code == 429
