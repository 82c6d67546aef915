"""数据对接 authentication: the key id and secret exchanged for a token, tokens that die on expiry, rotation and the
end of the subscription, interfaces not subscribed, rate limits per subscriber and on failed token requests per
client, and the call log. (Guessing from many clients and the log's bound: test_security.py.)"""
import datetime

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from tests.api.helpers import ALL, approved, bearer, hazard_record, post, token_for
from tests.api.records import assert_refused, get, has_chinese
from worksafe.api import keys
from worksafe.api.models import ApiCall, ApiSubscription, ApiToken, SubscriptionState
from worksafe.hazards.models import Hazard

pytestmark = pytest.mark.django_db


def exchange(client, key_id, secret):
    return client.post("/api/v1/token", {"key_id": key_id, "secret": secret}, content_type="application/json")


def whoami(client, token):
    return client.get("/api/v1/subscription", **bearer(token))


# Token exchange ---------------------------------------------------------------------------------------------------

def test_it_exchanges_the_key_id_and_secret_for_a_token(client, owner_sub, enterprise, settings):
    sub, secret = owner_sub
    r = exchange(client, sub.key_id, secret)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == settings.API_TOKEN_TTL
    assert len(body["access_token"]) >= 40 and body["access_token"] != secret
    # Only the token's digest is kept.
    stored = ApiToken.objects.get(subscription=sub)
    assert stored.digest == keys.digest(body["access_token"]) and body["access_token"] not in stored.digest
    r = whoami(client, body["access_token"])
    assert r.status_code == 200
    assert r.json() == {"key_id": sub.key_id, "system_name": "金水测试机械双预防系统", "subscriber": enterprise.name,
                        "interfaces": ALL, "staging": False, "enterprises": 1}


def test_each_exchange_gives_a_new_token_and_the_earlier_ones_stay_valid(client, owner_sub):
    first, second = token_for(client, *owner_sub), token_for(client, *owner_sub)
    assert first != second
    assert whoami(client, first).status_code == 200 and whoami(client, second).status_code == 200


@pytest.mark.parametrize("wrong", ["secret", "key_id", "both", "other_secret"])
def test_wrong_credentials_are_refused_with_a_reason(client, owner_sub, other_sub, wrong):
    (sub, secret), (_, other_secret) = owner_sub, other_sub
    key_id, value = {
        "secret": (sub.key_id, secret + "x"),
        "key_id": ("WS" + "2" * 14, secret),
        "both": ("WSNOSUCHKEY", "nope"),
        "other_secret": (sub.key_id, other_secret),  # a real secret, of another subscription
    }[wrong]
    r = exchange(client, key_id, value)
    body = assert_refused(r, 401, "invalid_credentials")
    assert "企业标识或授权KEY不正确" in body["detail"]
    assert "access_token" not in body
    assert not ApiToken.objects.filter(subscription=sub).exists()


@pytest.mark.parametrize("body", [
    {"key_id": "WS2222"},  # no secret
    {"secret": "abc"},  # no key id
    {"key_id": "", "secret": ""},
    {"key_id": "K" * 33, "secret": "abc"},  # longer than any key id
    {"key_id": 12345, "secret": ["x"]},
    {"key_id": "WS2222", "secret": "abc", "extra": 1},
    [],
    "WS2222:abc",
])
def test_malformed_token_requests_get_4xx_with_a_chinese_reason(client, owner_sub, body):
    r = client.post("/api/v1/token", body, content_type="application/json")
    assert r.status_code in (400, 422), r.content
    assert has_chinese(r.json()["detail"]), r.json()
    assert not ApiToken.objects.exists()


def test_a_token_request_that_is_not_json_gets_400_with_a_chinese_reason(client, owner_sub):
    r = client.post("/api/v1/token", "key_id=WS2222&secret=abc", content_type="application/json")
    assert r.status_code == 400
    assert has_chinese(r.json()["detail"]), r.json()  # django-ninja's own "Cannot parse request body" is English


@pytest.mark.parametrize("key_id,secret", [("WS\x00", "x"), ("WS2222", "se\x00cret"), ("\x00" * 32, "\x00")])
def test_a_nul_character_in_the_credentials_is_refused_not_a_server_error(client, owner_sub, key_id, secret):
    """PostgreSQL cannot hold NUL in text (psycopg raises DataError when it is a query parameter)."""
    r = exchange(client, key_id, secret)
    assert r.status_code in (401, 422), r.content
    assert has_chinese(r.json()["detail"])


