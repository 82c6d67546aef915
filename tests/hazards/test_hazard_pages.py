"""The enterprise's hazard pages: the ledger, recording and correcting, the hazard's page, photos, the notice PDF;
scoped (404 out of scope), permission-checked (403), validated in Chinese, and without N+1 on the ledger."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.codes.helpers import pdf_fonts, pdf_text, write
from tests.factories import create_hazard, create_patrol, create_risk_list, messages_of
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.hazards.models import Hazard, HazardPhoto, HazardStep, Level, Review, State

pytestmark = pytest.mark.django_db
D = datetime.timedelta(days=1)
TODAY = timezone.localdate


def png_bytes(color="red"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def photo(name="现场.jpg", content=None):
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type="image/jpeg")


def hazard_data(**overrides):
    data = {
        "name": "消防通道堆放杂物", "found_on": TODAY().isoformat(), "place": "二号仓库", "category": "fire",
        "level": "general", "kind": "management", "source": "self_check", "substance": "", "content": "消防通道被货物阻塞",
        "possible_consequence": "火灾时人员无法疏散", "possible_loss": "20", "possible_casualties": "3", "surroundings": "",
        "precautions": "临时安排专人值守", "method": "清理杂物，划定禁放区", "requirements": "7日内清理完毕",
        "deadline": (TODAY() + 7 * D).isoformat(), "planned_completion": (TODAY() + 5 * D).isoformat(),
        "planned_funds": "0.5", "responsible": "赵六", "filled_by": "王五", "filled_on": TODAY().isoformat(),
    }
    data.update(overrides)
    return data


def media_files(tmp_path):
    root = tmp_path / "media"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def url(name, *args):
    return reverse(f"hazards:{name}", args=args)


@pytest.fixture
def hazard(enterprise):
    return create_hazard(enterprise, name="配电箱警示标识缺失", responsible="赵六", requirements="张贴警示标识",
                         precautions="设置临时围挡", substance="", possible_loss=2)


@pytest.fixture
def with_photo(hazard, users):
    p = HazardPhoto.objects.create(hazard=hazard, stage=HazardPhoto.Stage.BEFORE, file=photo("before.png"),
                                   uploaded_by=users["owner"])
    return p


# ---- scope: everything of `enterprise` is 404 outside its jurisdiction ----


@pytest.mark.parametrize("name", ["erqi", "outsider", "chem"])
def test_out_of_scope_gets_404_everywhere(login, users, enterprise, hazard, with_photo, name):
    client = login(users[name])
    for page in (url("hazard_list", enterprise.pk), url("hazard_add", enterprise.pk), url("hazard_detail", hazard.pk),
                 url("hazard_edit", hazard.pk),
                 url("hazard_delete", hazard.pk), url("hazard_rectify", hazard.pk), url("hazard_notice_pdf", hazard.pk),
                 url("photo_detail", with_photo.pk)):
        assert client.get(page).status_code == 404, page
    assert client.post(url("photo_delete", with_photo.pk)).status_code == 404
    assert client.post(url("hazard_add", enterprise.pk), hazard_data()).status_code == 404
    assert Hazard.objects.count() == 1 and HazardPhoto.objects.count() == 1


@pytest.mark.parametrize("name", ["owner", "jinshui", "city", "province", "sysadmin"])
def test_in_scope_sees_the_ledger_and_the_hazard(login, users, enterprise, hazard, name):
    client = login(users[name])
    r = client.get(url("hazard_list", enterprise.pk))
    assert r.status_code == 200
    assert "配电箱警示标识缺失" in r.content.decode()
    assert client.get(url("hazard_detail", hazard.pk)).status_code == 200


def test_anonymous_is_sent_to_log_in(client, enterprise, hazard):
    r = client.get(url("hazard_detail", hazard.pk))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


# ---- the ledger ----


def test_the_ledger_filters_and_counts(login, users, enterprise):
    create_hazard(enterprise, name="甲 已上报一般", found_on=TODAY() - 40 * D)
    create_hazard(enterprise, name="乙 整改中重大", level="major", state="rectifying", category="fire",
                  found_on=TODAY() - 20 * D)
    create_hazard(enterprise, name="丙 已销号", state="closed", source="inspection", responsible="钱七",
                  found_on=TODAY() - 3 * D)
    client = login(users["owner"])

    def names(**params):
        return [h.name for h in client.get(url("hazard_list", enterprise.pk), params).context["page"]]

    assert names() == ["丙 已销号", "乙 整改中重大", "甲 已上报一般"]  # newest found first
    assert names(sort="found_on") == ["甲 已上报一般", "乙 整改中重大", "丙 已销号"]
    assert names(state="open") == ["乙 整改中重大", "甲 已上报一般"]
    assert names(state="closed") == ["丙 已销号"]
    assert names(level="major") == ["乙 整改中重大"]
    assert names(source="inspection") == ["丙 已销号"]
    assert names(category="fire") == ["乙 整改中重大"]
    assert names(q="钱七") == ["丙 已销号"]
    assert names(q="已上报") == ["甲 已上报一般"]
    assert names(found_from=(TODAY() - 25 * D).isoformat(), found_to=(TODAY() - 10 * D).isoformat()) == ["乙 整改中重大"]
    backwards = {"found_from": TODAY().isoformat(), "found_to": (TODAY() - D).isoformat()}
    r = client.get(url("hazard_list", enterprise.pk), backwards)
    assert "结束日期不能早于开始日期" in r.content.decode()
    counts = r.context["counts"]
    assert [counts[k] for k in ("reported", "rectifying", "accepting", "closed", "total")] == [1, 1, 0, 1, 3]


def test_the_ledger_offers_recording_to_those_who_may(login, users, enterprise, township_user):
    assert b'data-testid="add-hazard"' in login(users["owner"]).get(url("hazard_list", enterprise.pk)).content
    assert b'data-testid="add-hazard"' in login(users["jinshui"]).get(url("hazard_list", enterprise.pk)).content


def test_the_ledger_query_count_does_not_grow_with_rows(login, users, enterprise, django_assert_max_num_queries):
    create_hazard(enterprise, name="一")
    client = login(users["owner"])
    with CaptureQueriesContext(connection) as few:
        client.get(url("hazard_list", enterprise.pk), {"per_page": 50})
    for i in range(25):
        create_hazard(enterprise, name=f"隐患{i}", level="major" if i % 3 else "general",
                      state=["reported", "closed"][i % 2],
                      supervision="county" if i % 5 == 0 else "", deadline=TODAY() + (i - 5) * D)
    with django_assert_max_num_queries(len(few)):
        r = client.get(url("hazard_list", enterprise.pk), {"per_page": 50})
    assert len(r.context["page"]) == 26


# ---- recording a hazard ----


def test_the_add_form_defaults_to_the_user_and_today(login, users, enterprise):
    users["owner"].full_name = "王五"
    users["owner"].save()
    form = login(users["owner"]).get(url("hazard_add", enterprise.pk)).context["form"]
    assert (form["filled_by"].value(), form["filled_on"].value(), form["found_on"].value()) == ("王五", TODAY(), TODAY())
    assert form["source"].value() == "self_check"
    assert [c[0] for c in form.fields["source"].choices] == ["self_check", "patrol"]
    form = login(users["jinshui"]).get(url("hazard_add", enterprise.pk)).context["form"]
    assert form["source"].value() == "inspection"


def test_the_enterprise_records_a_hazard_with_photos(login, users, enterprise, tmp_path):
    r = login(users["owner"]).post(url("hazard_add", enterprise.pk), hazard_data(photos=[photo("a.jpg"), photo("b.png")]))
    h = Hazard.objects.get()
    assert r.status_code == 302 and r["Location"] == url("hazard_detail", h.pk)
    assert (h.enterprise, h.created_by, h.source) == (enterprise, users["owner"], "self_check")
    assert (h.state, h.review) == ("reported", "")
    assert (h.possible_loss, h.possible_casualties, h.responsible, h.kind) == (20, 3, "赵六", "management")
    assert h.photos.filter(stage="before").count() == 2
    assert len(media_files(tmp_path)) == 2
    assert all(p.file.name.endswith(".png") for p in h.photos.all())  # named by content, not by the upload
    assert [s.action for s in h.steps.all()] == ["report"]
    assert ChangeRecord.objects.filter(object_id=str(h.pk), content_type__model="hazard",
                                       action=AuditAction.CREATE).exists()


def test_a_regulator_records_what_an_inspection_found(login, users, enterprise):
    login(users["jinshui"]).post(url("hazard_add", enterprise.pk), hazard_data(source="self_check"))
    h = Hazard.objects.get()
    assert (h.source, h.created_by) == ("inspection", users["jinshui"])  # only 监管检查 is offered to regulators
    s = h.steps.get()
    assert (s.action, s.actor_org, s.comment) == ("report", "金水区应急管理局", "由监管检查发现")


@pytest.mark.parametrize("overrides, field, message", [
    ({"deadline": (TODAY() - D).isoformat()}, "deadline", "整改期限不能早于隐患排查时间"),
    ({"deadline": ""}, "deadline", "这个字段是必填项。"),
    ({"found_on": (TODAY() + D).isoformat()}, "found_on", "隐患排查时间不能晚于今天"),
    ({"filled_on": (TODAY() + D).isoformat()}, "filled_on", "填表时间不能晚于今天"),
    ({"planned_funds": "-1"}, "planned_funds", "预计所需资金（万元）不能为负数"),
    ({"possible_loss": "-0.5"}, "possible_loss", "可能造成经济损失（万元）不能为负数"),
    ({"planned_completion": (TODAY() - 2 * D).isoformat()}, "planned_completion", "计划整改完成时间不能早于隐患排查时间"),
    ({"name": ""}, "name", "这个字段是必填项。"),
])
def test_bad_input_gets_a_chinese_message_and_saves_nothing(login, users, enterprise, overrides, field, message,
                                                             tmp_path):
    r = login(users["owner"]).post(url("hazard_add", enterprise.pk), hazard_data(photos=[photo()], **overrides))
    assert r.status_code == 200
    assert any(message in e for e in r.context["form"].errors[field]), r.context["form"].errors
    assert message in r.content.decode()
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists() and not media_files(tmp_path)
    assert any("照片需要重新选择" in m for m in messages_of(r))


def test_a_renamed_exe_is_refused_as_a_photo(login, users, enterprise, tmp_path):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    photos = [photo("a.jpg"), photo("现场照片.jpg", exe)]
    r = login(users["owner"]).post(url("hazard_add", enterprise.pk), hazard_data(photos=photos))
    assert r.status_code == 200
    [error] = r.context["form"].errors["photos"]
    assert error == "“现场照片.jpg”：文件内容不是有效的图片（PNG、JPEG、GIF、WebP）"
    assert "文件内容不是有效的图片" in r.content.decode()
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists() and not media_files(tmp_path)


def test_at_most_five_photos(login, users, enterprise, hazard, with_photo):
    r = login(users["owner"]).post(url("hazard_add", enterprise.pk), hazard_data(photos=[photo() for _ in range(6)]))
    assert "最多还能上传 5 张" in r.context["form"].errors["photos"][0]
    # Editing a hazard that has one already leaves room for four.
    r = login(users["owner"]).post(url("hazard_edit", hazard.pk), hazard_data(photos=[photo() for _ in range(5)]))
    assert "最多还能上传 4 张" in r.context["form"].errors["photos"][0]
    assert hazard.photos.count() == 1


# ---- editing and deleting ----


def test_the_enterprise_edits_its_open_hazard(login, users, hazard):
    client = login(users["owner"])
    r = client.post(url("hazard_edit", hazard.pk), hazard_data(name="配电箱警示标识缺失（二车间）", photos=[photo()]))
    assert r.status_code == 302
    h = Hazard.objects.get(pk=hazard.pk)
    assert (h.name, h.place, h.photos.count(), h.state) == ("配电箱警示标识缺失（二车间）", "二号仓库", 1, State.REPORTED)
    change = ChangeRecord.objects.get(object_id=str(h.pk), content_type__model="hazard", action=AuditAction.UPDATE)
    assert change.before["name"] == "配电箱警示标识缺失" and change.object_repr == "【一般隐患】配电箱警示标识缺失（二车间）"


def test_raising_a_reported_hazard_to_major_sends_it_for_review(login, users, hazard):
    login(users["owner"]).post(url("hazard_edit", hazard.pk), hazard_data(level="major"))
    h = Hazard.objects.get(pk=hazard.pk)
    assert (h.level, h.review) == (Level.MAJOR, Review.PENDING)


def test_the_enterprise_cannot_downgrade_its_major_hazard_by_editing(login, users, enterprise):
    h = create_hazard(enterprise, level="major", review="pending")
    r = login(users["owner"]).post(url("hazard_edit", h.pk), hazard_data(level="general"))
    assert r.status_code == 302
    assert Hazard.objects.get(pk=h.pk).level == Level.MAJOR


def test_who_may_not_edit(login, users, enterprise, hazard):
    assert login(users["jinshui"]).get(url("hazard_edit", hazard.pk)).status_code == 403
    closed = create_hazard(enterprise, state="closed")
    assert login(users["owner"]).get(url("hazard_edit", closed.pk)).status_code == 403
    confirmed = create_hazard(enterprise, level="major", review="confirmed", state="rectifying")
    assert login(users["owner"]).post(url("hazard_edit", confirmed.pk), hazard_data()).status_code == 403


def test_an_edit_does_not_overwrite_a_step_taken_meanwhile(login, users, hazard):
    client = login(users["owner"])
    client.get(url("hazard_edit", hazard.pk))
    # The form was opened; the hazard moves on before it is posted: the view re-reads the state under a lock.
    from worksafe.hazards import views

    original = views._lock_unchanged

    def moved(h, state, review):
        Hazard.objects.filter(pk=h.pk).update(state=State.RECTIFYING)
        return original(h, state, review)

    views._lock_unchanged = moved
    try:
        r = client.post(url("hazard_edit", hazard.pk), hazard_data(name="新名称"), follow=True)
    finally:
        views._lock_unchanged = original
    h = Hazard.objects.get(pk=hazard.pk)
    assert (h.name, h.state) == ("配电箱警示标识缺失", State.RECTIFYING)
    assert any("未保存" in m for m in messages_of(r))


def test_the_enterprise_deletes_a_hazard_nobody_acted_on(login, users, enterprise, hazard, with_photo, tmp_path,
                                                       django_capture_on_commit_callbacks):
    client = login(users["owner"])
    r = client.get(url("hazard_delete", hazard.pk))
    assert "将同时删除 1 张照片" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url("hazard_delete", hazard.pk))
    assert r.status_code == 302 and r["Location"] == url("hazard_list", enterprise.pk)
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists() and not media_files(tmp_path)
    deleted = ChangeRecord.objects.get(content_type__model="hazard", action=AuditAction.DELETE)
    assert deleted.object_repr == "【一般隐患】配电箱警示标识缺失" and deleted.enterprise_id == enterprise.pk


def test_who_may_not_delete(login, users, enterprise, hazard):
    assert login(users["jinshui"]).post(url("hazard_delete", hazard.pk)).status_code == 403
    inspected = create_hazard(enterprise, source="inspection")
    assert login(users["owner"]).post(url("hazard_delete", inspected.pk)).status_code == 403
    HazardStep.objects.create(hazard=hazard, action="start", target="rectifying", actor_name="x")
    Hazard.objects.filter(pk=hazard.pk).update(state="rectifying")
    assert login(users["owner"]).post(url("hazard_delete", hazard.pk)).status_code == 403
    assert Hazard.objects.count() == 2


# ---- the hazard's page ----


def test_the_page_shows_the_paper_form_the_steps_and_the_actions(login, users, hazard, with_photo):
    HazardStep.objects.create(hazard=hazard, action="report", target="reported", actor=users["owner"],
                              actor_name="王五", comment="由企业自查发现")
    html = login(users["owner"]).get(url("hazard_detail", hazard.pk)).content.decode()
    for text in ("配电箱警示标识缺失", "一车间", "现场管理-用电安全", "张贴警示标识", "设置临时围挡", "赵六",
                 "隐患整改结果评估", "填表人", "审核人", "由企业自查发现", "王五（金水测试机械有限公司）",
                 f"YH-{hazard.found_on.year}-{hazard.pk:06d}"):
        assert text in html, text
    assert 'data-action="start"' in html and 'data-action="accept"' not in html
    assert f'src="{url("photo_detail", with_photo.pk)}"' in html
    assert 'data-testid="edit-link"' in html and 'data-testid="delete-link"' in html
    # The regulator sees the page, without the enterprise's edit and delete.
    html = login(users["jinshui"]).get(url("hazard_detail", hazard.pk)).content.decode()
    assert 'data-testid="edit-link"' not in html and 'data-testid="delete-link"' not in html


def test_the_page_says_where_a_patrol_hazard_came_from(login, users, enterprise, django_capture_on_commit_callbacks):
    create_risk_list(enterprise)
    with django_capture_on_commit_callbacks(execute=True):  # a measure not in place raises its hazard on commit
        create_patrol(enterprise, timezone.now(), [False])
    h = Hazard.objects.get()
    html = login(users["owner"]).get(url("hazard_detail", h.pk)).content.decode()
    assert 'data-testid="origin"' in html and "风险巡检记录" in html
    assert reverse("risks:patrol_detail", args=[h.patrol_item.patrol_id]) in html


def test_the_rectify_page_is_for_those_who_submit_while_rectifying(login, users, enterprise, hazard):
    client = login(users["owner"])
    r = client.get(url("hazard_rectify", hazard.pk), follow=True)
    assert "整改记录只能在整改中填写" in "".join(messages_of(r))
    Hazard.objects.filter(pk=hazard.pk).update(state="rectifying")
    r = client.get(url("hazard_rectify", hazard.pk))
    assert r.status_code == 200 and "提交验收前还需填写" in r.content.decode()
    r = client.post(url("hazard_rectify", hazard.pk), {"measures_taken": "x", "completed_on": (TODAY() + D).isoformat(),
                                                "actual_funds": "-2"})
    assert "实际完成时间不能晚于今天" in r.context["form"].errors["completed_on"][0]
    assert r.context["form"].errors["actual_funds"] == ["实际使用资金（万元）不能为负数"]
    major = create_hazard(enterprise, level="major", review="confirmed", state="rectifying")
    assert login(users["jinshui"]).get(url("hazard_rectify", major.pk)).status_code == 403


# ---- photos ----


def test_photos_are_served_in_scope(login, users, with_photo):
    r = login(users["jinshui"]).get(url("photo_detail", with_photo.pk))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content) == png_bytes()


def test_the_enterprise_deletes_a_photo_while_open(login, users, hazard, with_photo):
    assert login(users["jinshui"]).post(url("photo_delete", with_photo.pk)).status_code == 403
    r = login(users["owner"]).post(url("photo_delete", with_photo.pk), {"next": url("hazard_edit", hazard.pk)})
    assert r.status_code == 302 and r["Location"] == url("hazard_edit", hazard.pk)
    assert not HazardPhoto.objects.exists()
    Hazard.objects.filter(pk=hazard.pk).update(state="closed")
    p = HazardPhoto.objects.create(hazard=hazard, stage="after", file=photo())
    assert login(users["owner"]).post(url("photo_delete", p.pk)).status_code == 403


# ---- the rectification notice ----


def test_the_notice_is_a_chinese_pdf(login, users, enterprise, hazard, tmp_path):
    r = login(users["jinshui"]).get(url("hazard_notice_pdf", hazard.pk))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    path = write(tmp_path, "notice.pdf", r.content)
    text = pdf_text(path)
    number = f"YH-{hazard.found_on.year}-{hazard.pk:06d}"
    for expected in ("隐患整改通知单", number, enterprise.name, enterprise.uscc, "配电箱警示标识缺失", "一车间",
                     "一般隐患", "现场管理-用电安全", "张贴警示标识", "赵六", hazard.deadline.strftime("%Y年%-m月%-d日"),
                     "签发人（签字）", "整改责任人（签字）"):
        assert expected in text, expected
    assert any("CJK" in name or "Zen" in name for name, embedded in pdf_fonts(path) if embedded)


def test_a_pending_major_hazard_points_the_regulator_to_the_review(login, users, enterprise):
    """The review (confirm / downgrade, with supervision) is the major panel's form: not offered twice."""
    h = create_hazard(enterprise, level="major", review="pending")
    html = login(users["jinshui"]).get(url("hazard_detail", h.pk)).content.decode()
    assert 'data-testid="review-pointer"' in html
    assert 'data-action="confirm"' not in html and 'data-action="downgrade"' not in html
    assert 'data-testid="review-pointer"' not in login(users["owner"]).get(url("hazard_detail", h.pk)).content.decode()


# ---- the card on the archive and the workbench ----


def test_the_card_links_to_the_ledger_and_to_recording(login, users, enterprise, hazard):
    for name in ("owner", "jinshui"):
        html = login(users[name]).get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
        assert 'data-testid="hazard-card"' in html
        assert f'href="{url("hazard_list", enterprise.pk)}"' in html
        assert f'href="{url("hazard_add", enterprise.pk)}"' in html
        assert f'href="{url("hazard_list", enterprise.pk)}?due=soon"' in html
