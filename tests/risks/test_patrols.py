"""风险巡检: due checks, recording a patrol (deadlines, refusals, photos, the not-in-place signal), history, scope."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import create_risk_list, create_user, messages_of
from worksafe.core import workflow_settings
from worksafe.core.models import ChangeRecord, Role
from worksafe.risks import patrols
from worksafe.risks.models import ControlMeasure, Patrol, PatrolItem
from worksafe.risks.patrols import Check, overdue_count, record_patrol, status_counts, status_of
from worksafe.risks.schedule import due_after
from worksafe.risks.signals import measure_not_in_place

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded photos go to a temporary folder."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


@pytest.fixture
def risk(enterprise):
    """create_risk_list's list; measures[0] is checked daily, measures[1] every shift."""
    return create_risk_list(enterprise)


def png_bytes(color="red"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def photo(content=None, name="现场.jpg"):
    return SimpleUploadedFile(name, content if content is not None else png_bytes(), content_type="image/jpeg")


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def minute(moment):
    """A moment as the form's datetime-local input carries it: to the minute."""
    return moment.replace(second=0, microsecond=0)


def patrol_data(checks, when=None, name="王五", note=""):
    """POST data of the patrol form: `checks` maps a measure to "yes"/"no"/"" or to (result, note, photo)."""
    data = {"patrolled_at": local(when or timezone.now()), "patroller_name": name, "note": note, "measure": []}
    for measure, check in checks.items():
        result, item_note, item_photo = (check, "", None) if isinstance(check, str) else (check + (None,))[:3]
        data["measure"].append(str(measure.pk))
        data[f"m{measure.pk}-result"] = result
        data[f"m{measure.pk}-note"] = item_note
        if item_photo is not None:
            data[f"m{measure.pk}-photo"] = item_photo
    return data


def add_url(enterprise, query=""):
    return reverse("risks:patrol_add", args=[enterprise.pk]) + query


def set_due(measure, due):
    ControlMeasure.objects.filter(pk=measure.pk).update(next_due_at=due)


def snapshot_measures():
    return list(ControlMeasure.objects.order_by("pk").values_list("pk", "last_checked_at", "next_due_at"))


# ---- the status rule (即将到期: the last quarter of the measure's interval, at most 7 days) ----


@pytest.mark.parametrize("value, unit, soon, not_yet", [
    (1, "shift", 119, 121),            # 8 h → 2 h
    (1, "day", 6 * 60 - 1, 6 * 60 + 1),  # 1 day → 6 h
    (1, "week", 42 * 60 - 1, 42 * 60 + 1),
    (1, "month", 7 * 24 * 60 - 1, 7 * 24 * 60 + 1),   # a quarter of 30 days is 7.5 days: capped at 7
    (1, "year", 7 * 24 * 60 - 1, 7 * 24 * 60 + 1),
    (2, "day", 12 * 60 - 1, 12 * 60 + 1),  # the interval is value × unit
])
def test_due_soon_is_the_last_quarter_of_the_interval_at_most_a_week(value, unit, soon, not_yet):
    now = datetime.datetime(2025, 5, 10, 12, 0, tzinfo=datetime.UTC)
    m = ControlMeasure(frequency_value=value, frequency_unit=unit)
    m.next_due_at = now + datetime.timedelta(minutes=soon)
    assert status_of(m, now).key == "due_soon"
    m.next_due_at = now + datetime.timedelta(minutes=not_yet)
    assert status_of(m, now).key == "ok"
    m.next_due_at = now - datetime.timedelta(seconds=1)
    assert (status_of(m, now).key, status_of(m, now).label, status_of(m, now).color) == ("overdue", "已逾期", "red")
    m.next_due_at = now
    assert status_of(m, now).key == "due_soon"


def test_counts_for_other_pages_at_a_fixed_moment(enterprise, other_enterprise, risk):
    now = datetime.datetime(2030, 1, 1, 8, 0, tzinfo=datetime.UTC)
    daily, shift = risk["measures"]
    weekly = ControlMeasure.objects.create(event=risk["event2"], enterprise=enterprise, category="training", content="检修前安全交底",
                                           tier="team", frequency_value=1, frequency_unit="week")
    set_due(daily, now - H)
    set_due(shift, now + H)
    set_due(weekly, now + 3 * D)
    other = create_risk_list(other_enterprise)["measures"]
    set_due(other[0], now - D)
    set_due(other[1], now - D)
    assert overdue_count(enterprise.pk, now) == 1
    assert status_counts(enterprise.pk, now) == {"overdue": 1, "due_soon": 1, "ok": 1, "total": 3}
    assert status_counts(enterprise.pk, now + 2 * H) == {"overdue": 2, "due_soon": 0, "ok": 1, "total": 3}
    assert patrols.overdue_counts([enterprise.pk, other_enterprise.pk], now) == {enterprise.pk: 1, other_enterprise.pk: 2}
    assert status_counts(enterprise.pk + other_enterprise.pk + 100, now)["total"] == 0


def test_overdue_is_one_query_on_the_enterprise_due_index(enterprise, risk, django_assert_num_queries):
    # An enterprise with many measures, few of them overdue, and fresh statistics: the planner's choice at scale.
    now = timezone.now()
    template = risk["measures"][0]
    ControlMeasure.objects.bulk_create([
        ControlMeasure(event=template.event, enterprise=enterprise, category="management", content=f"措施{i}", tier="team",
                       next_due_at=now + (-H if i % 100 == 0 else (i + 1) * H))
        for i in range(2000)
    ])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with django_assert_num_queries(1) as captured:
        assert overdue_count(enterprise.pk, now) == 20
    sql = captured.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql)
        plan = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    assert "measure_enterprise_due" in plan, plan


