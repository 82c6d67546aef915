"""Jurisdiction through every enterprise page: an outsider who guesses a URL gets 404 and changes nothing."""
import pytest
from django.urls import reverse
from stdnum.cn import uscc

from tests.factories import PASSWORD, create_item, create_unit, form_data
from worksafe.archive.models import Enterprise, KeySupervisionItem, SecondaryUnit
from worksafe.core.models import ChangeRecord, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(enterprise):
    """The 金水区 enterprise with a secondary unit and a key item, awaiting review."""
    enterprise.review_state = "submitted"
    enterprise.save()
    return {"enterprise": enterprise, "unit": create_unit(enterprise), "item": create_item(enterprise)}


def _unit_data(t):
    return {"name": "改名矿井", "industry": t["enterprise"].industry_id, "competent_department": "emergency"}


def _item_data(t):
    return {"seq": 1, "name": "改名储罐", "area": "罐区", "accident_category": "09", "controlled": "on"}


# (url name, args from the target, method, POST data from the target)
PAGES = [
    ("archive:enterprise_detail", lambda t: [t["enterprise"].pk], "get", None),
    ("archive:enterprise_edit", lambda t: [t["enterprise"].pk], "get", None),
    ("archive:enterprise_edit", lambda t: [t["enterprise"].pk], "post", lambda t: form_data(t["enterprise"], staff_count=1)),
    ("archive:enterprise_delete", lambda t: [t["enterprise"].pk], "post", lambda t: {}),
    ("archive:enterprise_review", lambda t: [t["enterprise"].pk, "submit"], "post", lambda t: {}),
    ("archive:enterprise_review", lambda t: [t["enterprise"].pk, "approve"], "post", lambda t: {}),
    ("archive:enterprise_review", lambda t: [t["enterprise"].pk, "return"], "post", lambda t: {"reason": "资料不全"}),
    ("archive:enterprise_move", lambda t: [t["enterprise"].pk], "get", None),
    ("archive:enterprise_move", lambda t: [t["enterprise"].pk], "post", lambda t: {"region": "410105001", "reason": "搬迁"}),
    ("archive:enterprise_set_type", lambda t: [t["enterprise"].pk], "get", None),
    ("archive:enterprise_set_type", lambda t: [t["enterprise"].pk], "post",
     lambda t: {"industry": "0301", "competent_department": "emergency", "reason": "改行"}),
    ("archive:enterprise_reset_password", lambda t: [t["enterprise"].pk], "post", lambda t: {}),
    ("archive:unit_add", lambda t: [t["enterprise"].pk], "get", None),
    ("archive:unit_add", lambda t: [t["enterprise"].pk], "post", _unit_data),
    ("archive:unit_edit", lambda t: [t["unit"].pk], "get", None),
    ("archive:unit_edit", lambda t: [t["unit"].pk], "post", _unit_data),
    ("archive:item_add", lambda t: [t["enterprise"].pk], "get", None),
    ("archive:item_add", lambda t: [t["enterprise"].pk], "post", _item_data),
    ("archive:item_edit", lambda t: [t["item"].pk], "get", None),
    ("archive:item_edit", lambda t: [t["item"].pk], "post", _item_data),
    ("archive:child_delete", lambda t: ["unit", t["unit"].pk], "post", lambda t: {}),
    ("archive:child_delete", lambda t: ["item", t["item"].pk], "post", lambda t: {}),
]
PAGE_IDS = [f"{name.split(':')[1]}-{method}-{i}" for i, (name, _, method, _) in enumerate(PAGES)]


def _state(t):
    """Everything the pages could change, to prove that nothing did."""
    e = t["enterprise"]
    return (
        list(Enterprise.objects.filter(pk=e.pk).values()),
        list(SecondaryUnit.objects.filter(enterprise=e).values()),
        list(KeySupervisionItem.objects.filter(enterprise=e).values()),
        list(User.objects.filter(enterprise=e).values("username", "password", "must_change_password")),
        ChangeRecord.objects.count(),
    )


