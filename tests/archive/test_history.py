"""Every change is recorded and shown: the enterprise's 变更历史 and the regulators' 生产经营单位变更信息."""
import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.factories import create_item, create_unit, form_data
from worksafe.archive.models import SecondaryUnit
from worksafe.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


def section(html, marker='id="history"'):
    return html.split(marker, 1)[1]


def test_the_archive_page_shows_who_changed_which_field_from_what_to_what(login, users, enterprise):
    old_phone, old_staff = enterprise.duty_phone, enterprise.staff_count
    login(users["owner"]).post(
        reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, duty_phone="0371-61112222", staff_count=old_staff + 5)
    )
    change = ChangeRecord.objects.filter(enterprise_id=enterprise.pk, action="update").get()
    assert change.user == users["owner"] and change.user_name == enterprise.uscc
    assert change.before == {"duty_phone": old_phone, "staff_count": old_staff}
    assert change.after == {"duty_phone": "0371-61112222", "staff_count": old_staff + 5}

    history = section(login(users["jinshui"]).get(enterprise.get_absolute_url()).content.decode())
    assert enterprise.uscc in history and "修改" in history
    assert change.time.astimezone(datetime.timezone(datetime.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M") in history
    for text in ["值班电话", old_phone, "0371-61112222", "职工总数", str(old_staff), str(old_staff + 5)]:
        assert text in history, text
    assert "更新时间" not in history  # bookkeeping fields are not changes


def test_history_shows_readable_values(login, users, enterprise):
    login(users["city"]).post(
        reverse("archive:enterprise_set_type", args=[enterprise.pk]), {"industry": "0301", "competent_department": "emergency", "reason": "转产"}
    )
    login(users["owner"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]),
                               form_data(enterprise, has_major_hazard_source=True, industry="0301", competent_department="emergency"))
    history = section(login(users["jinshui"]).get(enterprise.get_absolute_url()).content.decode())
    # labels, not codes: the industry's name, the department's label, 是/否
    for text in ["行业分类", "机械", "危险化学品生产", "主管部门", "工信局", "应急局", "是否有危化品重大危险源", "否", "是", "类型设置", "转产"]:
        assert text in history, text


def test_history_covers_units_and_items(login, users, enterprise):
    client = login(users["owner"])
    client.post(reverse("archive:unit_add", args=[enterprise.pk]), {"name": "机修车间", "industry": "07", "competent_department": "emergency"})
    unit = SecondaryUnit.objects.get(name="机修车间")
    client.post(reverse("archive:unit_edit", args=[unit.pk]), {"name": "机修一车间", "industry": "07", "competent_department": "emergency"})
    item = create_item(enterprise, name="动火作业")
    client.post(reverse("archive:child_delete", args=["item", item.pk]))
    actions = list(
        ChangeRecord.objects.filter(enterprise_id=enterprise.pk, content_type__model__in=["secondaryunit", "keysupervisionitem"])
        .order_by("id").values_list("content_type__model", "action", "object_repr")
    )
    assert actions == [
        ("secondaryunit", "create", "机修车间"),
        ("secondaryunit", "update", "机修一车间"),
        ("keysupervisionitem", "create", "动火作业"),
        ("keysupervisionitem", "delete", "动火作业"),
    ]
    history = section(client.get(enterprise.get_absolute_url()).content.decode())
    assert "二级生产经营单位" in history and "机修一车间" in history and "删除" in history and "重点监管信息" in history


def test_the_history_page_costs_the_same_however_long(login, users, enterprise, django_assert_max_num_queries):
    client = login(users["city"])
    create_unit(enterprise, name="单位0"), create_item(enterprise, name="设施0")
    url = reverse("archive:change_list")
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(1, 10):
        create_unit(enterprise, name=f"单位{n}"), create_item(enterprise, name=f"设施{n}")
    with django_assert_max_num_queries(30) as many:
        response = client.get(url)
    assert len(response.context["page"]) == 20
    # One query per kind of related object named in the changes, none per change.
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_a_deleted_enterprise_keeps_its_history(login, users, county_admins, enterprise):
    create_unit(enterprise, name="运输部")
    pk = enterprise.pk
    login(county_admins["jinshui"]).post(reverse("archive:enterprise_delete", args=[pk]))
    deleted = ChangeRecord.objects.filter(enterprise_id=pk, action="delete")
    assert {c.content_type.model for c in deleted} >= {"enterprise", "secondaryunit", "user"}
    assert all(c.region_code == "410105" and c.user_name == "jinshui_admin" for c in deleted)
    page = login(users["jinshui"]).get(reverse("archive:change_list"), {"action": "delete"}).content.decode()
    assert enterprise.name in page and "运输部" in page


# ---- 生产经营单位变更信息: the regulators' list of changes ----

@pytest.fixture
def changes(login, users, enterprise, other_enterprise):
    """A change in 金水区 by its enterprise, and one in 二七区 by its enterprise."""
    login(users["owner"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, address="金水路1号"))
    login(users["outsider"]).post(reverse("archive:enterprise_edit", args=[other_enterprise.pk]), form_data(other_enterprise, address="二七路2号"))
    return enterprise, other_enterprise


def test_the_change_list_covers_the_jurisdiction(login, users, changes):
    page = login(users["city"]).get(reverse("archive:change_list")).content.decode()
    assert "生产经营单位变更信息" in page
    assert "金水路1号" in page and "二七路2号" in page


@pytest.mark.parametrize("who,sees,hidden", [
    ("jinshui", "金水路1号", "二七路2号"),
    ("erqi", "二七路2号", "金水路1号"),
    ("chem", "二七路2号", "金水路1号"),  # the chemicals division: the chemical plant only
])
def test_the_change_list_never_shows_other_jurisdictions(login, users, changes, who, sees, hidden):
    client = login(users[who])
    page = client.get(reverse("archive:change_list")).content.decode()
    assert sees in page and hidden not in page
    # Not through the filters either.
    enterprise, other = changes
    for params in [{"enterprise_id": enterprise.pk}, {"enterprise_id": other.pk}, {"q": "路"}, {"action": "update"}]:
        assert hidden not in client.get(reverse("archive:change_list"), params).content.decode()


def test_moved_enterprises_take_their_history_along(login, users, changes):
    enterprise, _ = changes
    login(users["city"]).post(reverse("archive:enterprise_move", args=[enterprise.pk]), {"region": "410103", "reason": "搬迁"})
    erqi = login(users["erqi"])
    assert "金水路1号" in erqi.get(enterprise.get_absolute_url()).content.decode()
    page = erqi.get(reverse("archive:change_list")).content.decode()
    assert "搬迁" in page and "金水路1号" in page
    # 金水区 no longer supervises it, so no longer sees its changes.
    page = login(users["jinshui"]).get(reverse("archive:change_list")).content.decode()
    assert "金水路1号" not in page and enterprise.name not in page


@pytest.mark.parametrize("params,shown,not_shown", [
    ({"q": "金水测试"}, ["金水路1号"], ["二七路2号"]),
    ({"q": "outsider-name"}, [], ["金水路1号", "二七路2号"]),
    ({"action": "set_type"}, ["改为化工"], ["金水路1号"]),
    ({"action": ["update", "set_type"]}, ["改为化工", "金水路1号"], []),
])
def test_the_change_list_filters(login, users, changes, params, shown, not_shown):
    enterprise, _ = changes
    client = login(users["city"])
    client.post(reverse("archive:enterprise_set_type", args=[enterprise.pk]),
                {"industry": "0301", "competent_department": "emergency", "reason": "改为化工"})
    page = client.get(reverse("archive:change_list"), params).content.decode()
    for text in shown:
        assert text in page, text
    for text in not_shown:
        assert text not in page, text


def test_the_change_list_filters_by_type_enterprise_and_date(login, users, changes):
    enterprise, other = changes
    create_unit(enterprise, name="新建运输部")
    client = login(users["city"])
    unit_type = ContentType.objects.get_for_model(SecondaryUnit).pk
    page = client.get(reverse("archive:change_list"), {"content_type": unit_type}).content.decode()
    assert "新建运输部" in page and "金水路1号" not in page
    page = client.get(reverse("archive:change_list"), {"enterprise_id": other.pk}).content.decode()
    assert "二七路2号" in page and "金水路1号" not in page
    today = datetime.date.today()
    tomorrow = (today + datetime.timedelta(days=2)).isoformat()
    assert "金水路1号" not in client.get(reverse("archive:change_list"), {"time_after": tomorrow}).content.decode()
    yesterday = (today - datetime.timedelta(days=2)).isoformat()
    assert "金水路1号" in client.get(reverse("archive:change_list"), {"time_after": yesterday, "time_before": tomorrow}).content.decode()


def test_the_change_list_is_for_regulators(login, users):
    assert login(users["owner"]).get(reverse("archive:change_list")).status_code == 403
