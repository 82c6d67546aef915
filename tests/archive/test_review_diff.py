"""Archive review shows what changed since the last approval, field by field (before → after, grouped by table), and
whoever edits an approved archive is told, before saving and after, that it goes back to 待审核 (issue 20)."""
import pytest
from django.urls import reverse

from tests.archive.test_import_export import edit, export_bytes, upload
from tests.factories import JINSHUI, create_enterprise, create_item, create_unit, form_data, messages_of
from worksafe.archive import review
from worksafe.archive.models import Enterprise, KeySupervisionItem, SecondaryUnit
from worksafe.registrations import schema
from worksafe.registrations.forms import as_post
from worksafe.registrations.models import Registration

pytestmark = pytest.mark.django_db
TAILINGS = schema.get("tailings_pond")
TAILINGS_DATA = {"name": "金水一号尾矿库", "ownerless": "否", "operating_status": "在用", "design_dam_height": 30,
                 "design_capacity": 120.5, "special_workers": 12, "license_validity": ["2023-01-01", "2026-01-01"]}


def approve(login, users, enterprise):
    """The archive submitted by its administrator and approved by the county, through the pages (as recorded live)."""
    for who, action in (("owner", "submit"), ("jinshui", "approve")):  # followed: their messages are read
        login(users[who]).post(reverse("archive:enterprise_review", args=[enterprise.pk, action]), follow=True)
    enterprise.refresh_from_db()
    assert enterprise.review_state == "approved"
    return enterprise


def save_basic(client, enterprise, **changes):
    enterprise.refresh_from_db()
    response = client.post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, **changes), follow=True)
    assert response.status_code == 200 and "form" not in response.context, response.context["form"].errors
    return response


def review_page(client, enterprise):
    response = client.get(reverse("archive:enterprise_detail", args=[enterprise.pk]))
    assert response.status_code == 200
    return response


def diff_of(response):
    """{group title: {object label: (status, [(field, before, after)])}} as the review page got it."""
    diff = response.context["review_diff"]
    return {g.title: {c.label if not g.single else "": (c.status, [tuple(map(str, row)) for row in c.rows]) for c in g.changes}
            for g in diff.groups}


def card(response):
    html = response.content.decode()
    assert 'data-testid="review-diff"' in html
    return html.split('data-testid="review-diff"', 1)[1].split('id="basic"', 1)[0]


def test_it_shows_exactly_the_edited_fields_before_and_after(login, users, enterprise):
    approve(login, users, enterprise)
    old_phone, old_staff = enterprise.duty_phone, enterprise.staff_count
    owner = login(users["owner"])
    save_basic(owner, enterprise, staff_count=old_staff + 5)
    save_basic(owner, enterprise, staff_count=old_staff + 7, duty_phone="0371-61112222", has_major_hazard_source=True)

    page = review_page(login(users["jinshui"]), enterprise)
    # net effect: the first value against the last, one row per field however often it changed
    status, rows = diff_of(page)["企业基本信息"][""]
    assert status == "changed" and rows == [  # in the form's order
        ("职工总数", str(old_staff), str(old_staff + 7)),
        ("值班电话", old_phone, "0371-61112222"),
        ("是否有危化品重大危险源", "否", "是"),
    ]
    html = card(page)
    assert 'data-testid="diff-count">3<' in html
    for text in ["职工总数", str(old_staff + 7), "0371-61112222", old_phone, "是否有危化品重大危险源"]:
        assert text in html, text
    assert "审核状态" not in html and "退回原因" not in html  # the workflow's own fields are not the archive's content
    assert 'href="#history"' in html and "完整变更历史" in html  # the whole history stays below


def test_a_field_changed_and_changed_back_is_not_shown(login, users, enterprise):
    approve(login, users, enterprise)
    old_phone, old_staff = enterprise.duty_phone, enterprise.staff_count
    owner = login(users["owner"])
    save_basic(owner, enterprise, duty_phone="0371-61112222", staff_count=old_staff + 1)
    save_basic(owner, enterprise, duty_phone=old_phone)
    assert diff_of(review_page(login(users["jinshui"]), enterprise)) == {
        "企业基本信息": {"": ("changed", [("职工总数", str(old_staff), str(old_staff + 1))])}}

    save_basic(owner, enterprise, staff_count=old_staff)
    page = review_page(login(users["jinshui"]), enterprise)
    assert diff_of(page) == {}
    assert "审核通过以来，档案内容没有变化" in card(page)


