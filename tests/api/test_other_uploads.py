"""数据对接 uploads other than hazards: check records (/api/v1/checks), the risk list object by object
(/api/v1/risk-objects, graded as the form grades) and four-colour map files (/api/v1/four-colour-maps)."""
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.api.helpers import approved, bearer, post, token_for
from tests.api.records import (
    assert_refused,
    check_record,
    days_ago,
    delete,
    errors_of,
    lec_event,
    measure,
    pdf_bytes,
    png_bytes,
    results,
    risk_object,
)
from tests.factories import create_risk_list
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.hazards.models import HazardCheck, HazardCheckItem
from worksafe.risks.models import ControlMeasure, FourColourMap, HazardSource, RiskEvent, RiskObject, RiskUnit

pytestmark = pytest.mark.django_db


def subscriber_name(sub):
    return f"数据对接：{sub.system_name}（{sub.key_id}）"


def changes_of(model):
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(model)).order_by("id")


# Check records ----------------------------------------------------------------------------------------------------

def items_of(check):
    return list(HazardCheckItem.objects.filter(check_record=check).order_by("id").values_list("text", "result", "note"))


def test_a_check_record_is_created_with_its_items(client, token, owner_sub, enterprise):
    r = post(client, token, "checks", [check_record(enterprise, "C-1", kind="专项排查")])
    assert results(r) == [("created", "C-1")]
    check = HazardCheck.objects.get()
    assert r.json()["results"][0]["id"] == check.pk
    assert (check.enterprise, check.external_id, check.kind, check.checker_name, check.note, str(check.checked_on)) == (
        enterprise, "C-1", "special", "王五", "班前检查", days_ago(1))
    assert items_of(check) == [("储罐静电接地完好", "pass", ""), ("可燃气体报警器完好", "fail", "2号探头失灵")]
    change = changes_of(HazardCheck).get()
    assert change.action == AuditAction.CREATE and change.user_name == subscriber_name(owner_sub[0])
    assert changes_of(HazardCheckItem).count() == 2
    assert set(changes_of(HazardCheckItem).values_list("user_name", flat=True)) == {subscriber_name(owner_sub[0])}


def test_an_identical_check_record_is_unchanged(client, token, enterprise):
    records = [check_record(enterprise, "C-1"), check_record(enterprise, "C-2", items=[{"text": "消防通道畅通", "result": "符合"}])]
    post(client, token, "checks", records)
    before = list(HazardCheck.objects.order_by("id").values_list("pk", "updated_at"))
    item_ids = list(HazardCheckItem.objects.order_by("id").values_list("pk", flat=True))
    logged = ChangeRecord.objects.count()
    r = post(client, token, "checks", records)
    assert results(r) == [("unchanged", "C-1"), ("unchanged", "C-2")]
    assert list(HazardCheck.objects.order_by("id").values_list("pk", "updated_at")) == before
    assert list(HazardCheckItem.objects.order_by("id").values_list("pk", flat=True)) == item_ids
    assert ChangeRecord.objects.count() == logged


def test_a_changed_check_record_replaces_its_items(client, token, enterprise):
    post(client, token, "checks", [check_record(enterprise, "C-1")])
    check = HazardCheck.objects.get()
    old_items = set(HazardCheckItem.objects.values_list("pk", flat=True))
    items = [{"text": "储罐静电接地完好", "result": "符合"}, {"text": "可燃气体报警器完好", "result": "pass", "note": "已修复"},
             {"text": "消防器材在有效期内", "result": "fail"}]
    r = post(client, token, "checks", [check_record(enterprise, "C-1", items=items)])
    assert results(r) == [("updated", "C-1")] and r.json()["results"][0]["id"] == check.pk
    assert items_of(check) == [("储罐静电接地完好", "pass", ""), ("可燃气体报警器完好", "pass", "已修复"), ("消防器材在有效期内", "fail", "")]
    assert not old_items & set(HazardCheckItem.objects.values_list("pk", flat=True))
    assert changes_of(HazardCheckItem).filter(action=AuditAction.DELETE).count() == 2
    assert HazardCheck.objects.count() == 1


