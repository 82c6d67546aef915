"""The risk list (安全风险辨识清单): building it level by level, grading, the enterprise's summary, deletion, scope."""
import pytest
from django.urls import reverse

from tests.codes.helpers import scan_page
from tests.factories import create_enterprise, create_risk_list, messages_of
from worksafe.archive.models import Enterprise
from worksafe.codes.models import Code
from worksafe.core.models import ChangeRecord
from worksafe.risks.models import ControlMeasure, HazardSource, RiskEvent, RiskObject, RiskUnit

pytestmark = pytest.mark.django_db


def add_url(kind, parent):
    return reverse("risks:node_add", args=[kind, parent])


def event_data(**overrides):
    data = {"name": "储罐泄漏火灾", "tense": "present", "state": "normal", "method": "lec",
            "lec_l": "3.0", "lec_e": "6.0", "lec_c": "40.0", "consequence": "爆炸、火灾", "accident_category": "08"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response):
    return response.context["form"].errors


def test_an_enterprise_user_builds_the_list_level_by_level(login, users, enterprise):
    client = login(users["owner"])
    r = client.post(add_url("object", enterprise.pk), {"name": "甲醇罐区", "kind": "place", "department": "安环部", "person": "张三"})
    assert r.status_code == 302
    obj = RiskObject.objects.get(enterprise=enterprise)
    client.post(add_url("unit", obj.pk), {"name": "甲醇储罐微单元"})
    unit = RiskUnit.objects.get(object=obj)
    client.post(add_url("source", unit.pk), {"name": "甲醇储罐"})
    source = HazardSource.objects.get(unit=unit)
    r = client.post(add_url("event", source.pk), event_data(key_control="on"))
    assert r.status_code == 302, errors_of(r)
    event = RiskEvent.objects.get(source=source)
    assert (event.value, event.level, event.key_control) == (720, "major", True)
    r = client.post(add_url("measure", event.pk), {"category": "engineering", "content": "设置可燃气体报警仪", "tier": "company",
                                                   "post": "中控室", "person": "李四", "frequency_value": "1", "frequency_unit": "shift"})
    assert r.status_code == 302
    measure = ControlMeasure.objects.get(event=event)
    # Every node knows its enterprise (scoping, statistics), and the new measure is due for its first check.
    assert {n.enterprise_id for n in (unit, source, event, measure)} == {enterprise.pk}
    assert measure.next_due_at is not None
    page = client.get(reverse("risks:register_detail", args=[enterprise.pk])).content.decode()
    for text in ("甲醇罐区", "甲醇储罐微单元", "甲醇储罐", "储罐泄漏火灾", "设置可燃气体报警仪", "重点管控", 'data-level="major"'):
        assert text in page


@pytest.mark.parametrize("method, fields, value, level", [
    ("lec", {"lec_l": "1.0", "lec_e": "6.0", "lec_c": "15.0"}, 90, "medium"),
    ("lec", {"lec_l": "6.0", "lec_e": "6.0", "lec_c": "7.0"}, 252, "high"),
    ("lec", {"lec_l": "0.5", "lec_e": "1.0", "lec_c": "1.0"}, 0.5, "low"),
    ("ls", {"ls_l": "4", "ls_s": "5"}, 20, "major"),
    ("ls", {"ls_l": "3", "ls_s": "3"}, 9, "medium"),
])
def test_the_form_computes_value_and_level(login, users, enterprise, method, fields, value, level):
    source = create_risk_list(enterprise)["source"]
    data = event_data(**{"name": "新风险", "method": method, "lec_l": None, "lec_e": None, "lec_c": None, "level": "low", **fields})
    r = login(users["owner"]).post(add_url("event", source.pk), data)
    assert r.status_code == 302, errors_of(r)
    event = RiskEvent.objects.get(name="新风险")
    assert (float(event.value), event.level) == (value, level)
    # Only the chosen method's factors are kept; a level posted along is overridden by the computation.
    assert (event.lec_l is None) == (method != "lec") and (event.ls_l is None) == (method != "ls")