def test_a_subscription_without_a_secret_cannot_exchange(client, enterprise):
    sub = ApiSubscription.objects.create(enterprise=enterprise, region_id=enterprise.region_id, interfaces=ALL,
                                         system_name="未发放密钥", contact="张工", phone="13800000000",
                                         state=SubscriptionState.APPROVED, key_id=keys.new_key_id())
    assert_refused(exchange(client, sub.key_id, ""), 422)
    assert_refused(exchange(client, sub.key_id, "anything"), 401, "invalid_credentials")


# Expiry, rotation, the end of the subscription ------------------------------------------------------------------

def test_a_token_stops_working_when_it_expires(client, owner_sub):
    token = token_for(client, *owner_sub)
    row = ApiToken.objects.get(digest=keys.digest(token))
    row.expires_at = timezone.now() + datetime.timedelta(minutes=1)
    row.save()
    assert whoami(client, token).status_code == 200
    row.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    row.save()
    r = whoami(client, token)
    body = assert_refused(r, 401, "unauthorized")
    assert "重新获取令牌" in body["detail"] and r["WWW-Authenticate"] == "Bearer"


def test_a_token_lives_api_token_ttl_seconds(client, owner_sub, settings):
    settings.API_TOKEN_TTL = 600
    before = timezone.now()
    r = exchange(client, owner_sub[0].key_id, owner_sub[1])
    assert r.json()["expires_in"] == 600
    row = ApiToken.objects.get(digest=keys.digest(r.json()["access_token"]))
    assert before + datetime.timedelta(seconds=600) <= row.expires_at <= timezone.now() + datetime.timedelta(seconds=600)
    settings.API_TOKEN_TTL = 0  # a token that expires as it is issued
    token = token_for(client, *owner_sub)
    assert_refused(whoami(client, token), 401, "unauthorized")


def test_rotating_the_secret_kills_the_old_tokens_and_the_old_secret(client, owner_sub, enterprise):
    sub, old_secret = owner_sub
    token = token_for(client, sub, old_secret)
    new_secret = keys.issue_secret(sub)
    assert new_secret != old_secret
    assert_refused(whoami(client, token), 401, "unauthorized")
    assert_refused(post(client, token, "hazards", [hazard_record(enterprise)]), 401, "unauthorized")
    assert_refused(exchange(client, sub.key_id, old_secret), 401, "invalid_credentials")
    fresh = token_for(client, sub, new_secret)
    assert whoami(client, fresh).status_code == 200
    assert not Hazard.objects.exists()


def test_a_token_issued_before_the_secret_was_set_is_void_even_if_its_row_survives(client, owner_sub):
    sub, secret = owner_sub
    token = token_for(client, sub, secret)
    # Rotation deletes the tokens; the time check is the second line of defence (a token row created by a
    # concurrent exchange while the secret changed).
    ApiSubscription.objects.filter(pk=sub.pk).update(secret_set_at=timezone.now() + datetime.timedelta(seconds=1))
    assert_refused(whoami(client, token), 401, "unauthorized")


@pytest.mark.parametrize("state", [SubscriptionState.CANCELLED, SubscriptionState.REVOKED, SubscriptionState.REJECTED,
                                   SubscriptionState.PENDING])
def test_a_subscription_no_longer_approved_stops_its_tokens_at_once(client, owner_sub, enterprise, state):
    sub, secret = owner_sub
    token = token_for(client, sub, secret)
    assert whoami(client, token).status_code == 200
    ApiSubscription.objects.filter(pk=sub.pk).update(state=state)
    assert_refused(whoami(client, token), 401, "unauthorized")
    assert_refused(post(client, token, "hazards", [hazard_record(enterprise)]), 401, "unauthorized")
    assert_refused(get(client, token, "hazards"), 401, "unauthorized")
    assert_refused(exchange(client, sub.key_id, secret), 401, "invalid_credentials")
    assert not Hazard.objects.exists()


@pytest.mark.parametrize("action,who,reason", [("cancel", "owner", ""), ("revoke", "jinshui", "对接系统存在安全漏洞")])
def test_cancelling_or_revoking_through_the_workflow_stops_the_tokens(client, users, owner_sub, enterprise, action, who, reason):
    from worksafe.api import workflow

    sub, secret = owner_sub
    token = token_for(client, sub, secret)
    workflow.perform(sub, action, users[who], reason)
    assert_refused(post(client, token, "hazards", [hazard_record(enterprise)]), 401, "unauthorized")
    assert_refused(exchange(client, sub.key_id, secret), 401, "invalid_credentials")
    assert not Hazard.objects.exists()


