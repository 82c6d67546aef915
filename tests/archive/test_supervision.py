"""分级负责 (archive.supervision, issue 22): each enterprise is owned by a level (county unless changed) and, where
named, by an industry department; the owners review its archive and get its 待办 and notifications, the levels above
may still review, those below may not. Changing the owner is requested, approved by a level at least as high as every
level concerned (never by the requester), audited with its reason, and told to those who decide and back to the
requester."""
import pytest
from django.urls import reverse

from tests.factories import JINSHUI, TOWNSHIP, create_enterprise, create_org, create_user, messages_of
from worksafe.archive import supervision
from worksafe.archive.models import ChangeState, Enterprise, SupervisionChange
from worksafe.core import permissions, todo
from worksafe.core.models import AuditAction, ChangeRecord, Notification, OrgLevel, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what waits for the commit (core.workflow.performed)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def department(orgs):
    """金水区工信局: a county industry department supervising 机械 (07), the fixture enterprise's industry."""
    return create_org("金水区工信局", OrgLevel.COUNTY, JINSHUI, industries=["07"], parent=orgs["jinshui"])


@pytest.fixture
def dept_user(department):
    return create_user("gongxin", Role.REGULATOR, department)


@pytest.fixture
def township_enterprise(db):
    return create_enterprise(TOWNSHIP, name="经八路机械修理厂")


def own(enterprise, level=None, department=None):
    """Hand `enterprise` to `level` / `department` directly (what an approved change does)."""
    fields = {"supervising_department": department}
    if level:
        fields["supervision_level"] = level
    Enterprise.objects.filter(pk=enterprise.pk).update(**fields)
    enterprise.refresh_from_db()
    return enterprise


def may_review(user, enterprise):
    return permissions.can_review_archive(user, enterprise)


def review(client, enterprise, action="approve"):
    return client.post(reverse("archive:enterprise_review", args=[enterprise.pk, action]))


def counts(user):
    return {item.key: item.count for item in todo.for_user(user)}


def told(kind):
    return {n.recipient.username: n.text for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def ask(client, enterprise, level, department=None, reason="该企业构成重大危险源，由市级直接负责"):
    return client.post(reverse("archive:supervisionchange_add", args=[enterprise.pk]),
                       {"level": level, "department": department.pk if department else "", "reason": reason})


def step(client, change, action, comment=""):
    return client.post(reverse("archive:supervisionchange_step", args=[change.pk, action]), {"comment": comment})


# ---- who reviews ----------------------------------------------------------------------------------------------------


def test_by_default_the_county_reviews_and_the_levels_above_may_too(users, enterprise, township_user, township_enterprise):
    assert enterprise.supervision_level == OrgLevel.COUNTY
    assert may_review(users["jinshui"], enterprise)
    assert may_review(users["city"], enterprise) and may_review(users["province"], enterprise)
    assert not may_review(users["erqi"], enterprise)  # not its jurisdiction
    assert township_enterprise.supervision_level == OrgLevel.COUNTY
    assert not may_review(township_user, township_enterprise)  # a township below the owning county


def test_a_township_does_not_review_a_county_owned_archive_on_the_page(login, township_user, township_enterprise):
    own(township_enterprise).review_state = "submitted"
    Enterprise.objects.filter(pk=township_enterprise.pk).update(review_state="submitted")
    assert review(login(township_user), township_enterprise).status_code == 403
    township_enterprise.refresh_from_db()
    assert township_enterprise.review_state == "submitted"


def test_a_city_owned_archive_is_reviewed_by_the_city_not_the_county(login, users, enterprise):
    own(enterprise, OrgLevel.CITY)
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="submitted")
    assert not may_review(users["jinshui"], enterprise)
    assert may_review(users["city"], enterprise) and may_review(users["province"], enterprise)
    assert review(login(users["jinshui"]), enterprise).status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.review_state == "submitted"
    assert review(login(users["city"]), enterprise).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.review_state == "approved"


def test_a_township_reviews_what_is_handed_to_it(users, township_user, township_enterprise):
    own(township_enterprise, OrgLevel.TOWNSHIP)
    assert may_review(township_user, township_enterprise)
    assert may_review(users["jinshui"], township_enterprise)  # the county above still may