# ---- the due-checks page ----


@pytest.fixture
def due_list(enterprise, risk):
    """One overdue, one due soon, one fine measure (the last one in a second unit); deadlines set around now."""
    daily, shift = risk["measures"]
    weekly = ControlMeasure.objects.create(event=risk["event2"], enterprise=enterprise, category="training", content="检修前安全交底",
                                           tier="team", frequency_value=1, frequency_unit="week")
    now = timezone.now()
    set_due(daily, now - 5 * H)
    set_due(shift, now + H)  # a shift measure 1 h before its deadline (window 2 h)
    set_due(weekly, now + 5 * D)
    return {"overdue": daily, "soon": shift, "ok": weekly}


def test_the_due_page_shows_status_grouped_by_unit_with_counts_and_a_filter(login, users, enterprise, risk, due_list):
    client = login(users["owner"])
    url = reverse("risks:patrol_due", args=[enterprise.pk])
    r = client.get(url)
    assert r.status_code == 200
    assert r.context["counts"] == {"overdue": 1, "due_soon": 1, "ok": 1, "total": 3}
    groups = r.context["groups"]
    assert [g.unit for g in groups] == [risk["unit"], risk["unit2"]]  # the unit with the overdue measure first
    assert [(row.measure, row.status.key) for row in groups[0].rows] == [(due_list["overdue"], "overdue"), (due_list["soon"], "due_soon")]
    assert [(row.measure, row.status.key) for row in groups[1].rows] == [(due_list["ok"], "ok")]
    page = r.content.decode()
    for text in ("已逾期", "即将到期", "正常", "每1天", "每1班", "每1周", "尚未巡检", risk["unit"].name, "检修前安全交底"):
        assert text in page
    assert 'data-count="overdue">1<' in page
    # Only the due ones: the fine measure and its unit are gone, the counts stay.
    r = client.get(url + "?show=due")
    assert [g.unit for g in r.context["groups"]] == [risk["unit"]]
    assert "检修前安全交底" not in r.content.decode() and r.context["counts"]["ok"] == 1
    # A unit's patrol starts from its card.
    assert f'{add_url(enterprise)}?unit={risk["unit"].pk}' in page


def test_the_due_page_reads_a_fixed_number_of_queries(login, users, enterprise, django_assert_max_num_queries):
    client = login(users["owner"])
    url = reverse("risks:patrol_due", args=[enterprise.pk])
    create_risk_list(enterprise)
    with django_assert_max_num_queries(8) as small:
        client.get(url)
    for i in range(6):
        create_risk_list(enterprise, prefix=f"{i}号")
    ControlMeasure.objects.filter(pk__in=ControlMeasure.objects.values("pk")[:5]).update(next_due_at=timezone.now() - H)
    with django_assert_max_num_queries(len(small)):
        r = client.get(url)
    assert r.context["counts"]["total"] == 14 and len(r.context["groups"]) == 7
    with django_assert_max_num_queries(len(small)):
        client.get(url + "?show=due")
    with django_assert_max_num_queries(len(small)):
        client.get(add_url(enterprise, "?all=1"))


# ---- recording a patrol ----