def test_added_removed_and_edited_rows_are_shown_by_table(login, users, enterprise):
    kept = create_unit(enterprise, name="一号矿井")
    gone = create_item(enterprise, name="液氨储罐区")
    approve(login, users, enterprise)
    owner = login(users["owner"])
    unit = {"industry": "0301", "competent_department": "emergency"}
    owner.post(reverse("archive:unit_edit", args=[kept.pk]), {**unit, "name": "一号矿井（东区）", "industry": enterprise.industry_id})
    owner.post(reverse("archive:unit_add", args=[enterprise.pk]), {**unit, "name": "机修车间", "principal": "张三"})
    owner.post(reverse("archive:child_delete", args=["item", gone.pk]))
    owner.post(reverse("archive:item_add", args=[enterprise.pk]), {"seq": 3, "name": "临时动火", "area": "二车间", "accident_category": "07"})
    owner.post(reverse("archive:child_delete", args=["item", KeySupervisionItem.objects.get(name="临时动火").pk]))
    assert SecondaryUnit.objects.filter(enterprise=enterprise).count() == 2

    page = review_page(login(users["jinshui"]), enterprise)
    diff = diff_of(page)
    assert list(diff) == ["二级生产经营单位", "重点监管信息"]  # the archive's order; 表1 unchanged, so not listed
    assert diff["二级生产经营单位"]["一号矿井（东区）"] == ("changed", [("单位名称", "一号矿井", "一号矿井（东区）")])
    status, rows = diff["二级生产经营单位"]["机修车间"]
    assert status == "added"
    assert ("单位名称", "—", "机修车间") in rows and ("负责人", "—", "张三") in rows
    assert ("行业分类", "—", "危险化学品生产") in rows  # related names, not codes
    assert not any(label in ("所属企业", "ID") for label, _, _ in rows)
    status, rows = diff["重点监管信息"]["液氨储罐区"]
    assert status == "removed" and ("所在区域", "罐区", "—") in rows
    assert "临时动火" not in diff["重点监管信息"]  # added and deleted again since the approval: nothing to review
    html = card(page)
    assert "新增 1 行，删除 1 行" in html and 'data-testid="diff-count">1<' in html
    assert html.index("二级生产经营单位") < html.index("机修车间") < html.index("重点监管信息") < html.index("液氨储罐区")


def test_a_registration_table_shows_its_own_fields(login, users):
    mine = create_enterprise(JINSHUI, industry="0203", name="金水尾矿库有限公司")
    Registration.objects.create(enterprise=mine, table="tailings_pond", data=TAILINGS_DATA)
    users["owner"].enterprise = mine
    users["owner"].save()
    approve(login, users, mine)
    response = login(users["owner"]).post(reverse("registrations:table_edit", args=[mine.pk, "tailings_pond"]),
                                          as_post(TAILINGS, {**TAILINGS_DATA, "name": "金水二号尾矿库"}), follow=True)
    assert review.SENT_BACK in " ".join(messages_of(response))
    diff = diff_of(review_page(login(users["jinshui"]), mine))
    status, rows = diff["行业登记表"][TAILINGS.title]
    assert status == "changed" and len(rows) == 1
    label, old, new = rows[0]
    assert "尾矿库名称" in label and (old, new) == ("金水一号尾矿库", "金水二号尾矿库")


def test_a_first_submission_says_so_instead_of_a_diff(login, users, enterprise):
    login(users["owner"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "submit"]))
    page = review_page(login(users["jinshui"]), enterprise)
    assert page.context["review_diff"].approval is None
    html = card(page)
    assert "首次提交审核" in html and 'data-testid="first-review"' in html and "diff-count" not in html


def test_the_diff_starts_at_the_last_approval(login, users, enterprise):
    approve(login, users, enterprise)
    save_basic(login(users["owner"]), enterprise, duty_phone="0371-61112222")
    login(users["jinshui"]).post(reverse("archive:enterprise_review", args=[enterprise.pk, "approve"]))
    save_basic(login(users["owner"]), enterprise, safety_head="李四")
    diff = diff_of(review_page(login(users["jinshui"]), enterprise))
    assert [label for label, _, _ in diff["企业基本信息"][""][1]] == ["安全管理机构负责人"]


def test_the_diff_is_shown_to_reviewers_of_an_archive_awaiting_review_only(login, users, enterprise):
    approve(login, users, enterprise)
    assert review_page(login(users["jinshui"]), enterprise).context["review_diff"] is None  # approved: nothing to review
    save_basic(login(users["owner"]), enterprise, duty_phone="0371-61112222")
    assert review_page(login(users["owner"]), enterprise).context["review_diff"] is None
    for who in ("jinshui", "city", "province"):
        assert 'data-testid="review-diff"' in review_page(login(users[who]), enterprise).content.decode(), who


@pytest.mark.parametrize("who", ["erqi", "outsider", "chem"])
def test_another_jurisdiction_gets_404_on_the_review_page(login, users, enterprise, who):
    approve(login, users, enterprise)
    save_basic(login(users["owner"]), enterprise, duty_phone="0371-61112222")
    assert login(users[who]).get(reverse("archive:enterprise_detail", args=[enterprise.pk])).status_code == 404


