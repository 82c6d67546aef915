"""数据对接 under attack (issue #17): guessing a key id's secret never locks its owner out, a flood of calls without a
valid subscription cannot grow the call log without end, and only the level that granted a subscription (or one
above it) may revoke it."""
import pytest
from django.test import Client
from django.urls import reverse

from tests.api.helpers import approved, bearer
from tests.api.records import assert_refused
from tests.factories import ZHENGZHOU, create_org, create_user
from worksafe.api.models import ApiCall, ApiSubscription, ApiToken, SubscriptionState
from worksafe.core.models import OrgLevel, Role

pytestmark = pytest.mark.django_db
S = SubscriptionState


def caller(address):
    return Client(REMOTE_ADDR=address)


def exchange(client, key_id, secret):
    return client.post("/api/v1/token", {"key_id": key_id, "secret": secret}, content_type="application/json")


def whoami(client, token):
    return client.get("/api/v1/subscription", **bearer(token))


def retry_after(response):
    """Retry-After, which the Chinese message states too."""
    wait = int(response["Retry-After"])
    assert f"请 {wait} 秒后再试" in response.json()["detail"], response.json()
    return wait


# Guessing the secret ---------------------------------------------------------------------------------------------

def test_it_gives_the_owner_a_token_after_50_wrong_secrets_from_another_client(owner_sub, clock):
    """With the shipped limits: the guessing client is slowed down, the owner's system is not."""
    sub, secret = owner_sub
    guesser = caller("203.0.113.7")
    codes = [exchange(guesser, sub.key_id, f"guess-{i}").status_code for i in range(50)]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    r = exchange(guesser, sub.key_id, f"guess-{50}")
    assert_refused(r, 429, "rate_limited")
    assert 1 <= retry_after(r) <= 60 and "失败次数过多" in r.json()["detail"]
    # Even the right secret from the guessing client waits: its guesses are not compared any more.
    assert exchange(guesser, sub.key_id, secret).status_code == 429

    r = exchange(caller("198.51.100.20"), sub.key_id, secret)
    assert r.status_code == 200 and r.json()["access_token"]
    assert whoami(Client(), r.json()["access_token"]).status_code == 200
    assert ApiToken.objects.filter(subscription=sub).count() == 1


