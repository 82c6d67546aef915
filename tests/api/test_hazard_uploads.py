"""数据对接 hazard uploads (POST/DELETE /api/v1/hazards): created, unchanged, updated with the change log naming the
subscriber, history as steps, withdrawal, partial and all-or-nothing batches, who may write for which enterprise,
major hazards, the yearly counts, and bodies that are malformed or too large (4xx with a reason, nothing written)."""
import datetime
import json
from urllib.parse import quote

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tests.api.helpers import approved, bearer, hazard_record, post, token_for
from tests.api.records import assert_refused, days_ago, delete, errors_of, get, raw_post, results
from tests.factories import ERQI, JINSHUI, create_enterprise, create_hazard
from worksafe.api.models import ApiCall
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.hazards.models import Hazard, HazardStep, HazardYear

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def changes(hazard_pk=None, action=None):
    qs = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Hazard))
    if hazard_pk is not None:
        qs = qs.filter(object_id=str(hazard_pk))
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs.order_by("id"))


def year_counts(enterprise, year=YEAR):
    row = HazardYear.objects.filter(enterprise=enterprise, year=year).first()
    return (row.general, row.major, row.closed) if row else None


def subscriber_name(sub):
    return f"数据对接：{sub.system_name}（{sub.key_id}）"


def history(*steps):
    """[(action, state, minutes ago, actor)] as an uploaded history."""
    now = timezone.now()
    return [{"action": a, "state": s, "time": (now - datetime.timedelta(minutes=m)).isoformat(), "actor": who,
             "organization": "安环部", "comment": f"{who}{a}"} for a, s, m, who in steps]


# Created, unchanged, updated --------------------------------------------------------------------------------------

def test_a_new_hazard_is_created_with_its_copies_steps_and_change_record(client, token, owner_sub, enterprise):
    record = hazard_record(enterprise, "H-1", possible_loss="12.5", possible_casualties=3, kind="condition")
    r = post(client, token, "hazards", [record])
    body = r.json()
    assert body["applied"] is True
    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0, "skipped": 0}
    hazard = Hazard.objects.get()
    assert body["results"] == [{"index": 0, "external_id": "H-1", "enterprise": enterprise.uscc, "result": "created",
                                "id": hazard.pk, "errors": []}]
    assert (hazard.enterprise, hazard.external_id, hazard.name, hazard.category_id, hazard.level, hazard.state) == (
        enterprise, "H-1", "储罐区静电接地断开", "fire", "general", "reported")
    assert str(hazard.found_on) == record["found_on"] and str(hazard.deadline) == record["deadline"]
    assert str(hazard.possible_loss) == "12.50" and hazard.possible_casualties == 3 and hazard.kind == "condition"
    # The copies the regulators' lists scope on.
    assert (hazard.region_id, hazard.industry_id) == (enterprise.region_id, enterprise.industry_id)
    assert hazard.review == "" and hazard.closed_at is None
    # No history uploaded: one report step in the subscriber's name.
    step = HazardStep.objects.get(hazard=hazard)
    assert (step.action, step.target, step.actor_name) == ("report", "reported", subscriber_name(owner_sub[0]))
    [change] = changes(hazard.pk)
    assert change.action == AuditAction.CREATE and change.user is None
    assert change.user_name == subscriber_name(owner_sub[0]) and "数据对接" in change.message
    assert change.enterprise_id == enterprise.pk and change.region_code == enterprise.region_id
    assert change.after["name"] == "储罐区静电接地断开"


def test_labels_are_taken_for_codes_and_text_is_trimmed(client, token, enterprise):
    record = hazard_record(enterprise, "  H-9  ", category="现场管理-消防安全", level="一般隐患", source="风险巡检",
                           name="  储罐区静电接地断开 ")
    record["enterprise"] = f" {enterprise.uscc.lower()} "
    assert results(post(client, token, "hazards", [record])) == [("created", "H-9")]
    hazard = Hazard.objects.get()
    assert (hazard.external_id, hazard.category_id, hazard.level, hazard.source, hazard.name) == (
        "H-9", "fire", "general", "patrol", "储罐区静电接地断开")
    # The same record in codes is the same record.
    same = hazard_record(enterprise, "H-9", category="fire", source="patrol")
    assert results(post(client, token, "hazards", [same])) == [("unchanged", "H-9")]