def test_the_form_offers_due_measures_by_default_a_unit_or_all(login, users, enterprise, other_enterprise, risk):
    users["owner"].full_name = "王五"
    users["owner"].save()
    client = login(users["owner"])
    daily, shift = risk["measures"]
    # Freshly created: neither is due yet.
    r = client.get(add_url(enterprise))
    assert r.context["items"] == [] and "当前没有需要检查的管控措施" in r.content.decode()
    set_due(daily, timezone.now() - H)
    r = client.get(add_url(enterprise))
    assert [f.measure for f in r.context["items"]] == [daily]
    page = r.content.decode()
    assert 'value="王五"' in page and 'type="datetime-local"' in page and "检查全部措施" in page
    assert [f.measure for f in client.get(add_url(enterprise, "?all=1")).context["items"]] == [daily, shift]
    assert [f.measure for f in client.get(add_url(enterprise, f"?unit={risk['unit'].pk}")).context["items"]] == [daily, shift]
    assert client.get(add_url(enterprise, f"?unit={risk['unit2'].pk}")).context["items"] == []
    others_unit = create_risk_list(other_enterprise)["unit"]
    assert client.get(add_url(enterprise, f"?unit={others_unit.pk}")).status_code == 404


def test_recording_a_patrol_moves_the_deadlines(login, users, enterprise, risk, media):
    client = login(users["owner"])
    daily, shift = risk["measures"]
    when = minute(timezone.now() - 2 * H)
    r = client.post(add_url(enterprise, "?all=1"), patrol_data(
        {daily: ("yes", "", photo()), shift: ("no", "防毒口罩过期未更换")}, when=when, note="夜班巡检"))
    assert r.status_code == 302, r.context and [f.errors for f in r.context["items"]]
    patrol = Patrol.objects.get()
    assert r.url == reverse("risks:patrol_detail", args=[patrol.pk])
    assert (patrol.enterprise, patrol.patrolled_at, patrol.patroller, patrol.patroller_name, patrol.note) == (
        enterprise, when, users["owner"], "王五", "夜班巡检")
    items = {i.measure: i for i in patrol.items.all()}
    assert items[daily].in_place and items[daily].measure_text == daily.content and items[daily].photo
    assert not items[shift].in_place and items[shift].note == "防毒口罩过期未更换" and not items[shift].photo
    daily.refresh_from_db()
    shift.refresh_from_db()
    assert (daily.last_checked_at, daily.next_due_at) == (when, when + D)
    assert (shift.last_checked_at, shift.next_due_at) == (when, when + 8 * H)
    assert "检查 2 项管控措施，其中 1 项未落实" in messages_of(client.get(r.url))[0]
    # The photo was stored by content (a PNG, whatever its name), under a random name in the configured storage.
    assert items[daily].photo.name.endswith(".png") and "现场" not in items[daily].photo.name
    assert (media / items[daily].photo.name).read_bytes() == png_bytes()


def test_unchosen_measures_are_not_part_of_the_patrol(login, users, enterprise, risk):
    client = login(users["owner"])
    daily, shift = risk["measures"]
    before = ControlMeasure.objects.values_list("last_checked_at", "next_due_at").get(pk=shift.pk)
    r = client.post(add_url(enterprise, "?all=1"), patrol_data({daily: "yes", shift: ""}))
    assert r.status_code == 302
    assert [i.measure for i in PatrolItem.objects.all()] == [daily]
    assert ControlMeasure.objects.values_list("last_checked_at", "next_due_at").get(pk=shift.pk) == before
    # Choosing nothing at all records nothing.
    r = client.post(add_url(enterprise, "?all=1"), patrol_data({daily: "", shift: ""}))
    assert r.status_code == 200 and "请至少检查一项管控措施" in r.content.decode()
    assert Patrol.objects.count() == 1


def test_a_back_dated_patrol_does_not_override_a_later_check(login, users, enterprise, risk):
    client = login(users["owner"])
    daily, shift = risk["measures"]
    later = minute(timezone.now() - H)
    earlier = minute(timezone.now() - 3 * D)
    assert client.post(add_url(enterprise, "?all=1"), patrol_data({daily: "yes"}, when=later)).status_code == 302
    assert client.post(add_url(enterprise, "?all=1"), patrol_data({daily: "yes", shift: "yes"}, when=earlier)).status_code == 302
    daily.refresh_from_db()
    shift.refresh_from_db()
    assert (daily.last_checked_at, daily.next_due_at) == (later, later + D)  # kept: the later check counts
    assert (shift.last_checked_at, shift.next_due_at) == (earlier, earlier + 8 * H)  # never checked since: moved
    assert Patrol.objects.count() == 2 and PatrolItem.objects.filter(measure=daily).count() == 2  # both recorded


