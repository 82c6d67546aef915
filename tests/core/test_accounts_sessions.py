"""Sessions: an idle timeout besides the absolute lifetime, no-store on everything a logged-in user gets, and the
user's own list of sessions that they can end."""
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, log_in
from worksafe.core import sessions
from worksafe.core.models import AuditAction, ChangeRecord, UserSession

pytestmark = pytest.mark.django_db


def logged_in(username, address="192.0.2.1"):
    browser = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=f"Browser at {address}")
    assert log_in(browser, username, PASSWORD).status_code == 302
    return browser


def age(browser, seen_ago=0, login_ago=0):
    """Move the browser's session back in time: last seen and logged in so many seconds ago."""
    session = browser.session
    now = sessions._now()
    session[sessions.SEEN_AT] = now - seen_ago
    session[sessions.LOGIN_AT] = now - max(login_ago, seen_ago)
    session.save()


def test_an_idle_session_ends(users, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    browser = logged_in("jinshui")
    age(browser, seen_ago=29 * 60)
    assert browser.get(reverse("archive:enterprise_list")).status_code == 200  # still within the idle time
    age(browser, seen_ago=31 * 60)
    response = browser.get(reverse("archive:enterprise_list"))
    assert response.status_code == 302 and response["Location"] == reverse("core:login")
    page = browser.get(reverse("core:login")).content.decode()
    assert "超过 30 分钟未操作" in page
    assert browser.get(reverse("archive:enterprise_list")).status_code == 302  # logged out for good
    assert not UserSession.objects.exists()


def test_activity_keeps_a_session_alive(users, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    browser = logged_in("jinshui")
    for _ in range(3):  # three bursts of work, each 20 minutes after the last: never 30 minutes idle
        age(browser, seen_ago=20 * 60, login_ago=0)
        assert browser.get(reverse("archive:enterprise_list")).status_code == 200
    assert sessions._now() - browser.session[sessions.SEEN_AT] < 5


def test_a_session_ends_after_its_absolute_lifetime_however_busy(users, settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    browser = logged_in("jinshui")
    age(browser, seen_ago=10, login_ago=8 * 3600 + 60)
    response = browser.get(reverse("archive:enterprise_list"))
    assert response.status_code == 302 and response["Location"] == reverse("core:login")
    assert "登录已超过有效时长" in browser.get(reverse("core:login")).content.decode()


def test_pages_and_downloads_for_a_logged_in_user_are_not_stored(users, enterprise):
    browser = logged_in("jinshui")
    page = browser.get(reverse("archive:enterprise_list"))
    assert page["Cache-Control"] == "no-store"
    export = browser.get(reverse("archive:enterprise_export"))
    assert export.status_code == 200 and export["Cache-Control"] == "no-store"


def test_a_stored_file_download_is_not_stored_either(users, enterprise):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from worksafe.risks.models import FourColourMap

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(png, "PNG")
    fcm = FourColourMap.objects.create(enterprise=enterprise, plan_width=8, plan_height=8)
    fcm.plan.save("plan.png", ContentFile(png.getvalue()))
    browser = logged_in(enterprise.uscc)
    response = browser.get(reverse("risks:map_plan", args=[enterprise.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"


def test_the_profile_lists_the_users_sessions_and_ends_another(users):
    office, phone = logged_in("jinshui", "192.0.2.1"), logged_in("jinshui", "192.0.2.77")
    page = office.get(reverse("core:profile")).content.decode()
    assert page.count('data-testid="session-row"') == 2 and "192.0.2.77" in page and "当前会话" in page
    other = UserSession.objects.get(address="192.0.2.77")
    response = office.post(reverse("core:session_end", args=[other.pk]))
    assert response.status_code == 302
    assert phone.get(reverse("archive:enterprise_list")).status_code == 302  # the phone is logged out at once
    assert office.get(reverse("archive:enterprise_list")).status_code == 200
    change = ChangeRecord.objects.get(action=AuditAction.REVOKE_SESSION)
    assert change.user == users["jinshui"]


def test_ending_all_other_sessions(users):
    browsers = [logged_in("jinshui", f"192.0.2.{n}") for n in (1, 2, 3)]
    browsers[0].post(reverse("core:session_end", args=[0]))
    assert browsers[0].get(reverse("archive:enterprise_list")).status_code == 200
    assert [b.get(reverse("archive:enterprise_list")).status_code for b in browsers[1:]] == [302, 302]


def test_nobody_ends_another_users_session(users):
    mine, theirs = logged_in("jinshui"), logged_in("erqi")
    their_session = UserSession.objects.get(user=users["erqi"])
    assert mine.post(reverse("core:session_end", args=[their_session.pk])).status_code == 404
    assert theirs.get(reverse("archive:enterprise_list")).status_code == 200


def test_logging_out_drops_the_session_from_the_list(users):
    browser = logged_in("jinshui")
    assert UserSession.objects.filter(user=users["jinshui"]).count() == 1
    browser.post(reverse("core:logout"))
    assert not UserSession.objects.exists()


def test_a_session_from_before_the_upgrade_gets_its_clocks_and_then_idles_out(users, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    browser = logged_in("jinshui")
    session = browser.session
    del session[sessions.LOGIN_AT], session[sessions.SEEN_AT]  # as a session made by the previous release
    session.save()
    assert browser.get(reverse("archive:enterprise_list")).status_code == 200
    assert sessions.LOGIN_AT in browser.session
    age(browser, seen_ago=31 * 60)
    assert browser.get(reverse("archive:enterprise_list")).status_code == 302
