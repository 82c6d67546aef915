"""State changes others must act on are announced (core.notify), each to the people it concerns, with a link to the
object, never to whoever made the change: driven through the pages (or the domain function a page calls), with the
after-commit hooks run as a real commit would run them."""
import pytest
from django.urls import reverse

from tests.factories import JINSHUI, create_hazard, create_risk_list, create_user, form_data, messages_of
from tests.hazards.test_public import accept_data, anon, make_report, report_data
from tests.risks.test_patrols import patrol_data
from worksafe.archive.models import Enterprise
from worksafe.core.models import Notification, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what waits for the commit (core.workflow.performed, the patrol's hazards)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def staff(enterprise):
    return create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=enterprise)


def told(kind):
    """{username: (text, link)} of the notifications of `kind`."""
    return {n.recipient.username: (n.text, n.link) for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def set_state(enterprise, state):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state=state)
    enterprise.refresh_from_db()


# ---- archive review ------------------------------------------------------------------------------------------------


def test_a_submitted_archive_is_announced_to_its_reviewers(login, users, enterprise, township_user, committed):
    with committed():
        login(users["owner"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "submit"]))
    sent = told("archive.submitted")
    # The level that owns its review (分级负责: the county unless changed); not the levels above (they may review but
    # are not asked), not 二七区, not the chemicals division, not the township station, not the enterprise.
    assert sorted(sent) == ["jinshui"]
    assert sent["jinshui"] == (f"{enterprise.name} 提交了企业档案，请审核。", enterprise.get_absolute_url())


def test_an_approved_archive_edited_back_to_review_is_announced_to_the_reviewers(login, users, enterprise, committed):
    set_state(enterprise, "approved")
    with committed():
        login(users["owner"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, staff_count=321))
    enterprise.refresh_from_db()
    assert enterprise.review_state == "submitted"
    sent = told("archive.resubmitted")
    assert sorted(sent) == ["jinshui"]
    assert "已审核通过后又被修改" in sent["jinshui"][0] and "重新进入待审核" in sent["jinshui"][0]


def test_many_archives_sent_back_by_an_import_give_each_reviewer_one_notification(users, enterprise, other_enterprise):
    from tests.factories import create_enterprise
    from worksafe.archive import announce, review

    sent_back = [enterprise, other_enterprise] + [create_enterprise(JINSHUI) for _ in range(announce.DIGEST_FROM - 2)]
    review.sent_back.send(sender=Enterprise, enterprises=sent_back, user=users["owner"])
    sent = told("archive.resubmitted")
    # One each, however many archives, to the owning level of each (the counties here).
    assert sorted(sent) == ["erqi", "jinshui"]
    assert Notification.objects.filter(kind="archive.resubmitted").count() == 2
    assert f"{announce.DIGEST_FROM - 1} 家" in sent["jinshui"][0] and "1 家" in sent["erqi"][0]
    assert sent["erqi"][1] == reverse("archive:enterprise_list") + "?review_state=submitted&supervision=mine"


def test_an_approved_archive_edited_by_a_regulator_is_announced_to_the_other_reviewers(login, users, enterprise, committed):
    set_state(enterprise, "approved")
    Enterprise.objects.filter(pk=enterprise.pk).update(supervision_level="city")  # the city owns it (分级负责)
    with committed():
        login(users["jinshui"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, staff_count=99))
    assert sorted(told("archive.resubmitted")) == ["city"]
    set_state(enterprise, "approved")
    with committed():
        login(users["city"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, staff_count=98))
    assert Notification.objects.filter(kind="archive.resubmitted").count() == 1  # not the editor: nothing new


def test_a_returned_archive_is_announced_to_the_enterprise(login, users, enterprise, staff, committed):
    set_state(enterprise, "submitted")
    with committed():
        login(users["jinshui"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "return"]), {"reason": "缺少安全管理机构负责人"})
    sent = told("archive.returned")
    assert sorted(sent) == sorted([users["owner"].username, staff.username])
    assert sent[staff.username] == ("企业档案被退回：缺少安全管理机构负责人。请修改后重新提交审核。", enterprise.get_absolute_url())


def test_an_approved_archive_is_announced_to_the_enterprise(login, users, enterprise, committed):
    set_state(enterprise, "submitted")
    with committed():
        login(users["jinshui"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "approve"]))
    assert told("archive.approved") == {users["owner"].username: ("企业档案已审核通过。", enterprise.get_absolute_url())}


def test_bulk_approval_announces_each_archive(login, users, enterprise, committed):
    set_state(enterprise, "submitted")
    with committed():
        login(users["jinshui"]).post(reverse("archive:enterprise_bulk_review"), {"action": "approve", "pk": [enterprise.pk]})
    assert list(told("archive.approved")) == [users["owner"].username]


def test_nothing_is_announced_for_a_step_that_was_refused(login, users, enterprise, committed):
    with committed():  # a draft cannot be approved
        login(users["jinshui"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "approve"]))
    assert not Notification.objects.exists()


# ---- hazards -------------------------------------------------------------------------------------------------------