def test_an_identical_re_upload_changes_nothing(client, token, enterprise):
    records = [hazard_record(enterprise, "H-1"), hazard_record(enterprise, "H-2", name="配电箱无警示标识", category="electricity")]
    post(client, token, "hazards", records)
    before = {h.pk: h.updated_at for h in Hazard.objects.all()}
    logged, steps = ChangeRecord.objects.count(), list(HazardStep.objects.values_list("pk", "time"))
    r = post(client, token, "hazards", records)
    assert results(r) == [("unchanged", "H-1"), ("unchanged", "H-2")]
    assert [x["id"] for x in r.json()["results"]] == sorted(before)
    assert r.json()["counts"]["unchanged"] == 2
    assert {h.pk: h.updated_at for h in Hazard.objects.all()} == before
    assert ChangeRecord.objects.count() == logged
    assert list(HazardStep.objects.values_list("pk", "time")) == steps


def test_a_changed_record_updates_ours_and_the_change_log_names_the_subscriber(client, token, owner_sub, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    hazard = Hazard.objects.get()
    created_at, updated_at = hazard.created_at, hazard.updated_at
    deadline = str(timezone.localdate() + datetime.timedelta(days=20))
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1", name="储罐区静电接地线断开", deadline=deadline,
                                                      state="rectifying", responsible="王五")])
    assert results(r) == [("updated", "H-1")] and r.json()["results"][0]["id"] == hazard.pk
    hazard.refresh_from_db()
    assert (hazard.name, str(hazard.deadline), hazard.state, hazard.responsible) == ("储罐区静电接地线断开", deadline, "rectifying", "王五")
    assert hazard.created_at == created_at and hazard.updated_at > updated_at
    assert Hazard.objects.count() == 1
    [change] = changes(hazard.pk, AuditAction.UPDATE)
    assert change.user_name == subscriber_name(owner_sub[0]) and change.user is None
    assert change.before == {"name": "储罐区静电接地断开", "deadline": hazard_record(enterprise)["deadline"],
                             "state": "reported", "responsible": "李四"}
    assert change.after == {"name": "储罐区静电接地线断开", "deadline": deadline, "state": "rectifying", "responsible": "王五"}


