"""Check plans (due / missed periods) and check records (item by item; every 不符合 raises a prefilled hazard)."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import create_risk_list, messages_of
from worksafe.hazards import plans
from worksafe.hazards.models import Checklist, ChecklistItem, CheckPlan, Hazard, HazardCheck, HazardCheckItem, HazardPhoto

pytestmark = pytest.mark.django_db
D = datetime.date


def plan_of(unit="month", value=1, *, starts_on, ends_on=None, active=True, pk=1):
    return CheckPlan(pk=pk, name="计划", person="张三", frequency_value=value, frequency_unit=unit, starts_on=starts_on,
                     ends_on=ends_on, active=active)


# ---- periods, due and missed (fixed dates) ----


def test_a_monthly_plan_three_months_in_with_a_check_in_month_two():
    plan = plan_of("month", starts_on=D(2026, 1, 10))
    s = plans.status(plan, [D(2026, 2, 20)], today=D(2026, 4, 15))
    assert (s.key, s.label) == ("due", "待排查")
    assert (s.current.start, s.current.end) == (D(2026, 4, 1), D(2026, 4, 30))
    assert [(p.start, p.end, p.label) for p in s.history] == [
        (D(2026, 3, 1), D(2026, 3, 31), "已漏查"),
        (D(2026, 2, 1), D(2026, 2, 28), "已排查"),
        (D(2026, 1, 10), D(2026, 1, 31), "已漏查"),  # the first period starts with the plan
    ]
    assert s.missed == 2 and s.last_checked == D(2026, 2, 20)
    # A check in the current month: done for this period.
    s = plans.status(plan, [D(2026, 2, 20), D(2026, 4, 2)], today=D(2026, 4, 15))
    assert (s.key, s.label, s.color, s.missed) == ("done", "本期已排查", "green", 2)


def test_a_weekly_plan_follows_calendar_weeks():
    plan = plan_of("week", starts_on=D(2026, 3, 4))  # a Wednesday
    s = plans.status(plan, [D(2026, 3, 9), D(2026, 3, 22)], today=D(2026, 3, 25))
    assert (s.current.start, s.current.end, s.key) == (D(2026, 3, 23), D(2026, 3, 29), "due")
    assert [(p.start, p.done) for p in s.history] == [
        (D(2026, 3, 16), True), (D(2026, 3, 9), True), (D(2026, 3, 4), False)]
    assert s.missed == 1


def test_every_two_days_quarterly_and_the_history_is_bounded():
    s = plans.status(plan_of("day", 2, starts_on=D(2026, 1, 1)), [D(2026, 1, 4)], today=D(2026, 1, 8))
    assert [(p.start, p.end, p.done) for p in reversed(s.history)] == [
        (D(2026, 1, 1), D(2026, 1, 2), False), (D(2026, 1, 3), D(2026, 1, 4), True), (D(2026, 1, 5), D(2026, 1, 6), False)]
    assert (s.current.start, s.current.end) == (D(2026, 1, 7), D(2026, 1, 8))
    q = plans.status(plan_of("quarter", starts_on=D(2025, 5, 5)), [D(2025, 8, 1)], today=D(2026, 2, 1))
    assert (q.current.start, q.current.end) == (D(2026, 1, 1), D(2026, 3, 31))
    assert [(p.start, p.done) for p in q.history] == [(D(2025, 10, 1), False), (D(2025, 7, 1), True), (D(2025, 5, 5), False)]
    # A daily plan running for years: only the last 12 periods are computed.
    long = plans.status(plan_of("day", starts_on=D(2020, 1, 1)), [], today=D(2026, 1, 1))
    assert len(long.history) == plans.HISTORY and long.missed == 12 and long.history[0].start == D(2025, 12, 31)
    # A shift (班) plan counts days.
    shift = plans.status(plan_of("shift", starts_on=D(2026, 1, 1)), [D(2026, 1, 2)], today=D(2026, 1, 2))
    assert (shift.key, shift.current.start, shift.current.end) == ("done", D(2026, 1, 2), D(2026, 1, 2))


def test_an_ended_an_inactive_and_a_future_plan():
    ended = plans.status(plan_of("month", starts_on=D(2026, 1, 1), ends_on=D(2026, 2, 15)), [D(2026, 1, 5)], today=D(2026, 5, 1))
    assert (ended.key, ended.label, ended.current) == ("ended", "已结束", None)
    assert [(p.start, p.end, p.label) for p in ended.history] == [
        (D(2026, 2, 1), D(2026, 2, 15), "已漏查"), (D(2026, 1, 1), D(2026, 1, 31), "已排查")]
    inactive = plans.status(plan_of("month", starts_on=D(2026, 1, 1), active=False), [], today=D(2026, 3, 3))
    assert (inactive.key, inactive.current, inactive.missed) == ("inactive", None, 2)
    future = plans.status(plan_of("month", starts_on=D(2026, 6, 1)), [], today=D(2026, 3, 3))
    assert (future.key, future.history, future.missed) == ("not_started", [], 0)


# ---- fixtures for the pages ----


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


@pytest.fixture
def checklist(enterprise, orgs):
    """The enterprise's approved checklist of three items (two sections)."""
    guideline = Checklist.objects.create(name="机械行业隐患排查指引", industry_id="07", owner=orgs["jinshui"], state="approved")
    ChecklistItem.objects.create(checklist=guideline, order=1, section="消防安全", content="灭火器压力正常", category_id="fire")
    c = Checklist.objects.create(name="本企业排查标准", industry_id="07", enterprise=enterprise, based_on=guideline, state="approved")
    for order, section, content, category in [(1, "消防安全", "灭火器按规定配置，压力正常", "fire"),
                                               (2, "消防安全", "疏散通道畅通", "fire"),
                                               (3, "用电安全", "配电箱有警示标识", "electricity")]:
        ChecklistItem.objects.create(checklist=c, order=order, section=section, content=content, category_id=category)
    return c


