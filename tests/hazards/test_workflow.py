"""The closed loop (已上报 → 整改中 → 待验收 → 已销号) through the step view: who may take which step, what each step
records (a HazardStep row and an audited TRANSITION whose label carries the level), and what it refuses."""
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import TOWNSHIP, create_hazard, messages_of
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.hazards import workflow
from worksafe.hazards.models import Hazard, HazardPhoto, HazardStep, Level, Review, State

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def step(client, hazard, action, comment="", follow=True):
    return client.post(reverse("hazards:hazard_step", args=[hazard.pk, action]), {"comment": comment}, follow=follow)


def fresh(hazard):
    return Hazard.objects.get(pk=hazard.pk)


def rectified(hazard, **fields):
    """Fill in the rectification record the way the rectify page saves it."""
    values = {"measures_taken": "已张贴警示标识并加锁", "completed_on": TODAY(), "no_photo_reason": "现场禁止拍照", **fields}
    Hazard.objects.filter(pk=hazard.pk).update(**values)
    return fresh(hazard)


def actions(user, hazard):
    return [s.action for s in workflow.available(user, fresh(hazard))]


def transitions(hazard):
    return list(ChangeRecord.objects.filter(object_id=str(hazard.pk), content_type__model="hazard",
                                            action=AuditAction.TRANSITION).order_by("id"))


def png():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def general(enterprise):
    return create_hazard(enterprise, name="配电箱警示标识缺失")


@pytest.fixture
def major(enterprise):
    return create_hazard(enterprise, name="液氨储罐区可燃气体报警器失效", level=Level.MAJOR, review=Review.PENDING)


# ---- general hazards: the enterprise closes its own loop ----


def test_it_runs_the_general_loop_by_the_enterprise(login, users, general):
    owner = users["owner"]
    client = login(owner)
    assert actions(owner, general) == ["start"]

    r = step(client, general, "start")
    assert fresh(general).state == State.RECTIFYING
    assert any("开始整改" in m for m in messages_of(r))
    assert actions(owner, general) == ["submit"]

    rectified(general)
    step(client, general, "submit")
    assert fresh(general).state == State.ACCEPTING
    assert actions(owner, general) == ["accept", "reject"]

    step(client, general, "accept")
    h = fresh(general)
    assert h.state == State.CLOSED
    assert (h.reviewed_by, h.reviewed_on) == (owner.get_username(), TODAY())
    assert h.closed_at is not None
    assert actions(owner, general) == []

    steps = list(h.steps.order_by("id"))
    assert [(s.action, s.source, s.target) for s in steps] == [
        ("start", "reported", "rectifying"), ("submit", "rectifying", "accepting"), ("accept", "accepting", "closed")]
    assert all(s.actor == owner and s.actor_name == owner.get_username() for s in steps)
    records = transitions(general)
    assert [r.message for r in records] == ["开始整改", "提交验收", "验收通过"]
    assert all(r.object_repr == "【一般隐患】配电箱警示标识缺失" and r.user == owner for r in records)
    assert records[-1].after["state"] == "closed" and records[-1].before["state"] == "accepting"


def test_a_regulator_in_scope_may_also_move_a_general_hazard(login, users, general):
    jinshui = users["jinshui"]
    assert actions(jinshui, general) == ["start"]
    step(login(jinshui), general, "start")
    s = fresh(general).steps.get()
    assert (s.action, s.actor_org) == ("start", "金水区应急管理局")


# ---- major hazards: reviewed and accepted by regulators only ----


def test_it_runs_the_major_loop_with_the_regulator(login, users, major, client):
    owner, jinshui = users["owner"], users["jinshui"]
    assert actions(owner, major) == []  # waiting for the regulator's review
    assert step(login(owner), major, "start", follow=False).status_code == 403
    assert actions(jinshui, major) == ["confirm", "downgrade"]

    step(login(jinshui), major, "confirm", "经核查属实，列为重大隐患")
    h = fresh(major)
    assert (h.state, h.review, h.review_reason) == (State.RECTIFYING, Review.CONFIRMED, "经核查属实，列为重大隐患")
    assert actions(jinshui, major) == []  # the enterprise rectifies
    assert actions(owner, major) == ["submit"]

    rectified(major)
    step(login(owner), major, "submit")
    assert fresh(major).state == State.ACCEPTING
    # The enterprise cannot accept its own major hazard: not offered, and refused when posted.
    assert actions(owner, major) == []
    assert step(login(owner), major, "accept", follow=False).status_code == 403
    assert fresh(major).state == State.ACCEPTING

    assert actions(jinshui, major) == ["accept", "reject"]
    step(login(jinshui), major, "accept", "现场复查合格")
    h = fresh(major)
    assert h.state == State.CLOSED
    assert (h.reviewed_by, h.reviewed_on) == ("jinshui", TODAY())
    records = transitions(major)
    assert [r.message for r in records] == ["确认重大隐患：经核查属实，列为重大隐患", "提交验收", "验收通过：现场复查合格"]
    assert {r.object_repr for r in records} == {"【重大隐患】液氨储罐区可燃气体报警器失效"}
    assert [s.action for s in h.steps.order_by("id")] == ["confirm", "submit", "accept"]


