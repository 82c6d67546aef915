"""Upload details: a risk list uploaded whole (整单上传), undecodable bodies explained, where an uploaded hazard came from."""
import pytest

from tests.api.helpers import post
from tests.factories import *  # noqa: F401,F403  (fixtures)
from tests.factories import add_risk_event, create_enterprise
from worksafe.core.models import ChangeRecord
from worksafe.risks.models import RiskEvent, RiskObject

pytestmark = pytest.mark.django_db


def obj(enterprise, external_id, name, **fields):
    event = {"name": f"{name}泄漏", "method": "direct", "level": "high", "reason": "直接判定",
             "measures": [{"content": f"{name}巡检", "category": "engineering", "tier": "company"}]}
    return {"external_id": external_id, "enterprise": enterprise.uscc, "name": name,
            "units": [{"name": f"{name}单元", "sources": [{"name": f"{name}危险源", "events": [event]}]}], **fields}


def names(enterprise):
    return sorted(RiskObject.objects.filter(enterprise=enterprise).values_list("name", flat=True))


def test_the_whole_list_replaces_the_uploaded_objects_left_out(client, token, enterprise):
    post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区"), obj(enterprise, "O-2", "液氨罐区")])
    add_risk_event(enterprise, "配电室", "low")  # entered here: no sender id, never withdrawn by an upload
    r = post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区"), obj(enterprise, "O-3", "锅炉房")], complete=True)
    assert r.status_code == 200, r.content
    assert r.json()["counts"] | {} == {"created": 1, "updated": 0, "unchanged": 1, "rejected": 0, "skipped": 0, "withdrawn": 1}
    assert names(enterprise) == ["甲醇罐区", "配电室", "锅炉房"]
    assert not RiskEvent.objects.filter(name="液氨罐区泄漏").exists()  # the subtree went with it
    gone = ChangeRecord.objects.get(action="delete", object_repr="液氨罐区")
    assert gone.message == "数据对接撤回" and gone.user_name.startswith("数据对接：")


def test_without_complete_nothing_is_withdrawn(client, token, enterprise):
    post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区"), obj(enterprise, "O-2", "液氨罐区")])
    r = post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区")])
    assert "withdrawn" not in r.json()["counts"]
    assert names(enterprise) == ["液氨罐区", "甲醇罐区"]


def test_a_refused_record_keeps_its_enterprise_list_whole(client, park_token, enterprise):
    """金水区's system sends two enterprises' lists; one record of the second is refused: that enterprise keeps all of
    its objects, the first gets its list replaced."""
    second = create_enterprise(name="金水第二化工")
    post(client, park_token, "risk-objects", [obj(enterprise, "A-1", "甲醇罐区"), obj(enterprise, "A-2", "液氨罐区"),
                                              obj(second, "B-1", "氯气库"), obj(second, "B-2", "硝酸罐区")])
    bad = obj(second, "B-3", "新罐区")
    bad["units"][0]["sources"][0]["events"][0]["method"] = "没有这种方法"
    r = post(client, park_token, "risk-objects", [obj(enterprise, "A-1", "甲醇罐区"), obj(second, "B-1", "氯气库"), bad],
             complete=True)
    assert r.json()["counts"]["rejected"] == 1 and r.json()["counts"]["withdrawn"] == 1
    assert names(enterprise) == ["甲醇罐区"]
    assert names(second) == ["氯气库", "硝酸罐区"]


def test_an_unreadable_record_also_keeps_its_enterprise_list(client, token, enterprise):
    post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区"), obj(enterprise, "O-2", "液氨罐区")])
    r = post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区"), {"enterprise": enterprise.uscc, "name": 5}],
             complete=True)
    assert r.json()["counts"]["withdrawn"] == 0
    assert names(enterprise) == ["液氨罐区", "甲醇罐区"]


def test_all_or_nothing_with_a_refusal_withdraws_nothing(client, token, enterprise):
    post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区"), obj(enterprise, "O-2", "液氨罐区")])
    r = post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区", kind="不存在")], complete=True,
             all_or_nothing=True)
    assert r.json()["applied"] is False and "withdrawn" not in r.json()["counts"]
    assert names(enterprise) == ["液氨罐区", "甲醇罐区"]


@pytest.mark.parametrize("path", ["hazards", "checks"])
def test_complete_belongs_to_the_risk_list_only(client, token, enterprise, path):
    r = post(client, token, path, [{"external_id": "X"}], complete=True)
    assert r.status_code == 400 and "不认识的字段：complete" in r.json()["detail"]