def test_a_department_named_as_supervisor_reviews_and_is_told(login, users, enterprise, dept_user, department, committed):
    own(enterprise, OrgLevel.CITY)
    assert not may_review(dept_user, enterprise)  # a county department below the city, not named
    own(enterprise, department=department)
    assert may_review(dept_user, enterprise)
    assert set(supervision.owners(enterprise, "archive.review")) == {dept_user, users["city"]}
    with committed():
        assert login(users["owner"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "submit"])).status_code == 302
    assert set(told("archive.submitted")) == {"gongxin", "city"}  # the owners, not the county nor the province
    assert counts(dept_user)["archive.review"] == 1
    assert review(login(dept_user), enterprise).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.review_state == "approved"


# ---- 待办 -----------------------------------------------------------------------------------------------------------


def test_the_review_todo_counts_for_the_owners_only(users, enterprise, dept_user, department):
    own(enterprise, OrgLevel.CITY)
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="submitted")
    create_enterprise(JINSHUI, review_state="submitted")  # county-owned
    assert counts(users["city"])["archive.review"] == 1
    assert counts(users["jinshui"])["archive.review"] == 1
    assert "archive.review" not in counts(users["province"])
    assert "archive.review" not in counts(dept_user)


def test_a_township_that_owns_an_archive_has_it_in_its_todo(township_user, township_enterprise):
    own(township_enterprise, OrgLevel.TOWNSHIP)
    Enterprise.objects.filter(pk=township_enterprise.pk).update(review_state="submitted")
    assert counts(township_user).get("archive.review") == 1


def test_the_supervision_todo_counts_for_those_who_may_approve(login, users, enterprise, county_admins):
    ask(login(users["jinshui"]), enterprise, OrgLevel.CITY)
    change = SupervisionChange.objects.get()
    assert counts(users["city"])["archive.supervision"] == 1
    assert counts(users["province"])["archive.supervision"] == 1
    assert "archive.supervision" not in counts(county_admins["jinshui"])  # a county does not approve handing up
    assert "archive.supervision" not in counts(users["jinshui"])  # the requester (and a role without approval)
    assert "archive.supervision" not in counts(users["erqi"])
    step(login(users["city"]), change, "approve")
    assert "archive.supervision" not in counts(users["province"])


# ---- requesting and deciding -------------------------------------------------------------------------------------


def test_a_request_approved_by_the_city_changes_the_enterprise_audited(login, users, enterprise, county_admins, committed):
    requester = users["jinshui"]
    response = ask(login(requester), enterprise, OrgLevel.CITY)
    assert response.status_code == 302
    change = SupervisionChange.objects.get(enterprise=enterprise)
    assert (change.state, change.from_level, change.to_level, change.requester_level) == ("pending", "county", "city", "county")
    enterprise.refresh_from_db()
    assert enterprise.supervision_level == OrgLevel.COUNTY  # unchanged until approved
    # The approvers are told: the city and the province, not the county's administrator, not the requester.
    assert set(told("archive.supervision_requested")) == {"city", "province"}
    assert "由县级调整为市级，请审批" in told("archive.supervision_requested")["city"]
    with committed():
        assert step(login(users["city"]), change, "approve").status_code == 302
    enterprise.refresh_from_db()
    change.refresh_from_db()
    assert enterprise.supervision_level == OrgLevel.CITY and change.state == ChangeState.APPROVED
    assert change.decided_by == users["city"]
    record = ChangeRecord.objects.filter(content_type__model="enterprise", object_id=str(enterprise.pk),
                                         action=AuditAction.UPDATE).latest("pk")
    assert record.message == "负责监管层级调整为市级：该企业构成重大危险源，由市级直接负责"
    assert record.user == users["city"]
    assert ChangeRecord.objects.filter(content_type__model="supervisionchange", object_id=str(change.pk),
                                       action=AuditAction.APPROVE).exists()
    assert told("archive.supervision_decided") == {"jinshui": f"{enterprise.name} 的负责监管层级调整（市级）已批准。"}
    # From now on the city owns the review.
    assert not may_review(users["jinshui"], enterprise) and may_review(users["city"], enterprise)