def test_clearing_an_optional_field_is_a_change(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", substance="甲醇", possible_loss="3")])
    record = hazard_record(enterprise, "H-1")  # substance and possible_loss left out: blank again
    assert results(post(client, token, "hazards", [record])) == [("updated", "H-1")]
    hazard = Hazard.objects.get()
    assert hazard.substance == "" and hazard.possible_loss is None


# History ----------------------------------------------------------------------------------------------------------

def test_an_uploaded_history_becomes_steps_with_the_senders_times(client, token, enterprise):
    steps = history(("report", "reported", 120, "张三"), ("start", "rectifying", 60, "李四"))
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", state="rectifying", history=steps)])
    hazard = Hazard.objects.get()
    rows = list(HazardStep.objects.filter(hazard=hazard).order_by("time"))
    assert [(s.action, s.source, s.target, s.actor_name, s.actor_org, s.comment) for s in rows] == [
        ("report", "", "reported", "张三", "安环部", "张三report"), ("start", "reported", "rectifying", "李四", "安环部", "李四start")]
    assert [s.time for s in rows] == [datetime.datetime.fromisoformat(s["time"]) for s in steps]
    # The same history again: unchanged, steps untouched.
    ids = [s.pk for s in rows]
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1", state="rectifying", history=steps)])
    assert results(r) == [("unchanged", "H-1")]
    assert list(HazardStep.objects.filter(hazard=hazard).order_by("time").values_list("pk", flat=True)) == ids


def test_a_changed_history_replaces_the_steps(client, token, enterprise):
    steps = history(("report", "reported", 120, "张三"), ("start", "rectifying", 60, "李四"))
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", state="rectifying", history=steps)])
    longer = steps + history(("submit", "accepting", 10, "李四"))
    record = hazard_record(enterprise, "H-1", state="accepting", history=longer, measures_taken="重新连接静电接地线",
                           completed_on=days_ago(0))
    assert results(post(client, token, "hazards", [record])) == [("updated", "H-1")]
    hazard = Hazard.objects.get()
    rows = list(HazardStep.objects.filter(hazard=hazard).order_by("time"))
    assert [(s.action, s.source, s.target) for s in rows] == [
        ("report", "", "reported"), ("start", "reported", "rectifying"), ("submit", "rectifying", "accepting")]
    assert hazard.state == "accepting"


def test_the_history_is_ordered_by_time_whatever_the_order_sent(client, token, enterprise):
    steps = history(("start", "rectifying", 60, "李四"), ("report", "reported", 120, "张三"))
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", state="rectifying", history=steps)])
    rows = HazardStep.objects.filter(hazard__external_id="H-1").order_by("time")
    assert [s.action for s in rows] == ["report", "start"]


def test_a_history_that_disagrees_with_the_state_or_lies_in_the_future_is_rejected(client, token, enterprise):
    future = timezone.now() + datetime.timedelta(days=1)
    steps = history(("report", "reported", 60, "张三")) + [
        {"action": "start", "state": "rectifying", "time": future.isoformat(), "actor": "李四"}]
    r = post(client, token, "hazards", [
        hazard_record(enterprise, "H-1", state="reported", history=history(("report", "reported", 60, "张三"),
                                                                           ("start", "rectifying", 30, "李四"))),
        hazard_record(enterprise, "H-2", state="rectifying", history=steps),
        hazard_record(enterprise, "H-3", history=[{"action": "report", "state": "reported", "time": "2026-01-01T08:00:00",
                                                   "actor": "张三"}]),  # no time zone
    ])
    assert [x[0] for x in results(r)] == ["rejected"] * 3
    assert "最后一步的操作后状态应与整改状态一致" in errors_of(r, 0)["history"]
    assert "不能晚于现在" in errors_of(r, 1)["history[1].time"]
    assert errors_of(r, 2) == {"history[0].time": "处理记录 第1项 时间：应为时间，格式 YYYY-MM-DDTHH:MM:SS+08:00"}
    assert not Hazard.objects.exists() and not HazardStep.objects.exists()


@pytest.mark.parametrize("time", ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00+00:00"])
def test_a_history_time_at_the_start_of_the_calendar_is_not_a_server_error(client, token, enterprise, time):
    """Year 1 at +08:00 is year 0 in UTC: neither Python nor the read-back can hold it once stored as such."""
    record = hazard_record(enterprise, "H-1", found_on="0001-01-01", deadline=None,
                           history=[{"action": "report", "state": "reported", "time": time, "actor": "张三"}])
    r = post(client, token, "hazards", [record])
    assert r.status_code == 200, r.content
    [(result, _)] = results(r)
    assert result in ("created", "rejected")
    if result == "rejected":
        assert set(errors_of(r)) <= {"found_on", "history[0].time"}
    assert get(client, token, "hazards").status_code == 200  # what was stored can be read back


# Withdrawal -------------------------------------------------------------------------------------------------------

def test_a_hazard_is_withdrawn_deleted_and_audited(client, token, owner_sub, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1"), hazard_record(enterprise, "H-2")])
    hazard = Hazard.objects.get(external_id="H-1")
    assert year_counts(enterprise, hazard.found_on.year) == (2, 0, 0)
    r = delete(client, token, f"hazards/{enterprise.uscc}/H-1")
    assert r.status_code == 200
    assert r.json() == {"result": "withdrawn", "external_id": "H-1", "enterprise": enterprise.uscc}
    assert list(Hazard.objects.values_list("external_id", flat=True)) == ["H-2"]
    assert not HazardStep.objects.filter(hazard_id=hazard.pk).exists()
    [change] = changes(hazard.pk, AuditAction.DELETE)
    assert change.user_name == subscriber_name(owner_sub[0]) and change.enterprise_id == enterprise.pk
    assert change.before["name"] == "储罐区静电接地断开"
    assert year_counts(enterprise, hazard.found_on.year) == (1, 0, 0)
    # Withdrawn twice: there is nothing left to withdraw.
    body = assert_refused(delete(client, token, f"hazards/{enterprise.uscc}/H-1"), 404, "not_found")
    assert "H-1" in body["detail"]
    # The same id may be uploaded again, as a new hazard.
    assert results(post(client, token, "hazards", [hazard_record(enterprise, "H-1")])) == [("created", "H-1")]


def test_a_sender_id_with_slashes_and_dots_can_be_withdrawn(client, token, enterprise):
    ids = ["2026/12/H-001", "a.b", "%41", "H-1?x=1"]
    assert [x[0] for x in results(post(client, token, "hazards", [hazard_record(enterprise, i) for i in ids]))] == ["created"] * 4
    for external_id in ids:
        r = delete(client, token, f"hazards/{enterprise.uscc}/{quote(external_id, safe='')}")
        assert r.status_code == 200, (external_id, r.content.decode())
        assert r.json()["external_id"] == external_id
    assert not Hazard.objects.exists()


def test_withdrawing_the_last_hazard_of_a_year_drops_the_years_row(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    year = Hazard.objects.get().found_on.year
    delete(client, token, f"hazards/{enterprise.uscc}/H-1")
    assert year_counts(enterprise, year) is None


def test_the_uscc_of_a_withdrawal_is_matched_whatever_its_case(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1")])
    r = delete(client, token, f"hazards/{enterprise.uscc.lower()}/H-1")
    assert r.status_code == 200 and r.json()["enterprise"] == enterprise.uscc
    assert not Hazard.objects.exists()


def test_unknown_and_other_enterprises_hazards_cannot_be_withdrawn(client, token, other_token, enterprise, other_enterprise):
    post(client, other_token, "hazards", [hazard_record(other_enterprise, "H-1")])
    entered_here = create_hazard(enterprise)  # entered in the UI: no sender id
    for path in (f"hazards/{other_enterprise.uscc}/H-1",  # the sibling's, by its own uscc
                 f"hazards/{enterprise.uscc}/H-1",  # not ours
                 f"hazards/{enterprise.uscc}/{entered_here.pk}",
                 f"hazards/{enterprise.uscc}/NOPE",
                 "hazards/NOTAUSCC/H-1"):
        assert_refused(delete(client, token, path), 404, "not_found")
    assert Hazard.objects.count() == 2
    # The other enterprise's own subscription may.
    assert delete(client, other_token, f"hazards/{other_enterprise.uscc}/H-1").status_code == 200


@pytest.mark.parametrize("fields", [{"review": "confirmed"}, {"review": "downgraded", "level": "general"},
                                    {"review": "confirmed", "supervision": "county"}, {"supervision": "city"}])
def test_a_hazard_a_regulator_has_reviewed_or_supervises_cannot_be_withdrawn(client, token, enterprise, fields):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", level="major")])
    Hazard.objects.filter(external_id="H-1").update(**fields)
    body = assert_refused(delete(client, token, f"hazards/{enterprise.uscc}/H-1"), 409, "not_withdrawable")
    assert "监管部门" in body["detail"] and body["errors"][0]["field"] == "external_id"
    assert Hazard.objects.filter(external_id="H-1").exists()


def test_a_major_hazard_still_awaiting_review_can_be_withdrawn(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", level="major")])
    assert Hazard.objects.get().review == "pending"
    assert delete(client, token, f"hazards/{enterprise.uscc}/H-1").status_code == 200


# Partial and all-or-nothing batches -------------------------------------------------------------------------------

def test_a_partial_batch_writes_the_good_records_and_names_the_bad_fields(client, token, enterprise):
    today = timezone.localdate()
    bad_missing = hazard_record(enterprise, "B-4")
    del bad_missing["name"]
    records = [
        hazard_record(enterprise, "G-1"),
        hazard_record(enterprise, "B-1", found_on=str(today + datetime.timedelta(days=1))),
        hazard_record(enterprise, "B-2", deadline=days_ago(10)),  # found 3 days ago
        hazard_record(enterprise, "B-3", category="explosion"),
        bad_missing,
        hazard_record(enterprise, "B-5", colour="red"),
        hazard_record(enterprise, "B-6", found_on="2026-02-30", possible_loss="-1", possible_casualties="many"),
        hazard_record(enterprise, "B-7", state="closed"),  # closed without measures or completion date
        hazard_record(enterprise, "G-2", name="配电箱无警示标识"),
    ]
    r = post(client, token, "hazards", records)
    body = r.json()
    assert body["applied"] is True
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 7, "skipped": 0}
    assert [x["result"] for x in body["results"]] == ["created"] + ["rejected"] * 7 + ["created"]
    assert [x["index"] for x in body["results"]] == list(range(9))
    assert all(x["id"] is None for x in body["results"][1:8])
    assert sorted(Hazard.objects.values_list("external_id", flat=True)) == ["G-1", "G-2"]
    assert errors_of(r, 1) == {"found_on": "隐患排查时间：不能晚于今天"}
    assert errors_of(r, 2)["deadline"].startswith("整改期限：不能早于隐患排查时间")
    assert errors_of(r, 3)["category"].startswith("隐患类别：应为以下之一") and "fire（现场管理-消防安全）" in errors_of(r, 3)["category"]
    assert errors_of(r, 4) == {"name": "隐患名称：必填"}
    assert errors_of(r, 5) == {"colour": "colour：不认识的字段（请对照接口文档）"}
    assert set(errors_of(r, 6)) == {"found_on", "possible_loss", "possible_casualties"}
    assert errors_of(r, 6)["found_on"] == "隐患排查时间：应为日期，格式 YYYY-MM-DD"
    assert errors_of(r, 6)["possible_loss"].startswith("可能造成经济损失（万元）：")
    assert errors_of(r, 6)["possible_casualties"] == "可能造成的伤亡人数：应为整数"
    assert set(errors_of(r, 7)) == {"measures_taken", "completed_on"}
    assert body["results"][1]["external_id"] == "B-1" and body["results"][1]["enterprise"] == enterprise.uscc


def test_all_or_nothing_with_one_bad_record_writes_nothing(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "OLD")])
    logged = ChangeRecord.objects.count()
    records = [hazard_record(enterprise, "G-1"), hazard_record(enterprise, "OLD"),
               hazard_record(enterprise, "OLD-2", name=""), hazard_record(enterprise, "G-2", name="配电箱无警示标识")]
    records[1]["name"] = "改了名字"
    r = post(client, token, "hazards", records, all_or_nothing=True)
    body = r.json()
    assert r.status_code == 200 and body["applied"] is False
    assert [x["result"] for x in body["results"]] == ["skipped", "skipped", "rejected", "skipped"]
    assert body["counts"] == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 1, "skipped": 3}
    assert body["results"][0]["id"] is None
    assert errors_of(r, 2) == {"name": "隐患名称：不能为空"}
    assert list(Hazard.objects.values_list("external_id", "name")) == [("OLD", "储罐区静电接地断开")]
    assert ChangeRecord.objects.count() == logged
    # Fixed, the same batch goes in whole.
    records[2]["name"] = "消防通道堵塞"
    r = post(client, token, "hazards", records, all_or_nothing=True)
    assert r.json()["applied"] is True
    assert [x[0] for x in results(r)] == ["created", "updated", "created", "created"]


def test_all_or_nothing_with_a_record_of_another_enterprise_writes_nothing(client, token, enterprise, other_enterprise):
    r = post(client, token, "hazards", [hazard_record(enterprise, "G-1"), hazard_record(other_enterprise, "X-1")],
             all_or_nothing=True)
    assert [x[0] for x in results(r)] == ["skipped", "rejected"] and r.json()["applied"] is False
    assert not Hazard.objects.exists()


def test_a_duplicate_sender_id_in_one_batch_is_rejected(client, token, enterprise):
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1"), hazard_record(enterprise, "H-2"),
                                        hazard_record(enterprise, "H-1", name="另一条")])
    assert results(r) == [("created", "H-1"), ("created", "H-2"), ("rejected", "H-1")]
    assert "与本批第 1 条记录" in errors_of(r, 2)["external_id"]
    assert Hazard.objects.get(external_id="H-1").name == "储罐区静电接地断开"