def test_the_city_may_review_what_lies_in_its_jurisdiction(login, users, major):
    step(login(users["city"]), major, "confirm")
    assert fresh(major).review == Review.CONFIRMED


def test_a_downgrade_needs_a_reason_and_makes_it_general(login, users, major):
    client = login(users["jinshui"])
    r = step(client, major, "downgrade", "  ")
    assert "打回为一般隐患须填写原因。" in messages_of(r)
    h = fresh(major)
    assert (h.level, h.review) == (Level.MAJOR, Review.PENDING)
    assert not h.steps.exists() and not transitions(major)

    step(client, major, "downgrade", "不属于重大事故隐患判定标准所列情形")
    h = fresh(major)
    assert (h.level, h.review, h.state) == (Level.GENERAL, Review.DOWNGRADED, State.REPORTED)
    assert h.review_reason == "不属于重大事故隐患判定标准所列情形"
    s = h.steps.get()
    assert (s.action, s.source, s.target, s.comment) == ("downgrade", "reported", "reported", "不属于重大事故隐患判定标准所列情形")
    [record] = transitions(major)
    assert record.before["level"] == "major" and record.after["level"] == "general"
    assert record.object_repr == "【一般隐患】液氨储罐区可燃气体报警器失效"
    # Now an ordinary general hazard: the enterprise starts rectifying it.
    assert actions(users["owner"], major) == ["start"]


def test_a_rejection_needs_a_reason_and_returns_to_rectifying(login, users, general):
    Hazard.objects.filter(pk=general.pk).update(state=State.ACCEPTING)
    client = login(users["owner"])
    r = step(client, general, "reject")
    assert "验收不通过须填写原因。" in messages_of(r)
    assert fresh(general).state == State.ACCEPTING

    step(client, general, "reject", "警示标识位置不醒目，重新张贴")
    h = fresh(general)
    assert h.state == State.RECTIFYING
    s = h.steps.get()
    assert (s.action, s.source, s.target, s.comment) == ("reject", "accepting", "rectifying", "警示标识位置不醒目，重新张贴")
    assert transitions(general)[0].message == "验收不通过：警示标识位置不醒目，重新张贴"


def test_a_step_in_the_wrong_state_is_explained_not_forbidden(login, users, general):
    r = step(login(users["owner"]), general, "accept")
    assert r.status_code == 200
    assert "隐患当前状态为“已上报”，不能验收通过。" in messages_of(r)
    assert fresh(general).state == State.REPORTED


def test_an_unknown_step_is_forbidden(login, users, general):
    assert step(login(users["owner"]), general, "close", follow=False).status_code == 403


def test_a_step_is_posted_not_fetched(login, users, general):
    assert login(users["owner"]).get(reverse("hazards:hazard_step", args=[general.pk, "start"])).status_code == 405


# ---- submitting for acceptance: the rectification record must be complete ----


@pytest.mark.parametrize("blank, named", [
    ({"measures_taken": "  "}, "已采取的整改措施"),
    ({"completed_on": None}, "实际完成时间"),
    ({"no_photo_reason": ""}, "整改后照片（或未提供照片的原因）"),
])
def test_submit_refuses_an_incomplete_record_and_names_what_is_missing(login, users, general, blank, named):
    Hazard.objects.filter(pk=general.pk).update(state=State.RECTIFYING)
    rectified(general, **blank)
    r = step(login(users["owner"]), general, "submit")
    [message] = messages_of(r)
    assert message.startswith("整改记录不完整，请先填写：") and named in message
    assert fresh(general).state == State.RECTIFYING
    assert not fresh(general).steps.exists()