def test_a_check_records_own_fields_change_without_touching_its_items(client, token, enterprise):
    post(client, token, "checks", [check_record(enterprise, "C-1")])
    item_ids = list(HazardCheckItem.objects.order_by("id").values_list("pk", flat=True))
    r = post(client, token, "checks", [check_record(enterprise, "C-1", checker="赵六", checked_on=days_ago(2))])
    assert results(r) == [("updated", "C-1")]
    check = HazardCheck.objects.get()
    assert (check.checker_name, str(check.checked_on)) == ("赵六", days_ago(2))
    assert list(HazardCheckItem.objects.order_by("id").values_list("pk", flat=True)) == item_ids
    update = changes_of(HazardCheck).get(action=AuditAction.UPDATE)
    assert {k: update.before[k] for k in ("checker_name", "checked_on")} == {"checker_name": "王五", "checked_on": days_ago(1)}
    assert update.after["checker_name"] == "赵六"


def test_a_check_record_is_withdrawn_with_its_items(client, token, enterprise, other_enterprise):
    post(client, token, "checks", [check_record(enterprise, "C-1"), check_record(enterprise, "C-2")])
    r = delete(client, token, f"checks/{enterprise.uscc}/C-1")
    assert r.status_code == 200 and r.json() == {"result": "withdrawn", "external_id": "C-1", "enterprise": enterprise.uscc}
    assert list(HazardCheck.objects.values_list("external_id", flat=True)) == ["C-2"]
    assert HazardCheckItem.objects.count() == 2
    assert changes_of(HazardCheck).filter(action=AuditAction.DELETE).count() == 1
    assert_refused(delete(client, token, f"checks/{enterprise.uscc}/C-1"), 404, "not_found")
    assert_refused(delete(client, token, f"checks/{other_enterprise.uscc}/C-2"), 404, "not_found")


def test_bad_check_records_are_refused_with_their_fields(client, token, enterprise, other_enterprise):
    tomorrow = str(timezone.localdate() + datetime.timedelta(days=1))
    r = post(client, token, "checks", [
        check_record(enterprise, "C-1", checked_on=tomorrow),
        check_record(enterprise, "C-2", items=[]),
        check_record(enterprise, "C-3", items=[{"text": "消防通道畅通", "result": "ok"}]),
        check_record(enterprise, "C-4", kind="weekly-ish", checker=""),
        check_record(other_enterprise, "C-5"),
        check_record(enterprise, "C-6"),
    ])
    assert [x[0] for x in results(r)] == ["rejected"] * 5 + ["created"]
    assert errors_of(r, 0) == {"checked_on": "排查日期：不能晚于今天"}
    assert errors_of(r, 1) == {"items": "检查项：至少 1 项"}
    assert errors_of(r, 2)["items[0].result"].startswith("检查项 第1项 检查结果：")
    assert set(errors_of(r, 3)) == {"kind", "checker"} and errors_of(r, 3)["checker"] == "排查人：不能为空"
    assert "不在本订阅的覆盖范围内" in errors_of(r, 4)["enterprise"]
    assert list(HazardCheck.objects.values_list("external_id", flat=True)) == ["C-6"]


# Risk objects -----------------------------------------------------------------------------------------------------

EVENT = "units[0].sources[0].events[0]"


def tree(obj):
    """The object's hierarchy as nested tuples (names, grading, measures)."""
    return [(u.name, [(s.name, [(e.name, e.method, e.value, e.level, [(m.content, m.tier, m.frequency_value, m.frequency_unit)
                                                                        for m in e.measures.order_by("id")])
                                for e in s.events.order_by("id")]) for s in u.sources.order_by("id")])
            for u in obj.units.order_by("id")]


def pks():
    return {model.__name__: set(model.objects.values_list("pk", flat=True))
            for model in (RiskObject, RiskUnit, HazardSource, RiskEvent, ControlMeasure)}