def _request(client, name, args, method, data, t):
    url = reverse(name, args=args(t))
    return client.get(url) if method == "get" else client.post(url, data(t))


@pytest.mark.parametrize("outsider", ["erqi", "outsider", "chem"])
@pytest.mark.parametrize("name,args,method,data", PAGES, ids=PAGE_IDS)
def test_it_hides_other_jurisdictions_enterprise_pages(login, users, target, outsider, name, args, method, data):
    """金水区's archive through 二七区's regulator, 二七区's enterprise and the province's chemicals division."""
    before = _state(target)
    response = _request(login(users[outsider]), name, args, method, data, target)
    assert response.status_code == 404
    assert _state(target) == before


@pytest.mark.parametrize("name,args,method,data", PAGES, ids=PAGE_IDS)
def test_it_serves_the_same_pages_in_jurisdiction(login, users, target, name, args, method, data):
    """The control for the test above: the pages exist and 金水区's own regulators reach them."""
    actor = users["owner"] if name.endswith("review") and args(target)[1] == "submit" else users["city"]
    response = _request(login(actor), name, args, method, data, target)
    assert response.status_code in (200, 302)
    if method == "post":
        assert response.status_code == 302, response.context["form"].errors if response.context else ""


def test_a_guessed_id_looks_like_a_missing_one(login, users, enterprise, other_enterprise):
    client = login(users["jinshui"])
    missing = client.get(reverse("archive:enterprise_detail", args=[other_enterprise.pk + 1000]))
    hidden = client.get(reverse("archive:enterprise_detail", args=[other_enterprise.pk]))
    assert missing.status_code == hidden.status_code == 404
    assert other_enterprise.name not in hidden.content.decode()


def test_it_lists_only_enterprises_in_jurisdiction(login, users, enterprise, other_enterprise):
    jinshui = login(users["jinshui"]).get(reverse("archive:enterprise_list")).content.decode()
    assert enterprise.name in jinshui and other_enterprise.name not in jinshui
    chem = login(users["chem"]).get(reverse("archive:enterprise_list")).content.decode()
    assert other_enterprise.name in chem and enterprise.name not in chem


def test_enterprise_users_cannot_use_the_regulator_pages(login, users):
    client = login(users["owner"])
    for name in ["archive:enterprise_list", "archive:change_list", "archive:enterprise_add"]:
        assert client.get(reverse(name)).status_code == 403, name


def test_bulk_review_skips_enterprises_out_of_jurisdiction(login, users, enterprise, other_enterprise):
    Enterprise.objects.update(review_state="submitted")
    client = login(users["jinshui"])
    response = client.post(
        reverse("archive:enterprise_bulk_review"), {"action": "approve", "pk": [enterprise.pk, other_enterprise.pk]}, follow=True
    )
    enterprise.refresh_from_db(), other_enterprise.refresh_from_db()
    assert enterprise.review_state == "approved"
    assert other_enterprise.review_state == "submitted"
    assert not other_enterprise.reviews.exists()
    assert "已审核通过 1 家企业" in response.content.decode()

    client.post(reverse("archive:enterprise_bulk_review"), {"action": "return", "reason": "不全", "pk": [other_enterprise.pk]})
    other_enterprise.refresh_from_db()
    assert other_enterprise.review_state == "submitted"


def test_it_refuses_to_edit_an_enterprise_out_of_its_region(login, users, enterprise):
    before = list(Enterprise.objects.filter(pk=enterprise.pk).values())
    changes = ChangeRecord.objects.count()
    response = login(users["jinshui"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, region="410103"))
    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert list(Enterprise.objects.filter(pk=enterprise.pk).values()) == before
    assert ChangeRecord.objects.count() == changes


