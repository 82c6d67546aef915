"""风险四色图: the site plan and the ready-made map (checked by content, stored, replaced, served only in scope),
placing units, their colours, and the regulators' list of maps."""
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import ERQI, JINSHUI, create_enterprise, create_risk_list
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.risks.models import FourColourMap, HazardSource, RiskUnit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads go to a fresh folder per test: {the folder}."""
    root = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
    return root


def stored(root):
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


def image_bytes(fmt="PNG", size=(400, 200), color=(200, 220, 240)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def pdf_bytes(width_mm=200, height_mm=100):
    from weasyprint import HTML

    return HTML(string=f"<style>@page {{ size: {width_mm}mm {height_mm}mm; margin: 10mm }}</style>"
                       "<h1>厂区平面图</h1><p>甲醇罐区 配电室 机加工车间</p>").write_pdf()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_plan(client, enterprise, name, data, content_type="application/octet-stream"):
    return client.post(reverse("risks:map_plan_upload", args=[enterprise.pk]), {"plan": upload(name, data, content_type)})


def post_ready(client, enterprise, name, data, content_type="application/octet-stream"):
    return client.post(reverse("risks:map_ready_upload", args=[enterprise.pk]), {"ready_map": upload(name, data, content_type)})


def place(client, unit, as_json=True, **data):
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(reverse("risks:unit_place", args=[unit.pk]), data, headers=headers)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def markers(response):
    """{unit id: data-level} of the markers on the plan."""
    return {int(u): level for u, level in re.findall(r'data-unit="(\d+)" data-level="(\w+)"', response.content.decode())}


def unplaced_items(html):
    """The units listed beside the plan as not yet placed."""
    section = html.split('data-testid="unplaced-units"', 1)[1].split('data-testid="placed-units"', 1)[0]
    return [int(pk) for pk in re.findall(r'data-unit-item="(\d+)"', section)]


def map_url(enterprise):
    return reverse("risks:map_detail", args=[enterprise.pk])


def changes(model, pk):
    return ChangeRecord.objects.filter(content_type__model=model._meta.model_name, object_id=str(pk)).order_by("id")


@pytest.fixture
def risks(enterprise):
    return create_risk_list(enterprise)


@pytest.fixture
def with_plan(login, users, enterprise):
    """The owner has uploaded a 400 × 200 PNG site plan."""
    response = post_plan(login(users["owner"]), enterprise, "plan.png", image_bytes())
    assert response.status_code == 302
    return FourColourMap.objects.get(enterprise=enterprise)


# ---- the site plan ----

@pytest.mark.parametrize("fmt,content_type,ext", [("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg")])
def test_the_owner_uploads_a_site_plan_image(login, users, enterprise, media, fmt, content_type, ext):
    client = login(users["owner"])
    data = image_bytes(fmt, (640, 480))
    response = post_plan(client, enterprise, "厂区.img", data, "application/octet-stream")
    assert response.status_code == 302 and response.url == map_url(enterprise)
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert (fcm.plan_width, fcm.plan_height) == (640, 480)
    assert fcm.plan.name.startswith("risks/plans/") and fcm.plan.name.endswith(ext)  # named by content, not by the upload
    assert stored(media) == [fcm.plan.name]

    served = client.get(reverse("risks:map_plan", args=[enterprise.pk]))
    assert served.status_code == 200 and served["Content-Type"] == content_type
    served_image = Image.open(io.BytesIO(body(served)))  # the image as sent, stored re-encoded without metadata
    assert (served_image.format, served_image.size) == (fmt, (640, 480))
    assert served["X-Content-Type-Options"] == "nosniff"

    page = client.get(map_url(enterprise)).content.decode()
    assert reverse("risks:map_plan", args=[enterprise.pk]) + "?v=" in page
    assert fcm.plan.name not in page and "/media/" not in page  # no public media URL anywhere

    record = changes(FourColourMap, fcm.pk).get()
    assert record.action == AuditAction.CREATE and record.user == users["owner"]
    assert record.after["plan"] == fcm.plan.name and record.after["plan_width"] == 640


def test_a_pdf_plan_is_stored_as_its_first_page_rendered_to_png(login, users, enterprise, media):
    client = login(users["owner"])
    assert post_plan(client, enterprise, "plan.pdf", pdf_bytes(200, 100), "application/pdf").status_code == 302
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert fcm.plan.name.endswith(".png") and stored(media) == [fcm.plan.name]
    with Image.open(fcm.plan.path) as img:
        assert img.format == "PNG"
        assert img.size == (fcm.plan_width, fcm.plan_height)
    assert fcm.plan_width == 2400 and abs(fcm.plan_width / fcm.plan_height - 2.0) < 0.01  # 200 mm × 100 mm
    served = client.get(reverse("risks:map_plan", args=[enterprise.pk]))
    assert served["Content-Type"] == "image/png"


@pytest.mark.parametrize("name,data,message", [
    ("plan.png", "这不是图片，只是改了扩展名的文本文件".encode(), "文件内容不是有效的图片（PNG、JPEG、GIF、WebP）或PDF 文件"),
    ("plan.pdf", b"%PDF-1.7\n% broken: no objects, no xref, no trailer\n", "文件内容不是有效的图片（PNG、JPEG、GIF、WebP）或PDF 文件"),
    ("plan.png", image_bytes("PNG", (100, 100))[:60], "文件内容不是有效的"),  # a truncated PNG
    ("big.png", image_bytes("PNG", (300, 300), (1, 2, 3)) + b"\0" * 3000, "文件过大"),
])
def test_bad_plan_files_are_refused_with_a_message_and_nothing_is_stored(login, users, enterprise, media, settings, name, data, message):
    settings.UPLOAD_MAX_BYTES = 3000
    response = post_plan(login(users["owner"]), enterprise, name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored(media) == []
    assert not FourColourMap.objects.exists()
    assert not ChangeRecord.objects.filter(content_type__model="fourcolourmap").exists()


def test_a_missing_file_is_refused(login, users, enterprise, media):
    response = login(users["owner"]).post(reverse("risks:map_plan_upload", args=[enterprise.pk]), {})
    assert response.status_code == 400 and "请选择厂区平面图文件" in response.content.decode()
    assert stored(media) == []


def test_replacing_the_plan_deletes_the_old_file_and_is_audited(login, users, enterprise, media, with_plan,
                                                                  django_capture_on_commit_callbacks):
    old = with_plan.plan.name
    with django_capture_on_commit_callbacks(execute=True):
        response = post_plan(login(users["owner"]), enterprise, "new.jpg", image_bytes("JPEG", (300, 600)))
    assert response.status_code == 302
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert fcm.plan.name != old and stored(media) == [fcm.plan.name]
    assert (fcm.plan_width, fcm.plan_height) == (300, 600)
    update = changes(FourColourMap, fcm.pk).last()
    assert update.action == AuditAction.UPDATE
    assert update.before["plan"] == old and update.after["plan"] == fcm.plan.name
    assert update.before["plan_height"] == 200 and update.after["plan_height"] == 600


def test_a_refused_replacement_keeps_the_old_plan(login, users, enterprise, media, with_plan):
    response = post_plan(login(users["owner"]), enterprise, "x.png", b"not an image")
    assert response.status_code == 400
    assert stored(media) == [with_plan.plan.name]
    assert FourColourMap.objects.get(enterprise=enterprise).plan.name == with_plan.plan.name


# ---- the ready-made map ----

def test_the_owner_uploads_replaces_and_deletes_the_ready_made_map(login, users, enterprise, media,
                                                                     django_capture_on_commit_callbacks):
    client = login(users["owner"])
    pdf = pdf_bytes(297, 210)
    assert post_ready(client, enterprise, "四色图.pdf", pdf).status_code == 302
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert fcm.ready_map_type == "application/pdf" and fcm.ready_map.name.endswith(".pdf")
    assert not fcm.plan and stored(media) == [fcm.ready_map.name]  # the PDF is kept as uploaded

    page = client.get(map_url(enterprise)).content.decode()
    ready_url = reverse("risks:map_ready", args=[enterprise.pk])
    assert re.search(rf'<object class="ready-map-pdf" data="{re.escape(ready_url)}\?v=\w+" type="application/pdf"', page)
    served = client.get(ready_url)
    assert served["Content-Type"] == "application/pdf" and body(served) == pdf
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Frame-Options"] == "SAMEORIGIN"  # shown in the map page's <object>
    download = client.get(ready_url, {"download": "1"})
    assert download["Content-Disposition"].startswith("attachment")

    old = fcm.ready_map.name
    png = image_bytes("PNG", (800, 600), (255, 0, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_ready(client, enterprise, "四色图.png", png).status_code == 302
    fcm.refresh_from_db()
    assert fcm.ready_map_type == "image/png" and stored(media) == [fcm.ready_map.name] and fcm.ready_map.name != old
    assert re.search(rf'<img class="img-fluid border rounded" src="{re.escape(ready_url)}\?v=\w+"', client.get(map_url(enterprise)).content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("risks:map_ready_delete", args=[enterprise.pk])).status_code == 302
    fcm.refresh_from_db()
    assert not fcm.ready_map and fcm.ready_map_type == "" and stored(media) == []
    assert client.get(ready_url).status_code == 404
    actions = list(changes(FourColourMap, fcm.pk).values_list("action", flat=True))
    assert actions == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.UPDATE]
    assert changes(FourColourMap, fcm.pk).last().after == {"ready_map": "", "ready_map_type": ""}


def test_bad_ready_made_maps_are_refused(login, users, enterprise, media, settings):
    client = login(users["owner"])
    response = post_ready(client, enterprise, "map.png", b"GIF89a but not really")
    assert response.status_code == 400 and "文件内容不是有效的" in response.content.decode()
    settings.UPLOAD_MAX_BYTES = 1024
    response = post_ready(client, enterprise, "map.pdf", pdf_bytes())
    assert response.status_code == 400 and "文件过大" in response.content.decode()
    assert stored(media) == [] and not FourColourMap.objects.exists()


# ---- placing units ----

def test_the_owner_places_a_unit_by_its_fractions(login, users, enterprise, risks, with_plan):
    unit = risks["unit"]
    response = place(login(users["owner"]), unit, x="0.25", y="0.755")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "unit": unit.pk, "x": 0.25, "y": 0.755, "message": f"已标注“{unit.name}”的位置"}
    unit.refresh_from_db()
    assert (unit.map_x, unit.map_y) == (0.25, 0.755)
    record = changes(RiskUnit, unit.pk).last()
    assert record.action == AuditAction.UPDATE and record.user == users["owner"]
    assert record.before == {"map_x": None, "map_y": None} and record.after == {"map_x": 0.25, "map_y": 0.755}

    page = login(users["owner"]).get(map_url(enterprise))
    assert markers(page) == {unit.pk: "major"}
    assert 'style="left: 25.00%; top: 75.50%"' in page.content.decode()


def test_a_plain_form_post_places_the_unit_and_returns_to_the_map(login, users, enterprise, risks, with_plan):
    response = place(login(users["owner"]), risks["unit2"], as_json=False, x="1", y="0")
    assert response.status_code == 302 and response.url == map_url(enterprise)
    risks["unit2"].refresh_from_db()
    assert (risks["unit2"].map_x, risks["unit2"].map_y) == (1.0, 0.0)  # the edges are on the plan


@pytest.mark.parametrize("data", [
    {"x": "1.5", "y": "0.5"}, {"x": "0.5", "y": "-0.01"}, {"x": "abc", "y": "0.3"}, {"x": "0.3"},
    {"x": "", "y": ""}, {}, {"x": "nan", "y": "0.5"}, {"x": "inf", "y": "0.5"}, {"x": "0,5", "y": "0.5"},
])
def test_coordinates_outside_the_plan_or_not_numbers_are_refused(login, users, enterprise, risks, with_plan, data):
    client = login(users["owner"])
    unit = risks["unit"]
    place(client, unit, x="0.4", y="0.6")
    before = changes(RiskUnit, unit.pk).count()
    response = place(client, unit, **data)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "坐标须为 0 到 1 之间的数字（占平面图宽、高的比例）"}
    response = place(client, unit, as_json=False, **data)  # without a script: the map again, with the message
    assert response.status_code == 400
    assert f"{unit.name}：坐标须为 0 到 1 之间的数字" in response.content.decode()
    unit.refresh_from_db()
    assert (unit.map_x, unit.map_y) == (0.4, 0.6)
    assert changes(RiskUnit, unit.pk).count() == before


def test_clear_takes_a_unit_off_the_map(login, users, enterprise, risks, with_plan):
    client = login(users["owner"])
    unit = risks["unit"]
    place(client, unit, x="0.4", y="0.6")
    response = place(client, unit, as_json=False, clear="1")
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.map_x is None and unit.map_y is None
    assert changes(RiskUnit, unit.pk).last().after == {"map_x": None, "map_y": None}
    page = client.get(map_url(enterprise))
    assert markers(page) == {}
    assert unplaced_items(page.content.decode()) == [unit.pk, risks["unit2"].pk]


def test_a_unit_cannot_be_placed_before_there_is_a_plan(login, users, risks):
    response = place(login(users["owner"]), risks["unit"], x="0.5", y="0.5")
    assert response.status_code == 400 and "请先上传厂区平面图" in response.json()["error"]
    risks["unit"].refresh_from_db()
    assert risks["unit"].map_x is None


def test_units_are_placed_only_by_their_own_enterprise(login, users, enterprise, other_enterprise, risks, with_plan):
    theirs = create_risk_list(other_enterprise, prefix="二七")["unit"]
    assert place(login(users["owner"]), theirs, x="0.5", y="0.5").status_code == 404  # another enterprise's unit
    assert place(login(users["outsider"]), risks["unit"], x="0.5", y="0.5").status_code == 404
    assert place(login(users["jinshui"]), risks["unit"], x="0.5", y="0.5").status_code == 403  # regulators only look
    assert place(login(users["erqi"]), risks["unit"], x="0.5", y="0.5").status_code == 404
    for unit in (theirs, risks["unit"]):
        unit.refresh_from_db()
        assert unit.map_x is None


# ---- colours ----

def test_markers_take_the_colour_of_the_units_most_severe_risk(login, users, enterprise, risks, with_plan):
    client = login(users["owner"])
    bare = RiskUnit.objects.create(object=risks["object"], name="空单元")  # no risks yet: grey
    HazardSource.objects.create(unit=bare, name="未评价的危险源")
    for unit, x in ((risks["unit"], "0.2"), (risks["unit2"], "0.5"), (bare, "0.8")):
        assert place(client, unit, x=x, y="0.5").status_code == 200
    page = client.get(map_url(enterprise))
    assert markers(page) == {risks["unit"].pk: "major", risks["unit2"].pk: "low", bare.pk: "none"}
    legend = dict(re.findall(r'data-level-count="(\w+)">.*?<strong>(\d+)</strong>', page.content.decode()))
    assert legend == {"major": "1", "high": "0", "medium": "0", "low": "1", "none": "1"}
    assert risks["event"].name in page.content.decode()  # the unit's risks, shown on hover/click

    event = risks["event"]  # 3 × 6 × 40 = 720 重大 → 3 × 6 × 1 = 18 低风险
    event.lec_c = Decimal(1)
    event.full_clean(exclude=["enterprise", "source"])
    event.save()
    assert event.level == "low"
    assert markers(client.get(map_url(enterprise)))[risks["unit"].pk] == "low"


def test_unplaced_units_are_listed_beside_the_plan_not_on_it(login, users, enterprise, risks, with_plan):
    client = login(users["owner"])
    place(client, risks["unit"], x="0.3", y="0.3")
    page = client.get(map_url(enterprise)).content.decode()
    assert markers(client.get(map_url(enterprise))) == {risks["unit"].pk: "major"}
    assert unplaced_items(page) == [risks["unit2"].pk]
    assert 'data-place-url="/risks/units/0/place/"' in page  # the owner may place


# ---- who sees what ----

def test_regulators_in_scope_see_the_map_read_only(login, users, enterprise, risks, with_plan):
    place(login(users["owner"]), risks["unit"], x="0.3", y="0.3")
    post_ready(login(users["owner"]), enterprise, "map.png", image_bytes())
    for name in ("jinshui", "city", "province", "sysadmin"):
        client = login(users[name])
        page = client.get(map_url(enterprise))
        assert page.status_code == 200
        assert markers(page) == {risks["unit"].pk: "major"}
        html = page.content.decode()
        assert "data-place-url" not in html and 'data-testid="plan-form"' not in html and "data-select-unit" not in html
        assert client.get(reverse("risks:map_plan", args=[enterprise.pk])).status_code == 200
        assert client.get(reverse("risks:map_ready", args=[enterprise.pk])).status_code == 200
        assert post_plan(client, enterprise, "p.png", image_bytes()).status_code == 403
        assert post_ready(client, enterprise, "p.png", image_bytes()).status_code == 403
        assert client.post(reverse("risks:map_ready_delete", args=[enterprise.pk])).status_code == 403
    assert FourColourMap.objects.get(enterprise=enterprise).ready_map


@pytest.mark.parametrize("who", ["erqi", "outsider", "chem"])
def test_out_of_scope_users_get_404_for_the_map_and_its_files(login, users, enterprise, media, who):
    owner = login(users["owner"])
    post_plan(owner, enterprise, "p.png", image_bytes())
    post_ready(owner, enterprise, "m.pdf", pdf_bytes())
    client = login(users[who])
    for name in ("risks:map_detail", "risks:map_plan", "risks:map_ready"):
        assert client.get(reverse(name, args=[enterprise.pk])).status_code == 404
    for name in ("risks:map_plan_upload", "risks:map_ready_upload", "risks:map_ready_delete"):
        assert client.post(reverse(name, args=[enterprise.pk]), {"plan": upload("x.png", image_bytes())}).status_code == 404
    assert len(stored(media)) == 2


def test_anonymous_visitors_are_sent_to_log_in(client, enterprise, users):
    for name in ("risks:map_detail", "risks:map_plan", "risks:map_ready"):
        response = client.get(reverse(name, args=[enterprise.pk]))
        assert response.status_code == 302 and "/login" in response.url


def test_a_map_without_files_answers_404_for_them_and_shows_an_empty_state(login, users, enterprise):
    client = login(users["jinshui"])
    assert client.get(reverse("risks:map_plan", args=[enterprise.pk])).status_code == 404
    assert client.get(reverse("risks:map_ready", args=[enterprise.pk])).status_code == 404
    page = client.get(map_url(enterprise)).content.decode()
    assert "企业上传厂区平面图并标注分析单元后" in page


# ---- the regulators' list ----

def map_rows(response):
    return [int(pk) for pk in re.findall(r'<tr data-enterprise="(\d+)">', response.content.decode())]


def test_the_map_list_shows_the_enterprises_in_scope_with_their_map_status(login, users, enterprise, other_enterprise, risks, with_plan):
    place(login(users["owner"]), risks["unit"], x="0.3", y="0.3")
    county = login(users["jinshui"]).get(reverse("risks:map_list"))
    assert county.status_code == 200 and map_rows(county) == [enterprise.pk]
    row = re.search(r'<tr data-enterprise="\d+">(.*?)</tr>', county.content.decode(), re.S).group(1)
    assert "已上传" in row and 'data-testid="units-placed">1 / 2<' in row and 'data-level="major"' in row
    assert reverse("risks:map_detail", args=[enterprise.pk]) in row
    assert sorted(map_rows(login(users["city"]).get(reverse("risks:map_list")))) == sorted([enterprise.pk, other_enterprise.pk])
    assert map_rows(login(users["erqi"]).get(reverse("risks:map_list"))) == [other_enterprise.pk]
    assert map_rows(login(users["chem"]).get(reverse("risks:map_list"))) == [other_enterprise.pk]  # 危化 only


def test_the_map_list_filters(login, users, enterprise, other_enterprise, risks, with_plan):
    client = login(users["city"])
    url = reverse("risks:map_list")
    assert map_rows(client.get(url, {"has_map": "1"})) == [enterprise.pk]
    assert map_rows(client.get(url, {"has_map": "0"})) == [other_enterprise.pk]
    assert map_rows(client.get(url, {"risk_grade": "major"})) == [enterprise.pk]
    assert map_rows(client.get(url, {"risk_grade": "none"})) == [other_enterprise.pk]
    assert map_rows(client.get(url, {"region": ERQI})) == [other_enterprise.pk]
    assert map_rows(client.get(url, {"industry": "03"})) == [other_enterprise.pk]
    assert map_rows(client.get(url, {"region": JINSHUI, "has_map": "1", "risk_grade": "major"})) == [enterprise.pk]
    assert map_rows(client.get(url, {"q": "二七测试"})) == [other_enterprise.pk]
    assert map_rows(client.get(url, {"sort": "-updated_at"}))[-1] != map_rows(client.get(url, {"sort": "updated_at"}))[-1]
    assert [field.label for field in client.get(url).context["filter"].form] == ["关键字", "属地", "行业分类", "安全风险等级", "四色图"]


def test_the_map_list_is_for_regulators(login, users):
    for name in ("owner", "outsider"):
        assert login(users[name]).get(reverse("risks:map_list")).status_code == 403


def test_the_map_list_costs_the_same_however_many_enterprises(login, users, enterprise, django_assert_max_num_queries, media):
    client = login(users["city"])

    def add(n):
        for i in range(n):
            e = create_enterprise(JINSHUI if i % 2 else ERQI)
            risks = create_risk_list(e)
            risks["unit"].map_x = risks["unit"].map_y = 0.5
            risks["unit"].save()
            FourColourMap.objects.create(enterprise=e, plan="risks/plans/x.png", plan_width=10, plan_height=10,
                                         ready_map="risks/maps/y.pdf" if i % 3 else "", ready_map_type="application/pdf")

    add(3)
    with django_assert_max_num_queries(11) as few:
        response = client.get(reverse("risks:map_list"))
    assert len(map_rows(response)) == 5  # with the two of the fixtures
    add(15)
    with django_assert_max_num_queries(11) as many:
        response = client.get(reverse("risks:map_list"), {"per_page": "50"})
    assert len(map_rows(response)) == 20
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count('data-testid="units-placed">1 / 2<') == 18


def test_the_map_page_costs_the_same_however_many_units(login, users, enterprise, risks, with_plan, django_assert_max_num_queries):
    client = login(users["jinshui"])
    with django_assert_max_num_queries(12) as few:
        assert client.get(map_url(enterprise)).status_code == 200
    for i in range(10):
        more = create_risk_list(enterprise, prefix=f"{i}号")
        more["unit"].map_x = more["unit"].map_y = i / 10
        more["unit"].save()
    with django_assert_max_num_queries(12) as many:
        page = client.get(map_url(enterprise))
    assert len(markers(page)) == 10 and len(unplaced_items(page.content.decode())) == 12
    assert len(many.captured_queries) == len(few.captured_queries)