@pytest.mark.parametrize("external_id", ["", "   ", "隐患一", "H 1", "H" * 65, 12])
def test_a_bad_sender_id_is_rejected(client, token, enterprise, external_id):
    r = post(client, token, "hazards", [hazard_record(enterprise, external_id)])
    assert results(r)[0][0] == "rejected"
    assert errors_of(r)["external_id"].startswith("发送方记录编号：")
    assert not Hazard.objects.exists()


def test_a_nul_character_is_refused_per_record_on_every_database(client, token, enterprise):
    """PostgreSQL cannot store NUL in text and SQLite can: the API refuses it, naming the field, on both."""
    unknown = {**hazard_record(enterprise, "H-2"), "enterprise": enterprise.uscc[:17] + "\x00"}
    r = post(client, token, "hazards", [hazard_record(enterprise, "H-1", name="静电\x00接地"), unknown,
                                        hazard_record(enterprise, "H-3")])
    assert [x[0] for x in results(r)] == ["rejected", "rejected", "created"]
    assert errors_of(r, 0).get("name", "").startswith("隐患名称："), errors_of(r, 0)
    assert "enterprise" in errors_of(r, 1)
    assert list(Hazard.objects.values_list("external_id", flat=True)) == ["H-3"]


def test_a_withdrawal_with_a_nul_character_is_404(client, token, enterprise):
    assert_refused(delete(client, token, f"hazards/{enterprise.uscc}/H%00"), 404, "not_found")
    assert_refused(delete(client, token, "hazards/%00/H-1"), 404, "not_found")


