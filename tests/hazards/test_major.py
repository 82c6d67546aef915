"""重大隐患 (seed 001, 2.3): review (confirm / return as general with a reason), 挂牌督办 and the 限期整改通知书 PDF,
the enterprise's rectification plan, acceptance and 销号 by regulators only; scope and permissions on every page."""
import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.codes.helpers import element_text, pdf_text, write
from tests.factories import create_hazard
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.hazards import workflow
from worksafe.hazards.models import Hazard, HazardStep

pytestmark = pytest.mark.django_db
A = HazardStep.Action
TODAY = timezone.localdate
YEAR = TODAY().year


@pytest.fixture
def major(enterprise):
    """A major hazard the enterprise reported, awaiting the regulator's review."""
    return create_hazard(enterprise, name="液氨储罐区安全阀失效", level="major", review="pending", place="液氨储罐区",
                         content="1号液氨储罐安全阀超期未校验，超压时可能导致储罐破裂、液氨泄漏中毒")


@pytest.fixture
def confirmed(major, users):
    return workflow.perform(major, A.CONFIRM, users["jinshui"])


def url(name, hazard):
    return reverse(f"hazards:{name}", args=[hazard.pk])


def fresh(hazard):
    return Hazard.objects.get(pk=hazard.pk)


def steps(hazard):
    return list(HazardStep.objects.filter(hazard=hazard).values_list("action", flat=True))


def transitions(hazard):
    """The audited messages of the hazard's workflow steps, oldest first."""
    return list(ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Hazard), object_id=str(hazard.pk), action=AuditAction.TRANSITION,
    ).order_by("time", "id").values_list("message", flat=True))


