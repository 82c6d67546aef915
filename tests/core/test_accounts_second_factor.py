"""The second factor: required for administrators, optional for others, recovery codes, reset by another admin."""
import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, create_user, log_in
from worksafe.core.models import AuditAction, ChangeRecord, Role, User

pytestmark = pytest.mark.django_db

SETUP, VERIFY = reverse("core:otp_setup"), reverse("core:otp_verify")


def code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(browser):
    """Go through the setup page as a person does: the key from the page, the first code from the 'app'."""
    page = browser.get(SETUP).content.decode()
    assert 'data-testid="otp-qr"' in page and "<svg" in page
    device = TOTPDevice.objects.get(confirmed=False)
    response = browser.post(SETUP, {"token": code(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return device, codes


def next_step(device):
    """django-otp refuses a code for a time step already used: let the 'clock' move on."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)


@pytest.fixture
def admin_account(orgs):
    return create_user("qiu", Role.REGULATOR_ADMIN, orgs["jinshui"], is_demo=False)


def test_an_administrator_must_enrol_before_anything_else(client, admin_account):
    log_in(client, "qiu", PASSWORD)
    response = client.get(reverse("archive:enterprise_list"))
    assert response.status_code == 302 and response["Location"] == SETUP
    assert "管理员账号须启用双因素认证" in client.get(SETUP).content.decode()
    device, codes = enrol(client)
    admin_account.refresh_from_db()
    assert admin_account.has_second_factor
    assert client.get(reverse("archive:enterprise_list")).status_code == 200  # this session is verified
    assert ChangeRecord.objects.filter(object_id=str(admin_account.pk), message="启用双因素认证").exists()


def test_a_wrong_first_code_does_not_enrol(client, admin_account):
    log_in(client, "qiu", PASSWORD)
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000"})
    assert "验证码不正确" in response.content.decode()
    admin_account.refresh_from_db()
    assert not admin_account.has_second_factor and not TOTPDevice.objects.filter(confirmed=True).exists()


def test_after_enrolling_a_password_alone_opens_nothing(client, admin_account):
    log_in(client, "qiu", PASSWORD)
    device, codes = enrol(client)
    client.post(reverse("core:logout"))
    browser = Client()
    assert log_in(browser, "qiu", PASSWORD).status_code == 302
    response = browser.get(reverse("archive:enterprise_list"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert browser.post(reverse("core:password_change"), {}).status_code == 302  # not even the password page
    wrong = browser.post(VERIFY, {"token": "123456"})
    assert "验证码不正确或已过期" in wrong.content.decode()
    again = browser.post(VERIFY, {"token": "123456"})
    assert "验证码错误次数过多，请" in again.content.decode()  # django-otp's throttle, in Chinese
    next_step(device)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    ok = browser.post(VERIFY, {"token": code(device), "next": reverse("archive:enterprise_list")})
    assert ok.status_code == 302 and ok["Location"] == reverse("archive:enterprise_list")
    assert browser.get(reverse("archive:enterprise_list")).status_code == 200


def test_a_recovery_code_works_once(client, admin_account):
    log_in(client, "qiu", PASSWORD)
    device, codes = enrol(client)
    client.post(reverse("core:logout"))
    first = Client()
    log_in(first, "qiu", PASSWORD)
    assert first.post(VERIFY, {"token": codes[0].upper()}).status_code == 302
    assert first.get(reverse("archive:enterprise_list")).status_code == 200
    second = Client()
    log_in(second, "qiu", PASSWORD)
    assert "验证码不正确" in second.post(VERIFY, {"token": codes[0]}).content.decode()
    assert StaticToken.objects.count() == 9


def test_new_recovery_codes_replace_the_old_ones(client, admin_account):
    log_in(client, "qiu", PASSWORD)
    device, codes = enrol(client)
    fresh = client.post(reverse("core:otp_recovery_codes")).context["codes"]
    assert not set(fresh) & set(codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(fresh)


def test_an_administrator_cannot_turn_it_off_himself(client, admin_account):
    log_in(client, "qiu", PASSWORD)
    enrol(client)
    assert client.post(reverse("core:otp_disable")).status_code == 403
    admin_account.refresh_from_db()
    assert admin_account.has_second_factor


def as_user(user):
    browser = Client()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return browser


def test_another_administrator_resets_it_and_it_is_audited(client, admin_account, users):
    log_in(client, "qiu", PASSWORD)
    enrol(client)
    city = as_user(users["city"])
    assert "重置双因素认证" in city.get(reverse("core:user_list")).content.decode()
    assert city.post(reverse("core:user_reset_otp", args=[admin_account.pk])).status_code == 302
    admin_account.refresh_from_db()
    assert not admin_account.has_second_factor and not TOTPDevice.objects.exists() and not StaticToken.objects.exists()
    change = ChangeRecord.objects.get(action=AuditAction.RESET_OTP)
    assert change.user == users["city"] and change.object_id == str(admin_account.pk)
    # Their old verified session no longer counts: they must enrol again.
    assert client.get(reverse("archive:enterprise_list"))["Location"] == SETUP


def test_nobody_resets_their_own_or_an_out_of_scope_second_factor(client, admin_account, users, county_admins):
    log_in(client, "qiu", PASSWORD)
    enrol(client)
    assert client.post(reverse("core:user_reset_otp", args=[admin_account.pk])).status_code == 403
    assert as_user(county_admins["erqi"]).post(reverse("core:user_reset_otp", args=[admin_account.pk])).status_code == 404
    admin_account.refresh_from_db()
    assert admin_account.has_second_factor


def test_it_is_optional_for_other_users(client, orgs):
    create_user("zhao", Role.REGULATOR, orgs["jinshui"], is_demo=False)
    log_in(client, "zhao", PASSWORD)
    assert client.get(reverse("archive:enterprise_list")).status_code == 200
    assert "启用双因素认证" in client.get(reverse("core:profile")).content.decode()
    enrol(client)
    assert User.objects.get(username="zhao").has_second_factor
    assert client.post(reverse("core:otp_disable")).status_code == 302
    assert not User.objects.get(username="zhao").has_second_factor


def test_demo_administrators_are_exempt_outside_production_only(client, users, settings):
    log_in(client, "city", PASSWORD)  # a demo-flagged regulator administrator
    assert client.get(reverse("archive:enterprise_list")).status_code == 200
    settings.PRODUCTION = True
    User.objects.filter(username="city").update(is_demo=False)  # changed its published password (see passwords)
    assert client.get(reverse("archive:enterprise_list"))["Location"] == SETUP


def test_system_administrators_must_enrol_too(client):
    create_user("root", Role.SYSADMIN, is_superuser=True, is_staff=True, is_demo=False)
    log_in(client, "root", PASSWORD)
    assert client.get("/admin/")["Location"] == SETUP


def test_in_production_demo_flags_exempt_nobody(client, users, settings):
    settings.PRODUCTION = True
    log_in(client, "sysadmin", PASSWORD)
    # First the published password goes, then the second factor comes.
    assert client.get("/admin/")["Location"] == reverse("core:password_change")
    client.post(reverse("core:password_change"), {"old_password": PASSWORD, "new_password1": "Anquan-2027-x",
                                             "new_password2": "Anquan-2027-x"})
    assert client.get("/admin/")["Location"] == SETUP
