"""The notification centre (core.notify): who is told, the rows and the bell's figure, the list and its actions."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import create_enterprise, create_user, messages_of
from worksafe.core import notify
from worksafe.core.models import Notification, OrgLevel, Role, User

pytestmark = pytest.mark.django_db

TEST = notify.kind("test.notice", "测试通知")
OTHER = notify.kind("test.other", "其他测试通知")
LIST = reverse("core:notification_list")


def unread(user):
    return User.objects.get(pk=user.pk).unread_notifications


def usernames(queryset):
    return sorted(queryset.values_list("username", flat=True))


def test_it_writes_one_row_per_recipient_in_one_insert_and_raises_their_figures(users):
    people = [users["jinshui"], users["city"], users["province"]]
    with CaptureQueriesContext(connection) as queries:
        rows = notify.notify(people, TEST, "金水测试机械有限公司提交了企业档案", link="/archive/enterprises/1/")
    inserts = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1 and len(rows) == 3
    for user in people:
        assert unread(user) == 1
        n = Notification.objects.get(recipient=user)
        assert (n.kind, n.text, n.link, n.read_at) == (TEST, "金水测试机械有限公司提交了企业档案", "/archive/enterprises/1/", None)
    assert unread(users["erqi"]) == 0


def test_it_leaves_out_the_actor_inactive_accounts_and_duplicates(users, enterprise):
    users["city"].is_active = False
    users["city"].save()
    rows = notify.notify([users["jinshui"], users["jinshui"], users["city"], users["owner"]], TEST, "文本",
                         actor=users["owner"])
    assert [n.recipient_id for n in rows] == [users["jinshui"].pk]
    assert notify.notify(users["owner"], TEST, "文本", actor=users["owner"]) == []
    assert unread(users["jinshui"]) == 1 and unread(users["owner"]) == 0


def test_it_keeps_the_object_it_concerns(users, enterprise):
    n = notify.notify(notify.enterprise_users(enterprise), TEST, "文本", obj=enterprise)[0]
    assert n.object == enterprise


def test_it_refuses_unregistered_kinds_and_links_off_the_site(users):
    with pytest.raises(ValueError):
        notify.notify(users["jinshui"], "test.unregistered", "文本")
    for link in ("https://example.com/", "//example.com/x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            notify.notify(users["jinshui"], TEST, "文本", link=link)
    assert not Notification.objects.exists()


def test_a_kind_keeps_its_label():
    assert notify.kind("test.notice", "测试通知") == "test.notice"
    with pytest.raises(ValueError):
        notify.kind("test.notice", "另一个名称")


# ---- audiences ---------------------------------------------------------------------------------------------------


def test_regulators_of_an_enterprise_are_those_whose_jurisdiction_covers_it(users, enterprise, other_enterprise):
    # 金水 (industry 07): 金水区, the city and the province; not 二七区, not the chemicals division (03).
    assert usernames(notify.regulators_of(enterprise)) == ["city", "jinshui", "province"]
    # 二七's enterprise is a chemical one (0301): the division narrowed to 03 sees it.
    assert usernames(notify.regulators_of(other_enterprise)) == ["chem", "city", "erqi", "province"]
    # Those whose role grants the permission the news calls for (deleting an enterprise: regulator administrators).
    assert usernames(notify.regulators_of(enterprise, "archive.delete")) == ["city", "province"]
    assert usernames(notify.regulators_of(enterprise, levels=(OrgLevel.COUNTY,))) == ["jinshui"]


def test_regulators_of_agree_with_what_each_regulator_sees(users, township_user, enterprise, other_enterprise):
    from worksafe.archive.models import Enterprise

    township = create_enterprise("410105001", name="经八路街道企业")
    regulators = User.objects.filter(organization__isnull=False)
    for e in (enterprise, other_enterprise, township):
        seeing = sorted(u.username for u in regulators if Enterprise.objects.for_user(u).filter(pk=e.pk).exists())
        assert usernames(notify.regulators_of(e)) == seeing, e.name
    assert "jingba" in usernames(notify.regulators_of(township))
    assert "jingba" not in usernames(notify.regulators_of(township, levels=notify.REVIEWING))


def test_enterprise_users_and_organisation_members(users, orgs, enterprise):
    staff = create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=enterprise)
    assert usernames(notify.enterprise_users(enterprise)) == sorted([users["owner"].username, staff.username])
    assert usernames(notify.enterprise_users(enterprise, "archive.submit")) == [users["owner"].username]
    assert usernames(notify.organization_members(orgs["jinshui"])) == ["jinshui"]


# ---- the bell and the list ---------------------------------------------------------------------------------------


def page_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_bell_shows_the_unread_figure_without_a_query_of_its_own(login, users):
    client = login(users["jinshui"])
    profile = reverse("core:profile")
    before = page_queries(client, profile)
    assert 'data-testid="bell-count"' not in client.get(profile).content.decode()
    notify.notify(users["jinshui"], TEST, "一")
    notify.notify(users["jinshui"], TEST, "二")
    assert page_queries(client, profile) == before
    html = client.get(profile).content.decode()
    assert 'data-testid="bell-count">2<' in html and f'href="{LIST}"' in html


def test_the_list_shows_unread_first_and_filters_by_state_and_kind(login, users):
    first, second, third = (notify.notify(users["jinshui"], kind, text)[0]
                            for kind, text in ((TEST, "第一条"), (OTHER, "第二条"), (TEST, "第三条")))
    client = login(users["jinshui"])
    client.get(reverse("core:notification_open", args=[third.pk]))
    r = client.get(LIST)
    texts = [n.text for n in r.context["page"]]
    assert texts == ["第二条", "第一条", "第三条"]
    assert [n.text for n in client.get(LIST, {"show": "unread"}).context["page"]] == ["第二条", "第一条"]
    assert [n.text for n in client.get(LIST, {"kind": OTHER}).context["page"]] == ["第二条"]
    html = r.content.decode()
    assert "其他测试通知" in html and "2 条未读" in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(login, users, enterprise):
    n = notify.notify(users["jinshui"], TEST, "文本", link=enterprise.get_absolute_url())[0]
    client = login(users["jinshui"])
    r = client.get(reverse("core:notification_open", args=[n.pk]))
    assert r.status_code == 302 and r["Location"] == enterprise.get_absolute_url()
    n.refresh_from_db()
    assert n.read_at is not None and unread(users["jinshui"]) == 0
    client.get(reverse("core:notification_open", args=[n.pk]))  # opened again: the figure stays
    assert unread(users["jinshui"]) == 0


def test_a_link_that_is_not_a_local_path_leads_back_to_the_list(login, users):
    n = notify.notify(users["jinshui"], TEST, "文本")[0]
    Notification.objects.filter(pk=n.pk).update(link="https://evil.example/")
    r = login(users["jinshui"]).get(reverse("core:notification_open", args=[n.pk]))
    assert r["Location"] == LIST


def test_another_users_notification_is_a_404_and_stays_unread(login, users):
    n = notify.notify(users["erqi"], TEST, "文本", link="/")[0]
    client = login(users["jinshui"])
    assert client.get(reverse("core:notification_open", args=[n.pk])).status_code == 404
    assert n.text not in client.get(LIST).content.decode()
    n.refresh_from_db()
    assert n.read_at is None and unread(users["erqi"]) == 1


def test_all_read_marks_only_ones_own(login, users):
    notify.notify([users["jinshui"], users["erqi"]], TEST, "文本")
    notify.notify(users["jinshui"], TEST, "文本二")
    client = login(users["jinshui"])
    r = client.post(reverse("core:notification_read_all"))
    assert r.status_code == 302 and messages_of(client.get(r["Location"])) == ["已将 2 条通知标为已读。"]
    assert not Notification.objects.filter(recipient=users["jinshui"], read_at__isnull=True).exists()
    assert unread(users["jinshui"]) == 0 and unread(users["erqi"]) == 1
    assert client.get(reverse("core:notification_read_all")).status_code == 405


def test_opening_the_list_recounts_a_drifted_figure(login, users):
    notify.notify(users["jinshui"], TEST, "文本")
    User.objects.filter(pk=users["jinshui"].pk).update(unread_notifications=7)
    login(users["jinshui"]).get(LIST)
    assert unread(users["jinshui"]) == 1


def test_saving_an_account_leaves_its_figure_alone(users):
    stale = User.objects.get(pk=users["jinshui"].pk)
    notify.notify(users["jinshui"], TEST, "文本")
    stale.full_name = "金水区王五"
    stale.save()
    fresh = User.objects.get(pk=users["jinshui"].pk)
    assert fresh.full_name == "金水区王五" and fresh.unread_notifications == 1


# ---- the demo ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_leaves_a_few_unread_notifications_for_its_accounts(settings):
    """Real commits: the demo's notifications are made once its transaction commits (after its patrols' hazards)."""
    from io import StringIO

    from django.core.management import call_command

    from worksafe.archive import supervision
    from worksafe.archive.models import Enterprise

    settings.DEBUG = not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    call_command("demo", "--enterprises", "12", stdout=StringIO())
    rows = Notification.objects.select_related("recipient")
    assert 0 < rows.count() <= 20  # a few, not one per patrol of the past year
    # Archives waiting for review, told to the organisations that own them (分级负责: the county, or the city for the
    # 郑州 enterprises with a major hazard source the demo hands to it).
    waiting = [n for n in rows if n.kind in ("archive.submitted", "archive.resubmitted")]
    assert len({n.object_id for n in waiting}) == 2
    assert all(supervision.owns(n.recipient, Enterprise.objects.get(pk=n.object_id)) for n in waiting)
    assert all(n.recipient.is_demo and n.link.startswith("/") and n.read_at is None for n in rows)
    for user in User.objects.all():
        assert user.unread_notifications == rows.filter(recipient=user).count(), user.username
