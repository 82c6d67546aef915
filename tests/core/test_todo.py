"""待办 (core/todo.py): each source counts exactly the pending rows in the user's scope, for the role it is for.

Every regulator source gets one pending row in 金水区 (counted for 金水's regulator), the same in the sibling county
二七区 (never counted: out of scope) and a row of 金水 that is not pending (never counted). Every enterprise source gets
the owner's pending row(s) and the outsider's (never counted).
"""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ERQI, JINSHUI, create_enterprise, create_hazard, create_risk_list
from worksafe.api.models import ApiSubscription, SubscriptionState
from worksafe.archive.models import Enterprise
from worksafe.core import todo
from worksafe.hazards.models import CheckPlan, HazardCheck, PublicReport, ReportingDuty
from worksafe.hazards.periods import key

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def counts(user):
    return {item.key: item.count for item in todo.for_user(user)}


def items(user):
    return {item.key: item for item in todo.for_user(user)}


# ---- regulators ----


def submitted(region):
    return create_enterprise(region, review_state="submitted")


def public_report(region, status="pending"):
    return PublicReport.objects.create(region_id=region, text="消防通道被堵", client="c" * 32, status=status)


def major(region, **fields):
    return create_hazard(create_enterprise(region), name="液氨储罐区未设置泄漏报警", level="major", **fields)


def subscription(region, state=SubscriptionState.PENDING):
    return ApiSubscription.objects.create(enterprise=create_enterprise(region), region_id=region, interfaces=["risks"],
                                          system_name="自建双预防系统", contact="张工", phone="13800000000", state=state)


def overdue(region, **fields):
    return create_hazard(create_enterprise(region), deadline=YESTERDAY, **fields)


REGULATOR_SOURCES = {
    # source: (a pending row in `region`, a row of 金水 that is not pending, the list it links to)
    "archive.review": (submitted, lambda: create_enterprise(JINSHUI, review_state="approved"),
                       "/archive/enterprises/?review_state=submitted&supervision=mine"),
    "hazards.public": (public_report, lambda: public_report(JINSHUI, "accepted"), "/hazards/public/?status=pending"),
    "hazards.major_review": (lambda r: major(r, review="pending"), lambda: major(JINSHUI, review="confirmed", state="rectifying"),
                             "/hazards/major/?review=pending"),
    "hazards.major_accept": (lambda r: major(r, review="confirmed", state="accepting"),
                             lambda: create_hazard(create_enterprise(JINSHUI), state="accepting"),
                             "/hazards/major/?state=accepting"),
    "api.pending": (subscription, lambda: subscription(JINSHUI, SubscriptionState.APPROVED), "/connect/?state=pending"),
    "hazards.overdue": (overdue, lambda: overdue(JINSHUI, state="closed"), "/hazards/open/?due=overdue"),
}


OWNED = {"archive.review"}  # routed to the enterprise's supervising level only


@pytest.mark.parametrize("source", REGULATOR_SOURCES)
def test_each_regulator_source_counts_exactly_its_pending_rows_in_scope(users, source):
    pending, not_pending, url = REGULATOR_SOURCES[source]
    pending(JINSHUI), pending(JINSHUI), pending(ERQI), not_pending()

    item = items(users["jinshui"])[source]
    assert item.count == 2 and not item.more
    assert item.href == url
    assert items(users["erqi"])[source].count == 1
    if source in OWNED:  # 分级负责: the county owns these, the city above is not asked
        assert source not in counts(users["city"])
    else:
        assert items(users["city"])[source].count == 3  # the city sees both counties
    assert source not in counts(users["owner"])  # the enterprise side never sees a regulator's source


def test_the_overdue_source_never_counts_a_hazard_not_yet_due(users):
    create_hazard(create_enterprise(JINSHUI), deadline=TODAY)
    assert "hazards.overdue" not in counts(users["jinshui"])


def test_a_township_regulator_is_shown_overdue_rectifications_but_nothing_to_decide(users, township_user):
    township = create_enterprise("410105001")
    create_hazard(township, deadline=YESTERDAY), create_hazard(township, level="major", review="pending")
    ApiSubscription.objects.create(enterprise=township, region_id=township.region_id, interfaces=["risks"],
                                   system_name="系统", contact="张工", phone="13800000000")
    township.review_state = "submitted"
    township.save()
    assert counts(township_user) == {"hazards.overdue": 1}
    assert counts(users["jinshui"]) == {"archive.review": 1, "hazards.major_review": 1, "api.pending": 1, "hazards.overdue": 1}


def test_an_industry_department_counts_the_archives_it_is_named_to_supervise(users, orgs):
    chemical = create_enterprise(JINSHUI, industry="0301", review_state="submitted")  # 危险化学品
    create_enterprise(JINSHUI, industry="0301", review_state="submitted")
    create_enterprise(JINSHUI, industry="07", review_state="submitted", supervision_level="province")
    assert "archive.review" not in counts(users["chem"])
    Enterprise.objects.filter(pk=chemical.pk).update(supervising_department=orgs["chem"])
    assert counts(users["chem"])["archive.review"] == 1  # the one it supervises
    assert counts(users["province"])["archive.review"] == 1  # the one handed to the province
    assert counts(users["jinshui"])["archive.review"] == 2  # the county's own, the department's too


