"""Issue 17's low findings in core: USCC-shaped usernames, the Chinese 400 and CSRF pages, one-line 403 logs.

(Scan counting: tests/codes/test_scan_counting.py; export audit: tests/core/test_export_audit.py.)
"""
import logging
import random
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse
from stdnum.cn import uscc as uscc_mod

from tests.factories import JINSHUI, form_data
from worksafe.archive.fake import make_uscc
from worksafe.archive.models import Enterprise
from worksafe.core.models import Role, User
from worksafe.core.validators import USCC_USERNAME_MESSAGE

pytestmark = pytest.mark.django_db


# USCC-shaped usernames ------------------------------------------------------------------------------------------

CODE = make_uscc(random.Random(11), JINSHUI)
BODY = "91410105MA47U2TQ1"


def wrong_check_character(body=BODY):
    right = uscc_mod.calc_check_digit(body)
    return body + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != right)


def add_regulator(client, orgs, username):
    data = {"username": username, "full_name": "新同事", "organization": orgs["jinshui"].pk, "role": Role.REGULATOR}
    return client.post(reverse("core:user_add"), data)


@pytest.mark.parametrize("username", [
    CODE,
    CODE.lower(),
    wrong_check_character(),  # the shape decides, not the check character
    wrong_check_character().lower(),
    f"{CODE[:8]}-{CODE[8:]}",
])
def test_a_regulator_admin_cannot_name_a_user_like_a_credit_code(login, county_admins, orgs, username):
    before = User.objects.count()
    response = add_regulator(login(county_admins["jinshui"]), orgs, username)
    assert response.status_code == 200
    assert USCC_USERNAME_MESSAGE in response.content.decode()
    assert response.context["form"].errors["username"] == [USCC_USERNAME_MESSAGE]
    assert User.objects.count() == before


@pytest.mark.parametrize("username", ["zhangsan", CODE[:17], CODE + "1", "IOSVZ" + CODE[5:]])
def test_other_usernames_still_work(login, county_admins, orgs, username):
    response = add_regulator(login(county_admins["jinshui"]), orgs, username)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert User.objects.filter(username=username, role=Role.REGULATOR).exists()


def test_enterprise_staff_cannot_be_named_like_a_credit_code_either(login, users):
    response = login(users["owner"]).post(reverse("core:user_add"), {"username": CODE.lower(), "full_name": "李四"})
    assert USCC_USERNAME_MESSAGE in response.content.decode()
    assert not User.objects.filter(username__iexact=CODE).exists()


def test_the_archive_still_creates_the_enterprise_administrator_account(login, users, enterprise):
    e = Enterprise(**{f.attname: getattr(enterprise, f.attname) for f in Enterprise._meta.concrete_fields if not f.primary_key})
    e.name, e.uscc = "金水新建机械有限公司", BODY + uscc_mod.calc_check_digit(BODY)
    response = login(users["jinshui"]).post(reverse("archive:enterprise_add"), form_data(e))
    assert response.status_code == 302
    account = User.objects.get(username=e.uscc)
    assert account.role == Role.ENTERPRISE_ADMIN and account.enterprise.name == "金水新建机械有限公司"


# The 400 and CSRF pages -----------------------------------------------------------------------------------------