def flashed(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def review(client, hazard, decision, reason="", supervision="", number=""):
    return client.post(url("hazard_major_review", hazard), {
        "major-decision": decision, "major-reason": reason, "major-supervision": supervision, "major-notice_number": number,
    })


def supervise(client, hazard, level, number):
    return client.post(url("hazard_supervise", hazard), {"major-level": level, "major-notice_number": number})


PLAN = {
    "plan_leader": "赵副总经理", "plan_person": "钱设备科长", "plan_measures": "更换并校验1号储罐安全阀，建立校验台账",
    "plan_funds": "12.50", "plan_emergency": "执行《液氨泄漏现场处置方案》，配备正压式空气呼吸器",
}


def plan_data(deadline, **overrides):
    return {**PLAN, "plan_deadline": deadline.isoformat(), **overrides}


def panel(user, hazard):
    """The major-hazard panel as the hazard page includes it (page context with `hazard` and `request`)."""
    request = RequestFactory().get(f"/hazards/{hazard.pk}/")
    request.user = user
    hazard = Hazard.objects.select_related("enterprise").get(pk=hazard.pk)
    return Template('{% include "hazards/_major_panel.html" %}').render(RequestContext(request, {"hazard": hazard}))


def rectify(hazard, user):
    """Fill the rectification record so the hazard may be submitted for acceptance."""
    Hazard.objects.filter(pk=hazard.pk).update(measures_taken="已更换安全阀并校验合格", completed_on=TODAY(),
                                               no_photo_reason="涉密区域不允许拍照")
    return workflow.perform(hazard, A.SUBMIT, user)


# ---- review ----------------------------------------------------------------------------------------------------


def test_a_county_regulator_confirms_a_major_hazard(login, users, major):
    response = review(login(users["jinshui"]), major, "confirm", reason="符合重大事故隐患判定标准")
    assert response.status_code == 302 and response.url == major.get_absolute_url()
    h = fresh(major)
    assert (h.review, h.state, h.level, h.review_reason) == ("confirmed", "rectifying", "major", "符合重大事故隐患判定标准")
    assert not h.supervision
    step = HazardStep.objects.get(hazard=major, action=A.CONFIRM)
    assert (step.source, step.target, step.actor, step.actor_org) == ("reported", "rectifying", users["jinshui"], "金水区应急管理局")
    assert transitions(major) == ["确认重大隐患：符合重大事故隐患判定标准"]
    assert "确认“液氨储罐区安全阀失效”为重大隐患" in flashed(response)[0]


def test_confirming_can_list_for_supervision_in_the_same_step(login, users, major, orgs):
    number = f"郑金应急隐督〔{YEAR}〕7号"
    response = review(login(users["jinshui"]), major, "confirm", supervision="county", number=number)
    assert response.status_code == 302
    h = fresh(major)
    assert (h.review, h.supervision, h.supervisor, h.notice_number, h.notice_on) == (
        "confirmed", "county", orgs["jinshui"], number, TODAY())
    assert steps(major) == [A.CONFIRM, A.SUPERVISE]
    assert transitions(major) == ["确认重大隐患", "挂牌督办：县级挂牌督办"]
    assert number in flashed(response)[0]


def test_confirming_with_supervision_needs_a_notice_number(login, users, major):
    response = review(login(users["jinshui"]), major, "confirm", supervision="city", number="  ")
    assert response.status_code == 200
    assert "请填写整改通知书文号" in response.content.decode()
    assert fresh(major).review == "pending" and steps(major) == []


def test_a_downgrade_needs_a_reason(login, users, major):
    response = review(login(users["jinshui"]), major, "downgrade", reason="   ")
    assert response.status_code == 200
    assert "打回为一般隐患须填写原因" in response.content.decode()
    h = fresh(major)
    assert (h.level, h.review) == ("major", "pending") and steps(major) == [] and transitions(major) == []


def test_a_downgrade_cannot_be_supervised(login, users, major):
    response = review(login(users["jinshui"]), major, "downgrade", reason="不属于重大隐患", supervision="county", number="x")
    assert response.status_code == 200 and "打回为一般隐患的不能挂牌督办" in response.content.decode()
    assert fresh(major).level == "major"


def test_no_decision_is_refused_in_chinese(login, users, major):
    response = login(users["jinshui"]).post(url("hazard_major_review", major), {})
    assert "请选择审核结论" in response.content.decode() and fresh(major).review == "pending"


def test_a_downgraded_hazard_keeps_its_reason_and_follows_the_general_path(login, users, major):
    reason = "安全阀已在校验有效期内，不构成重大事故隐患"
    response = review(login(users["jinshui"]), major, "downgrade", reason=reason)
    assert response.status_code == 302
    h = fresh(major)
    assert (h.level, h.review, h.review_reason, h.state, h.supervision) == ("general", "downgraded", reason, "reported", "")
    assert transitions(major) == [f"打回为一般隐患：{reason}"]
    shown = element_text(panel(users["owner"], h), "downgrade-reason")
    assert reason in shown and "金水区应急管理局" in shown
    # The general path: the enterprise starts, submits and accepts it itself.
    owner = users["owner"]
    assert [s.action for s in workflow.available(owner, h)] == [A.START]
    workflow.perform(h, A.START, owner)
    rectify(h, owner)
    assert A.ACCEPT in [s.action for s in workflow.available(owner, fresh(h))]
    assert workflow.perform(h, A.ACCEPT, owner).state == "closed"


@pytest.mark.parametrize("decision", ["confirm", "downgrade"])
def test_only_regulators_in_scope_above_township_review(login, users, major, township_user, decision):
    assert review(login(users["erqi"]), major, decision, reason="x").status_code == 404
    assert review(login(users["outsider"]), major, decision, reason="x").status_code == 404
    assert review(login(users["owner"]), major, decision, reason="x").status_code == 403
    assert login(users["owner"]).get(url("hazard_major_review", major)).status_code == 403
    # A township regulator sees its township's enterprises but does not review.
    major.enterprise.region_id = "410105001"
    major.enterprise.save()
    assert Hazard.objects.for_user(township_user).filter(pk=major.pk).exists()
    assert review(login(township_user), major, decision, reason="x").status_code == 403
    assert fresh(major).review == "pending" and steps(major) == []


def test_the_city_reviews_too_and_the_chemical_department_does_not_see_machinery(login, users, major):
    assert review(login(users["chem"]), major, "confirm").status_code == 404
    assert review(login(users["city"]), major, "confirm").status_code == 302
    assert fresh(major).review == "confirmed"


def test_a_second_review_gets_a_message_not_an_error(login, users, confirmed):
    response = review(login(users["city"]), confirmed, "downgrade", reason="x")
    assert response.status_code == 302
    assert "不是待审核的重大隐患" in flashed(response)[0]
    assert fresh(confirmed).level == "major" and steps(confirmed) == [A.CONFIRM]


def test_the_review_page_shows_the_hazard_and_the_form(login, users, major):
    page = login(users["jinshui"]).get(url("hazard_major_review", major)).content.decode()
    assert "液氨储罐区安全阀失效" in page and 'data-testid="review-form"' in page
    assert f"郑金应急隐督〔{YEAR}〕1号" in page  # the suggested number


# ---- supervision and the notice --------------------------------------------------------------------------------


def test_a_county_regulator_supervises_then_raises_it_to_the_city(login, users, confirmed, orgs):
    client = login(users["jinshui"])
    response = supervise(client, confirmed, "county", f"郑金应急隐督〔{YEAR}〕1号")
    assert response.status_code == 302
    h = fresh(confirmed)
    assert (h.supervision, h.supervisor, h.notice_number, h.state) == ("county", orgs["jinshui"], f"郑金应急隐督〔{YEAR}〕1号", "rectifying")
    response = supervise(client, confirmed, "city", f"郑金应急隐督〔{YEAR}〕2号")
    assert response.status_code == 302 and "由县级挂牌督办改为市级挂牌督办" in flashed(response)[-1]
    assert fresh(confirmed).supervision == "city"
    rows = HazardStep.objects.filter(hazard=confirmed, action=A.SUPERVISE).order_by("id")
    assert [(s.comment, s.source, s.target, s.actor_org) for s in rows] == [
        ("县级挂牌督办", "rectifying", "rectifying", "金水区应急管理局"),
        ("市级挂牌督办", "rectifying", "rectifying", "金水区应急管理局"),
    ]
    assert transitions(confirmed)[-2:] == ["挂牌督办：县级挂牌督办", "挂牌督办：市级挂牌督办"]
    history = element_text(panel(users["jinshui"], confirmed), "supervision-history")
    assert "县级挂牌督办" in history and "市级挂牌督办" in history


def test_a_city_supervision_is_not_lowered_nor_reissued_by_the_county(login, users, confirmed, orgs):
    assert supervise(login(users["city"]), confirmed, "city", f"郑应急隐督〔{YEAR}〕3号").status_code == 302
    assert fresh(confirmed).supervisor == orgs["city"]
    page = supervise(login(users["city"]), confirmed, "county", "郑应急隐督〔2026〕4号").content.decode()
    assert "不能改为县级挂牌督办" in page
    response = supervise(login(users["jinshui"]), confirmed, "city", "郑金应急隐督〔2026〕9号")
    assert response.status_code == 302 and "由市级监管部门重新督办" in flashed(response)[-1]
    assert 'data-testid="supervise-form"' not in panel(users["jinshui"], confirmed)
    assert 'data-testid="supervise-form"' in panel(users["city"], confirmed)
    h = fresh(confirmed)
    assert (h.supervision, h.notice_number) == ("city", f"郑应急隐督〔{YEAR}〕3号")


def test_supervision_validates_level_and_number(login, users, confirmed, enterprise):
    client = login(users["jinshui"])
    page = supervise(client, confirmed, "", "").content.decode()
    assert "请选择县级或市级挂牌督办" in page and "请填写整改通知书文号" in page
    other = workflow.perform(create_hazard(enterprise, name="另一处重大隐患", level="major", review="pending"), A.CONFIRM, users["jinshui"])
    supervise(client, other, "county", "郑金应急隐督〔2026〕5号")
    page = supervise(client, confirmed, "county", "郑金应急隐督〔2026〕5号").content.decode()
    assert "已用于另一份整改通知书" in page
    assert not fresh(confirmed).supervision


def test_the_suggested_number_counts_this_units_notices_this_year(login, users, confirmed, enterprise):
    other = workflow.perform(create_hazard(enterprise, name="另一处重大隐患", level="major", review="pending"), A.CONFIRM, users["jinshui"])
    supervise(login(users["jinshui"]), other, "county", "金应急〔自编〕1号")
    page = login(users["jinshui"]).get(url("hazard_supervise", confirmed)).content.decode()
    assert f"郑金应急隐督〔{YEAR}〕2号" in page
    assert f"郑应急隐督〔{YEAR}〕1号" in login(users["city"]).get(url("hazard_supervise", confirmed)).content.decode()
    assert f"豫应急隐督〔{YEAR}〕1号" in login(users["province"]).get(url("hazard_supervise", confirmed)).content.decode()


def test_who_may_supervise(login, users, major, confirmed, township_user):
    assert supervise(login(users["erqi"]), confirmed, "county", "x1").status_code == 404
    assert supervise(login(users["outsider"]), confirmed, "county", "x2").status_code == 404
    assert supervise(login(users["owner"]), confirmed, "county", "x3").status_code == 403
    confirmed.enterprise.region_id = "410105001"
    confirmed.enterprise.save()
    assert supervise(login(township_user), confirmed, "county", "x4").status_code == 403
    assert not fresh(confirmed).supervision and steps(confirmed) == [A.CONFIRM]


def test_a_hazard_not_confirmed_is_not_supervised(login, users, major):
    response = supervise(login(users["jinshui"]), major, "county", "郑金应急隐督〔2026〕1号")
    assert response.status_code == 302 and "只有经监管部门确认" in flashed(response)[0]
    assert not fresh(major).supervision


def test_the_notice_pdf(login, users, confirmed, enterprise, tmp_path):
    Hazard.objects.filter(pk=confirmed.pk).update(deadline=datetime.date(YEAR + 1, 3, 31))
    assert login(users["jinshui"]).get(url("hazard_major_notice_pdf", confirmed)).status_code == 404  # not supervised yet
    number = f"郑金应急隐督〔{YEAR}〕12号"
    supervise(login(users["jinshui"]), confirmed, "county", number)
    response = login(users["owner"]).get(url("hazard_major_notice_pdf", confirmed))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(write(tmp_path, "notice.pdf", response.content))
    for expected in ["金水区应急管理局", "重大事故隐患限期整改通知书", number, f"{enterprise.name}：", enterprise.uscc,
                     "液氨储罐区安全阀失效", "液氨储罐区", "1号液氨储罐安全阀超期未校验", "县级挂牌督办",
                     "《中华人民共和国安全生产法》", "《安全生产事故隐患排查治理暂行规定》", f"{YEAR + 1}年3月31日前完成整改",
                     "责任领导、整改措施、整改资金、整改负责人、整改期限和应急预案", "（印章）", TODAY().strftime("%Y年") ]:
        assert expected in text, expected
    assert login(users["erqi"]).get(url("hazard_major_notice_pdf", confirmed)).status_code == 404
    assert login(users["outsider"]).get(url("hazard_major_notice_pdf", confirmed)).status_code == 404


# ---- the plan --------------------------------------------------------------------------------------------------


def test_the_enterprise_files_its_plan(login, users, confirmed):
    client = login(users["owner"])
    page = client.get(url("hazard_major_plan", confirmed)).content.decode()
    assert "重大隐患整改方案" in page and 'data-testid="plan-form"' in page and "液氨储罐区安全阀失效" in page
    deadline = TODAY() + datetime.timedelta(days=20)  # earlier than the hazard's 30 days: it tightens the deadline
    response = client.post(url("hazard_major_plan", confirmed), plan_data(deadline))
    assert response.status_code == 302 and response.url == confirmed.get_absolute_url()
    h = fresh(confirmed)
    assert (h.plan_leader, h.plan_person, h.plan_funds, h.plan_deadline, h.deadline) == (
        "赵副总经理", "钱设备科长", Decimal("12.50"), deadline, deadline)
    assert h.plan_emergency.startswith("执行《液氨泄漏") and h.state == "rectifying"
    assert steps(confirmed) == [A.CONFIRM, A.PLAN]
    assert transitions(confirmed)[-1].startswith("填报整改方案：整改方案：责任领导 赵副总经理")
    assert f"隐患整改期限已调整为 {deadline:%Y-%m-%d}" in flashed(response)[0]
    shown = element_text(panel(users["jinshui"], h), "major-plan")
    assert "赵副总经理" in shown and "12.50 万元" in shown and "更换并校验1号储罐安全阀" in shown


def test_a_later_plan_deadline_leaves_the_hazards_deadline(login, users, confirmed):
    before = fresh(confirmed).deadline
    later = before + datetime.timedelta(days=10)
    assert login(users["owner"]).post(url("hazard_major_plan", confirmed), plan_data(later)).status_code == 302
    h = fresh(confirmed)
    assert (h.plan_deadline, h.deadline) == (later, before)


def test_a_plan_keeps_within_the_notices_deadline(login, users, confirmed):
    supervise(login(users["jinshui"]), confirmed, "county", "郑金应急隐督〔2026〕1号")
    notice_deadline = fresh(confirmed).deadline
    page = login(users["owner"]).post(url("hazard_major_plan", confirmed), plan_data(notice_deadline + datetime.timedelta(days=1))).content.decode()
    assert f"不能晚于《重大事故隐患限期整改通知书》规定的期限（{notice_deadline:%Y-%m-%d}）" in page
    assert not fresh(confirmed).plan_leader


def test_the_plan_form_says_in_chinese_what_is_missing(login, users, confirmed):
    client = login(users["owner"])
    page = client.post(url("hazard_major_plan", confirmed), {"plan_leader": "  ", "plan_funds": "-1"}).content.decode()
    for message in ["请填写责任领导", "请填写整改负责人", "请填写整改措施", "整改资金不能为负数", "请填写整改期限", "请填写应急预案"]:
        assert message in page, message
    page = client.post(url("hazard_major_plan", confirmed), plan_data(TODAY() - datetime.timedelta(days=1), plan_funds="十万")).content.decode()
    assert "整改资金请填写数字" in page and "整改期限不能早于" in page
    assert steps(confirmed) == [A.CONFIRM] and not fresh(confirmed).plan_leader


def test_who_may_file_the_plan(login, users, major, confirmed):
    data = plan_data(TODAY() + datetime.timedelta(days=5))
    assert login(users["jinshui"]).get(url("hazard_major_plan", confirmed)).status_code == 403
    assert login(users["jinshui"]).post(url("hazard_major_plan", confirmed), data).status_code == 403
    assert login(users["outsider"]).post(url("hazard_major_plan", confirmed), data).status_code == 404
    assert login(users["erqi"]).get(url("hazard_major_plan", confirmed)).status_code == 404
    assert not fresh(confirmed).plan_leader


def test_no_plan_before_confirmation(login, users, major):
    response = login(users["owner"]).post(url("hazard_major_plan", major), plan_data(TODAY() + datetime.timedelta(days=5)))
    assert response.status_code == 302 and "只有经监管部门确认、正在整改的重大隐患" in flashed(response)[0]
    assert not fresh(major).plan_leader


# ---- acceptance and 销号 --------------------------------------------------------------------------------------


def test_only_a_regulator_accepts_a_major_hazard_and_it_shows_as_delisted(login, users, confirmed):
    owner, jinshui = users["owner"], users["jinshui"]
    supervise(login(jinshui), confirmed, "county", "郑金应急隐督〔2026〕1号")
    login(owner).post(url("hazard_major_plan", confirmed), plan_data(TODAY() + datetime.timedelta(days=5)))
    rectify(confirmed, owner)
    h = fresh(confirmed)
    assert h.state == "accepting"
    assert A.ACCEPT not in [s.action for s in workflow.available(owner, h)]
    with pytest.raises(PermissionDenied):
        workflow.perform(h, A.ACCEPT, owner)
    assert "由督办单位金水区应急管理局组织验收" in element_text(panel(owner, h), "who-accepts")
    workflow.perform(h, A.ACCEPT, jinshui)
    h = fresh(confirmed)
    assert (h.state, h.reviewed_by, h.reviewed_on) == ("closed", jinshui.full_name or "jinshui", TODAY())
    closed = element_text(panel(owner, h), "major-closed")
    assert "已销号" in closed and h.reviewed_by in closed and "金水区应急管理局" in closed
    assert steps(confirmed) == [A.CONFIRM, A.SUPERVISE, A.PLAN, A.SUBMIT, A.ACCEPT]
    assert [m.split("：")[0] for m in transitions(confirmed)] == ["确认重大隐患", "挂牌督办", "填报整改方案", "提交验收", "验收通过"]


def test_a_rejected_acceptance_shows_its_reason(users, confirmed):
    rectify(confirmed, users["owner"])
    workflow.perform(confirmed, A.REJECT, users["jinshui"], "安全阀校验报告缺失")
    assert "安全阀校验报告缺失" in element_text(panel(users["owner"], confirmed), "last-rejection")


# ---- the panel -------------------------------------------------------------------------------------------------


def test_the_panel_is_empty_for_a_general_hazard(users, enterprise):
    assert panel(users["jinshui"], create_hazard(enterprise)).strip() == ""


def test_the_panel_offers_each_user_their_forms(users, major):
    regulator, owner = panel(users["jinshui"], major), panel(users["owner"], major)
    assert 'data-testid="review-form"' in regulator and 'data-testid="review-form"' not in owner
    assert "待监管部门审核" in owner and 'data-testid="plan-link"' not in owner
    workflow.perform(major, A.CONFIRM, users["jinshui"])
    regulator, owner = panel(users["jinshui"], major), panel(users["owner"], major)
    assert 'data-testid="supervise-form"' in regulator and f"郑金应急隐督〔{YEAR}〕1号" in regulator
    assert 'data-testid="supervise-form"' not in owner and 'data-testid="plan-link"' in owner
    assert "企业尚未填报整改方案" in owner
    assert 'data-testid="supervise-form"' in panel(users["city"], fresh(major))  # the city may supervise too


def test_the_panel_links_the_notice_once_supervised(login, users, confirmed):
    assert 'data-testid="notice-pdf"' not in panel(users["owner"], confirmed)
    supervise(login(users["jinshui"]), confirmed, "city", f"郑金应急隐督〔{YEAR}〕1号")
    html = panel(users["owner"], confirmed)
    assert url("hazard_major_notice_pdf", confirmed) in html
    assert element_text(html, "notice-number") == f"郑金应急隐督〔{YEAR}〕1号"
    assert element_text(html, "supervision-badge") == "市级挂牌督办"


def test_the_panel_reads_the_steps_in_one_query(users, confirmed, django_assert_max_num_queries):
    hazard = Hazard.objects.select_related("enterprise").get(pk=confirmed.pk)
    request = RequestFactory().get("/")
    request.user = users["owner"]
    with django_assert_max_num_queries(2):  # the steps; the supervisor (none yet)
        Template('{% include "hazards/_major_panel.html" %}').render(RequestContext(request, {"hazard": hazard}))


def test_the_hazard_page_includes_the_panel(login, users, major, enterprise):
    page = login(users["jinshui"]).get(major.get_absolute_url()).content.decode()
    assert 'data-testid="major-panel"' in page and 'data-testid="review-form"' in page
    page = login(users["owner"]).get(major.get_absolute_url()).content.decode()
    assert 'data-testid="major-panel"' in page and 'data-testid="review-form"' not in page
    general = create_hazard(enterprise)
    assert 'data-testid="major-panel"' not in login(users["owner"]).get(general.get_absolute_url()).content.decode()