def test_a_measure_on_a_monthly_check_gets_its_calendar_deadline(enterprise, users, risk):
    daily = risk["measures"][0]
    ControlMeasure.objects.filter(pk=daily.pk).update(frequency_unit="month")
    daily.refresh_from_db()
    when = datetime.datetime(2025, 1, 31, 10, 0, tzinfo=timezone.get_current_timezone())
    record_patrol(enterprise, users["owner"], when, "王五", [Check(daily, True)])
    daily.refresh_from_db()
    assert daily.next_due_at == due_after(when, 1, "month") == datetime.datetime(2025, 2, 28, 10, 0, tzinfo=when.tzinfo)


@pytest.mark.parametrize("case, make, message", [
    ("not in place without note", lambda m, when: patrol_data({m[0]: "yes", m[1]: ("no", "   ")}, when=when), "措施未落实，请填写说明"),
    ("future time", lambda m, when: patrol_data({m[0]: "yes"}, when=when + 2 * H), "巡检时间不能晚于当前时间"),
    ("too long ago", lambda m, when: patrol_data({m[0]: "yes"}, when=when - 31 * D), "巡检时间不能早于 30 天前"),
    ("no patroller", lambda m, when: patrol_data({m[0]: "yes"}, when=when, name=" "), "请填写巡检人"),
    ("text named .jpg", lambda m, when: patrol_data({m[0]: ("yes", "", photo(b"just some text, not a picture"))}, when=when),
     "文件内容不是有效的图片"),
    ("photo without a result", lambda m, when: patrol_data({m[0]: "yes", m[1]: ("", "", photo())}, when=when), "请选择“落实”或“未落实”"),
])
def test_bad_input_is_refused_in_chinese_and_writes_nothing(login, users, enterprise, risk, media, case, make, message):
    client = login(users["owner"])
    before = (snapshot_measures(), ChangeRecord.objects.count())
    r = client.post(add_url(enterprise, "?all=1"), make(risk["measures"], timezone.now()))
    assert r.status_code == 200
    assert message in r.content.decode(), case
    assert not Patrol.objects.exists() and not PatrolItem.objects.exists()
    assert (snapshot_measures(), ChangeRecord.objects.count()) == before
    assert not any(p.is_file() for p in media.rglob("*"))  # no photo left behind either