@pytest.fixture
def plan(enterprise, checklist):
    return CheckPlan.objects.create(enterprise=enterprise, name="月度综合排查", kind="comprehensive", checklist=checklist,
                                    person="张三", frequency_unit="month", starts_on=timezone.localdate() - datetime.timedelta(days=70))


def png_bytes(color="red"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def photo(content=None, name="现场.jpg"):
    return SimpleUploadedFile(name, content if content is not None else png_bytes(), content_type="image/jpeg")


def check_data(answers, day=None, name="王五", kind="comprehensive", note=""):
    """POST data of the check form: answers maps a ChecklistItem (prefix i) or ControlMeasure (prefix m) to
    "pass"/"fail"/"" or (result, note[, photo])."""
    data = {"checked_on": (day or timezone.localdate()).isoformat(), "checker_name": name, "kind": kind, "note": note}
    for obj, answer in answers.items():
        prefix = f"i{obj.pk}" if isinstance(obj, ChecklistItem) else f"m{obj.pk}"
        result, item_note, item_photo = (answer, "", None) if isinstance(answer, str) else (answer + (None,))[:3]
        data[f"{prefix}-result"] = result
        data[f"{prefix}-note"] = item_note
        if item_photo is not None:
            data[f"{prefix}-photo"] = item_photo
    return data


def add_url(enterprise, query=""):
    return reverse("hazards:check_add", args=[enterprise.pk]) + query


# ---- recording a check ----


def test_a_check_with_two_failed_items_raises_two_prefilled_hazards(users, login, enterprise, plan, checklist):
    first, second, third = checklist.items.order_by("order")
    client = login(users["owner"])
    form = client.get(add_url(enterprise, f"?plan={plan.pk}"))
    assert form.status_code == 200 and form.content.decode().count('data-testid="check-item"') == 3
    assert form.context["form"].initial["kind"] == "comprehensive"
    response = client.post(add_url(enterprise, f"?plan={plan.pk}"), check_data({
        first: ("fail", "二号灭火器压力不足", photo()), second: "pass", third: ("fail", "配电箱无警示标识"),
    }), follow=True)
    check = HazardCheck.objects.get()
    assert response.redirect_chain[-1][0] == reverse("hazards:check_detail", args=[check.pk])
    assert "已记录排查：3 项，不符合 2 项，已生成 2 条隐患，请补充整改要求" in messages_of(response)
    assert (check.plan_id, check.checklist_id, check.kind, check.checker_name, check.checker_id) == (
        plan.pk, checklist.pk, "comprehensive", "王五", users["owner"].pk)
    hazards = list(Hazard.objects.order_by("pk"))
    assert [(h.name, h.place, h.content, h.category_id, h.source, h.state, h.enterprise_id) for h in hazards] == [
        ("消防安全：灭火器按规定配置，压力正常", "消防安全", "二号灭火器压力不足", "fire", "self_check", "reported", enterprise.pk),
        ("用电安全：配电箱有警示标识", "用电安全", "配电箱无警示标识", "electricity", "self_check", "reported", enterprise.pk),
    ]
    assert [h.check_item.check_record_id for h in hazards] == [check.pk, check.pk]
    assert hazards[0].found_on == check.checked_on
    before = HazardPhoto.objects.get()
    assert (before.hazard_id, before.stage) == (hazards[0].pk, "before")
    assert before.file.read() == png_bytes()
    # The detail page links the hazards and shows the photo through the scoped view.
    page = response.content.decode()
    assert page.count('data-testid="hazard-link"') == 2 and reverse("hazards:hazard_detail", args=[hazards[0].pk]) in page
    item = HazardCheckItem.objects.get(item=first)
    served = client.get(reverse("hazards:check_photo", args=[item.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    # The plan's current period is now done.
    plans_page = client.get(reverse("hazards:plan_list", args=[enterprise.pk]))
    assert plans_page.context["plans"][0].status.key == "done"


def test_a_failed_item_without_a_note_is_refused_and_nothing_is_saved(users, login, enterprise, plan, checklist):
    first, second, _ = checklist.items.order_by("order")
    response = login(users["owner"]).post(add_url(enterprise, f"?plan={plan.pk}"), check_data({first: "fail", second: "pass"}))
    assert response.status_code == 200
    assert "不符合，请填写说明（发现的问题）" in response.content.decode()
    assert not HazardCheck.objects.exists() and not Hazard.objects.exists()


def test_nothing_answered_and_a_future_date_are_refused(users, login, enterprise, plan, checklist):
    client = login(users["owner"])
    response = client.post(add_url(enterprise, f"?plan={plan.pk}"), check_data({}))
    assert "请至少检查一项（选择“符合”或“不符合”）" in response.content.decode()
    first = checklist.items.first()
    response = client.post(add_url(enterprise, f"?plan={plan.pk}"),
                           check_data({first: "pass"}, day=timezone.localdate() + datetime.timedelta(days=1)))
    assert response.context["form"].errors["checked_on"] == ["排查日期不能晚于今天"]
    assert not HazardCheck.objects.exists()


def test_a_renamed_executable_is_not_a_photo(users, login, enterprise, plan, checklist):
    first = checklist.items.order_by("order").first()
    fake = photo(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, name="现场.jpg")
    response = login(users["owner"]).post(add_url(enterprise, f"?plan={plan.pk}"), check_data({first: ("fail", "破损", fake)}))
    assert response.status_code == 200
    assert "文件内容不是有效的图片（PNG、JPEG、GIF、WebP）" in response.content.decode()
    assert not HazardCheck.objects.exists() and not Hazard.objects.exists()


def test_a_measures_plan_checks_the_control_measures_grouped_by_unit(users, login, enterprise, other_enterprise):
    risk = create_risk_list(enterprise)
    create_risk_list(other_enterprise, prefix="外")
    plan = CheckPlan.objects.create(enterprise=enterprise, name="管控措施排查", use_measures=True, person="李四",
                                    frequency_unit="week", starts_on=timezone.localdate())
    client = login(users["owner"])
    form = client.get(add_url(enterprise, f"?plan={plan.pk}"))
    assert [title for title, _ in form.context["groups"]] == ["风险管控措施 · 甲醇罐区 / 甲醇罐区微单元"]
    assert [f.measure.pk for f in form.context["groups"][0][1]] == [m.pk for m in risk["measures"]]
    daily, shift = risk["measures"]
    client.post(add_url(enterprise, f"?plan={plan.pk}"), check_data({daily: ("fail", "液位计失灵"), shift: "pass"}))
    hazard = Hazard.objects.get()
    assert (hazard.name, hazard.content, hazard.source) == ("风险管控措施：对液位进行巡检", "液位计失灵", "self_check")
    assert HazardCheckItem.objects.get(measure=daily).hazard == hazard


def test_an_ad_hoc_check_by_a_guideline_and_the_chooser(users, login, enterprise, plan, checklist, other_enterprise):
    client = login(users["owner"])
    chooser = client.get(add_url(enterprise))
    assert chooser.status_code == 200 and [p.pk for p in chooser.context["plans"]] == [plan.pk]
    guideline = checklist.based_on
    assert set(chooser.context["checklists"]) == {checklist, guideline}
    item = guideline.items.get()
    client.post(add_url(enterprise, f"?checklist={guideline.pk}"), check_data({item: "pass"}, kind="special"))
    check = HazardCheck.objects.get()
    assert (check.plan_id, check.checklist_id, check.kind) == (None, guideline.pk, "special")
    # Another enterprise's checklist, and a draft of one's own, are not offered.
    theirs = Checklist.objects.create(name="他人标准", enterprise=other_enterprise, state="approved")
    draft = Checklist.objects.create(name="草稿", enterprise=enterprise, state="draft")
    for c in (theirs, draft):
        assert client.get(add_url(enterprise, f"?checklist={c.pk}")).status_code == 404


def test_the_check_list_counts_items_failures_and_hazards_in_fixed_queries(users, login, enterprise, plan, checklist,
                                                                           django_assert_max_num_queries):
    first, second, third = checklist.items.order_by("order")
    client = login(users["owner"])
    for _ in range(3):
        client.post(add_url(enterprise, f"?plan={plan.pk}"), check_data({first: ("fail", "压力不足"), second: "pass"}))
    url = reverse("hazards:check_list", args=[enterprise.pk])
    client.get(url)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    rows = list(response.context["page"])
    assert [(c.item_count, c.fail_count, c.hazard_count) for c in rows] == [(2, 1, 1)] * 3
    assert [c.pk for c in client.get(url, {"plan": plan.pk}).context["page"]] == [c.pk for c in rows]


# ---- plans ----


def test_plans_page_shows_due_and_missed_and_reads_check_dates_once(users, login, enterprise, checklist,
                                                                    django_assert_max_num_queries):
    today = timezone.localdate()
    month_start = today.replace(day=1)
    three_months_ago = plans._add_months(month_start, -3)
    for i in range(5):
        p = CheckPlan.objects.create(enterprise=enterprise, name=f"计划{i}", checklist=checklist, person="张三",
                                     frequency_unit="month", starts_on=three_months_ago)
        HazardCheck.objects.create(enterprise=enterprise, plan=p, checked_on=plans._add_months(month_start, -2), checker_name="王五")
    client = login(users["jinshui"])  # regulators read the plans
    url = reverse("hazards:plan_list", args=[enterprise.pk])
    client.get(url)
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert [(p.status.key, p.status.missed) for p in response.context["plans"]] == [("due", 2)] * 5
    assert (response.context["due"], response.context["missed"]) == (5, 10)
    assert 'data-testid="plan-add"' not in response.content.decode()


def plan_post(checklist=None, **overrides):
    data = {"name": "季节性排查", "kind": "seasonal", "checklist": checklist.pk if checklist else "", "department": "安环部",
            "person": "张三", "frequency_value": "1", "frequency_unit": "quarter", "starts_on": "2026-01-01", "ends_on": "",
            "active": "on", "note": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_adding_editing_and_deleting_a_plan(users, login, enterprise, checklist, other_enterprise):
    client = login(users["owner"])
    add = reverse("hazards:plan_add", args=[enterprise.pk])
    response = client.post(add, plan_post())
    assert response.context["form"].errors["checklist"] == ["请选择排查标准，或勾选“按风险管控措施排查”（至少一项）"]
    response = client.post(add, plan_post(checklist, ends_on="2025-12-31"))
    assert response.context["form"].errors["ends_on"] == ["结束日期不能早于开始日期"]
    theirs = Checklist.objects.create(name="他人标准", enterprise=other_enterprise, state="approved")
    draft = Checklist.objects.create(name="草稿", enterprise=enterprise, state="draft")
    for c in (theirs, draft):
        assert "checklist" in client.post(add, plan_post(c)).context["form"].errors
    assert client.post(add, plan_post(checklist)).status_code == 302
    plan = CheckPlan.objects.get()
    assert (plan.enterprise_id, plan.checklist_id, plan.frequency_unit, plan.kind) == (enterprise.pk, checklist.pk, "quarter", "seasonal")
    # Measures only (no checklist) is a plan too.
    assert client.post(add, plan_post(None, name="措施排查", use_measures="on")).status_code == 302
    # The plan keeps its checklist when that one is later sent back to draft.
    Checklist.objects.filter(pk=checklist.pk).update(state="draft")
    response = client.post(reverse("hazards:plan_edit", args=[plan.pk]), plan_post(checklist, person="赵六"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.person == "赵六"
    HazardCheck.objects.create(enterprise=enterprise, plan=plan, checked_on=timezone.localdate(), checker_name="王五")
    assert client.post(reverse("hazards:plan_delete", args=[plan.pk])).status_code == 302
    assert not CheckPlan.objects.filter(pk=plan.pk).exists()
    assert HazardCheck.objects.get().plan_id is None  # the record stays


def test_regulators_read_and_the_enterprise_writes(users, login, enterprise, plan, checklist):
    client = login(users["jinshui"])
    assert client.get(reverse("hazards:plan_list", args=[enterprise.pk])).status_code == 200
    assert client.get(reverse("hazards:check_list", args=[enterprise.pk])).status_code == 200
    for url in (reverse("hazards:plan_add", args=[enterprise.pk]), reverse("hazards:plan_edit", args=[plan.pk]),
                reverse("hazards:plan_delete", args=[plan.pk]), add_url(enterprise, f"?plan={plan.pk}")):
        assert client.get(url).status_code == 403, url
    assert client.post(add_url(enterprise, f"?plan={plan.pk}"), check_data({checklist.items.first(): "pass"})).status_code == 403
    assert not HazardCheck.objects.exists()


def test_out_of_scope_is_404_on_plans_checks_and_photos(users, login, enterprise, plan, checklist):
    first = checklist.items.order_by("order").first()
    login(users["owner"]).post(add_url(enterprise, f"?plan={plan.pk}"), check_data({first: ("fail", "压力不足", photo())}))
    check = HazardCheck.objects.get()
    item = check.items.get()
    urls = [reverse("hazards:plan_list", args=[enterprise.pk]), reverse("hazards:plan_add", args=[enterprise.pk]),
            reverse("hazards:plan_edit", args=[plan.pk]), reverse("hazards:plan_delete", args=[plan.pk]),
            reverse("hazards:check_list", args=[enterprise.pk]), add_url(enterprise, f"?plan={plan.pk}"),
            reverse("hazards:check_detail", args=[check.pk]), reverse("hazards:check_photo", args=[item.pk])]
    for name in ("erqi", "outsider", "chem"):
        client = login(users[name])
        for url in urls:
            assert client.get(url).status_code == 404, (name, url)
    client = login(users["city"])
    for url in (urls[0], urls[4], urls[6], urls[7]):
        assert client.get(url).status_code == 200, url


def test_the_forms_and_confirmations_render(users, login, enterprise, plan, checklist):
    client = login(users["owner"])
    for url in (reverse("hazards:plan_add", args=[enterprise.pk]), reverse("hazards:plan_edit", args=[plan.pk]),
                reverse("hazards:plan_delete", args=[plan.pk]), add_url(enterprise, "?measures=1"),
                reverse("hazards:checklist_edit", args=[checklist.pk]), reverse("hazards:checklist_edit", args=[checklist.pk]) + "?add=12",
                reverse("hazards:checklist_delete", args=[checklist.pk]), reverse("hazards:checklist_detail", args=[checklist.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "排查计划使用，不能删除" in client.get(reverse("hazards:checklist_delete", args=[checklist.pk])).content.decode()
    assert "本企业的安全风险辨识清单中还没有风险管控措施" in client.get(add_url(enterprise, "?measures=1")).content.decode()
    edit = client.get(reverse("hazards:checklist_edit", args=[checklist.pk]) + "?add=12")
    assert len(edit.context["formset"].forms) == 3 + 12
    assert 'data-testid="reapproval"' in edit.content.decode()


def test_the_workbench_card_says_which_plans_are_due_and_how_often_checks_were_missed(users, login, enterprise, checklist):
    today = timezone.localdate()
    three_weeks_ago = today - datetime.timedelta(days=today.weekday() + 21)  # a Monday: 3 whole weeks, then this one
    CheckPlan.objects.create(enterprise=enterprise, name="周排查", checklist=checklist, person="王五",
                             frequency_value=1, frequency_unit="week", starts_on=three_weeks_ago)
    html = login(users["owner"]).get(reverse("archive:workbench")).content.decode()
    assert "本期待排查 1" in html and "近期漏查 3 次" in html
