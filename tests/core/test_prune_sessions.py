"""`worksafe prune_sessions`, the daily clean-up timer's command: expired sessions and the rows that point at them
go, failed-login counts go once they hold nothing, and a live login or a running lock is never touched."""
import datetime
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, log_in
from worksafe.core.models import LoginThrottle, UserSession

pytestmark = pytest.mark.django_db


def logged_in(username):
    browser = Client(REMOTE_ADDR="192.0.2.1")
    assert log_in(browser, username, PASSWORD).status_code == 302
    return browser


def prune():
    out = StringIO()
    call_command("prune_sessions", stdout=out)
    return out.getvalue()


def throttle(username, client, last_failure, locked_until=None):
    return LoginThrottle.objects.create(username=username, client=client, failures=5, first_failure=last_failure,
                                        last_failure=last_failure, locked_until=locked_until)


def test_it_drops_expired_sessions_and_their_rows_and_keeps_live_logins(users):
    live, gone = logged_in("jinshui"), logged_in("erqi")
    Session.objects.filter(session_key=gone.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1))
    out = prune()
    assert "过期会话 1 个" in out and "已结束会话的登录记录 1 条" in out
    assert list(UserSession.objects.values_list("user__username", flat=True)) == ["jinshui"]
    assert Session.objects.filter(session_key=live.session.session_key).exists()
    assert live.get(reverse("archive:enterprise_list")).status_code == 200  # still logged in
    assert gone.get(reverse("archive:enterprise_list")).status_code == 302


def test_it_drops_rows_of_sessions_ended_elsewhere(users):
    browser = logged_in("jinshui")
    Session.objects.filter(session_key=browser.session.session_key).delete()
    assert "已结束会话的登录记录 1 条" in prune()
    assert not UserSession.objects.exists()


def test_it_keeps_running_locks_and_recent_counts_and_drops_stale_ones(settings):
    settings.LOGIN_LOCK_SECONDS = 1800
    now = timezone.now()
    old = now - datetime.timedelta(days=2)
    throttle("locked", "a", old, locked_until=now + datetime.timedelta(minutes=5))  # a long lock still running
    throttle("recent", "b", now - datetime.timedelta(hours=3))  # within a day: kept
    throttle("", "c", now - datetime.timedelta(hours=3))  # an address's recent count: kept
    throttle("expired", "d", old, locked_until=old + datetime.timedelta(minutes=30))  # lock ended long ago
    throttle("quiet", "e", old)  # never locked, nothing for two days
    throttle("", "f", old)  # an address's old count
    assert "过期的登录失败计数 3 条" in prune()
    assert sorted(LoginThrottle.objects.values_list("client", flat=True)) == ["a", "b", "c"]


def test_it_keeps_a_count_as_long_as_the_lock_window_when_that_is_longer(settings):
    settings.LOGIN_LOCK_SECONDS = 3 * 24 * 3600  # failures within three days still count towards a lock
    throttle("slow", "a", timezone.now() - datetime.timedelta(days=2))
    prune()
    assert LoginThrottle.objects.filter(client="a").exists()
