"""Archive review (信息审核): the enterprise submits, the county approves or returns with a reason."""
import pytest
from django.urls import reverse

from tests.factories import create_item, create_unit, form_data
from worksafe.archive.models import Enterprise
from worksafe.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


def review(client, enterprise, action, **data):
    return client.post(reverse("archive:enterprise_review", args=[enterprise.pk, action]), data, follow=True)


def state(enterprise):
    enterprise.refresh_from_db()
    return enterprise.review_state


def test_it_runs_submit_return_submit_approve(login, users, enterprise):
    owner, county = users["owner"], users["jinshui"]
    page = review(login(owner), enterprise, "submit").content.decode()
    assert state(enterprise) == "submitted"
    assert "已提交审核" in page and "待审核" in page

    page = review(login(county), enterprise, "return", reason="缺少安全管理机构负责人").content.decode()
    assert state(enterprise) == "returned"
    assert enterprise.review_reason == "缺少安全管理机构负责人"
    assert "档案已退回：缺少安全管理机构负责人" in page

    workbench = login(owner).get(reverse("archive:workbench")).content.decode()
    assert "已退回" in workbench and "退回原因：缺少安全管理机构负责人" in workbench

    review(login(owner), enterprise, "submit")
    assert state(enterprise) == "submitted" and enterprise.review_reason == ""
    review(login(county), enterprise, "approve")
    assert state(enterprise) == "approved"

    steps = list(enterprise.reviews.order_by("time", "id").values_list("source", "target", "reason", "actor__username"))
    assert steps == [
        ("draft", "submitted", "", owner.username),
        ("submitted", "returned", "缺少安全管理机构负责人", "jinshui"),
        ("returned", "submitted", "", owner.username),
        ("submitted", "approved", "", "jinshui"),
    ]
    actions = list(ChangeRecord.objects.filter(enterprise_id=enterprise.pk).order_by("id").values_list("action", flat=True))
    assert actions[-4:] == ["submit", "return", "submit", "approve"]
    detail = login(county).get(enterprise.get_absolute_url()).content.decode()
    assert "审核记录" in detail and "缺少安全管理机构负责人" in detail


def test_returning_needs_a_reason(login, users, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="submitted")
    page = review(login(users["jinshui"]), enterprise, "return", reason="  ").content.decode()
    assert "退回须填写原因" in page
    assert state(enterprise) == "submitted"
    assert not enterprise.reviews.exists()


@pytest.mark.parametrize("action", ["approve", "return"])
def test_enterprises_cannot_review_themselves(login, users, enterprise, action):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="submitted")
    response = login(users["owner"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, action]), {"reason": "x"})
    assert response.status_code == 403
    assert state(enterprise) == "submitted"


def test_regulators_do_not_submit_for_the_enterprise(login, users, enterprise):
    assert login(users["jinshui"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "submit"])).status_code == 403
    assert state(enterprise) == "draft"


def test_township_regulators_cannot_review(login, township_user, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="submitted", region_id="410105001")
    client = login(township_user)
    assert "审核通过</button>" not in client.get(enterprise.get_absolute_url()).content.decode()
    assert client.post(reverse("archive:enterprise_review", args=[enterprise.pk, "approve"])).status_code == 403
    client.post(reverse("archive:enterprise_bulk_review"), {"action": "approve", "pk": [enterprise.pk]})
    assert state(enterprise) == "submitted"


def test_it_reports_a_review_in_the_wrong_state(login, users, enterprise):
    """A second reviewer arriving after the first (or a stale page) gets a message, not an error page."""
    page = review(login(users["jinshui"]), enterprise, "approve").content.decode()
    assert "当前状态“未提交”下不能执行此操作" in page
    assert state(enterprise) == "draft"


def test_the_detail_page_offers_the_actions_of_the_state(login, users, enterprise):
    owner_page = login(users["owner"]).get(enterprise.get_absolute_url()).content.decode()
    assert "提交审核" in owner_page and "审核通过</button>" not in owner_page
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="submitted")
    county_page = login(users["jinshui"]).get(enterprise.get_absolute_url()).content.decode()
    assert "审核通过</button>" in county_page and "退回</button>" in county_page


def test_the_list_shows_and_filters_review_states(login, users, enterprise, other_enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="returned")
    Enterprise.objects.filter(pk=other_enterprise.pk).update(review_state="approved")
    client = login(users["city"])
    page = client.get(reverse("archive:enterprise_list")).content.decode()
    assert "已退回" in page and "审核通过" in page
    returned = client.get(reverse("archive:enterprise_list"), {"review_state": "returned"}).content.decode()
    assert enterprise.name in returned and other_enterprise.name not in returned


def test_bulk_approve_and_return_from_the_list(login, users, enterprise, other_enterprise):
    third = Enterprise.objects.create(**{
        **{f.attname: getattr(enterprise, f.attname) for f in Enterprise._meta.concrete_fields if not f.primary_key},
        "uscc": "91410105MA9G5K7L5B", "name": "第三家",
    })
    Enterprise.objects.filter(pk__in=[enterprise.pk, other_enterprise.pk]).update(review_state="submitted")
    Enterprise.objects.filter(pk=third.pk).update(review_state="draft")
    client = login(users["city"])
    url, nxt = reverse("archive:enterprise_bulk_review"), reverse("archive:enterprise_list") + "?review_state=submitted"

    page = client.post(url, {"action": "return", "pk": [enterprise.pk], "next": nxt}, follow=True)
    assert "批量退回须填写原因" in page.content.decode()
    assert state(enterprise) == "submitted"

    response = client.post(url, {"action": "return", "reason": "请补充", "pk": [enterprise.pk], "next": nxt})
    assert response.status_code == 302 and response["Location"] == nxt
    assert state(enterprise) == "returned" and enterprise.review_reason == "请补充"

    page = client.post(url, {"action": "approve", "pk": [other_enterprise.pk, third.pk, enterprise.pk]}, follow=True).content.decode()
    assert "已审核通过 1 家企业，2 家不是待审核状态或无权审核，已跳过。" in page
    assert (state(other_enterprise), state(third), state(enterprise)) == ("approved", "draft", "returned")