def test_a_form_over_the_body_limit_gets_the_chinese_400_page(login, users, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = login(users["owner"]).post(reverse("core:profile"), {"full_name": "张" * limit})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"提交的内容过大（超过 {limit / 1024 / 1024:g} MB）" in page
    assert "Bad Request" not in page
    assert 'data-testid="error-message"' in page and users["owner"].username in page  # the site's own layout


def test_an_anonymous_oversized_post_gets_it_too(client, settings):
    body = urlencode({"username": "x", "password": "y" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    response = client.post(reverse("core:login"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "提交的内容过大" in response.content.decode()


def test_too_many_fields_are_named_as_such(login, users, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = login(users["owner"]).post(reverse("core:profile"), {f"f{i}": "1" for i in range(20)})
    assert response.status_code == 400
    assert "提交的内容过多（超过 10 项）" in response.content.decode()


def test_a_csrf_failure_is_explained_in_chinese():
    browser = Client(enforce_csrf_checks=True)
    no_cookie = browser.post(reverse("core:login"), {"username": "x", "password": "y"})
    assert no_cookie.status_code == 403
    assert "浏览器没有保存本站的 Cookie" in no_cookie.content.decode()
    browser.get(reverse("core:login"))  # sets the CSRF cookie
    stale = browser.post(reverse("core:login"), {"username": "x", "password": "y", "csrfmiddlewaretoken": "x" * 64})
    assert stale.status_code == 403
    page = stale.content.decode()
    assert "页面已过期" in page and "CSRF" not in page and "Forbidden" not in page


# One line per refused request -------------------------------------------------------------------------------------


def boom(request):
    raise RuntimeError("the database went away")


def refuse(request):
    raise PermissionDenied("不在管辖范围内")


urlpatterns = [path("boom/", boom), path("refuse/", refuse), path("", lambda r: None, name="home")]


def request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request" or r.name.startswith("django.security")]


def test_a_403_logs_one_line_without_a_traceback(login, users, caplog):
    caplog.set_level(logging.WARNING)
    client = login(users["jinshui"])  # a plain regulator: user management is not theirs
    assert client.get(reverse("core:user_list")).status_code == 403
    [record] = request_records(caplog)
    assert record.exc_info is None
    assert record.getMessage() == f"403 Forbidden GET {reverse('core:user_list')} user={users['jinshui'].pk}"
    assert len(caplog.text.strip().splitlines()) == 1 and "Traceback" not in caplog.text


@pytest.mark.urls(__name__)
def test_the_reason_given_to_a_403_stays_on_the_line(client, caplog):
    caplog.set_level(logging.WARNING)
    assert client.get("/refuse/").status_code == 403
    [record] = request_records(caplog)
    assert record.getMessage() == "403 Forbidden GET /refuse/ user=- (不在管辖范围内)"
    assert "Traceback" not in caplog.text


def test_an_oversized_body_logs_one_line(client, caplog, settings):
    caplog.set_level(logging.WARNING)
    body = urlencode({"username": "x", "password": "y" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    client.post(reverse("core:login"), body, content_type="application/x-www-form-urlencoded")
    [record] = request_records(caplog)
    assert record.getMessage().startswith(f"400 Bad Request POST {reverse('core:login')} user=- (Request body exceeded")
    assert "Traceback" not in caplog.text and "\n" not in record.getMessage()


@pytest.mark.urls(__name__)
def test_a_500_still_logs_its_traceback(caplog):
    caplog.set_level(logging.WARNING)
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    [record] = request_records(caplog)
    assert record.exc_info is not None and record.levelno == logging.ERROR
    assert "Traceback" in caplog.text and "the database went away" in caplog.text


def test_the_line_survives_logging_being_configured_twice(rf):
    """runserver sets Django up twice, and dictConfig adds a logger's filters again: the second pass changes nothing."""
    from worksafe.core.logs import OneLineClientErrors

    logger = logging.getLogger("tests.one_line")
    logger.filters[:] = [OneLineClientErrors(), OneLineClientErrors()]
    request = rf.post("/accounts/login/")
    seen = []
    handler = logging.Handler()
    handler.emit = seen.append
    logger.addHandler(handler)
    try:
        exc = PermissionDenied("原因\n第二行")
        logger.warning("Forbidden", exc_info=exc, extra={"status_code": 403, "request": request})
    finally:
        logger.removeHandler(handler)
        logger.filters[:] = []
    [record] = seen
    assert record.getMessage() == "403 Forbidden POST /accounts/login/ user=- (原因\\n第二行)"
    assert record.exc_info is None