def test_a_major_hazard_sent_back_as_general_is_announced_to_the_enterprise(login, users, enterprise, committed):
    hazard = create_hazard(enterprise, name="液氨储罐区未设置泄漏报警", level="major", review="pending")
    with committed():
        r = login(users["jinshui"]).post(reverse("hazards:hazard_step", args=[hazard.pk, "downgrade"]), {"comment": "不构成重大隐患"})
    assert r.status_code == 302
    assert told("hazard.downgraded") == {users["owner"].username: (
        "重大隐患“液氨储罐区未设置泄漏报警”经审核打回为一般隐患：不构成重大隐患", hazard.get_absolute_url())}


def test_a_rectification_not_accepted_is_announced_to_the_enterprise(login, users, enterprise, staff, committed):
    hazard = create_hazard(enterprise, state="accepting")
    with committed():
        login(users["jinshui"]).post(reverse("hazards:hazard_step", args=[hazard.pk, "reject"]), {"comment": "警示标识未张贴"})
    sent = told("hazard.not_accepted")
    assert sorted(sent) == sorted([users["owner"].username, staff.username])
    assert "警示标识未张贴" in sent[staff.username][0] and sent[staff.username][1] == hazard.get_absolute_url()


def test_a_custom_checklist_returned_is_announced_to_the_enterprise(users, enterprise, committed):
    from worksafe.hazards.checklists import REVIEW
    from worksafe.hazards.models import Checklist

    checklist = Checklist.objects.create(enterprise=enterprise, name="本企业隐患排查标准", industry_id="07", state="submitted")
    with committed():
        REVIEW.perform(checklist, "return", users["jinshui"], "缺少消防检查内容")
    assert told("checklist.reviewed") == {users["owner"].username: (
        "自定义排查标准“本企业隐患排查标准”被退回：缺少消防检查内容", reverse("hazards:checklist_detail", args=[checklist.pk]))}


# ---- 随手拍 -----------------------------------------------------------------------------------------------------


def test_a_new_public_report_is_announced_to_the_regulators_who_decide(users, township_user, committed):
    from worksafe.hazards.models import PublicReport

    with committed():
        r = anon().post(reverse("hazards:public_report"), report_data(enterprise_name="某纸品仓库"))
    assert r.status_code == 302
    report = PublicReport.objects.get()
    sent = told("public.new")
    # By region, whatever industries the department supervises (public.report_q); above township level (may_decide).
    assert sorted(sent) == ["chem", "city", "jinshui", "province"]
    assert sent["jinshui"] == ("收到随手拍举报（某纸品仓库），请核实处理。", reverse("hazards:public_detail", args=[report.pk]))


def test_a_public_report_handed_to_an_enterprise_is_announced_to_it(login, users, enterprise, staff, committed):
    report = make_report(JINSHUI)
    with committed():
        login(users["jinshui"]).post(reverse("hazards:public_detail", args=[report.pk]), accept_data(enterprise))
    report.refresh_from_db()
    sent = told("public.assigned")
    assert sorted(sent) == sorted([users["owner"].username, staff.username])
    assert sent[staff.username] == ("群众随手拍举报已受理并转交贵单位整改：隐患“安全出口被堵塞”，请及时整改。",
                                    report.hazard.get_absolute_url())


# ---- patrols -------------------------------------------------------------------------------------------------------


# Real commits: the patrol's hazards are raised when its transaction commits, before the page says what came of it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_patrol_item_not_in_place_raises_a_hazard_said_on_the_result_and_told_to_the_enterprise(
        login, users, enterprise, staff):
    from worksafe.hazards.models import Hazard

    measures = create_risk_list(enterprise)["measures"]
    r = login(staff).post(reverse("risks:patrol_add", args=[enterprise.pk]),
                          patrol_data({measures[0]: ("no", "灭火器压力不足"), measures[1]: "yes"}), follow=True)
    hazard = Hazard.objects.get()
    assert messages_of(r) == ["已记录巡检：检查 2 项管控措施，其中 1 项未落实，已形成 1 条隐患（已上报），"
                              "已通知本单位人员整改，见下方各项的隐患链接。"]
    html = r.content.decode()
    assert 'data-testid="raised-hazard"' in html and hazard.get_absolute_url() in html
    sent = told("hazard.from_patrol")
    assert list(sent) == [users["owner"].username]  # the enterprise's accounts but the patroller
    assert sent[users["owner"].username] == (f"巡检发现管控措施未落实，已形成隐患“{hazard.name}”，请组织整改。",
                                             hazard.get_absolute_url())


# ---- API subscriptions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action, reason, text", [
    ("approve", "", "接口订阅“自建双预防系统”已审核通过，可获取授权KEY。"),
    ("reject", "接口清单与业务不符", "接口订阅“自建双预防系统”被驳回：接口清单与业务不符"),
])
def test_a_decision_on_a_subscription_is_announced_to_the_applicant(login, users, enterprise, committed, action, reason, text):
    from tests.api.test_subscriptions import pending

    sub = pending(enterprise, applicant=users["owner"])
    with committed():
        login(users["jinshui"]).post(reverse("api:subscription_step", args=[sub.pk, action]), {"reason": reason})
    assert told("api.decided") == {users["owner"].username: (text, sub.get_absolute_url())}