def test_a_direct_judgement_needs_a_level_and_a_reason(login, users, enterprise):
    source = create_risk_list(enterprise)["source"]
    client = login(users["owner"])
    r = client.post(add_url("event", source.pk), event_data(name="直接判定", method="direct", lec_l=None, lec_e=None, lec_c=None))
    assert r.status_code == 200
    assert errors_of(r)["level"] == ["直接判定须选择风险等级"]
    assert "直接判定须说明理由" in errors_of(r)["reason"][0]
    r = client.post(add_url("event", source.pk), event_data(name="直接判定", method="direct", level="major", reason="涉及重点监管危险化工工艺"))
    assert r.status_code == 302
    event = RiskEvent.objects.get(name="直接判定")
    assert (event.level, event.value, event.reason) == ("major", None, "涉及重点监管危险化工工艺")


def test_missing_factors_and_values_off_the_scale_are_refused(login, users, enterprise):
    source = create_risk_list(enterprise)["source"]
    client = login(users["owner"])
    r = client.post(add_url("event", source.pk), event_data(name="缺因子", lec_c=None))
    assert errors_of(r)["lec_c"] == ["LEC 法须选择此项"]
    r = client.post(add_url("event", source.pk), event_data(name="越界", lec_l="7.0"))
    assert "lec_l" in errors_of(r)  # 7 is not on the L scale
    r = client.post(add_url("event", source.pk), event_data(name="矩阵", method="ls", lec_l=None, lec_e=None, lec_c=None, ls_l="6", ls_s="1"))
    assert "ls_l" in errors_of(r)
    assert not RiskEvent.objects.filter(name__in=["缺因子", "越界", "矩阵"]).exists()


def test_only_explosion_fire_poisoning_or_asphyxiation_may_be_key_controlled(login, users, enterprise):
    source = create_risk_list(enterprise)["source"]
    client = login(users["owner"])
    r = client.post(add_url("event", source.pk), event_data(name="机械伤害", consequence="机械伤害", accident_category="03", key_control="on"))
    assert errors_of(r)["key_control"] == ["只有最严重后果为爆炸、火灾、中毒或窒息的风险可列为重点管控"]
    r = client.post(add_url("event", source.pk), event_data(name="有限空间", consequence="", accident_category="19", key_control="on"))
    assert r.status_code == 302  # the category 中毒和窒息 qualifies


def test_names_are_unique_under_their_parent(login, users, enterprise, other_enterprise):
    tree = create_risk_list(enterprise)
    client = login(users["owner"])
    r = client.post(add_url("object", enterprise.pk), {"name": "甲醇罐区"})
    assert errors_of(r)["name"] == ["本企业已有同名的安全风险分析对象"]
    r = client.post(add_url("unit", tree["object"].pk), {"name": "检修平台"})
    assert errors_of(r)["name"] == ["该分析对象下已有同名的分析单元"]
    create_risk_list(other_enterprise)  # the same names elsewhere are no conflict
    assert RiskObject.objects.filter(name="甲醇罐区").count() == 2


def test_the_enterprise_summary_follows_its_events(login, users, enterprise):
    tree = create_risk_list(enterprise)
    e = Enterprise.objects.get(pk=enterprise.pk)
    assert (e.risk_grade, e.risk_major, e.risk_high, e.risk_medium, e.risk_low) == ("major", 1, 0, 0, 1)
    assert (e.risk_level.label, e.risk_level.color) == ("重大风险", "red")
    client = login(users["owner"])
    event = tree["event"]
    r = client.post(reverse("risks:node_edit", args=["event", event.pk]), event_data(name=event.name, lec_l="1.0", lec_e="6.0", lec_c="40.0"))
    assert r.status_code == 302
    e.refresh_from_db()
    assert (e.risk_grade, e.risk_high, e.risk_major) == ("high", 1, 0)  # D = 240
    client.post(reverse("risks:node_delete", args=["object", tree["object"].pk]))
    e.refresh_from_db()
    assert (e.risk_grade, e.risk_high, e.risk_low) == ("", 0, 0)
    assert e.risk_level is None