def test_measure_not_in_place_is_sent_after_commit_for_exactly_the_failed_items(
        login, users, enterprise, risk, django_capture_on_commit_callbacks):
    client = login(users["owner"])
    third = ControlMeasure.objects.create(event=risk["event2"], enterprise=enterprise, category="operation", content="系挂安全带",
                                          tier="post", frequency_value=1, frequency_unit="day")
    daily, shift = risk["measures"]
    received = []

    def receiver(sender, item, **kwargs):
        # A receiver sees the committed patrol: the item is saved and its measure known.
        received.append((sender, PatrolItem.objects.get(pk=item.pk).measure, item.note))

    measure_not_in_place.connect(receiver, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            r = client.post(add_url(enterprise, "?all=1"), patrol_data(
                {daily: ("no", "液位计损坏"), shift: "yes", third: ("no", "安全带未系挂")}))
        assert r.status_code == 302
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        measure_not_in_place.disconnect(receiver)
    assert sorted(received, key=lambda x: x[1].pk) == [(PatrolItem, daily, "液位计损坏"), (PatrolItem, third, "安全带未系挂")]


def test_a_failing_receiver_loses_no_patrol(login, users, enterprise, risk, django_capture_on_commit_callbacks):
    client = login(users["owner"])

    def broken(sender, item, **kwargs):
        raise RuntimeError("hazards module down")

    measure_not_in_place.connect(broken, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(add_url(enterprise, "?all=1"), patrol_data({risk["measures"][0]: ("no", "液位计损坏")}))
    finally:
        measure_not_in_place.disconnect(broken)
    assert r.status_code == 302 and PatrolItem.objects.filter(in_place=False).count() == 1


def test_only_the_enterprises_own_measures_are_recorded(login, users, enterprise, other_enterprise, risk):
    theirs = create_risk_list(other_enterprise, prefix="二七")["measures"][0]
    before = ControlMeasure.objects.values_list("last_checked_at", "next_due_at").get(pk=theirs.pk)
    client = login(users["owner"])
    r = client.post(add_url(enterprise, "?all=1"), patrol_data({risk["measures"][0]: "yes", theirs: ("no", "越权")}))
    assert r.status_code == 302
    assert [i.measure for i in PatrolItem.objects.all()] == [risk["measures"][0]]
    assert ControlMeasure.objects.values_list("last_checked_at", "next_due_at").get(pk=theirs.pk) == before


def test_a_deleted_measure_keeps_its_text_in_the_history(login, users, enterprise, risk):
    client = login(users["owner"])
    daily, shift = risk["measures"]
    client.post(add_url(enterprise, "?all=1"), patrol_data({daily: "yes", shift: ("no", "口罩缺失")}))
    patrol = Patrol.objects.get()
    r = client.post(reverse("risks:node_delete", args=["measure", shift.pk]))
    assert r.status_code == 302 and not ControlMeasure.objects.filter(pk=shift.pk).exists()
    item = PatrolItem.objects.get(patrol=patrol, in_place=False)
    assert item.measure is None and item.measure_text == "佩戴防毒口罩" and item.note == "口罩缺失"
    page = client.get(reverse("risks:patrol_detail", args=[patrol.pk])).content.decode()
    assert "佩戴防毒口罩" in page and "该措施已从安全风险辨识清单中删除" in page
    # The measure still in the list links to its place in the tree.
    tree = reverse("risks:register_detail", args=[enterprise.pk]) + f"#controlmeasure-{daily.pk}"
    assert f'href="{tree}"' in page
    assert f'id="controlmeasure-{daily.pk}"' in client.get(reverse("risks:register_detail", args=[enterprise.pk])).content.decode()


# ---- history ----


def test_the_history_lists_patrols_with_counts_and_filters_by_measure(login, users, enterprise, risk):
    daily, shift = risk["measures"]
    now = timezone.now()
    first = record_patrol(enterprise, users["owner"], now - 2 * D, "张三", [Check(daily, True), Check(shift, False, "缺口罩")])
    second = record_patrol(enterprise, users["owner"], now - D, "李四", [Check(daily, True)])
    client = login(users["owner"])
    r = client.get(reverse("risks:patrol_list", args=[enterprise.pk]))
    rows = list(r.context["page"])
    assert rows == [second, first]  # newest first
    assert [(p.patroller_name, p.item_count, p.failed_count) for p in rows] == [("李四", 1, 0), ("张三", 2, 1)]
    r = client.get(reverse("risks:patrol_list", args=[enterprise.pk]) + f"?measure={shift.pk}")
    assert list(r.context["page"]) == [first] and "佩戴防毒口罩" in r.content.decode()
    assert [(p.item_count, p.failed_count) for p in r.context["page"]] == [(2, 1)]  # the patrol's counts, not the filter's


def test_the_history_list_reads_a_fixed_number_of_queries(login, users, enterprise, risk, django_assert_max_num_queries):
    client = login(users["owner"])
    url = reverse("risks:patrol_list", args=[enterprise.pk])
    checks = [Check(m, i % 2 == 0, "问题") for i, m in enumerate(risk["measures"])]
    record_patrol(enterprise, users["owner"], timezone.now() - H, "张三", checks)
    with django_assert_max_num_queries(7) as small:
        client.get(url)
    for i in range(25):
        record_patrol(enterprise, users["owner"], timezone.now() - (i + 2) * H, f"巡检员{i}", checks)
    with django_assert_max_num_queries(len(small)):
        r = client.get(url)
    assert len(r.context["page"]) == 20 and r.context["page"].paginator.count == 26
    with django_assert_max_num_queries(len(small)):
        client.get(url + "?page=2")


def test_the_detail_shows_items_and_photos_through_the_scoped_view(login, users, enterprise, risk):
    client = login(users["owner"])
    daily, shift = risk["measures"]
    client.post(add_url(enterprise, "?all=1"), patrol_data({daily: ("yes", "", photo(png_bytes("blue"))), shift: ("no", "口罩缺失")}))
    patrol = Patrol.objects.get()
    item = patrol.items.get(measure=daily)
    photo_url = reverse("risks:patrol_item_photo", args=[item.pk])
    page = client.get(reverse("risks:patrol_detail", args=[patrol.pk])).content.decode()
    assert photo_url in page and "口罩缺失" in page and "1 项未落实" in page
    r = client.get(photo_url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and b"".join(r.streaming_content) == png_bytes("blue")
    # An item without a photo has nothing to serve.
    assert client.get(reverse("risks:patrol_item_photo", args=[patrol.items.get(measure=shift).pk])).status_code == 404


# ---- scope ----


@pytest.fixture
def recorded(enterprise, users, risk):
    patrol = record_patrol(enterprise, users["owner"], timezone.now() - H, "王五",
                           [Check(risk["measures"][0], True, photo=photo()), Check(risk["measures"][1], False, "缺口罩")])
    return patrol, patrol.items.get(in_place=True)


def pages(enterprise, patrol, item):
    return [
        reverse("risks:patrol_due", args=[enterprise.pk]),
        reverse("risks:patrol_list", args=[enterprise.pk]),
        reverse("risks:patrol_detail", args=[patrol.pk]),
        reverse("risks:patrol_item_photo", args=[item.pk]),
        add_url(enterprise),
    ]


@pytest.mark.parametrize("who", ["erqi", "outsider", "chem"])
def test_users_out_of_scope_get_404_on_every_page(login, users, enterprise, risk, recorded, who):
    client = login(users[who])
    for url in pages(enterprise, *recorded):
        assert client.get(url).status_code == 404, url
    before = snapshot_measures()
    assert client.post(add_url(enterprise, "?all=1"), patrol_data({risk["measures"][0]: "yes"})).status_code == 404
    assert Patrol.objects.count() == 1 and snapshot_measures() == before


@pytest.mark.parametrize("who", ["jinshui", "city", "province"])
def test_regulators_in_scope_see_everything_read_only(login, users, enterprise, risk, recorded, who):
    client = login(users[who])
    *views, add = pages(enterprise, *recorded)
    *html, photo_url = views
    for url in html:
        r = client.get(url)
        assert r.status_code == 200, url
        assert 'data-testid="patrol-add"' not in r.content.decode() and "记录巡检</a>" not in r.content.decode()
    r = client.get(photo_url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == png_bytes()
    before = snapshot_measures()
    assert client.get(add).status_code == 403
    assert client.post(add_url(enterprise, "?all=1"), patrol_data({risk["measures"][0]: "yes"})).status_code == 403
    assert Patrol.objects.count() == 1 and snapshot_measures() == before


def test_anonymous_users_are_sent_to_log_in(client, enterprise, risk, recorded):
    for url in pages(enterprise, *recorded):
        r = client.get(url)
        assert r.status_code == 302 and reverse("core:login") in r.url, url


def test_the_owner_has_the_patrol_entry_points(login, users, enterprise, risk, recorded):
    client = login(users["owner"])
    for url in pages(enterprise, *recorded)[:3]:
        assert add_url(enterprise) in client.get(url).content.decode(), url


def test_patrols_are_counted_per_enterprise_and_local_year(enterprise, other_enterprise):
    """The statistics read PatrolYear: each recorded patrol adds itself to its enterprise's local year."""
    import datetime
    from zoneinfo import ZoneInfo

    from tests.factories import create_patrol
    from worksafe.risks.models import PatrolYear

    create_risk_list(enterprise)
    create_risk_list(other_enterprise)
    shanghai = ZoneInfo("Asia/Shanghai")
    create_patrol(enterprise, datetime.datetime(2025, 12, 31, 23, 30, tzinfo=shanghai), [True, False])  # still 2025 locally
    create_patrol(enterprise, datetime.datetime(2026, 1, 1, 0, 30, tzinfo=shanghai), [True, True, False])
    create_patrol(enterprise, datetime.datetime(2026, 3, 1, 9, 0, tzinfo=shanghai), [True])
    create_patrol(other_enterprise, datetime.datetime(2026, 3, 1, 9, 0, tzinfo=shanghai), [False])
    rows = {(r.enterprise_id, r.year): (r.patrols, r.items, r.failed) for r in PatrolYear.objects.all()}
    assert rows == {(enterprise.pk, 2025): (1, 2, 1), (enterprise.pk, 2026): (2, 4, 1), (other_enterprise.pk, 2026): (1, 1, 1)}


def test_how_far_back_a_patrol_may_be_recorded_is_a_workflow_setting(login, users, enterprise, risk):
    workflow_settings.change(patrols.BACKDATE, "7", create_user("sysconf", Role.SYSADMIN))
    r = login(users["owner"]).post(add_url(enterprise, "?all=1"),
                                   patrol_data({risk["measures"][0]: "yes"}, when=timezone.now() - 10 * D))
    assert r.status_code == 200 and "巡检时间不能早于 7 天前" in r.content.decode()
    assert not Patrol.objects.exists()