def test_a_county_cannot_approve_handing_an_enterprise_up_to_the_city(login, users, enterprise, county_admins):
    ask(login(users["jinshui"]), enterprise, OrgLevel.CITY)
    change = SupervisionChange.objects.get()
    assert not supervision.may_approve(county_admins["jinshui"], change)
    assert step(login(county_admins["jinshui"]), change, "approve").status_code == 403
    change.refresh_from_db()
    enterprise.refresh_from_db()
    assert change.state == ChangeState.PENDING and enterprise.supervision_level == OrgLevel.COUNTY
    assert step(login(county_admins["erqi"]), change, "approve").status_code == 404  # another county's: not in scope


def test_a_reject_needs_a_reason_and_tells_the_requester(login, users, enterprise, committed):
    ask(login(users["jinshui"]), enterprise, OrgLevel.CITY)
    change = SupervisionChange.objects.get()
    client = login(users["city"])
    response = step(client, change, "reject")
    assert response.status_code == 302
    assert any("驳回" in m for m in messages_of(client.get(reverse("archive:supervisionchange_list"))))
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING
    with committed():
        step(client, change, "reject", "该企业不构成重大危险源")
    change.refresh_from_db()
    enterprise.refresh_from_db()
    assert change.state == ChangeState.REJECTED and change.comment == "该企业不构成重大危险源"
    assert enterprise.supervision_level == OrgLevel.COUNTY
    assert told("archive.supervision_decided") == {
        "jinshui": f"{enterprise.name} 的负责监管层级调整（市级）已驳回：该企业不构成重大危险源"}


def test_only_the_requester_withdraws(login, users, enterprise, committed):
    ask(login(users["jinshui"]), enterprise, OrgLevel.CITY)
    change = SupervisionChange.objects.get()
    assert step(login(users["city"]), change, "withdraw").status_code == 403
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING
    with committed():
        assert step(login(users["jinshui"]), change, "withdraw").status_code == 302
    change.refresh_from_db()
    assert change.state == ChangeState.WITHDRAWN
    assert not told("archive.supervision_decided")  # the requester is not told of their own withdrawal
    assert ask(login(users["jinshui"]), enterprise, OrgLevel.CITY).status_code == 302  # a new request is possible


def test_the_requester_cannot_approve_their_own(login, users, county_admins, township_user, township_enterprise):
    # Handing down to the township: the county may approve, but not the county administrator who asked.
    requester = county_admins["jinshui"]
    assert ask(login(requester), township_enterprise, OrgLevel.TOWNSHIP, reason="属地街道负责").status_code == 302
    change = SupervisionChange.objects.get()
    assert not supervision.may_approve(requester, change)
    assert step(login(requester), change, "approve").status_code == 403
    assert "archive.supervision" not in counts(requester)
    colleague = create_user("jinshui_admin2", Role.REGULATOR_ADMIN, requester.organization)
    assert counts(colleague)["archive.supervision"] == 1
    assert step(login(colleague), change, "approve").status_code == 302
    township_enterprise.refresh_from_db()
    assert township_enterprise.supervision_level == OrgLevel.TOWNSHIP
    assert may_review(township_user, township_enterprise)


# ---- refused requests ---------------------------------------------------------------------------------------------


def test_requests_that_cannot_be_made_are_refused_in_chinese(login, users, enterprise, orgs, department):
    e = enterprise
    assert supervision.request_error(e, OrgLevel.COUNTY, None) == "调整后的负责层级与现在相同。"
    assert supervision.request_error(e, OrgLevel.TOWNSHIP, None) == "该企业所在地没有乡镇级应急管理部门，不能交由乡镇级负责。"
    erqi_dept = create_org("二七区工信局", OrgLevel.COUNTY, "410103", industries=["07"])
    assert supervision.request_error(e, OrgLevel.COUNTY, erqi_dept) == "“二七区工信局”不监管该企业所在的区域或行业。"
    assert supervision.request_error(e, OrgLevel.COUNTY, orgs["chem"]) == "“河南省应急管理厅危化处”不监管该企业所在的区域或行业。"
    assert supervision.request_error(e, OrgLevel.COUNTY, department) == ""  # naming a covering department is a change
    client = login(users["jinshui"])
    response = ask(client, e, OrgLevel.TOWNSHIP)
    assert response.status_code == 200 and "该企业所在地没有乡镇级应急管理部门" in response.content.decode()
    response = ask(client, e, OrgLevel.COUNTY, reason="")
    assert response.status_code == 200 and response.context["form"].errors
    assert not SupervisionChange.objects.exists()
    ask(client, e, OrgLevel.CITY)
    assert supervision.request_error(e, OrgLevel.PROVINCE, None) == "该企业已有一项待审批的负责层级调整，请等待审批或撤回后再申请。"
    response = ask(login(users["city"]), e, OrgLevel.PROVINCE)
    assert response.status_code == 200 and "已有一项待审批的负责层级调整" in response.content.decode()
    assert SupervisionChange.objects.count() == 1