def test_the_review_page_costs_the_same_however_many_changes(login, users, enterprise, django_assert_max_num_queries):
    unit, item = create_unit(enterprise, name="一号矿井"), create_item(enterprise, name="液氨储罐区")
    approve(login, users, enterprise)
    save_basic(login(users["owner"]), enterprise, duty_phone="0371-61112222")
    unit.industry_id, item.accident_category_id = "0301", "07"  # one row naming each related table: their names in bulk
    unit.save(), item.save()
    client = login(users["jinshui"])
    url = reverse("archive:enterprise_detail", args=[enterprise.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        first = client.get(url)
    assert first.context["review_diff"].field_count == 3
    for n in range(15):
        enterprise.refresh_from_db()
        enterprise.staff_count, enterprise.safety_head = n, f"负责人{n}"
        enterprise.save()
        unit.name, unit.industry_id = f"矿井{n}", "0301" if n % 2 else "0302"
        unit.save()
        item.accident_category_id, item.area = "08" if n % 2 else "07", f"区域{n}"
        item.save()
        create_unit(enterprise, name=f"临时{n}").delete()
        create_item(enterprise, name=f"新设施{n}")
    with django_assert_max_num_queries(len(few)):
        many = client.get(url)
    diff = many.context["review_diff"]
    assert diff.added == 15 and diff.field_count > 3


# ---- the editor is told, before saving and after ----


@pytest.fixture
def approved(login, users, enterprise):
    return approve(login, users, enterprise)


def edit_pages(e):
    unit, item = create_unit(e, name="一号矿井"), create_item(e, name="液氨储罐区")
    return [reverse("archive:enterprise_edit", args=[e.pk]), reverse("archive:unit_add", args=[e.pk]),
            reverse("archive:unit_edit", args=[unit.pk]), reverse("archive:item_add", args=[e.pk]),
            reverse("archive:item_edit", args=[item.pk])]


def test_the_edit_forms_of_an_approved_archive_say_it_goes_back_to_review(login, users, approved):
    Enterprise.objects.filter(pk=approved.pk).update(review_state="approved")  # the units and items created just now
    client = login(users["owner"])
    for url in edit_pages(approved):
        html = client.get(url).content.decode()
        assert 'data-testid="review-notice"' in html and "退回“待审核”" in html, url
    detail = client.get(reverse("archive:enterprise_detail", args=[approved.pk])).content.decode()
    assert "删除后将退回“待审核”状态" in detail  # the delete buttons ask first


def test_the_forms_say_nothing_when_the_archive_is_not_approved(login, users, enterprise):
    client = login(users["owner"])
    for url in edit_pages(enterprise):
        assert 'data-testid="review-notice"' not in client.get(url).content.decode(), url
    # 属地调整 does not send an approved archive back: its form says nothing either
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="approved")
    html = login(users["jinshui"]).get(reverse("archive:enterprise_move", args=[enterprise.pk])).content.decode()
    assert 'data-testid="review-notice"' not in html


def test_the_saved_message_says_the_archive_went_back_to_review(login, users, approved):
    client = login(users["owner"])
    first = save_basic(client, approved, duty_phone="0371-61112222")
    assert messages_of(first) == ["企业基本信息已保存。" + review.SENT_BACK]
    again = save_basic(client, approved, duty_phone="0371-61113333")  # already 待审核: nothing more to say
    assert messages_of(again) == ["企业基本信息已保存。"]


@pytest.mark.parametrize("change", ["unit_add", "item_delete"])
def test_rows_saved_or_deleted_say_so_too(login, users, approved, change):
    item = create_item(approved)
    url, data = {
        "unit_add": (reverse("archive:unit_add", args=[approved.pk]), {"name": "二号矿井", "industry": "07", "competent_department": "emergency"}),
        "item_delete": (reverse("archive:child_delete", args=["item", item.pk]), {}),
    }[change]
    response = login(users["owner"]).post(url, data, follow=True)
    assert messages_of(response)[-1].endswith(review.SENT_BACK)


# ---- the hook for notifying the reviewers ----


@pytest.fixture
def announced():
    calls = []

    def listen(sender, enterprises, user, **kwargs):
        calls.append(([e.pk for e in enterprises], user))

    review.sent_back.connect(listen, sender=Enterprise)
    yield calls
    review.sent_back.disconnect(listen, sender=Enterprise)


def test_sending_an_archive_back_is_announced_once_committed(login, users, approved, announced, django_capture_on_commit_callbacks):
    client = login(users["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        save_basic(client, approved, duty_phone="0371-61112222")
        save_basic(client, approved, duty_phone="0371-61113333")  # already 待审核: not again
    assert announced == [([approved.pk], users["owner"])]


def test_an_import_that_sends_archives_back_announces_them(login, users, enterprise, announced, django_capture_on_commit_callbacks):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="approved")
    enterprise.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(users["jinshui"]), edit(export_bytes([enterprise]), {(2, "值班电话"): "0371-66668888"}))
    assert announced == [([enterprise.pk], users["jinshui"])]