def test_records_that_are_not_objects_are_rejected_one_by_one(client, token, enterprise):
    r = post(client, token, "hazards", [1, "H-1", None, [], hazard_record(enterprise, "H-1")])
    assert [x[0] for x in results(r)] == ["rejected"] * 4 + ["created"]
    assert r.json()["results"][0]["errors"] == [{"field": "", "message": "每条记录应为 JSON 对象"}]
    assert Hazard.objects.count() == 1


# Who may write for which enterprise -------------------------------------------------------------------------------

def test_an_enterprise_subscription_cannot_write_for_another_enterprise(client, token, enterprise, other_enterprise):
    unknown = {**hazard_record(enterprise, "Y-1"), "enterprise": "91410105MA00000000"}
    r = post(client, token, "hazards", [hazard_record(other_enterprise, "X-1"), hazard_record(enterprise, "H-1"), unknown])
    assert results(r) == [("rejected", "X-1"), ("created", "H-1"), ("rejected", "Y-1")]
    assert "不在本订阅的覆盖范围内" in errors_of(r, 0)["enterprise"]
    assert "91410105MA00000000" in errors_of(r, 2)["enterprise"]
    assert list(Hazard.objects.values_list("enterprise_id", flat=True)) == [enterprise.pk]


def test_an_enterprise_subscription_cannot_touch_another_enterprises_record_by_its_id(
        client, token, other_token, enterprise, other_enterprise):
    post(client, other_token, "hazards", [hazard_record(other_enterprise, "H-1")])
    r = post(client, token, "hazards", [hazard_record(other_enterprise, "H-1", name="篡改")])
    assert results(r) == [("rejected", "H-1")]
    assert Hazard.objects.get().name == "储罐区静电接地断开"
    # The same sender id under our own enterprise is a different record.
    assert results(post(client, token, "hazards", [hazard_record(enterprise, "H-1")])) == [("created", "H-1")]