def test_it_tells_clients_apart_by_the_configured_header_behind_a_proxy(owner_sub, clock, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.API_TOKEN_LIMITS = ((60, 3),)
    sub, secret = owner_sub
    proxy = caller("127.0.0.1")  # every request comes from nginx
    codes = [exchange(proxy, sub.key_id, "wrong").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]  # no header: the proxy itself is the client
    guess = [proxy.post("/api/v1/token", {"key_id": sub.key_id, "secret": "wrong"}, content_type="application/json",
                        HTTP_X_REAL_IP="10.9.8.7").status_code for _ in range(4)]
    assert guess == [401, 401, 401, 429]
    owner = proxy.post("/api/v1/token", {"key_id": sub.key_id, "secret": secret}, content_type="application/json",
                       HTTP_X_REAL_IP="10.1.1.1")
    assert owner.status_code == 200
    # The same client behind another proxy address is still the same client.
    again = caller("127.0.0.2").post("/api/v1/token", {"key_id": sub.key_id, "secret": secret},
                                     content_type="application/json", HTTP_X_REAL_IP="10.9.8.7")
    assert again.status_code == 429


def test_it_slows_only_the_clients_that_failed_once_a_key_id_has_too_many_failures(owner_sub, other_sub, clock, settings):
    """Many addresses guessing one key id: past API_TOKEN_KEY_LIMITS every address that failed for it waits, a new
    address gets one try, the owner (who has not failed) is never refused."""
    settings.API_TOKEN_LIMITS = ((60, 5),)
    settings.API_TOKEN_KEY_LIMITS = ((60, 12),)
    sub, secret = owner_sub
    guessers = [caller(f"203.0.113.{i}") for i in range(1, 11)]
    codes = [[exchange(g, sub.key_id, "wrong").status_code for _ in range(3)] for g in guessers]
    assert codes[:4] == [[401, 401, 401]] * 4  # 12 failures: the key id's bound is reached
    assert codes[4:] == [[401, 429, 429]] * 6  # each new address: one try, then it waits
    r = exchange(guessers[0], sub.key_id, secret)
    assert_refused(r, 429, "rate_limited")
    assert 1 <= retry_after(r) <= 60 and "该企业标识近期换取令牌失败过多" in r.json()["detail"]
    # A guesser is not held back for a key id it has not failed for ...
    assert exchange(guessers[0], other_sub[0].key_id, other_sub[1]).status_code == 200
    # ... and the owner, who has not failed, gets its token.
    assert exchange(caller("198.51.100.20"), sub.key_id, secret).status_code == 200
    # When the window has passed, the guessers may try again.
    clock.advance(60)
    assert exchange(guessers[0], sub.key_id, secret).status_code == 200


def test_the_owner_who_mistypes_the_secret_waits_only_for_the_window(owner_sub, clock, settings):
    settings.API_TOKEN_LIMITS = ((60, 3),)
    sub, secret = owner_sub
    owner = caller("198.51.100.20")
    assert [exchange(owner, sub.key_id, "typo").status_code for _ in range(3)] == [401, 401, 401]
    r = exchange(owner, sub.key_id, secret)
    wait = retry_after(r)
    assert r.status_code == 429 and 1 <= wait <= 60
    clock.advance(wait)
    assert exchange(owner, sub.key_id, secret).status_code == 200


# The call log -----------------------------------------------------------------------------------------------------

def test_500_calls_with_a_bad_token_write_a_bounded_number_of_log_rows(owner_sub, clock, settings):
    settings.API_RATE_LIMITS = ((60, 5),)
    limit = settings.API_UNAUTH_LOG_LIMITS[0][1]  # the shipped bound: rows per client per window
    attacker = caller("203.0.113.9")
    for i in range(500):
        assert attacker.get("/api/v1/hazards", HTTP_AUTHORIZATION=f"Bearer forged-{i}").status_code == 401
    refused = ApiCall.objects.filter(subscription=None)
    assert refused.count() == limit
    # Another client's refused calls have their own bound.
    assert caller("203.0.113.10").get("/api/v1/hazards", HTTP_AUTHORIZATION="Bearer forged").status_code == 401
    assert refused.filter(client="203.0.113.10").count() == 1

    # The subscriber calling from the same address: every call logged, and its own rate limit still counts them.
    sub, secret = owner_sub
    token = exchange(attacker, sub.key_id, secret).json()["access_token"]
    codes = [whoami(attacker, token).status_code for _ in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]  # the token exchange is the first of 5 in the minute
    assert ApiCall.objects.filter(subscription=sub).count() == 7

    # Once the window has passed, the next refused call is logged with how many were left out.
    clock.advance(60)
    attacker.get("/api/v1/hazards", HTTP_AUTHORIZATION="Bearer forged-again")
    last = refused.filter(client="203.0.113.9").latest("id")
    assert last.status == 401 and f"另有 {500 - limit} 次未认证的调用未逐条记录" in last.message
    attacker.get("/api/v1/hazards", HTTP_AUTHORIZATION="Bearer forged-again")
    assert "未逐条记录" not in refused.filter(client="203.0.113.9").latest("id").message


def test_failed_token_requests_are_logged_within_the_same_bound(owner_sub, clock, settings):
    settings.API_TOKEN_LIMITS = ((60, 1000),)
    settings.API_TOKEN_KEY_LIMITS = ((60, 1000),)
    settings.API_UNAUTH_LOG_LIMITS = ((60, 5),)
    sub, _ = owner_sub
    guesser = caller("203.0.113.7")
    for i in range(40):
        assert exchange(guesser, sub.key_id, f"guess-{i}").status_code == 401
    rows = ApiCall.objects.filter(subscription=None, key_id=sub.key_id)
    assert rows.count() == 5 and all(r.message.startswith("企业标识或授权KEY不正确") for r in rows)


# Revoking ---------------------------------------------------------------------------------------------------------

def step(client, sub, action, reason=""):
    return client.post(reverse("api:subscription_step", args=[sub.pk, action]), {"reason": reason})


def login(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def granted_by_the_city(orgs, users):
    """郑州市应急管理局 grants 金水区应急管理局 a subscription through the page, as its administrator would."""
    r = login(users["city"]).post(reverse("api:subscription_grant"), {
        "system_name": "金水区双预防平台", "vendor": "郑州安信软件有限公司", "contact": "王工", "phone": "0371-66661234",
        "interfaces": ["hazards"], "note": "", "organization": orgs["jinshui"].pk})
    assert r.status_code == 302, r.content.decode()
    return ApiSubscription.objects.get(organization=orgs["jinshui"])


def revoke_button(client, sub):
    page = client.get(sub.get_absolute_url())
    assert page.status_code == 200
    return 'data-action="revoke"' in page.content.decode()


@pytest.fixture
def county_admin(orgs):
    return create_user("jinshui_admin", Role.REGULATOR_ADMIN, orgs["jinshui"])


def test_a_county_regulator_cannot_revoke_what_the_city_granted(orgs, users, county_admin):
    sub = granted_by_the_city(orgs, users)
    assert sub.decided_by == users["city"]
    city_department = create_user("zz_chem", Role.REGULATOR, create_org("郑州市应急管理局危化科", OrgLevel.CITY, ZHENGZHOU))
    for user in (users["jinshui"], county_admin, city_department):  # the county, plain or administrator; a peer of the city
        client = login(user)
        assert not revoke_button(client, sub)
        assert step(client, sub, "revoke", "越级吊销").status_code == 403
    sub.refresh_from_db()
    assert (sub.state, sub.reason) == (S.APPROVED, "")
    # The county's administrator may still end its own subscription: cancelling is the subscriber's choice.
    assert 'data-action="cancel"' in login(county_admin).get(sub.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["city", "city_regulator", "province", "sysadmin"])
def test_the_granting_city_or_a_level_above_revokes_it(orgs, users, who):
    sub = granted_by_the_city(orgs, users)
    user = users.get(who) or create_user("zz_regulator", Role.REGULATOR, orgs["city"])
    client = login(user)
    assert revoke_button(client, sub)
    r = step(client, sub, "revoke", "平台停止运维")
    assert r.status_code == 302
    sub.refresh_from_db()
    assert (sub.state, sub.reason) == (S.REVOKED, "平台停止运维")


def test_a_grant_by_a_system_administrator_is_revoked_by_system_administrators_only(orgs, users):
    sub, _ = approved(organization=orgs["jinshui"], decided_by=users["sysadmin"])
    for user in (users["city"], users["province"], users["jinshui"]):
        assert step(login(user), sub, "revoke", "越级吊销").status_code == 403
    assert step(login(users["sysadmin"]), sub, "revoke", "平台停止运维").status_code == 302


def test_an_enterprise_application_keeps_the_reviewers_rule_at_the_approving_level(users, enterprise):
    """Approved by the county: every reviewer in scope may revoke, as before. Approved by the city: the county may not."""
    by_county, _ = approved(enterprise, decided_by=users["jinshui"])
    by_city, _ = approved(enterprise, decided_by=users["city"])
    county = login(users["jinshui"])
    assert revoke_button(county, by_county) and not revoke_button(county, by_city)
    assert step(county, by_city, "revoke", "越级吊销").status_code == 403
    assert step(county, by_county, "revoke", "多次上传虚假数据").status_code == 302
    assert step(login(users["city"]), by_city, "revoke", "多次上传虚假数据").status_code == 302
    assert dict(ApiSubscription.objects.values_list("pk", "state")) == {by_county.pk: S.REVOKED, by_city.pk: S.REVOKED}


def test_the_sibling_county_still_gets_404(orgs, users):
    sub = granted_by_the_city(orgs, users)
    sibling = login(users["erqi"])
    assert sibling.get(sub.get_absolute_url()).status_code == 404
    assert step(sibling, sub, "revoke", "越权").status_code == 404
    sub.refresh_from_db()
    assert sub.state == S.APPROVED