def test_a_count_above_the_limit_says_there_are_more(users, monkeypatch):
    monkeypatch.setattr(todo, "LIMIT", 2)
    for _ in range(3):
        submitted(JINSHUI)
    item = items(users["jinshui"])["archive.review"]
    assert (item.count, item.more) == (2, True)


def test_nothing_pending_leaves_the_list_empty(users):
    assert todo.for_user(users["jinshui"]) == []


# ---- the enterprise ----


def test_a_returned_archive_is_the_enterprises_to_do(users, enterprise, other_enterprise):
    for e in (enterprise, other_enterprise):
        e.review_state = "returned"
        e.save()
    item = items(users["owner"])["archive.returned"]
    assert item.count == 1 and item.href == reverse("archive:enterprise_detail", args=[enterprise.pk])
    assert "archive.returned" not in counts(users["jinshui"])


def test_hazards_to_rectify_and_to_accept_count_the_enterprises_own(users, enterprise, other_enterprise):
    for e in (enterprise, other_enterprise):
        create_hazard(e, state="reported"), create_hazard(e, state="rectifying"), create_hazard(e, state="accepting")
        create_hazard(e, level="major", review="pending")  # the regulator reviews it first
        create_hazard(e, level="major", review="confirmed", state="accepting")  # the regulator accepts it
        create_hazard(e, state="closed")
    create_hazard(enterprise, state="rectifying", level="major", review="confirmed")
    ledger = reverse("hazards:hazard_list", args=[enterprise.pk])
    found = items(users["owner"])
    assert {k: found[k].count for k in ("hazards.to_start", "hazards.rectifying", "hazards.to_accept")} == {
        "hazards.to_start": 1, "hazards.rectifying": 2, "hazards.to_accept": 1}
    assert found["hazards.to_start"].href == f"{ledger}?state=reported&level=general"
    assert found["hazards.rectifying"].href == f"{ledger}?state=rectifying"
    assert found["hazards.to_accept"].href == f"{ledger}?state=accepting&level=general"


def test_check_plans_due_this_period_count_until_checked(users, enterprise, other_enterprise):
    def plan(e, **fields):
        return CheckPlan.objects.create(enterprise=e, name="月度综合排查", use_measures=True, person="张三",
                                        frequency_unit="month", starts_on=TODAY - datetime.timedelta(days=70), **fields)

    due, checked = plan(enterprise), plan(enterprise)
    plan(enterprise, active=False), plan(other_enterprise)
    HazardCheck.objects.create(enterprise=enterprise, plan=checked, checked_on=TODAY, checker_name="张三")
    assert items(users["owner"])["hazards.plans_due"].count == 1
    HazardCheck.objects.create(enterprise=enterprise, plan=due, checked_on=TODAY, checker_name="张三")
    assert "hazards.plans_due" not in counts(users["owner"])


def test_the_periodic_report_is_due_until_made_and_not_while_paused(users, enterprise):
    item = items(users["owner"])["hazards.report_due"]
    assert item.count == 1 and item.href == reverse("hazards:report_edit", args=[enterprise.pk])
    duty = ReportingDuty.objects.create(enterprise=enterprise, last_period=key("month", TODAY))
    assert "hazards.report_due" not in counts(users["owner"])
    duty.last_period, duty.paused_from = "", TODAY - datetime.timedelta(days=3)
    duty.save()
    assert "hazards.report_due" not in counts(users["owner"])


def test_patrols_overdue_or_due_soon_are_the_enterprises_to_do(users, enterprise, other_enterprise):
    from worksafe.risks.models import ControlMeasure

    now = timezone.now()
    mine, theirs = create_risk_list(enterprise)["measures"], create_risk_list(other_enterprise)["measures"]
    ControlMeasure.objects.filter(pk=mine[0].pk).update(next_due_at=now - datetime.timedelta(hours=1))  # overdue
    ControlMeasure.objects.filter(pk=mine[1].pk).update(next_due_at=now + datetime.timedelta(hours=1))  # a shift: due soon
    ControlMeasure.objects.filter(pk__in=[m.pk for m in theirs]).update(next_due_at=now - datetime.timedelta(hours=1))
    item = items(users["owner"])["risks.patrols_due"]
    assert item.count == 2 and item.href == reverse("risks:patrol_due", args=[enterprise.pk]) + "?show=due"
    ControlMeasure.objects.filter(pk__in=[m.pk for m in mine]).update(next_due_at=now + datetime.timedelta(days=1))
    assert "risks.patrols_due" not in counts(users["owner"])


def test_the_workbench_shows_the_to_do_list_first(login, users, enterprise):
    create_hazard(enterprise, state="rectifying")
    page = login(users["owner"]).get(reverse("archive:workbench")).content.decode()
    assert page.index('data-testid="todo"') < page.index("企业基本信息")
    assert 'data-todo="hazards.rectifying"' in page and "整改中的隐患" in page
    assert f'href="{reverse("hazards:hazard_list", args=[enterprise.pk])}?state=rectifying"' in page


def test_every_source_has_a_unique_key_and_a_label():
    keys = [s.key for s in todo.sources()]
    assert len(keys) == len(set(keys)) and all(s.label for s in todo.sources())
    assert {"archive.review", "hazards.public", "hazards.major_review", "api.pending", "hazards.overdue", "archive.returned",
            "hazards.to_start", "hazards.to_accept", "risks.patrols_due", "hazards.plans_due", "hazards.report_due"} <= set(keys)