def test_complete_must_be_a_boolean(client, token, enterprise):
    r = post(client, token, "risk-objects", [obj(enterprise, "O-1", "甲醇罐区")], complete="yes")
    assert r.status_code == 400 and r.json()["detail"] == "complete：应为 true 或 false"
    assert not RiskObject.objects.exists()


@pytest.mark.parametrize("body,problem", [("{bad", "属性名应写在双引号中"), ('{"records": [1 2]}', "缺少逗号"),
                                          ('{"records": []} x', "JSON 结束后还有多余内容")])
def test_an_undecodable_body_is_explained_in_chinese(client, token, body, problem):
    r = client.post("/api/v1/risk-objects", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    assert r.json()["detail"].startswith("请求体不是有效的 JSON：第 1 行第") and problem in r.json()["detail"]


def test_an_uploaded_hazard_says_where_it_came_from(client, token, enterprise, users, login):
    from tests.api.helpers import hazard_record
    from worksafe.hazards.models import Hazard

    post(client, token, "hazards", [hazard_record(enterprise, "ZZ-H-7")])
    hazard = Hazard.objects.get(external_id="ZZ-H-7")
    html = login(users["jinshui"]).get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'data-testid="origin"' in html and "数据对接" in html and "发送方记录编号 ZZ-H-7" in html


# A hazard found by a check record (隐患排查记录 → 隐患) -------------------------------------------------------------

def check_with_items(client, token, enterprise):
    record = {"external_id": "C-1", "enterprise": enterprise.uscc, "checked_on": "2026-01-05", "checker": "王五",
              "items": [{"text": "消防通道畅通", "result": "pass"}, {"text": "灭火器在有效期内", "result": "fail", "note": "过期"},
                        {"text": "静电接地完好", "result": "不符合"}]}
    assert post(client, token, "checks", [record]).json()["counts"]["created"] == 1


def test_a_hazard_links_to_the_failed_check_item_that_found_it(client, token, enterprise, users, login):
    from tests.api.helpers import hazard_record
    from worksafe.hazards.models import Hazard

    check_with_items(client, token, enterprise)
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1", check_id="C-1", check_item=2)])
    assert r.json()["counts"]["created"] == 1, r.json()
    hazard = Hazard.objects.get(external_id="H-1")
    assert hazard.check_item.text == "灭火器在有效期内"
    assert post(client, token, "hazards", [hazard_record(enterprise, "H-1", check_id="C-1", check_item=2)]).json()["counts"]["unchanged"] == 1
    html = login(users["jinshui"]).get(f"/hazards/{hazard.pk}/").content.decode()
    assert "隐患排查记录" in html and "灭火器在有效期内" in html  # the page says where it came from
    listed = client.get("/api/v1/hazards", HTTP_AUTHORIZATION=f"Bearer {token}").json()["items"]
    assert (listed[0]["check_id"], listed[0]["check_item"]) == ("C-1", 2)
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1", check_id="C-1", check_item=3)])  # moved to item 3
    assert r.json()["counts"]["updated"] == 1 and Hazard.objects.get(external_id="H-1").check_item.text == "静电接地完好"


@pytest.mark.parametrize("link,field,message", [
    ({"check_id": "C-9", "check_item": 1}, "check_id", "没有发送方记录编号为 C-9 的隐患排查记录"),
    ({"check_id": "C-1", "check_item": 4}, "check_item", "该排查记录只有 3 个检查项"),
    ({"check_id": "C-1", "check_item": 1}, "check_item", "检查结果为符合"),
    ({"check_id": "C-1"}, "check_item", "须同时填写"),
    ({"check_item": 2}, "check_item", "须同时填写"),
])
def test_a_bad_check_link_is_refused_with_the_reason(client, token, enterprise, link, field, message):
    from tests.api.helpers import hazard_record
    from worksafe.hazards.models import Hazard

    check_with_items(client, token, enterprise)
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1", **link)])
    [result] = r.json()["results"]
    assert result["result"] == "rejected"
    assert any(e["field"] == field and message in e["message"] for e in result["errors"]), result["errors"]
    assert not Hazard.objects.exists()


def test_one_hazard_per_check_item(client, token, enterprise):
    from tests.api.helpers import hazard_record

    check_with_items(client, token, enterprise)
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1", check_id="C-1", check_item=2),
                                        hazard_record(enterprise, "H-2", check_id="C-1", check_item=2)])
    assert [x["result"] for x in r.json()["results"]] == ["created", "rejected"]
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-3", check_id="C-1", check_item=2)])
    assert "已对应另一条隐患" in r.json()["results"][0]["errors"][0]["message"]