def test_a_risk_object_is_created_with_its_hierarchy_graded(client, token, owner_sub, enterprise):
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    assert results(r) == [("created", "R-1")]
    obj = RiskObject.objects.get()
    assert r.json()["results"][0]["id"] == obj.pk
    assert (obj.enterprise, obj.external_id, obj.name, obj.kind, obj.department, obj.person) == (
        enterprise, "R-1", "甲醇罐区", "place", "安环部", "张三")
    assert tree(obj) == [
        ("甲醇罐区微单元", [("甲醇储罐", [("泄漏造成火灾", "lec", Decimal("720"), "major", [("对液位进行巡检", "company", 1, "day")])])]),
        ("检修平台", [("检修作业", [("检修作业高空坠落", "ls", Decimal("9"), "medium", [])])]),
    ]
    event = RiskEvent.objects.get(name="泄漏造成火灾")
    assert (event.lec_l, event.lec_e, event.lec_c, event.accident_category_id, event.enterprise_id) == (
        Decimal("3"), Decimal("6"), Decimal("40"), "08", enterprise.pk)
    assert ControlMeasure.objects.get().enterprise_id == enterprise.pk
    assert set(changes_of(RiskObject).values_list("user_name", flat=True)) == {subscriber_name(owner_sub[0])}
    assert changes_of(ControlMeasure).count() == 1


def test_a_stated_level_must_be_the_computed_one(client, token, enterprise):
    units = [{"name": "罐区", "sources": [{"name": "储罐", "events": [lec_event(level="low")]}]}]
    agreeing = [{"name": "罐区", "sources": [{"name": "储罐", "events": [lec_event(level="重大风险")]}]}]
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-1", units=units),
                                             risk_object(enterprise, "R-2", name="乙醇罐区", units=agreeing)])
    assert results(r) == [("rejected", "R-1"), ("created", "R-2")]
    message = errors_of(r)[f"{EVENT}.level"]
    assert "安全风险等级与评价结果不符" in message and "填写为“低风险”" in message and "应为“重大风险”" in message
    assert "720" in message
    assert list(RiskObject.objects.values_list("external_id", flat=True)) == ["R-2"]
    assert not RiskUnit.objects.filter(object__external_id="R-1").exists()


@pytest.mark.parametrize("event,field,text", [
    (lec_event(lec_l="4"), "lec_l", "lec_l 应为 10、6、3、1、0.5、0.2、0.1 之一"),
    (lec_event(lec_c="1000"), "lec_c", "lec_c 应为 100、40、15、7、3、1 之一"),
    (lec_event(lec_e=None), "lec_e", "LEC 法须选择此项"),
    ({"name": "坠落", "method": "ls", "ls_l": 6, "ls_s": 3}, "ls_l", "ls_l 应为 5、4、3、2、1 之一"),
    ({"name": "坠落", "method": "direct", "level": "high"}, "reason", "直接判定须说明理由"),
    ({"name": "坠落", "method": "direct", "reason": "构成较大风险"}, "level", "直接判定须选择风险等级"),
    (lec_event(consequence="高处坠落", accident_category="", key_control=True), "key_control", "只有最严重后果为爆炸、火灾、中毒或窒息"),
    (lec_event(accident_category="99"), "accident_category", "事故类别代码应为 GB 6441 的 01–20"),
    (lec_event(method="fuzzy"), "method", "评价方法：应为以下之一"),
])
def test_an_event_that_cannot_be_graded_is_refused_with_the_reason(client, token, enterprise, event, field, text):
    units = [{"name": "罐区", "sources": [{"name": "储罐", "events": [event]}]}]
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-1", units=units)])
    assert results(r) == [("rejected", "R-1")]
    errors = errors_of(r)
    assert f"{EVENT}.{field}" in errors, errors
    assert text in errors[f"{EVENT}.{field}"]
    assert not any(pks().values())


def test_a_directly_judged_event_keeps_its_level(client, token, enterprise):
    event = {"name": "有限空间中毒窒息", "method": "direct", "level": "重大风险", "reason": "构成重大风险的直接判定情形",
             "consequence": "中毒、窒息", "key_control": True}
    units = [{"name": "污水池", "sources": [{"name": "有限空间", "events": [event]}]}]
    assert results(post(client, token, "risk-objects", [risk_object(enterprise, "R-1", units=units)])) == [("created", "R-1")]
    ev = RiskEvent.objects.get()
    assert (ev.method, ev.level, ev.value, ev.key_control) == ("direct", "major", None, True)