def test_bulk_review_does_not_redirect_off_site(login, users, enterprise):
    response = login(users["city"]).post(
        reverse("archive:enterprise_bulk_review"), {"action": "approve", "pk": [enterprise.pk], "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


@pytest.fixture
def approved(enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="approved")
    enterprise.refresh_from_db()
    return enterprise


def test_editing_an_approved_archive_sends_it_back_to_review(login, users, approved):
    response = login(users["owner"]).post(reverse("archive:enterprise_edit", args=[approved.pk]), form_data(approved, staff_count=321))
    assert response.status_code == 302
    assert state(approved) == "submitted" and approved.staff_count == 321
    assert approved.reviews.get().reason == "已审核档案被修改，重新待审"


def test_saving_an_approved_archive_unchanged_keeps_it_approved(login, users, approved):
    login(users["owner"]).post(reverse("archive:enterprise_edit", args=[approved.pk]), form_data(approved))
    assert state(approved) == "approved"


@pytest.mark.parametrize("change", ["unit_add", "unit_edit", "unit_delete", "item_add", "item_edit", "item_delete"])
def test_changing_units_or_items_of_an_approved_archive_sends_it_back(login, users, approved, change):
    unit, item = create_unit(approved), create_item(approved)
    unit_data = {"name": "二号矿井", "industry": "07", "competent_department": "emergency"}
    item_data = {"seq": 2, "name": "反应釜", "area": "一车间", "accident_category": "07"}
    url, data = {
        "unit_add": (reverse("archive:unit_add", args=[approved.pk]), unit_data),
        "unit_edit": (reverse("archive:unit_edit", args=[unit.pk]), unit_data),
        "unit_delete": (reverse("archive:child_delete", args=["unit", unit.pk]), {}),
        "item_add": (reverse("archive:item_add", args=[approved.pk]), item_data),
        "item_edit": (reverse("archive:item_edit", args=[item.pk]), item_data),
        "item_delete": (reverse("archive:child_delete", args=["item", item.pk]), {}),
    }[change]
    assert login(users["owner"]).post(url, data).status_code == 302
    assert state(approved) == "submitted"


def test_moving_an_enterprise_records_the_reason(login, users, enterprise):
    page = login(users["city"]).post(
        reverse("archive:enterprise_move", args=[enterprise.pk]), {"region": "410103", "reason": "企业搬迁至二七区"}, follow=True
    ).content.decode()
    enterprise.refresh_from_db()
    assert enterprise.region_id == "410103"
    assert "属地已调整为 河南省郑州市二七区" in page
    change = ChangeRecord.objects.get(action="move_region")
    assert change.message == "企业搬迁至二七区" and change.user.username == "city"
    assert change.before == {"region_id": "410105"} and change.after == {"region_id": "410103"}
    assert "属地调整" in page and "企业搬迁至二七区" in page


def test_moving_to_a_township_keeps_the_archive_editable(login, users, enterprise):
    """属地调整 may place an enterprise in a 乡镇/街道; its archive must still save afterwards."""
    client = login(users["jinshui"])
    client.post(reverse("archive:enterprise_move", args=[enterprise.pk]), {"region": "410105001", "reason": "划归街道"})
    enterprise.refresh_from_db()
    assert enterprise.region_id == "410105001"
    for user in (users["jinshui"], users["owner"]):
        response = login(user).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, staff_count=77))
        assert response.status_code == 302, response.context["form"].errors
    enterprise.refresh_from_db()
    assert enterprise.region_id == "410105001" and enterprise.staff_count == 77


def test_setting_the_type_records_the_reason(login, users, enterprise):
    page = login(users["jinshui"]).post(
        reverse("archive:enterprise_set_type", args=[enterprise.pk]),
        {"industry": "0303", "competent_department": "emergency", "reason": "使用危险化学品"}, follow=True,
    ).content.decode()
    enterprise.refresh_from_db()
    assert (enterprise.industry_id, enterprise.competent_department_id) == ("0303", "emergency")
    change = ChangeRecord.objects.get(action="set_type")
    assert change.message == "使用危险化学品"
    assert change.after == {"industry_id": "0303", "competent_department_id": "emergency"}
    assert "类型设置" in page and "危险化学品使用" in page


@pytest.mark.parametrize("url_name", ["archive:enterprise_move", "archive:enterprise_set_type"])
def test_move_and_type_need_a_reason(login, users, enterprise, url_name):
    data = {"region": "410105001", "industry": "0303", "competent_department": "emergency", "reason": ""}
    response = login(users["jinshui"]).post(reverse(url_name, args=[enterprise.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["这个字段是必填项。"]
    assert not ChangeRecord.objects.filter(action__in=["move_region", "set_type"]).exists()