def test_an_organisation_subscription_writes_for_the_enterprises_of_its_region(
        client, park_token, park_sub, enterprise, other_enterprise):
    neighbour = create_enterprise(JINSHUI, industry="0301", name="金水第二化工厂")
    records = [hazard_record(enterprise, "P-1"), hazard_record(neighbour, "P-1"), hazard_record(other_enterprise, "P-1")]
    r = post(client, park_token, "hazards", records)
    assert [(x["result"], x["enterprise"]) for x in r.json()["results"]] == [
        ("created", enterprise.uscc), ("created", neighbour.uscc), ("rejected", other_enterprise.uscc)]
    assert "不在本订阅的覆盖范围内" in errors_of(r, 2)["enterprise"]
    hazards = Hazard.objects.order_by("id")
    assert [(h.enterprise_id, h.region_id) for h in hazards] == [(enterprise.pk, JINSHUI), (neighbour.pk, JINSHUI)]
    change = changes(hazards[0].pk)[0]
    assert change.user_name == subscriber_name(park_sub[0]) and "金水区双重预防信息平台" in change.user_name
    # And may withdraw them, but not the sibling county's.
    assert delete(client, park_token, f"hazards/{neighbour.uscc}/P-1").status_code == 200
    assert_refused(delete(client, park_token, f"hazards/{other_enterprise.uscc}/P-1"), 404)


def test_a_city_subscription_covers_the_enterprises_of_its_counties(client, orgs, enterprise, other_enterprise):
    sub, secret = approved(organization=orgs["city"], system_name="郑州市双重预防信息平台")
    token = token_for(client, sub, secret)
    r = post(client, token, "hazards", [hazard_record(enterprise, "C-1"), hazard_record(other_enterprise, "C-1")])
    assert [x[0] for x in results(r)] == ["created", "created"], r.json()
    assert client.get("/api/v1/subscription", **bearer(token)).json()["enterprises"] == 2


def test_an_organisation_narrowed_to_industries_covers_only_those(client, orgs, enterprise, other_enterprise):
    """The province's 危化处 supervises chemicals (03): 二七's chemical works, not 金水's machinery maker."""
    sub, secret = approved(organization=orgs["chem"], system_name="危化品双重预防平台")
    token = token_for(client, sub, secret)
    r = post(client, token, "hazards", [hazard_record(enterprise, "C-1"), hazard_record(other_enterprise, "C-1")])
    assert [x[0] for x in results(r)] == ["rejected", "created"], r.json()


def test_an_enterprise_of_the_region_added_later_is_covered(client, park_token):
    later = create_enterprise(JINSHUI, name="后登记企业")
    assert results(post(client, park_token, "hazards", [hazard_record(later, "L-1")])) == [("created", "L-1")]
    elsewhere = create_enterprise(ERQI, name="二七后登记企业")
    assert results(post(client, park_token, "hazards", [hazard_record(elsewhere, "L-1")])) == [("rejected", "L-1")]


# Major hazards ----------------------------------------------------------------------------------------------------

