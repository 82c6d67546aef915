"""数据对接 read-back (GET /api/v1/hazards|checks|risk-objects|four-colour-maps|enterprises): what we hold for the
subscription's enterprises, to reconcile: paging, updated_since, the enterprise filter, and nothing of anyone else's."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.helpers import hazard_record, post
from tests.api.records import assert_refused, check_record, get, has_chinese, png_bytes, risk_object
from tests.api.test_other_uploads import upload_map
from tests.factories import JINSHUI, create_enterprise, create_hazard, create_risk_list
from worksafe.hazards.models import Hazard, HazardCheck
from worksafe.risks.models import RiskObject

pytestmark = pytest.mark.django_db


def listing(client, token, path, **params):
    r = get(client, token, path, **params)
    assert r.status_code == 200, r.content.decode()
    return r.json()


def ids(page, key="external_id"):
    return [item[key] for item in page["items"]]


# Paging -----------------------------------------------------------------------------------------------------------

def test_hazards_are_listed_in_pages(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, f"H-{i}") for i in range(5)])
    first = listing(client, token, "hazards", page_size=2)
    assert (first["count"], first["page"], first["page_size"], len(first["items"])) == (5, 1, 2, 2)
    pages = [listing(client, token, "hazards", page_size=2, page=n) for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert all(p["count"] == 5 for p in pages)
    seen = [x for p in pages for x in ids(p)]
    assert sorted(seen) == [f"H-{i}" for i in range(5)]  # each once
    assert listing(client, token, "hazards")["page_size"] == 100


def test_a_listed_hazard_is_the_record_we_hold(client, token, enterprise):
    record = hazard_record(enterprise, "H-1", possible_loss="12.50", level="major")
    post(client, token, "hazards", [record])
    [item] = listing(client, token, "hazards")["items"]
    hazard = Hazard.objects.get()
    for key, value in record.items():
        assert item[key] == value, key
    assert (item["id"], item["enterprise_name"], item["review"], item["supervision"], item["closed_at"]) == (
        hazard.pk, enterprise.name, "pending", "", None)
    assert [(s["action"], s["state"]) for s in item["history"]] == [("report", "reported")]
    assert item["history"][0]["actor"].startswith("数据对接：")


@pytest.mark.parametrize("params", [{"page": 0}, {"page": "x"}, {"page_size": 0}, {"page_size": 501},
                                    {"updated_since": "yesterday"}, {"updated_since": "2026-13-01T00:00:00+08:00"},
                                    {"enterprise": "9" * 19}])
def test_bad_query_parameters_are_422_with_a_chinese_reason(client, token, params):
    body = assert_refused(get(client, token, "hazards", **params), 422, "invalid_parameters")
    assert body["errors"] and body["errors"][0]["field"] == next(iter(params))


@pytest.mark.parametrize("path", ["hazards", "checks", "risk-objects", "four-colour-maps", "enterprises"])
def test_an_enterprise_filter_with_a_nul_character_finds_nothing(client, token, enterprise, path):
    r = get(client, token, path, enterprise="\x00")
    assert r.status_code in (200, 422), r.content  # PostgreSQL refuses NUL in a query parameter: never a 500
    if r.status_code == 200:
        assert r.json()["count"] == 0


@pytest.mark.parametrize("path", ["hazards", "checks", "risk-objects", "four-colour-maps"])
def test_updated_since_with_any_offset_python_reads_is_not_a_server_error(client, token, enterprise, path):
    """Python reads offsets up to ±23:59, PostgreSQL takes at most ±15:59 in a timestamp literal."""
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    r = get(client, token, path, updated_since="2020-01-01T00:00:00-18:41")
    assert r.status_code in (200, 422), r.content
    if r.status_code == 422:
        assert has_chinese(r.json()["detail"])
    elif path == "hazards":
        assert ids(r.json()) == ["H-1"]


@pytest.mark.parametrize("since,listed", [("0001-01-01T00:00:00+08:00", ["H-1"]), ("0001-01-01T00:00:00", ["H-1"]),
                                          ("9999-12-31T23:59:59-10:00", []), ("9999-12-31T23:59:59", [])])
def test_updated_since_at_the_ends_of_the_calendar_is_not_a_server_error(client, token, enterprise, since, listed):
    """Moments that exist in their own offset but not in UTC (year 0, year 10000) when the database wants UTC."""
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    r = get(client, token, "hazards", updated_since=since)
    assert r.status_code in (200, 422), r.content
    if r.status_code == 200:
        assert ids(r.json()) == listed
    else:
        assert has_chinese(r.json()["detail"])


# updated_since and the enterprise filter --------------------------------------------------------------------------

def test_updated_since_lists_what_changed_from_then_on(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, f"H-{i}") for i in range(3)])
    t0 = timezone.now() - datetime.timedelta(days=2)
    t1 = t0 + datetime.timedelta(days=1)
    Hazard.objects.filter(external_id="H-0").update(updated_at=t0)
    Hazard.objects.filter(external_id="H-1").update(updated_at=t1)
    assert ids(listing(client, token, "hazards", updated_since=t1.isoformat())) == ["H-1", "H-2"]  # inclusive, oldest first
    since = (t1 + datetime.timedelta(microseconds=1)).isoformat()
    assert ids(listing(client, token, "hazards", updated_since=since)) == ["H-2"]
    assert listing(client, token, "hazards", updated_since=since)["count"] == 1
    # Beijing time or UTC: the same moment.
    in_beijing = t1.astimezone(datetime.timezone(datetime.timedelta(hours=8))).isoformat()
    assert ids(listing(client, token, "hazards", updated_since=in_beijing)) == ["H-1", "H-2"]
    # A re-upload that changes it brings it back.
    post(client, token, "hazards", [hazard_record(enterprise, "H-0", name="改过的名称")])
    assert ids(listing(client, token, "hazards", updated_since=since)) == ["H-2", "H-0"]


def test_an_identical_re_upload_does_not_show_as_updated(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    Hazard.objects.update(updated_at=timezone.now() - datetime.timedelta(days=1))
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    assert listing(client, token, "hazards", updated_since=since)["count"] == 0


def test_the_enterprise_filter_narrows_an_organisations_listing(client, park_token, enterprise):
    neighbour = create_enterprise(JINSHUI, name="金水第二机械厂")
    post(client, park_token, "hazards", [hazard_record(enterprise, "P-1"), hazard_record(neighbour, "P-2")])
    assert sorted(ids(listing(client, park_token, "hazards"))) == ["P-1", "P-2"]
    assert ids(listing(client, park_token, "hazards", enterprise=neighbour.uscc)) == ["P-2"]
    assert ids(listing(client, park_token, "hazards", enterprise=neighbour.uscc.lower())) == ["P-2"]
    assert listing(client, park_token, "hazards", enterprise="91410105MA00000000")["count"] == 0


# Only the covered enterprises' records ----------------------------------------------------------------------------

def test_an_enterprise_never_sees_its_siblings_records(client, token, other_token, enterprise, other_enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "MINE")])
    post(client, other_token, "hazards", [hazard_record(other_enterprise, "THEIRS")])
    post(client, token, "checks", [check_record(enterprise, "MINE")])
    post(client, other_token, "checks", [check_record(other_enterprise, "THEIRS")])
    post(client, token, "risk-objects", [risk_object(enterprise, "MINE")])
    post(client, other_token, "risk-objects", [risk_object(other_enterprise, "THEIRS")])
    upload_map(client, token, enterprise, "a.png", png_bytes())
    upload_map(client, other_token, other_enterprise, "a.png", png_bytes())
    for path in ("hazards", "checks", "risk-objects"):
        assert ids(listing(client, token, path)) == ["MINE"], path
        assert ids(listing(client, other_token, path)) == ["THEIRS"], path
        # Asking for the sibling by name gives nothing.
        assert listing(client, token, path, enterprise=other_enterprise.uscc)["count"] == 0, path
    assert ids(listing(client, token, "four-colour-maps"), "enterprise") == [enterprise.uscc]
    assert listing(client, token, "four-colour-maps", enterprise=other_enterprise.uscc)["count"] == 0
    assert ids(listing(client, token, "enterprises"), "uscc") == [enterprise.uscc]
    assert ids(listing(client, token, "enterprises", enterprise=other_enterprise.uscc), "uscc") == []


def test_records_entered_here_are_listed_with_no_sender_id(client, token, enterprise):
    entered = create_hazard(enterprise, name="配电箱警示标识缺失")
    create_risk_list(enterprise)
    HazardCheck.objects.create(enterprise=enterprise, checked_on=timezone.localdate(), checker_name="王五")
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    page = listing(client, token, "hazards")
    assert sorted(ids(page), key=str) == ["H-1", None]
    item = next(x for x in page["items"] if x["external_id"] is None)
    assert (item["id"], item["name"]) == (entered.pk, "配电箱警示标识缺失")
    assert ids(listing(client, token, "checks")) == [None]
    [obj] = listing(client, token, "risk-objects")["items"]
    assert obj["external_id"] is None and obj["name"] == "甲醇罐区"


def test_an_organisation_lists_its_regions_enterprises_and_their_records(client, park_token, token, enterprise, other_enterprise):
    neighbour = create_enterprise(JINSHUI, name="金水第二机械厂")
    create_hazard(neighbour)
    create_hazard(other_enterprise)
    post(client, token, "hazards", [hazard_record(enterprise, "OWN")])  # the enterprise's own system
    page = listing(client, park_token, "enterprises")
    assert sorted(ids(page, "uscc")) == sorted([enterprise.uscc, neighbour.uscc])
    assert {x["region"] for x in page["items"]} == {JINSHUI}
    assert {x["uscc"]: x["name"] for x in page["items"]}[enterprise.uscc] == enterprise.name
    hazards = listing(client, park_token, "hazards")
    assert sorted((x["enterprise"], x["external_id"] or "") for x in hazards["items"]) == sorted(
        [(enterprise.uscc, "OWN"), (neighbour.uscc, "")])


# The other kinds --------------------------------------------------------------------------------------------------

def test_checks_are_listed_with_their_items(client, token, enterprise):
    post(client, token, "checks", [check_record(enterprise, "C-1", kind="special")])
    [item] = listing(client, token, "checks")["items"]
    assert (item["external_id"], item["enterprise"], item["kind"], item["checker"], item["note"]) == (
        "C-1", enterprise.uscc, "special", "王五", "班前检查")
    assert item["items"] == [{"text": "储罐静电接地完好", "result": "pass", "note": ""},
                             {"text": "可燃气体报警器完好", "result": "fail", "note": "2号探头失灵"}]


def test_risk_objects_are_listed_as_the_hierarchy_uploaded(client, token, enterprise):
    record = risk_object(enterprise, "R-1")
    post(client, token, "risk-objects", [record])
    [item] = listing(client, token, "risk-objects")["items"]
    assert (item["external_id"], item["name"], item["kind"], item["department"]) == ("R-1", "甲醇罐区", "place", "安环部")
    event = item["units"][0]["sources"][0]["events"][0]
    assert (event["name"], event["method"], event["level"], event["accident_category"]) == ("泄漏造成火灾", "lec", "major", "08")
    assert [m["content"] for m in event["measures"]] == ["对液位进行巡检"]
    assert [u["name"] for u in item["units"]] == ["甲醇罐区微单元", "检修平台"]
    assert item["units"][1]["sources"][0]["events"][0]["level"] == "medium"
    # What was read back can be sent again as it is (less the platform's own fields): nothing changes.
    again = {k: v for k, v in item.items() if k not in ("id", "enterprise_name", "updated_at")}
    assert post(client, token, "risk-objects", [again]).json()["results"][0]["result"] == "unchanged"


def test_a_change_deep_in_a_risk_object_shows_in_updated_since(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    RiskObject.objects.update(updated_at=timezone.now() - datetime.timedelta(days=1))
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assert listing(client, token, "risk-objects", updated_since=since)["count"] == 0
    record = risk_object(enterprise, "R-1")
    record["units"][0]["sources"][0]["events"][0]["measures"][0]["frequency_value"] = 2
    assert post(client, token, "risk-objects", [record]).json()["results"][0]["result"] == "updated"
    # The object's record changed (its measure did): a subscriber reconciling by updated_since must see it.
    assert ids(listing(client, token, "risk-objects", updated_since=since)) == ["R-1"]


def test_four_colour_maps_are_listed(client, park_token, enterprise):
    neighbour = create_enterprise(JINSHUI, name="金水第二机械厂")
    upload_map(client, park_token, enterprise, "a.png", png_bytes())
    upload_map(client, park_token, neighbour, "a.png", png_bytes())
    client.delete(f"/api/v1/four-colour-maps/{neighbour.uscc}", HTTP_AUTHORIZATION=f"Bearer {park_token}")
    page = listing(client, park_token, "four-colour-maps")
    got = {x["enterprise"]: (x["has_map"], x["content_type"], x["enterprise_name"]) for x in page["items"]}
    assert got == {enterprise.uscc: (True, "image/png", enterprise.name), neighbour.uscc: (False, "", "金水第二机械厂")}


# No N+1 -----------------------------------------------------------------------------------------------------------

def queries(client, token, path):
    with CaptureQueriesContext(connection) as ctx:
        assert get(client, token, path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path,make", [
    ("hazards", lambda e, i: hazard_record(e, f"H-{i}")),
    ("checks", lambda e, i: check_record(e, f"C-{i}")),
    ("risk-objects", lambda e, i: risk_object(e, f"R-{i}", name=f"罐区{i}")),
])
def test_a_listing_takes_as_many_queries_for_many_records_as_for_few(client, token, enterprise, path, make):
    post(client, token, path, [make(enterprise, i) for i in range(2)])
    few = queries(client, token, path)
    post(client, token, path, [make(enterprise, i) for i in range(2, 12)])
    assert queries(client, token, path) == few