def test_the_department_form_offers_only_covering_departments(login, users, enterprise, orgs, department):
    create_org("二七区工信局", OrgLevel.COUNTY, "410103", industries=["07"])
    page = login(users["jinshui"]).get(reverse("archive:supervisionchange_add", args=[enterprise.pk]))
    assert page.status_code == 200
    assert set(page.context["form"].fields["department"].queryset) == {department}


def test_who_may_request(login, users, enterprise, other_enterprise):
    assert login(users["owner"]).get(reverse("archive:supervisionchange_add", args=[enterprise.pk])).status_code in (403, 404)
    assert login(users["erqi"]).get(reverse("archive:supervisionchange_add", args=[enterprise.pk])).status_code == 404
    assert ask(login(users["owner"]), enterprise, OrgLevel.CITY).status_code in (403, 404)
    assert not SupervisionChange.objects.exists()


# ---- the archive page -------------------------------------------------------------------------------------------


def test_the_archive_page_shows_the_card_and_the_buttons(login, users, enterprise, department):
    url = reverse("archive:enterprise_detail", args=[enterprise.pk])
    page = login(users["jinshui"]).get(url).content.decode()
    assert 'data-testid="supervision"' in page and "由县级负责监管" in page
    assert reverse("archive:supervisionchange_add", args=[enterprise.pk]) in page
    assert 'data-testid="supervision"' not in login(users["owner"]).get(url).content.decode()  # the enterprise side
    ask(login(users["jinshui"]), enterprise, OrgLevel.CITY, department)
    requester_page = login(users["jinshui"]).get(url).content.decode()
    assert "待审批" in requester_page and "金水区工信局" in requester_page
    assert 'data-testid="supervision-withdraw"' in requester_page
    assert 'data-testid="supervision-approve"' not in requester_page
    assert reverse("archive:supervisionchange_add", args=[enterprise.pk]) not in requester_page  # one at a time
    approver_page = login(users["city"]).get(url).content.decode()
    assert 'data-testid="supervision-approve"' in approver_page and 'data-testid="supervision-reject"' in approver_page
    assert 'data-testid="supervision-withdraw"' not in approver_page
    step(login(users["city"]), SupervisionChange.objects.get(), "approve")
    page = login(users["jinshui"]).get(url).content.decode()
    assert "由市级负责监管，行业部门：金水区工信局" in page


def test_the_list_of_changes_shows_the_requests_in_scope(login, users, enterprise, other_enterprise):
    ask(login(users["jinshui"]), enterprise, OrgLevel.CITY)
    ask(login(users["erqi"]), other_enterprise, OrgLevel.CITY)
    rows = login(users["jinshui"]).get(reverse("archive:supervisionchange_list")).context["rows"]
    assert [c.enterprise for c in rows] == [enterprise]
    rows = login(users["city"]).get(reverse("archive:supervisionchange_list"), {"state": "pending"}).context["rows"]
    assert {c.enterprise for c in rows} == {enterprise, other_enterprise}
    assert all([s.action for s in c.steps] == ["approve", "reject"] for c in rows)


def test_a_request_racing_another_one_gets_the_message_not_an_error(login, users, enterprise, monkeypatch):
    """Two requests filed at once: the second meets the one-pending constraint and is told so on the form."""
    from django.db import IntegrityError

    def racing(*args, **kwargs):
        raise IntegrityError("supervision_change_one_pending")

    monkeypatch.setattr(supervision, "request", racing)
    response = ask(login(users["jinshui"]), enterprise, "city")
    assert response.status_code == 200
    assert "已有一项待审批的负责层级调整" in response.content.decode()
    assert not SupervisionChange.objects.exists()
