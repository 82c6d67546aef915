"""随手拍: anonymous reports (general entry, scanned code), photo checks, throttling, receipts, the regulators'
queue and its scope, accepting into a hazard of the enterprise, rejecting with a reason."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import ERQI, JINSHUI, TOWNSHIP, create_enterprise, messages_of
from worksafe.codes.models import Code
from worksafe.hazards import public
from worksafe.hazards.models import Hazard, HazardPhoto, HazardStep, PublicReport, PublicReportPhoto, Source, State

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("hazards:public_report")
STATUS_URL = reverse("hazards:public_status")
QUEUE_URL = reverse("hazards:public_list")
TEXT = "仓库门口堆放大量纸箱，堵住了安全出口，里面还有人在工作"


def image_bytes(fmt="JPEG", color="red"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, fmt)
    return out.getvalue()


def photo(fmt="JPEG", name=None, content=None):
    name = name or f"现场.{'jpg' if fmt == 'JPEG' else fmt.lower()}"
    return SimpleUploadedFile(name, content if content is not None else image_bytes(fmt), content_type="image/jpeg")


def report_data(**overrides):
    data = {"city": "410100", "county": JINSHUI, "enterprise_name": "", "text": TEXT, "location": "",
            "latitude": "", "longitude": "", "contact": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def anon(address="10.0.0.1"):
    """An anonymous phone at `address`."""
    return Client(REMOTE_ADDR=address)


def post_report(client, url=REPORT_URL, **overrides):
    return client.post(url, report_data(**overrides))


def make_report(region=JINSHUI, enterprise=None, client="c" * 32, photos=0, **fields):
    report = PublicReport.objects.create(region_id=region, enterprise=enterprise, text=fields.pop("text", TEXT),
                                         client=client, **fields)
    for i in range(photos):
        PublicReportPhoto.objects.create(report=report, file=SimpleUploadedFile(f"p{i}.jpg", image_bytes()))
    return report


def errors_of(response):
    return response.content.decode()


# ---- the general entry ----


def test_anyone_reports_through_the_general_page_and_gets_a_receipt():
    c = anon()
    page = c.get(REPORT_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "郑州市" in html and 'data-city="410100"' in html and "使用当前位置" in html
    assert page["X-Robots-Tag"] == "noindex"

    response = post_report(c, enterprise_name="某某纸品仓库", location="金水路 100 号东侧", latitude="34.7579981",
                           longitude="113.6656", contact="13800000000",
                           photos=[photo("JPEG"), photo("PNG")])
    report = PublicReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hazards:public_receipt", args=[report.receipt])
    assert (report.region_id, report.enterprise_id, report.enterprise_name) == (JINSHUI, None, "某某纸品仓库")
    assert report.text == TEXT and report.status == PublicReport.Status.PENDING
    assert str(report.latitude) == "34.757998" and str(report.longitude) == "113.665600"
    # The client is a keyed hash: not the address, the same for the same address.
    assert report.client and "10.0.0.1" not in report.client and len(report.client) == 32
    assert sorted(p.file.name.rsplit(".", 1)[1] for p in report.photos.all()) == ["jpg", "png"]

    receipt = c.get(response["Location"])
    html = receipt.content.decode()
    assert report.receipt in html and "复制回执编号" in html
    assert f"{STATUS_URL}?receipt={report.receipt}" in html


def test_without_a_county_the_report_goes_to_the_city():
    post_report(anon(), county="")
    assert PublicReport.objects.get().region_id == "410100"


def test_a_county_of_another_city_is_refused():
    response = post_report(anon(), city="410300")  # 洛阳市 with 金水区
    assert response.status_code == 200
    assert "金水区不属于洛阳市" in errors_of(response)
    assert not PublicReport.objects.exists()


@pytest.mark.parametrize("overrides, message", [
    ({"text": "有隐患"}, "隐患描述至少 10 个字"),
    ({"text": ""}, "请填写隐患描述"),
    ({"city": ""}, "请选择隐患所在的市"),
    ({"latitude": "34.75"}, "经度和纬度须同时填写"),
    ({"latitude": "134.75", "longitude": "113.6"}, "纬度"),
])
def test_incomplete_reports_are_refused_with_a_message(overrides, message):
    response = post_report(anon(), **overrides)
    assert response.status_code == 200 and message in errors_of(response)
    assert not PublicReport.objects.exists()


# ---- photos ----


@pytest.mark.parametrize("upload, message", [
    (lambda: photo(name="现场.jpg", content=b"MZ\x90\x00" + b"\x00" * 200), "不是 JPEG 或 PNG 格式的照片"),  # a renamed .exe
    (lambda: photo("GIF"), "是 GIF 图片，只接受 JPEG 或 PNG 格式的照片"),
    (lambda: photo("WEBP"), "是 WEBP 图片，只接受 JPEG 或 PNG 格式的照片"),
])
def test_only_jpeg_and_png_photos_are_kept_and_nothing_is_saved_otherwise(upload, message):
    response = post_report(anon(), photos=[photo("JPEG"), upload()])
    assert response.status_code == 200
    html = errors_of(response)
    assert "第 2 张照片" in html and message in html and "已选择的照片需要重新选择" in html
    assert not PublicReport.objects.exists() and not PublicReportPhoto.objects.exists()


def test_more_than_three_photos_are_refused():
    response = post_report(anon(), photos=[photo() for _ in range(4)])
    assert "最多上传 3 张照片，您选择了 4 张" in errors_of(response)
    assert not PublicReport.objects.exists() and not PublicReportPhoto.objects.exists()


def test_three_photos_are_fine():
    post_report(anon(), photos=[photo() for _ in range(3)])
    assert PublicReportPhoto.objects.count() == 3


def test_an_oversized_photo_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 300
    big = photo("PNG", content=image_bytes("PNG") + b"\x00" * 400)
    response = post_report(anon(), photos=[big])
    assert "第 1 张照片" in errors_of(response) and "过大" in errors_of(response)
    assert not PublicReport.objects.exists()


def test_a_failure_after_the_first_photo_leaves_nothing(monkeypatch):
    """All or nothing: the report and the first photo go when the second cannot be stored."""
    original = PublicReportPhoto.objects.create
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(PublicReportPhoto.objects, "create", flaky)
    with pytest.raises(OSError):
        post_report(anon(), photos=[photo(), photo()])
    assert not PublicReport.objects.exists() and not PublicReportPhoto.objects.exists()


# ---- through a scanned code ----


def test_a_scanned_code_fixes_the_enterprise_and_its_region(enterprise):
    code = Code.active(enterprise)
    url = reverse("hazards:public_report_code", args=[code.signed])
    page = anon().get(url)
    html = page.content.decode()
    assert page.status_code == 200 and enterprise.name in html and "郑州市金水区" in html
    assert 'name="city"' not in html
    response = anon().post(url, {"text": TEXT, "photos": [photo()]})
    report = PublicReport.objects.get()
    assert response.status_code == 302
    assert (report.enterprise_id, report.region_id, report.enterprise_name) == (enterprise.pk, enterprise.region_id, enterprise.name)
    assert report.photos.count() == 1


def test_a_secondary_units_code_reports_its_enterprise(enterprise):
    from tests.factories import create_unit

    unit = create_unit(enterprise, name="三号车间")
    anon().post(reverse("hazards:public_report_code", args=[Code.active(unit).signed]), {"text": TEXT})
    report = PublicReport.objects.get()
    assert report.enterprise_id == enterprise.pk and report.enterprise_name == "三号车间"


@pytest.mark.parametrize("bad", ["revoked", "forged"])
def test_an_invalid_or_revoked_code_falls_back_to_the_general_form(enterprise, users, bad):
    code = Code.active(enterprise)
    if bad == "revoked":
        code.regenerate(users["owner"], "丢失")
        signed, notice = code.signed, "该二维码已作废"
    else:
        signed, notice = code.signed[:-2] + "xx", "无法识别该二维码"
    page = anon().get(reverse("hazards:public_report_code", args=[signed]))
    html = page.content.decode()
    assert page.status_code == 200 and notice in html and 'name="city"' in html and enterprise.name not in html
    assert f'action="{REPORT_URL}"' in html


def test_the_scan_page_offers_the_report_button_to_every_tier(enterprise, users, login):
    code = Code.active(enterprise)
    target = reverse("hazards:public_report_code", args=[code.signed])
    for client in (anon(), login(users["owner"])):
        html = client.get(reverse("scan", args=[code.signed])).content.decode()
        assert "随手拍 · 举报隐患" in html and f'href="{target}"' in html


# ---- throttling ----


def test_the_sixth_report_within_an_hour_is_refused_and_nothing_saved():
    phone = anon("10.0.0.7")
    for _ in range(5):
        assert post_report(phone).status_code == 302
    response = post_report(phone, photos=[photo()])
    assert response.status_code == 429
    html = response.content.decode()
    assert "提交过于频繁" in html and "未提交" in html
    assert 3500 <= int(response["Retry-After"]) <= 3601
    first = PublicReport.objects.order_by("created_at").first()
    assert timezone.localtime(first.created_at + datetime.timedelta(hours=1)).strftime("%H:%M") in html
    assert PublicReport.objects.count() == 5 and PublicReportPhoto.objects.count() == 0

    # Another phone is not affected.
    assert post_report(anon("10.0.0.8")).status_code == 302

    # Once the hour has passed for the oldest report, the first phone may report again.
    PublicReport.objects.filter(pk=first.pk).update(created_at=first.created_at - datetime.timedelta(seconds=3601))
    assert post_report(phone).status_code == 302
    assert post_report(phone).status_code == 429


def test_the_daily_limit_counts_too(settings):
    settings.PUBLIC_REPORT_LIMITS = ((3600, 100), (86400, 2))
    phone = anon("10.0.0.9")
    assert [post_report(phone).status_code for _ in range(3)] == [302, 302, 429]
    hours_ago = timezone.now() - datetime.timedelta(hours=5)
    PublicReport.objects.update(created_at=hours_ago)
    response = post_report(phone)
    assert response.status_code == 429 and "每天最多提交 2 条" in response.content.decode()
    assert 19 * 3600 - 60 <= int(response["Retry-After"]) <= 19 * 3600 + 1


def test_the_scanned_code_form_is_throttled_too(enterprise, settings):
    settings.PUBLIC_REPORT_LIMITS = ((3600, 1),)
    url = reverse("hazards:public_report_code", args=[Code.active(enterprise).signed])
    phone = anon()
    assert phone.post(url, {"text": TEXT}).status_code == 302
    assert phone.post(url, {"text": TEXT}).status_code == 429


def test_the_client_key_depends_on_the_secret(rf, settings):
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    key = public.client_key(request)
    assert key == public.client_key(rf.post("/", REMOTE_ADDR="10.1.2.3"))
    assert key != public.client_key(rf.post("/", REMOTE_ADDR="10.1.2.4"))
    settings.SECRET_KEY = "another-secret-" + "x" * 40
    assert key != public.client_key(request)


def test_behind_a_proxy_the_client_is_the_address_the_proxy_passes(rf, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    via_proxy = [rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=a) for a in ("10.1.2.3", "10.1.2.4")]
    assert public.client_key(via_proxy[0]) != public.client_key(via_proxy[1])  # not one limit for every phone
    assert public.client_key(via_proxy[0]) == public.client_key(rf.post("/", REMOTE_ADDR="127.0.0.2", HTTP_X_REAL_IP="10.1.2.3"))


# ---- receipt and status ----


def status_of(receipt):
    return anon().get(STATUS_URL, {"receipt": receipt})


def test_status_of_a_pending_report_without_contact_or_photos():
    report = make_report(contact="13800000000", photos=1, text="在某小区地下车库看到电动车违规充电很危险")
    response = status_of(report.receipt.lower()[:6] + " " + report.receipt.lower()[6:])
    html = response.content.decode()
    assert 'data-status="pending"' in html and "待核实" in html and "正在核实" in html
    assert "13800000000" not in html and "<img" not in html and "电动车" not in html


def test_status_of_an_accepted_and_a_rejected_report(enterprise, users, login):
    accepted, rejected = make_report(), make_report()
    jinshui = login(users["jinshui"])
    jinshui.post(reverse("hazards:public_detail", args=[accepted.pk]), accept_data(enterprise, reason="已责令企业限期整改"))
    jinshui.post(reverse("hazards:public_detail", args=[rejected.pk]), {"action": "reject", "reason": "经现场核查，安全出口畅通"})
    html = status_of(accepted.receipt).content.decode()
    assert 'data-status="accepted"' in html and "已受理" in html and "已责令企业限期整改" in html and "待整改" in html
    html = status_of(rejected.receipt).content.decode()
    assert 'data-status="rejected"' in html and "不予受理" in html and "经现场核查，安全出口畅通" in html


@pytest.mark.parametrize("value, message", [
    ("ABCDEFGHJKLM", "未找到回执编号为 ABCDEFGHJKLM 的举报"),
    ("12345", "不是有效的回执编号"),
    ("", "请输入回执编号"),
])
def test_an_unknown_receipt_says_so(value, message):
    make_report()
    response = status_of(value)
    assert response.status_code == 200 and message in response.content.decode()
    assert "data-testid=\"status-result\"" not in response.content.decode()


def test_the_receipt_page_of_an_unknown_number_is_404():
    assert anon().get(reverse("hazards:public_receipt", args=["ABCDEFGHJKLM"])).status_code == 404


# ---- the regulators' queue ----


@pytest.fixture
def reports(enterprise, other_enterprise):
    """A pending 金水 report with two photos, one 二七 report, one decided 金水 report."""
    jinshui = make_report(JINSHUI, photos=2, enterprise_name="某纸品仓库", location="金水路 100 号", contact="13800000000",
                          latitude="34.757998", longitude="113.665600")
    erqi = make_report(ERQI, text="二七区某工地脚手架没有防护网，随时可能坠物伤人")
    done = make_report(JINSHUI, text="金水区某商铺私拉电线给电动车充电，存在火灾隐患", status=PublicReport.Status.REJECTED,
                       reason="已整改", decided_at=timezone.now())
    return {"jinshui": jinshui, "erqi": erqi, "done": done}


def receipts_on(response):
    return {r.receipt for r in response.context["page"]}


def test_each_regulator_sees_the_reports_of_its_jurisdiction(users, login, reports):
    assert receipts_on(login(users["jinshui"]).get(QUEUE_URL)) == {reports["jinshui"].receipt, reports["done"].receipt}
    assert receipts_on(login(users["erqi"]).get(QUEUE_URL)) == {reports["erqi"].receipt}
    everything = {r.receipt for r in reports.values()}
    assert receipts_on(login(users["city"]).get(QUEUE_URL)) == everything
    assert receipts_on(login(users["sysadmin"]).get(QUEUE_URL)) == everything


def test_pending_reports_come_first_with_counts_per_status(users, login, reports):
    response = login(users["jinshui"]).get(QUEUE_URL)
    assert [r.receipt for r in response.context["page"]] == [reports["jinshui"].receipt, reports["done"].receipt]
    html = response.content.decode()
    assert 'data-count="total">2<' in html and 'data-count="pending">1<' in html and 'data-count="rejected">1<' in html
    assert 'data-count="accepted">0<' in html
    rejected = login(users["jinshui"]).get(QUEUE_URL, {"status": "rejected"})
    assert receipts_on(rejected) == {reports["done"].receipt}


def test_queue_filters_by_region_keyword_and_date(users, login, reports):
    city = login(users["city"])
    assert receipts_on(city.get(QUEUE_URL, {"region": ERQI})) == {reports["erqi"].receipt}
    assert receipts_on(city.get(QUEUE_URL, {"q": "脚手架"})) == {reports["erqi"].receipt}
    assert receipts_on(city.get(QUEUE_URL, {"q": reports["done"].receipt.lower()})) == {reports["done"].receipt}
    PublicReport.objects.filter(pk=reports["erqi"].pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    today = timezone.localdate().isoformat()
    assert reports["erqi"].receipt not in receipts_on(city.get(QUEUE_URL, {"date_from": today}))
    old = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert receipts_on(city.get(QUEUE_URL, {"date_from": old, "date_to": old})) == {reports["erqi"].receipt}


def test_the_queue_reads_a_page_in_a_fixed_number_of_queries(users, login, reports, django_assert_max_num_queries):
    city = login(users["city"])
    city.get(QUEUE_URL)
    with django_assert_max_num_queries(12) as few:
        city.get(QUEUE_URL)
    for _ in range(15):
        make_report(JINSHUI, photos=1, enterprise=reports["jinshui"].enterprise)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = city.get(QUEUE_URL)
    assert len(response.context["page"]) == 18


def test_enterprise_users_may_not_see_the_queue(users, login, reports):
    owner = login(users["owner"])
    photo_pk = reports["jinshui"].photos.first().pk
    assert owner.get(QUEUE_URL).status_code == 403
    assert owner.get(reverse("hazards:public_detail", args=[reports["jinshui"].pk])).status_code == 403
    assert owner.get(reverse("hazards:public_photo", args=[photo_pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(reports):
    response = anon().get(QUEUE_URL)
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


def test_out_of_scope_detail_and_photo_are_404(users, login, reports):
    erqi = login(users["erqi"])
    assert erqi.get(reverse("hazards:public_detail", args=[reports["jinshui"].pk])).status_code == 404
    assert erqi.get(reverse("hazards:public_photo", args=[reports["jinshui"].photos.first().pk])).status_code == 404
    assert erqi.post(reverse("hazards:public_detail", args=[reports["jinshui"].pk]),
                     {"action": "reject", "reason": "x"}).status_code == 404
    assert PublicReport.objects.get(pk=reports["jinshui"].pk).status == PublicReport.Status.PENDING


def test_the_detail_shows_text_place_photos_and_the_map_link(users, login, reports):
    jinshui = login(users["jinshui"])
    report = reports["jinshui"]
    html = jinshui.get(reverse("hazards:public_detail", args=[report.pk])).content.decode()
    assert TEXT in html and "金水路 100 号" in html and "13800000000" in html and "郑州市金水区" in html
    assert "在地图中查看" in html and "113.665600,34.757998" in html
    for p in report.photos.all():
        assert reverse("hazards:public_photo", args=[p.pk]) in html
    served = jinshui.get(reverse("hazards:public_photo", args=[report.photos.first().pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    # Without coordinates, no map link.
    html = login(users["erqi"]).get(reverse("hazards:public_detail", args=[reports["erqi"].pk])).content.decode()
    assert "在地图中查看" not in html


# ---- deciding ----


def accept_data(enterprise, **overrides):
    data = {"action": "accept", "enterprise": enterprise.pk, "name": "安全出口被堵塞", "place": "成品仓库东门",
            "category": "fire", "level": "general", "kind": "", "deadline": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
            "content": TEXT, "reason": ""}
    data.update(overrides)
    return data


def test_accepting_makes_a_hazard_of_the_enterprise_with_the_photos(enterprise, users, login, reports):
    report = reports["jinshui"]
    PublicReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    jinshui = login(users["jinshui"])
    response = jinshui.post(reverse("hazards:public_detail", args=[report.pk]), accept_data(enterprise))
    assert response.status_code == 302
    report.refresh_from_db()
    hazard = report.hazard
    assert report.status == PublicReport.Status.ACCEPTED and report.decided_by == users["jinshui"] and report.decided_at
    assert report.enterprise_id == enterprise.pk
    assert (hazard.enterprise_id, hazard.source, hazard.state, hazard.level) == (enterprise.pk, Source.PUBLIC, State.REPORTED, "general")
    assert hazard.found_on == timezone.localdate() - datetime.timedelta(days=2)
    assert (hazard.name, hazard.place, hazard.category_id, hazard.created_by) == ("安全出口被堵塞", "成品仓库东门", "fire", users["jinshui"])
    photos = list(hazard.photos.all())
    assert len(photos) == 2 and {p.stage for p in photos} == {HazardPhoto.Stage.BEFORE}
    assert all(p.file.read() == image_bytes() for p in photos)
    step = hazard.steps.get()
    assert step.action == HazardStep.Action.REPORT and step.comment == "群众举报（随手拍）"  # not the receipt
    assert step.actor == users["jinshui"] and step.target == State.REPORTED
    # The enterprise sees it, and its workbench says so; a sibling county's enterprise does not.
    assert Hazard.objects.for_user(users["owner"]).filter(pk=hazard.pk).exists()
    assert not Hazard.objects.for_user(users["outsider"]).filter(pk=hazard.pk).exists()
    workbench = login(users["owner"]).get(reverse("archive:workbench")).content.decode()
    assert 'data-testid="public-notice"' in workbench


def test_a_major_hazard_from_a_report_awaits_its_review(enterprise, users, login, reports):
    login(users["jinshui"]).post(reverse("hazards:public_detail", args=[reports["jinshui"].pk]), accept_data(enterprise, level="major"))
    hazard = Hazard.objects.get()
    assert hazard.level == "major" and hazard.review == "pending"


def test_deciding_twice_is_refused(enterprise, users, login, reports):
    url = reverse("hazards:public_detail", args=[reports["jinshui"].pk])
    jinshui = login(users["jinshui"])
    jinshui.post(url, accept_data(enterprise))
    again = jinshui.post(url, accept_data(enterprise), follow=True)
    assert any("不能重复处理" in m for m in messages_of(again))
    rejected = jinshui.post(url, {"action": "reject", "reason": "重复"}, follow=True)
    assert any("不能重复处理" in m for m in messages_of(rejected))
    assert Hazard.objects.count() == 1 and PublicReport.objects.get(pk=reports["jinshui"].pk).status == "accepted"
    with pytest.raises(Exception, match="不能重复处理"):
        public.reject(reports["jinshui"], users["city"], "再次")


def test_the_enterprise_must_be_in_the_deciders_scope(enterprise, other_enterprise, users, login, reports):
    response = login(users["jinshui"]).post(reverse("hazards:public_detail", args=[reports["jinshui"].pk]),
                                           accept_data(other_enterprise))
    assert response.status_code == 200 and "所选企业不存在或不在您的管辖范围内" in response.content.decode()
    assert not Hazard.objects.exists() and PublicReport.objects.get(pk=reports["jinshui"].pk).status == "pending"


def test_the_accept_form_checks_its_fields(enterprise, users, login, reports):
    response = login(users["jinshui"]).post(reverse("hazards:public_detail", args=[reports["jinshui"].pk]),
                                           accept_data(enterprise, name="", category="", deadline="2000-01-01"))
    html = response.content.decode()
    assert "请填写隐患名称" in html and "请选择隐患类别" in html and "整改期限不能早于举报日期" in html
    assert not Hazard.objects.exists()


def test_rejecting_needs_and_keeps_the_reason(users, login, reports):
    url = reverse("hazards:public_detail", args=[reports["jinshui"].pk])
    jinshui = login(users["jinshui"])
    response = jinshui.post(url, {"action": "reject", "reason": "  "})
    assert response.status_code == 200 and "请填写不予受理的原因" in response.content.decode()
    assert PublicReport.objects.get(pk=reports["jinshui"].pk).status == "pending"
    jinshui.post(url, {"action": "reject", "reason": "经现场核查，未发现所述问题"})
    report = PublicReport.objects.get(pk=reports["jinshui"].pk)
    assert (report.status, report.reason, report.decided_by) == ("rejected", "经现场核查，未发现所述问题", users["jinshui"])
    assert not Hazard.objects.exists()
    assert "经现场核查，未发现所述问题" in jinshui.get(url).content.decode()


def test_township_staff_see_their_reports_but_do_not_decide(enterprise, township_user, login, users):
    inside = create_enterprise(TOWNSHIP, name="经八路测试商贸有限公司")
    report = make_report(TOWNSHIP, enterprise=inside)
    county_report = make_report(JINSHUI)
    township = login(township_user)
    assert receipts_on(township.get(QUEUE_URL)) == {report.receipt}
    assert township.get(reverse("hazards:public_detail", args=[county_report.pk])).status_code == 404
    page = township.get(reverse("hazards:public_detail", args=[report.pk])).content.decode()
    assert 'data-testid="accept"' not in page
    assert township.post(reverse("hazards:public_detail", args=[report.pk]), accept_data(inside)).status_code == 403
    assert not Hazard.objects.exists()


def test_the_enterprise_search_offers_only_enterprises_in_scope(enterprise, other_enterprise, users, login, reports):
    url = reverse("hazards:public_detail", args=[reports["jinshui"].pk])
    jinshui = login(users["jinshui"])
    found = jinshui.get(url, {"eq": "测试"})
    assert [e.pk for e in found.context["candidates"]] == [enterprise.pk]
    assert f'<option value="{enterprise.pk}" selected>' in found.content.decode()  # the only one found is chosen
    assert jinshui.get(url, {"eq": "二七测试"}).context["candidates"] == []
    # Named by the reporter: the report's region is searched for that name.
    PublicReport.objects.filter(pk=reports["jinshui"].pk).update(enterprise_name="金水测试机械")
    assert [e.pk for e in jinshui.get(url).context["candidates"]] == [enterprise.pk]


def test_a_code_report_comes_with_its_enterprise_chosen(enterprise, users, login):
    url = reverse("hazards:public_report_code", args=[Code.active(enterprise).signed])
    anon().post(url, {"text": TEXT})
    report = PublicReport.objects.get()
    form = login(users["jinshui"]).get(reverse("hazards:public_detail", args=[report.pk])).context["accept_form"]
    assert form.initial["enterprise"] == enterprise.pk
    assert f'<option value="{enterprise.pk}" selected>' in str(form["enterprise"])


def test_the_enterprise_never_learns_of_a_report_or_its_reporter_through_its_history(users, login, enterprise):
    from worksafe.core.models import ChangeRecord

    report = PublicReport.objects.create(enterprise=enterprise, region_id=enterprise.region_id, client="c",
                                         text="夜间有人在车间无防护电焊作业，火花四溅。", contact="13800000000")
    records = ChangeRecord.objects.filter(content_type__model="publicreport", object_id=str(report.pk))
    assert records.count() == 1 and records.get().enterprise_id is None
    assert "13800000000" not in str(records.get().after)
    page = login(users["owner"]).get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert report.receipt not in page and "13800000000" not in page