def test_it_refuses_to_edit_an_enterprise_out_of_its_industries(login, users, other_enterprise):
    """The chemicals division may not reclassify a chemical plant as machinery through the edit form."""
    before = list(Enterprise.objects.filter(pk=other_enterprise.pk).values())
    changes = ChangeRecord.objects.count()
    response = login(users["chem"]).post(
        reverse("archive:enterprise_edit", args=[other_enterprise.pk]), form_data(other_enterprise, industry="07", staff_count=9)
    )
    assert response.status_code == 200
    assert "超出您的管辖范围" in response.content.decode()
    assert list(Enterprise.objects.filter(pk=other_enterprise.pk).values()) == before
    assert ChangeRecord.objects.count() == changes


def test_it_refuses_to_retype_an_enterprise_out_of_its_industries(login, users, other_enterprise):
    response = login(users["chem"]).post(
        reverse("archive:enterprise_set_type", args=[other_enterprise.pk]),
        {"industry": "07", "competent_department": "industry", "reason": "改为机械"},
    )
    assert response.status_code == 200
    assert "不在您的监管范围内" in response.content.decode()
    other_enterprise.refresh_from_db()
    assert other_enterprise.industry_id == "0301"
    assert not ChangeRecord.objects.filter(action="set_type").exists()


@pytest.mark.parametrize("actor,region", [("jinshui", "410103"), ("city", "410305"), ("city", "410000")])
def test_it_refuses_to_move_an_enterprise_out_of_jurisdiction(login, users, enterprise, actor, region):
    response = login(users[actor]).post(reverse("archive:enterprise_move", args=[enterprise.pk]), {"region": region, "reason": "搬迁"})
    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    enterprise.refresh_from_db()
    assert enterprise.region_id == "410105"
    assert not ChangeRecord.objects.filter(action="move_region").exists()


def test_it_refuses_to_add_an_enterprise_out_of_jurisdiction(login, users, enterprise):
    new = Enterprise(**{f.attname: getattr(enterprise, f.attname) for f in Enterprise._meta.concrete_fields if not f.primary_key})
    new.name, new.uscc = "越界企业", "91410103MA44XXXX0" + uscc.calc_check_digit("91410103MA44XXXX0")
    jinshui = login(users["jinshui"]).post(reverse("archive:enterprise_add"), form_data(new, region="410103"))
    assert jinshui.context["form"].errors["region"]
    chem = login(users["chem"]).post(reverse("archive:enterprise_add"), form_data(new, industry="07"))
    assert "不在您的管辖范围内" in chem.content.decode()
    assert not Enterprise.objects.filter(name="越界企业").exists()
    assert not User.objects.filter(username=new.uscc).exists()


def test_enterprise_users_cannot_move_or_retype_themselves(login, users, enterprise):
    client = login(users["owner"])
    response = client.post(
        reverse("archive:enterprise_edit", args=[enterprise.pk]),
        form_data(enterprise, region="410103", industry="0301", competent_department="coal", uscc="91410103MA9F0XRA1T"),
    )
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.region_id, enterprise.industry_id, enterprise.competent_department_id) == ("410105", "07", "industry")
    for name in ["archive:enterprise_move", "archive:enterprise_set_type"]:
        assert client.get(reverse(name, args=[enterprise.pk])).status_code == 403
    assert client.post(reverse("archive:enterprise_reset_password", args=[enterprise.pk])).status_code == 403
    assert client.post(reverse("archive:enterprise_delete", args=[enterprise.pk])).status_code == 403
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()


def test_township_regulators_see_only_their_township(login, township_user, enterprise):
    client = login(township_user)
    assert client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).status_code == 404
    enterprise.region_id = "410105001"
    enterprise.save()
    assert client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).status_code == 200


def test_an_outsiders_password_reset_leaves_the_account_alone(login, users, enterprise):
    login(users["erqi"]).post(reverse("archive:enterprise_reset_password", args=[enterprise.pk]))
    account = User.objects.get(username=enterprise.uscc)
    assert account.check_password(PASSWORD) and not account.must_change_password