def test_tokens_of_one_subscription_do_not_open_another(client, owner_sub, other_sub, enterprise):
    token = token_for(client, *owner_sub)
    ApiSubscription.objects.filter(pk=other_sub[0].pk).update(state=SubscriptionState.REVOKED)
    assert whoami(client, token).json()["key_id"] == owner_sub[0].key_id


# Authorization header, interfaces -------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer not-a-token", "Basic d3M6c2VjcmV0",
                                    "Token abc", "bearer", "Bearer a b c", "Bearer " + "x" * 5000])
def test_missing_or_garbage_authorization_is_401(client, owner_sub, enterprise, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    for r in (client.get("/api/v1/hazards", **extra),
              client.post("/api/v1/hazards", {"records": [hazard_record(enterprise)]}, content_type="application/json", **extra),
              client.delete(f"/api/v1/hazards/{enterprise.uscc}/H-1", **extra),
              client.get("/api/v1/subscription", **extra)):
        assert_refused(r, 401, "unauthorized")
        assert r["WWW-Authenticate"] == "Bearer"
    assert not Hazard.objects.exists()


def test_the_secret_itself_is_not_a_token(client, owner_sub):
    sub, secret = owner_sub
    assert_refused(whoami(client, secret), 401, "unauthorized")
    assert_refused(whoami(client, sub.key_id), 401, "unauthorized")


def test_an_interface_not_subscribed_is_403(client, enterprise):
    sub, secret = approved(enterprise, interfaces=["checks"])
    token = token_for(client, sub, secret)
    for r in (post(client, token, "hazards", [hazard_record(enterprise)]),
              get(client, token, "hazards"),
              client.delete(f"/api/v1/hazards/{enterprise.uscc}/H-1", **bearer(token)),
              get(client, token, "risk-objects"),
              get(client, token, "four-colour-maps")):
        body = assert_refused(r, 403, "interface_not_subscribed")
        assert "接口订阅管理" in body["detail"]
    assert "隐患排查治理台账" in post(client, token, "hazards", [hazard_record(enterprise)]).json()["detail"]
    assert not Hazard.objects.exists()
    assert get(client, token, "checks").status_code == 200


# Rate limits ----------------------------------------------------------------------------------------------------

def test_calls_beyond_the_rate_limit_are_429_with_retry_after(client, owner_sub, other_sub, settings):
    token = token_for(client, *owner_sub)
    other = token_for(client, *other_sub)
    ApiCall.objects.all().delete()  # count from here
    settings.API_RATE_LIMITS = ((60, 3),)
    for _ in range(3):
        assert whoami(client, token).status_code == 200
    r = whoami(client, token)
    body = assert_refused(r, 429, "rate_limited")
    assert "每 60 秒最多 3 次" in body["detail"]
    assert 1 <= int(r["Retry-After"]) <= 61
    # Per subscriber: the other one is not held back.
    assert whoami(client, other).status_code == 200
    # The refused call is logged too.
    assert ApiCall.objects.filter(subscription=owner_sub[0], status=429).count() == 1


def test_the_rate_limit_window_slides(client, owner_sub, settings):
    token = token_for(client, *owner_sub)
    ApiCall.objects.all().delete()
    settings.API_RATE_LIMITS = ((60, 2), (3600, 4))
    assert [whoami(client, token).status_code for _ in range(3)] == [200, 200, 429]
    ApiCall.objects.update(time=timezone.now() - datetime.timedelta(seconds=61))
    assert whoami(client, token).status_code == 200  # out of the minute's window, 4 in the hour's
    r = whoami(client, token)
    assert_refused(r, 429, "rate_limited")
    assert "每 3600 秒最多 4 次" in r.json()["detail"]
    assert 60 < int(r["Retry-After"]) <= 3601


def test_failed_token_requests_are_limited_per_client(client, owner_sub, other_sub, settings, clock):
    sub, secret = owner_sub
    settings.API_TOKEN_LIMITS = ((3600, 3),)
    settings.API_RATE_LIMITS = ((60, 1000),)
    # Successful exchanges are not failures: a system may fetch tokens as it needs them.
    for _ in range(5):
        assert exchange(client, sub.key_id, secret).status_code == 200
    assert [exchange(client, sub.key_id, f"guess-{i}").status_code for i in range(3)] == [401, 401, 401]
    # The client's fourth failure is not even tried, whichever key id and whatever secret it sends.
    for key_id, value in ((sub.key_id, "guess-4"), (sub.key_id, secret), (other_sub[0].key_id, other_sub[1])):
        r = exchange(client, key_id, value)
        body = assert_refused(r, 429, "rate_limited")
        assert r["Retry-After"] == "3570" and "每 3600 秒最多失败 3 次" in body["detail"]  # to the window's end
        assert f"请 {r['Retry-After']} 秒后再试" in body["detail"]
    assert ApiToken.objects.filter(subscription=sub).count() == 5
    assert not ApiToken.objects.filter(subscription=other_sub[0]).exists()
    # Another client, the owner's system, is not held back.
    assert exchange(Client(REMOTE_ADDR="10.20.30.40"), sub.key_id, secret).status_code == 200


def test_token_requests_for_an_unknown_key_id_are_limited_too(client, settings, clock):
    settings.API_TOKEN_LIMITS = ((3600, 2),)
    codes = [exchange(client, "WSGUESS", f"guess-{i}").status_code for i in range(3)]
    assert codes == [401, 401, 429]


# The call log ---------------------------------------------------------------------------------------------------

def test_every_call_is_logged_with_its_operation_status_records_and_result(client, owner_sub, enterprise):
    sub, secret = owner_sub
    exchange(client, sub.key_id, "wrong")
    token = token_for(client, sub, secret)
    post(client, token, "hazards", [hazard_record(enterprise, "H-1"), hazard_record(enterprise, "H-2"),
                                    hazard_record(enterprise, "H-3", found_on="2999-01-01")])
    get(client, token, "hazards")
    client.delete(f"/api/v1/hazards/{enterprise.uscc}/H-1", **bearer(token))
    client.delete(f"/api/v1/hazards/{enterprise.uscc}/NOPE", **bearer(token))
    whoami(client, "garbage")
    calls = list(ApiCall.objects.order_by("id"))
    got = [(c.method, c.operation, c.status, c.records, c.summary, c.subscription_id, c.key_id) for c in calls]
    counts = {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1, "skipped": 0}
    withdraw = "/" + resolve(f"/api/v1/hazards/{enterprise.uscc}/H-1").route  # the route, not the path
    assert withdraw.startswith("/api/v1/hazards/<enterprise>/<")
    assert got == [
        ("POST", "/api/v1/token", 401, 0, {}, None, sub.key_id),  # refused: the key id as presented
        ("POST", "/api/v1/token", 200, 0, {}, sub.pk, sub.key_id),
        ("POST", "/api/v1/hazards", 200, 3, counts, sub.pk, sub.key_id),
        ("GET", "/api/v1/hazards", 200, 2, {}, sub.pk, sub.key_id),
        ("DELETE", withdraw, 200, 1, {"withdrawn": 1}, sub.pk, sub.key_id),
        ("DELETE", withdraw, 404, 0, {}, sub.pk, sub.key_id),
        ("GET", "/api/v1/subscription", 401, 0, {}, None, ""),
    ]
    assert calls[0].message.startswith("企业标识或授权KEY不正确") and calls[1].message == ""
    assert "NOPE" in calls[5].message and calls[5].path == f"/api/v1/hazards/{enterprise.uscc}/NOPE"
    assert all(c.client == "127.0.0.1" for c in calls)


def test_refused_calls_are_logged(client, enterprise, settings):
    sub, secret = approved(enterprise, interfaces=["checks"])
    token = token_for(client, sub, secret)
    ApiCall.objects.all().delete()
    settings.API_RATE_LIMITS = ((60, 2),)
    post(client, token, "hazards", [hazard_record(enterprise)])  # 403
    client.post("/api/v1/checks", "{", content_type="application/json", **bearer(token))  # 400
    post(client, token, "checks", [])  # 429
    got = list(ApiCall.objects.order_by("id").values_list("operation", "status", "subscription_id"))
    assert got == [("/api/v1/hazards", 403, sub.pk), ("/api/v1/checks", 400, sub.pk), ("/api/v1/checks", 429, sub.pk)]
    messages = list(ApiCall.objects.order_by("id").values_list("message", flat=True))
    assert "未包含" in messages[0] and "JSON" in messages[1] and "调用过于频繁" in messages[2]