def test_an_after_photo_stands_in_for_the_reason(users, general):
    Hazard.objects.filter(pk=general.pk).update(state=State.RECTIFYING)
    h = rectified(general, no_photo_reason="")
    with pytest.raises(ValidationError):
        workflow.perform(h, "submit", users["owner"])
    HazardPhoto.objects.create(hazard=h, stage=HazardPhoto.Stage.AFTER, file=SimpleUploadedFile("a.png", png()))
    assert workflow.perform(h, "submit", users["owner"]).state == State.ACCEPTING


def test_save_and_submit_on_the_rectify_page(login, users, general):
    Hazard.objects.filter(pk=general.pk).update(state=State.RECTIFYING)
    client = login(users["owner"])
    url = reverse("hazards:hazard_rectify", args=[general.pk])
    # Incomplete: saved, but not submitted; the message names what is missing.
    r = client.post(url, {"measures_taken": "已更换配电箱", "submit": "1"}, follow=True)
    h = fresh(general)
    assert (h.state, h.measures_taken) == (State.RECTIFYING, "已更换配电箱")
    assert any(m.startswith("整改记录已保存，但未能提交验收") and "实际完成时间" in m for m in messages_of(r))
    # Complete, with an after-photo instead of a reason.
    photo = SimpleUploadedFile("after.jpg", png(), content_type="image/jpeg")
    r = client.post(url, {"measures_taken": "已更换配电箱", "completed_on": TODAY().isoformat(), "actual_funds": "0.35",
                          "evaluation": "整改到位", "photos": [photo], "submit": "1"}, follow=True)
    h = fresh(general)
    assert h.state == State.ACCEPTING
    assert h.photos.filter(stage="after").count() == 1
    assert "整改记录已保存并提交验收。" in messages_of(r)
    assert [s.action for s in h.steps.all()] == ["submit"]


# ---- who may not ----


def test_the_sibling_county_gets_404_and_changes_nothing(login, users, general, major):
    client = login(users["erqi"])
    for hazard, action in ((general, "start"), (major, "confirm"), (major, "downgrade")):
        assert step(client, hazard, action, "越权", follow=False).status_code == 404
    assert actions(users["erqi"], major) == []
    assert fresh(general).state == State.REPORTED and fresh(major).review == Review.PENDING
    assert not HazardStep.objects.exists()


def test_the_other_enterprise_and_a_narrowed_department_get_404(login, users, general):
    for name in ("outsider", "chem"):
        assert step(login(users[name]), general, "start", follow=False).status_code == 404


def test_a_township_regulator_sees_but_does_not_review(login, users, township_user, enterprise, major, general):
    enterprise.region_id = TOWNSHIP  # the township regulator sees its township's enterprises
    enterprise.save()
    client = login(township_user)
    assert client.get(reverse("hazards:hazard_detail", args=[major.pk])).status_code == 200
    assert actions(township_user, major) == []
    assert step(client, major, "confirm", follow=False).status_code == 403
    Hazard.objects.filter(pk=general.pk).update(state=State.ACCEPTING)
    assert step(client, general, "accept", follow=False).status_code == 403
    assert fresh(major).review == Review.PENDING and fresh(general).state == State.ACCEPTING


def test_perform_refuses_directly_too(users, major):
    """The rules live in workflow, not in the views: the enterprise cannot review or accept its major hazard."""
    with pytest.raises(PermissionDenied):
        workflow.perform(major, "confirm", users["owner"])
    Hazard.objects.filter(pk=major.pk).update(state=State.ACCEPTING, review=Review.CONFIRMED)
    with pytest.raises(PermissionDenied):
        workflow.perform(fresh(major), "accept", users["owner"])


def test_reporting_through_the_form_records_the_report_step(login, users, enterprise):
    data = {"name": "消防通道堆放杂物", "found_on": TODAY().isoformat(), "place": "二号仓库", "category": "fire",
            "level": "major", "source": "self_check", "content": "消防通道被堆放的货物阻塞",
            "deadline": (TODAY() + datetime.timedelta(days=7)).isoformat(), "filled_by": "王五",
            "filled_on": TODAY().isoformat()}
    r = login(users["owner"]).post(reverse("hazards:hazard_add", args=[enterprise.pk]), data)
    h = Hazard.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("hazards:hazard_detail", args=[h.pk])
    assert (h.level, h.review, h.state) == (Level.MAJOR, Review.PENDING, State.REPORTED)
    s = h.steps.get()
    assert (s.action, s.source, s.target, s.comment) == ("report", "", "reported", "由企业自查发现")
    created = ChangeRecord.objects.get(object_id=str(h.pk), content_type__model="hazard")
    assert (created.action, created.object_repr) == (AuditAction.CREATE, "【重大隐患】消防通道堆放杂物")