def test_a_major_hazard_awaits_the_regulators_review(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "M-1", level="major"), hazard_record(enterprise, "G-1")])
    assert dict(Hazard.objects.values_list("external_id", "review")) == {"M-1": "pending", "G-1": ""}
    # Raised to major by a later upload: pending too.
    post(client, token, "hazards", [hazard_record(enterprise, "G-1", level="重大隐患")])
    assert Hazard.objects.get(external_id="G-1").review == "pending"
    assert year_counts(enterprise, Hazard.objects.get(external_id="G-1").found_on.year) == (0, 2, 0)


def test_a_major_hazard_cannot_be_closed_by_upload(client, token, enterprise):
    closing = {"state": "closed", "measures_taken": "更换接地线", "completed_on": days_ago(0)}
    r = post(client, token, "hazards", [hazard_record(enterprise, "M-1", level="major", **closing),
                                        hazard_record(enterprise, "G-1", **closing)])
    assert [x[0] for x in results(r)] == ["rejected", "created"]
    assert "重大隐患须由监管部门验收销号" in errors_of(r, 0)["state"]
    # An open major hazard uploaded, then sent as closed: refused, left open.
    post(client, token, "hazards", [hazard_record(enterprise, "M-1", level="major")])
    r = post(client, token, "hazards", [hazard_record(enterprise, "M-1", level="major", **closing)])
    assert results(r) == [("rejected", "M-1")] and "验收销号" in errors_of(r)["state"]
    assert Hazard.objects.get(external_id="M-1").state == "reported"
    # A general hazard may close, with its closing time.
    general = Hazard.objects.get(external_id="G-1")
    assert general.state == "closed" and general.closed_at is not None


def test_a_confirmed_major_hazards_facts_are_frozen_but_its_rectification_goes_on(client, token, enterprise):
    post(client, token, "hazards", [hazard_record(enterprise, "M-1", level="major")])
    Hazard.objects.filter(external_id="M-1").update(review="confirmed")
    r = post(client, token, "hazards", [hazard_record(enterprise, "M-1", level="major", name="改名")])
    assert results(r) == [("rejected", "M-1")]
    assert "重大隐患已经监管部门确认，不能再修改" in errors_of(r)["name"]
    r = post(client, token, "hazards", [hazard_record(enterprise, "M-1", level="major", state="rectifying",
                                                      method="更换静电接地线")])
    assert results(r) == [("updated", "M-1")]
    hazard = Hazard.objects.get()
    assert (hazard.name, hazard.state, hazard.method, hazard.review) == ("储罐区静电接地断开", "rectifying", "更换静电接地线", "confirmed")


def test_a_general_hazard_closes_and_reopens_with_its_closing_time(client, token, enterprise):
    closing = {"state": "closed", "measures_taken": "更换接地线", "completed_on": days_ago(0)}
    when = timezone.now() - datetime.timedelta(hours=1)
    steps = history(("report", "reported", 300, "张三"), ("start", "rectifying", 200, "李四"), ("submit", "accepting", 100, "李四"))
    steps.append({"action": "accept", "state": "closed", "time": when.isoformat(), "actor": "王五"})
    post(client, token, "hazards", [hazard_record(enterprise, "G-1", history=steps, **closing)])
    hazard = Hazard.objects.get()
    assert hazard.closed_at == when
    assert year_counts(enterprise, hazard.found_on.year) == (1, 0, 1)
    r = post(client, token, "hazards", [hazard_record(enterprise, "G-1", state="rectifying")])
    assert results(r) == [("updated", "G-1")]
    hazard.refresh_from_db()
    assert hazard.closed_at is None and hazard.state == "rectifying"
    assert year_counts(enterprise, hazard.found_on.year) == (1, 0, 0)


# The yearly counts ------------------------------------------------------------------------------------------------

def test_the_yearly_counts_follow_created_updated_and_withdrawn_hazards(client, token, enterprise):
    last_year_day = str(datetime.date(YEAR - 1, 12, 31))
    this = hazard_record(enterprise, "H-1")
    found_year = datetime.date.fromisoformat(this["found_on"]).year
    post(client, token, "hazards", [this, hazard_record(enterprise, "H-2", level="major"),
                                    hazard_record(enterprise, "H-3", found_on=last_year_day, deadline=last_year_day)])
    assert year_counts(enterprise, found_year) == ((1, 1, 0) if found_year == YEAR else (2, 1, 0))
    assert year_counts(enterprise, YEAR - 1) == ((1, 0, 0) if found_year == YEAR else (2, 1, 0))
    # H-1 moves to last year: both years are recounted.
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", found_on=last_year_day, deadline=last_year_day)])
    assert year_counts(enterprise, YEAR - 1)[0] == 2
    if found_year == YEAR:
        assert year_counts(enterprise, YEAR) == (0, 1, 0)
    # Withdrawn: counted no more.
    delete(client, token, f"hazards/{enterprise.uscc}/H-3")
    assert year_counts(enterprise, YEAR - 1)[0] == 1
    row = HazardYear.objects.get(enterprise=enterprise, year=YEAR - 1)
    assert (row.region_id, row.industry_id) == (enterprise.region_id, enterprise.industry_id)


