"""Helpers for the data connection API tests: approved subscriptions, tokens, records."""
import datetime

from django.utils import timezone

from worksafe.api import keys
from worksafe.api.models import ApiSubscription, Interface, SubscriptionState

ALL = [i.value for i in Interface]


def approved(enterprise=None, organization=None, interfaces=ALL, **fields):
    """An approved subscription with a secret: (subscription, secret)."""
    region = enterprise.region_id if enterprise else organization.region_id
    sub = ApiSubscription.objects.create(enterprise=enterprise, organization=organization, region_id=region,
                                         interfaces=list(interfaces), system_name=fields.pop("system_name", "自建双预防系统"),
                                         contact="张工", phone="13800000000", state=SubscriptionState.APPROVED,
                                         key_id=keys.new_key_id(), **fields)
    return sub, keys.issue_secret(sub)


def token_for(client, sub, secret):
    r = client.post("/api/v1/token", {"key_id": sub.key_id, "secret": secret}, content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()["access_token"]


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def hazard_record(enterprise, external_id="H-1", **fields):
    today = timezone.localdate()
    record = {"external_id": external_id, "enterprise": enterprise.uscc, "found_on": str(today - datetime.timedelta(days=3)),
              "name": "储罐区静电接地断开", "place": "甲醇罐区", "content": "静电接地线断开，可能引发火灾", "category": "fire",
              "deadline": str(today + datetime.timedelta(days=10)), "responsible": "李四"}
    record.update(fields)
    return record


def post(client, token, path, records, **envelope):
    return client.post(f"/api/v1/{path}", {"records": records, **envelope}, content_type="application/json", **bearer(token))