def test_deleting_a_unit_asks_first_and_says_what_would_go(login, users, enterprise):
    tree = create_risk_list(enterprise)
    client = login(users["owner"])
    url = reverse("risks:node_delete", args=["unit", tree["unit"].pk])
    r = client.get(url)
    assert r.status_code == 200
    assert r.context["goes"] == [("危险源", 1), ("安全风险", 1), ("风险管控措施", 2)]
    assert RiskUnit.objects.filter(pk=tree["unit"].pk).exists()  # asking deletes nothing
    r = client.post(url)
    assert r.status_code == 302 and "已删除安全风险分析单元“甲醇罐区微单元”。" in messages_of(client.get(r.url))
    assert not RiskEvent.objects.filter(pk=tree["event"].pk).exists()
    assert not ControlMeasure.objects.filter(event_id=tree["event"].pk).exists()
    assert RiskEvent.objects.filter(pk=tree["event2"].pk).exists()  # the sibling unit's risk stays
    # The deletions are in the archive's history, attributed to the enterprise.
    deleted = ChangeRecord.objects.filter(enterprise_id=enterprise.pk, action="delete").values_list("object_repr", flat=True)
    assert {"甲醇罐区微单元", "甲醇储罐", "泄漏造成火灾"} <= set(deleted)


def test_regulators_see_the_list_but_do_not_edit_it(login, users, enterprise):
    tree = create_risk_list(enterprise)
    for who in ("jinshui", "city", "province"):
        client = login(users[who])
        page = client.get(reverse("risks:register_detail", args=[enterprise.pk]))
        assert page.status_code == 200 and "泄漏造成火灾" in page.content.decode()
        assert reverse("risks:node_edit", args=["event", tree["event"].pk]) not in page.content.decode()
        assert client.post(add_url("unit", tree["object"].pk), {"name": "监管添加"}).status_code == 403
        assert client.post(reverse("risks:node_delete", args=["event", tree["event"].pk])).status_code == 403
    assert RiskEvent.objects.filter(pk=tree["event"].pk).exists() and not RiskUnit.objects.filter(name="监管添加").exists()


@pytest.mark.parametrize("who", ["erqi", "outsider", "chem"])
def test_out_of_scope_users_get_404_everywhere(client, login, users, enterprise, who):
    tree = create_risk_list(enterprise)
    c = login(users[who])
    urls = [reverse("risks:register_detail", args=[enterprise.pk]), add_url("object", enterprise.pk)]
    for kind in ("object", "unit", "source", "event"):
        pk = tree[kind].pk
        urls += [reverse("risks:node_edit", args=[kind, pk]), reverse("risks:node_delete", args=[kind, pk])]
    urls += [add_url("unit", tree["object"].pk), add_url("measure", tree["event"].pk)]
    for url in urls:
        assert c.get(url).status_code == 404, url
        assert c.post(url, {"name": "越权"}).status_code == 404, url
    assert RiskEvent.objects.count() == 2 and not RiskObject.objects.filter(name="越权").exists()


def test_anonymous_users_are_sent_to_log_in(client, enterprise):
    r = client.get(reverse("risks:register_detail", args=[enterprise.pk]))
    assert r.status_code == 302 and reverse("core:login") in r.url


def test_the_tree_page_reads_a_fixed_number_of_queries(login, users, enterprise, django_assert_max_num_queries):
    client = login(users["owner"])
    create_risk_list(enterprise)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("risks:register_detail", args=[enterprise.pk]))
    for i in range(5):
        create_risk_list(enterprise, prefix=f"{i}号")
    with django_assert_max_num_queries(len(small)):
        client.get(reverse("risks:register_detail", args=[enterprise.pk]))


def test_the_level_shows_on_archive_workbench_list_and_public_scan(client, login, users, enterprise):
    create_risk_list(enterprise)
    graded_elsewhere = create_enterprise(name="金水低风险企业")
    create_risk_list(graded_elsewhere)
    RiskEvent.objects.filter(enterprise=graded_elsewhere, level="major").delete()
    create_enterprise(name="金水未评定企业")

    archive = login(users["jinshui"]).get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert 'data-testid="risk-card"' in archive and 'data-level-count="major"' in archive
    workbench = login(users["owner"]).get(reverse("archive:workbench")).content.decode()
    assert 'data-testid="risk-card"' in workbench and "重大风险" in workbench

    for grade, shown in (("major", enterprise.name), ("low", "金水低风险企业"), ("none", "金水未评定企业")):
        listing = login(users["jinshui"]).get(reverse("archive:enterprise_list"), {"risk_grade": grade})
        assert [e.name for e in listing.context["page"]] == [shown]

    client.logout()
    page = scan_page(client.get(reverse("scan", args=[Code.active(enterprise).signed])))
    assert page.values["risk_level"] == "重大风险"