# Malformed and oversized bodies -----------------------------------------------------------------------------------

MALFORMED = [
    ("not json", b"{records: []}", "malformed_json"),
    ("truncated", b'{"records": [{"external_id": "H-1"', "malformed_json"),
    ("empty body", b"", "malformed_json"),
    ("not utf-8", '{"records": [{"name": "隐患"}]}'.encode("gbk"), "malformed_json"),
    ("a list", b"[]", "malformed_body"),
    ("a string", b'"records"', "malformed_body"),
    ("a number", b"42", "malformed_body"),
    ("null", b"null", "malformed_body"),
    ("records missing", b"{}", "malformed_body"),
    ("records an object", b'{"records": {"external_id": "H-1"}}', "malformed_body"),
    ("records a string", b'{"records": "H-1"}', "malformed_body"),
    ("records null", b'{"records": null}', "malformed_body"),
    ("records empty", b'{"records": []}', "malformed_body"),
    ("unknown envelope field", b'{"records": [{}], "mode": "fast"}', "malformed_body"),
    ("all_or_nothing not a boolean", b'{"records": [{}], "all_or_nothing": "yes"}', "malformed_body"),
    ("deeply nested", b'{"records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "malformed_json"),
    ("deeply nested objects", b'{"records": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}", "malformed_json"),
]


@pytest.mark.parametrize("body,code", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_bodies_are_400_with_a_chinese_reason_and_write_nothing(client, token, enterprise, body, code):
    r = raw_post(client, token, "hazards", body)
    assert_refused(r, 400, code)
    assert not Hazard.objects.exists()
    assert ApiCall.objects.filter(status=400, operation="/api/v1/hazards").count() == 1


def test_a_moderately_nested_record_is_rejected_as_a_record(client, token, enterprise):
    nested = "[" * 500 + "]" * 500
    body = f'{{"records": [{{"external_id": "H-1", "enterprise": "{enterprise.uscc}", "name": {nested}}}]}}'
    r = raw_post(client, token, "hazards", body.encode())
    assert results(r) == [("rejected", "H-1")]
    assert errors_of(r)["name"] == "隐患名称：应为字符串"
    assert not Hazard.objects.exists()


def test_a_body_sent_as_a_form_is_refused(client, token, enterprise):
    r = client.post("/api/v1/hazards", {"records": "x"}, **bearer(token))  # multipart
    assert_refused(r, 400, "malformed_json")


def test_more_than_the_batch_limit_is_413(client, token, enterprise, settings):
    assert settings.API_MAX_BATCH == 1000
    records = [hazard_record(enterprise, f"H-{i}") for i in range(1001)]
    body = assert_refused(post(client, token, "hazards", records), 413, "batch_too_large")
    assert "每批最多 1000 条" in body["detail"] and "1001" in body["detail"]
    assert not Hazard.objects.exists()


def test_a_batch_of_exactly_the_limit_goes_in(client, token, enterprise):
    records = [hazard_record(enterprise, f"H-{i}", name=f"隐患{i}") for i in range(1000)]
    r = post(client, token, "hazards", records)
    assert r.json()["counts"]["created"] == 1000
    assert Hazard.objects.count() == 1000 and HazardStep.objects.count() == 1000
    assert year_counts(enterprise, Hazard.objects.first().found_on.year) == (1000, 0, 0)
    assert ApiCall.objects.get(operation="/api/v1/hazards").records == 1000
    r = post(client, token, "hazards", records)
    assert r.json()["counts"]["unchanged"] == 1000


def test_a_body_over_the_byte_limit_is_413(client, token, enterprise, settings):
    settings.API_MAX_BODY_BYTES = 4096
    records = [hazard_record(enterprise, f"H-{i}") for i in range(20)]
    assert len(json.dumps({"records": records}).encode()) > 4096
    body = assert_refused(post(client, token, "hazards", records), 413, "body_too_large")
    assert "请分批上传" in body["detail"] and "最大 4 KB" in body["detail"]
    assert not Hazard.objects.exists()
    # Just under the limit: accepted.
    records = records[:4]
    assert len(json.dumps({"records": records}).encode()) < 4096
    assert post(client, token, "hazards", records).status_code == 200