def test_an_identical_risk_object_is_unchanged(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    before, logged = pks(), ChangeRecord.objects.count()
    updated_at = RiskObject.objects.get().updated_at
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    assert results(r) == [("unchanged", "R-1")] and r.json()["results"][0]["id"] == RiskObject.objects.get().pk
    assert pks() == before and ChangeRecord.objects.count() == logged
    assert RiskObject.objects.get().updated_at == updated_at


def test_a_changed_measure_updates_it_in_place(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    before = pks()
    record = risk_object(enterprise, "R-1")
    record["units"][0]["sources"][0]["events"][0]["measures"][0].update(frequency_value=2, frequency_unit="shift", tier="岗位")
    r = post(client, token, "risk-objects", [record])
    assert results(r) == [("updated", "R-1")]
    assert pks() == before  # the same rows
    m = ControlMeasure.objects.get()
    assert (m.frequency_value, m.frequency_unit, m.tier) == (2, "shift", "post")
    [change] = changes_of(ControlMeasure).filter(action=AuditAction.UPDATE)
    assert change.before == {"frequency_value": 1, "frequency_unit": "day", "tier": "company"}
    assert change.user_name.startswith("数据对接：")


def test_a_measure_with_new_text_replaces_the_old_one(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    old = ControlMeasure.objects.get()
    record = risk_object(enterprise, "R-1")
    record["units"][0]["sources"][0]["events"][0]["measures"] = [measure("每班巡检液位"), measure("佩戴防毒口罩", category="ppe")]
    assert results(post(client, token, "risk-objects", [record])) == [("updated", "R-1")]
    assert sorted(ControlMeasure.objects.values_list("content", flat=True)) == ["佩戴防毒口罩", "每班巡检液位"]
    assert not ControlMeasure.objects.filter(pk=old.pk).exists()


def test_a_changed_grading_is_recomputed(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    record = risk_object(enterprise, "R-1")
    record["units"][0]["sources"][0]["events"][0].update(lec_l="1", lec_e="3")  # 1 × 3 × 40 = 120: 一般风险
    assert results(post(client, token, "risk-objects", [record])) == [("updated", "R-1")]
    event = RiskEvent.objects.get(name="泄漏造成火灾")
    assert (event.value, event.level) == (Decimal("120"), "medium")


def test_a_unit_dropped_from_the_record_is_deleted_with_its_subtree(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    kept = RiskUnit.objects.get(name="甲醇罐区微单元")
    record = risk_object(enterprise, "R-1")
    record["units"] = record["units"][:1]
    assert results(post(client, token, "risk-objects", [record])) == [("updated", "R-1")]
    assert list(RiskUnit.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(HazardSource.objects.values_list("name", flat=True)) == ["甲醇储罐"]
    assert list(RiskEvent.objects.values_list("name", flat=True)) == ["泄漏造成火灾"]
    assert changes_of(RiskUnit).filter(action=AuditAction.DELETE).count() == 1
    assert changes_of(RiskEvent).filter(action=AuditAction.DELETE).count() == 1


def test_an_object_entered_here_under_the_same_name_is_adopted_not_duplicated(client, token, enterprise):
    entered = create_risk_list(enterprise)  # 甲醇罐区: the same units, sources and first event as risk_object()
    kept = {entered["unit"].pk, entered["unit2"].pk}
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    assert results(r) == [("updated", "R-1")]  # ours, now matched by the sender's id
    assert r.json()["results"][0]["id"] == entered["object"].pk
    obj = RiskObject.objects.get()
    assert (obj.pk, obj.external_id, obj.kind) == (entered["object"].pk, "R-1", "place")
    assert set(RiskUnit.objects.values_list("pk", flat=True)) == kept
    assert RiskEvent.objects.get(name="泄漏造成火灾").pk == entered["event"].pk
    # The record is the whole truth: the measure it does not name is gone, the LS grading replaced the LEC one.
    assert list(ControlMeasure.objects.values_list("content", flat=True)) == ["对液位进行巡检"]
    fall = RiskEvent.objects.get(name="检修作业高空坠落")
    assert (fall.pk, fall.method, fall.level) == (entered["event2"].pk, "ls", "medium")
    # Now it is the sender's: the same upload again is unchanged, another sender id under that name is refused.
    assert results(post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])) == [("unchanged", "R-1")]
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-2")])
    assert results(r) == [("rejected", "R-2")]
    assert errors_of(r)["name"] == "安全风险分析对象：本企业已有同名对象（发送方记录编号 R-1）"


def test_renaming_onto_another_objects_name_is_refused(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1"), risk_object(enterprise, "R-2", name="乙醇罐区")])
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-2", name="甲醇罐区")])
    assert results(r) == [("rejected", "R-2")] and "本企业已有同名对象" in errors_of(r)["name"]
    assert sorted(RiskObject.objects.values_list("name", flat=True)) == ["乙醇罐区", "甲醇罐区"]


def test_duplicate_names_under_one_parent_are_refused(client, token, enterprise):
    dup_units = risk_object(enterprise, "R-1")
    dup_units["units"].append({"name": "检修平台", "sources": []})
    dup_events = risk_object(enterprise, "R-2", name="乙醇罐区")
    dup_events["units"][0]["sources"][0]["events"].append(lec_event())
    dup_measures = risk_object(enterprise, "R-3", name="丙醇罐区")
    dup_measures["units"][0]["sources"][0]["events"][0]["measures"].append(measure())
    # The same name under different parents is fine.
    fine = risk_object(enterprise, "R-4", name="丁醇罐区")
    fine["units"][1]["sources"][0]["name"] = "甲醇储罐"
    r = post(client, token, "risk-objects", [dup_units, dup_events, dup_measures, fine])
    assert [x[0] for x in results(r)] == ["rejected", "rejected", "rejected", "created"]
    assert errors_of(r, 0)["units[2].name"] == "安全风险分析单元“检修平台”：与同一上级下的第 2 项重复"
    assert "与同一上级下的第 1 项重复" in errors_of(r, 1)[f"{EVENT[:-10]}.events[1].name"]
    assert "与同一上级下的第 1 项重复" in errors_of(r, 2)[f"{EVENT}.measures[1].content"]
    assert list(RiskObject.objects.values_list("external_id", flat=True)) == ["R-4"]


def test_a_nul_character_in_a_risk_object_is_refused_per_record(client, token, enterprise):
    units = [{"name": "罐\x00区", "sources": []}]
    r = post(client, token, "risk-objects", [risk_object(enterprise, "R-1", name="甲醇\x00罐区"),
                                             risk_object(enterprise, "R-2", name="乙醇罐区", units=units),
                                             risk_object(enterprise, "R-3", name="丙醇罐区")])
    assert [x[0] for x in results(r)] == ["rejected", "rejected", "created"]
    assert errors_of(r, 0).get("name", "").startswith("安全风险分析对象："), errors_of(r, 0)
    assert "units[0].name" in errors_of(r, 1), errors_of(r, 1)


def test_a_risk_object_is_withdrawn_with_its_subtree(client, token, enterprise):
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1"), risk_object(enterprise, "R-2", name="乙醇罐区")])
    assert delete(client, token, f"risk-objects/{enterprise.uscc}/R-1").status_code == 200
    assert list(RiskObject.objects.values_list("external_id", flat=True)) == ["R-2"]
    assert RiskUnit.objects.count() == 2 and ControlMeasure.objects.count() == 1
    assert_refused(delete(client, token, f"risk-objects/{enterprise.uscc}/R-1"), 404, "not_found")


def test_a_risk_object_of_another_enterprise_is_refused(client, token, enterprise, other_enterprise):
    r = post(client, token, "risk-objects", [risk_object(other_enterprise, "R-1")])
    assert results(r) == [("rejected", "R-1")] and "enterprise" in errors_of(r)
    assert not RiskObject.objects.exists()


# Four-colour maps -------------------------------------------------------------------------------------------------

def upload_map(client, token, enterprise, name, data):
    uscc = enterprise if isinstance(enterprise, str) else enterprise.uscc
    return client.post("/api/v1/four-colour-maps", {"enterprise": uscc, "file": SimpleUploadedFile(name, data)}, **bearer(token))


def stored_files(settings):
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_a_png_map_is_created_then_unchanged_then_updated(client, token, owner_sub, enterprise, settings):
    png = png_bytes()
    r = upload_map(client, token, enterprise, "四色图.png", png)
    assert r.status_code == 200
    assert r.json() == {"enterprise": enterprise.uscc, "result": "created", "content_type": "image/png"}
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert fcm.ready_map_type == "image/png"
    with fcm.ready_map.open("rb") as f:
        assert f.read() == png
    change = changes_of(FourColourMap).last()
    assert change.user_name == subscriber_name(owner_sub[0])
    updated_at = fcm.updated_at
    r = upload_map(client, token, enterprise, "again.png", png)
    assert r.json()["result"] == "unchanged"
    fcm.refresh_from_db()
    assert fcm.updated_at == updated_at and len(stored_files(settings)) == 1
    r = upload_map(client, token, enterprise, "新版.png", png_bytes(color=(30, 30, 200)))
    assert r.json()["result"] == "updated"


def test_a_pdf_map_is_accepted(client, token, enterprise):
    r = upload_map(client, token, enterprise, "四色图.pdf", pdf_bytes())
    assert r.status_code == 200 and r.json()["content_type"] == "application/pdf" and r.json()["result"] == "created"
    assert FourColourMap.objects.get(enterprise=enterprise).ready_map_type == "application/pdf"


@pytest.mark.parametrize("name,data", [
    ("四色图.png", "这不是图片，只是改了扩展名的文本文件".encode()),
    ("四色图.pdf", b"%PDF-1.7\n% broken: no objects, no xref, no trailer\n"),
    ("四色图.png", b""),
    ("四色图.png", png_bytes()[:40]),  # truncated
])
def test_a_file_that_is_not_an_image_or_pdf_is_refused(client, token, enterprise, settings, name, data):
    r = upload_map(client, token, enterprise, name, data)
    body = assert_refused(r, 400, "invalid_file")
    assert body["errors"][0]["field"] == "file" and "PDF" in body["detail"]
    assert not FourColourMap.objects.filter(enterprise=enterprise).exclude(ready_map="").exists()
    assert stored_files(settings) == []


def test_a_map_over_the_size_limit_is_413(client, token, enterprise, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    r = upload_map(client, token, enterprise, "big.png", png_bytes(size=(400, 400)) + b"\0" * 2048)
    assert_refused(r, 413, "file_too_large")
    assert not FourColourMap.objects.exclude(ready_map="").exists()


def test_a_map_for_an_enterprise_not_covered_is_refused(client, token, other_enterprise):
    body = assert_refused(upload_map(client, token, other_enterprise, "a.png", png_bytes()), 404, "not_found")
    assert body["errors"][0]["field"] == "enterprise"
    assert_refused(upload_map(client, token, "91410105MA00000000", "a.png", png_bytes()), 404, "not_found")
    assert not FourColourMap.objects.exists()


def test_a_map_for_an_enterprise_code_with_a_nul_character_is_refused(client, token):
    r = upload_map(client, token, "91410105\x00", "a.png", png_bytes())
    assert r.status_code in (404, 422), r.content
    assert not FourColourMap.objects.exists()


def test_a_map_upload_without_its_fields_is_422(client, token, enterprise):
    r = client.post("/api/v1/four-colour-maps", {"enterprise": enterprise.uscc}, **bearer(token))
    assert_refused(r, 422, "invalid_parameters")
    r = client.post("/api/v1/four-colour-maps", {"file": SimpleUploadedFile("a.png", png_bytes())}, **bearer(token))
    assert_refused(r, 422, "invalid_parameters")


def test_a_map_is_withdrawn_then_there_is_nothing_to_withdraw(client, token, enterprise, settings):
    upload_map(client, token, enterprise, "四色图.png", png_bytes())
    r = delete(client, token, f"four-colour-maps/{enterprise.uscc}")
    assert r.status_code == 200 and r.json() == {"enterprise": enterprise.uscc, "result": "withdrawn", "content_type": ""}
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert not fcm.ready_map and fcm.ready_map_type == ""
    assert stored_files(settings) == []
    assert_refused(delete(client, token, f"four-colour-maps/{enterprise.uscc}"), 404, "not_found")
    # Uploaded again: created.
    assert upload_map(client, token, enterprise, "四色图.png", png_bytes()).json()["result"] == "created"


def test_maps_need_the_maps_interface(client, enterprise):
    sub, secret = approved(enterprise, interfaces=["hazards"])
    token = token_for(client, sub, secret)
    assert_refused(upload_map(client, token, enterprise, "a.png", png_bytes()), 403, "interface_not_subscribed")
    assert_refused(delete(client, token, f"four-colour-maps/{enterprise.uscc}"), 403, "interface_not_subscribed")
    assert not FourColourMap.objects.exists()
