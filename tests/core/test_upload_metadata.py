"""Stored images carry no metadata: EXIF (GPS position included), XMP, comments and text chunks are stripped at
upload, after the EXIF orientation is applied to the pixels (issue 17, the whistleblower's photo).

Real photos are built with a GPS position, a camera, a comment and XMP, and sent through the real views: a hazard
photo through the hazard form, a 随手拍 photo through the public form, a site plan through the map page, a four-colour
map through the data API. `worksafe scrub_images` cleans what was stored before.
"""
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, PngImagePlugin

from tests.api.helpers import approved, bearer, token_for
from tests.factories import JINSHUI, create_hazard
from worksafe.hazards.models import HazardPhoto, PublicReportPhoto
from worksafe.risks.models import FourColourMap

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 0, 0), (0, 0, 220)
METADATA_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Author", "Location", "GPS", "photoshop"}


def picture(size):
    """Red, with a blue block in the top left corner: where the block ends up shows how the image was turned."""
    img = Image.new("RGB", size, RED)
    img.paste(BLUE, (0, 0, size[0] // 4, size[1] // 4))
    return img


def gps_jpeg(size=(80, 40), orientation=6):
    """A phone photo: stored sideways with orientation 6 (turn 90° clockwise to view), a GPS position, the camera,
    the time, a comment and XMP."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F], exif[0x0110], exif[0x0132] = "Phone Maker", "Phone 12", "2026:05:01 08:30:00"
    exif[0x8825] = {1: "N", 2: (34.0, 45.0, 27.59), 3: "E", 4: (113.0, 39.0, 56.16)}
    out = io.BytesIO()
    picture(size).save(out, "JPEG", quality=95, exif=exif, comment=b"taken at home",
                       xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">GPS 34.757,113.665</x:xmpmeta>')
    return out.getvalue()


def text_png(size=(80, 40)):
    """A screenshot with text chunks (author, a place), an XMP packet and EXIF saying it is upside down."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "举报人")
    info.add_itxt("Location", "郑州市金水路 100 号", zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    exif = Image.Exif()
    exif[0x0112] = 3
    out = io.BytesIO()
    picture(size).save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def assert_clean(data, size, block):
    """`data` is an image of `size` without metadata, its blue block in `block` ("top right", "bottom right")."""
    img = Image.open(io.BytesIO(data))
    assert img.size == size
    assert not img.getexif()
    assert not METADATA_KEYS & set(img.info), img.info.keys()
    assert b"GPS" not in data and b"Phone" not in data and "金水路".encode() not in data
    rgb = img.convert("RGB")
    w, h = size
    corners = {"top left": (2, 2), "top right": (w - 3, 2), "bottom left": (2, h - 3), "bottom right": (w - 3, h - 3)}
    for corner, xy in corners.items():
        r, g, b = rgb.getpixel(xy)
        assert (b > r) == (corner == block), (corner, (r, g, b))


def stored(field_file):
    with field_file.open("rb") as f:
        return f.read()


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_test_photos_do_carry_metadata():
    jpeg = Image.open(io.BytesIO(gps_jpeg()))
    assert jpeg.getexif()[0x0112] == 6 and jpeg.getexif().get_ifd(0x8825)[1] == "N"
    assert {"comment", "xmp"} <= set(jpeg.info)
    png = Image.open(io.BytesIO(text_png()))
    assert {"Author", "Location", "XML:com.adobe.xmp"} <= set(png.info) and png.getexif()[0x0112] == 3


# Uploads through the real pages ----------------------------------------------------------------------------------


def hazard_data(**overrides):
    today = timezone.localdate()
    data = {"name": "消防通道堆放杂物", "found_on": today.isoformat(), "place": "二号仓库", "category": "fire",
            "level": "general", "kind": "management", "source": "self_check", "content": "消防通道被货物阻塞",
            "deadline": (today + timezone.timedelta(days=7)).isoformat(), "filled_by": "王五",
            "filled_on": today.isoformat()}
    data.update(overrides)
    return data


def test_hazard_photos_are_stored_without_metadata_and_upright(login, users, enterprise):
    r = login(users["owner"]).post(reverse("hazards:hazard_add", args=[enterprise.pk]),
                                   hazard_data(photos=[upload("现场.jpg", gps_jpeg()), upload("截图.png", text_png())]))
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    jpeg, png = HazardPhoto.objects.order_by("id")
    assert jpeg.file.name.endswith(".jpg") and png.file.name.endswith(".png")
    assert_clean(stored(jpeg.file), (40, 80), "top right")  # turned 90° clockwise, as the phone showed it
    assert_clean(stored(png.file), (80, 40), "bottom right")  # turned 180°


def test_public_report_photos_are_stored_without_the_reporters_position(settings):
    r = Client(REMOTE_ADDR="10.0.0.9").post(reverse("hazards:public_report"), {
        "city": "410100", "county": JINSHUI, "text": "仓库门口堆放大量纸箱，堵住了安全出口，里面还有人在工作",
        "photos": [upload("1.jpg", gps_jpeg()), upload("2.png", text_png())]})
    assert r.status_code == 302
    jpeg, png = PublicReportPhoto.objects.order_by("id")
    assert_clean(stored(jpeg.file), (40, 80), "top right")
    assert_clean(stored(png.file), (80, 40), "bottom right")


def test_a_phones_two_picture_jpeg_is_taken_as_its_first_picture(settings):
    """Some phones write a JPEG carrying a second picture (Pillow: MPO); 随手拍 keeps the first, as a plain JPEG."""
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (34.0, 45.0, 27.59), 3: "E", 4: (113.0, 39.0, 56.16)}
    picture((80, 40)).save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (80, 40), BLUE)], exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    r = Client(REMOTE_ADDR="10.0.0.9").post(reverse("hazards:public_report"), {
        "city": "410100", "county": JINSHUI, "text": "仓库门口堆放大量纸箱，堵住了安全出口，里面还有人在工作",
        "photos": [upload("portrait.jpg", out.getvalue())]})
    assert r.status_code == 302
    data = stored(PublicReportPhoto.objects.get().file)
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    assert_clean(data, (80, 40), "top left")


def test_a_site_plan_is_stored_without_metadata_with_its_upright_size(login, users, enterprise):
    r = login(users["owner"]).post(reverse("risks:map_plan_upload", args=[enterprise.pk]),
                                   {"plan": upload("平面图.jpg", gps_jpeg((120, 60)))})
    assert r.status_code == 302
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert (fcm.plan_width, fcm.plan_height) == (60, 120)
    assert_clean(stored(fcm.plan), (60, 120), "top right")


def test_a_four_colour_map_sent_through_the_api_is_stored_without_metadata(client, enterprise):
    token = token_for(client, *approved(enterprise))
    send = lambda name: client.post("/api/v1/four-colour-maps",  # noqa: E731
                                    {"enterprise": enterprise.uscc, "file": upload(name, gps_jpeg())}, **bearer(token))
    r = send("四色图.png")  # a JPEG whatever its name says
    assert r.status_code == 200 and r.json()["result"] == "created" and r.json()["content_type"] == "image/jpeg"
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert fcm.ready_map.name.endswith(".jpg")  # named by its content
    assert_clean(stored(fcm.ready_map), (40, 80), "top right")
    assert send("again.jpg").json()["result"] == "unchanged"  # the same photo again is recognised once cleaned


def test_a_photo_whose_pixels_cannot_be_decoded_is_refused(login, users, enterprise):
    """Pillow's verify() does not decode a JPEG's pixels: a photo cut off in transfer passed the check, and would
    have been stored with its EXIF intact. Cleaning decodes it, and refuses it."""
    import weasyprint  # noqa: F401  (it makes Pillow accept cut-off images: the check must not depend on that)

    cut = gps_jpeg((400, 300))[:-2000]
    r = login(users["owner"]).post(reverse("hazards:hazard_add", args=[enterprise.pk]), hazard_data(photos=[upload("现场.jpg", cut)]))
    assert r.status_code == 200
    assert r.context["form"].errors["photos"] == ["“现场.jpg”：文件内容不是有效的图片（PNG、JPEG、GIF、WebP）"]
    assert not HazardPhoto.objects.exists()


# Images stored before: worksafe scrub_images ---------------------------------------------------------------------


def test_scrub_images_cleans_stored_images_in_place_and_only_once(enterprise, capsys):
    hazard = create_hazard(enterprise)
    old = HazardPhoto.objects.create(hazard=hazard, stage="before", file=ContentFile(gps_jpeg(), name="old.jpg"))
    screenshot = HazardPhoto.objects.create(hazard=hazard, stage="before", file=ContentFile(text_png(), name="s.png"))
    clean = io.BytesIO()
    picture((20, 10)).save(clean, "PNG")
    untouched = HazardPhoto.objects.create(hazard=hazard, stage="before", file=ContentFile(clean.getvalue(), name="c.png"))
    pdf = FourColourMap.objects.create(enterprise=enterprise, ready_map=ContentFile(b"%PDF-1.4 not an image", name="m.pdf"))
    names = [p.file.name for p in (old, screenshot, untouched)] + [pdf.ready_map.name]

    call_command("scrub_images", "--dry-run")
    assert "（试运行，未改写）合计：已清除 2，无需处理 2" in capsys.readouterr().out
    assert Image.open(io.BytesIO(stored(old.file))).getexif()  # a dry run writes nothing

    call_command("scrub_images")
    out = capsys.readouterr().out
    assert "隐患照片·照片：已清除 2，无需处理 1，无法处理 0，文件缺失 0" in out
    assert "合计：已清除 2，无需处理 2，无法处理 0，文件缺失 0" in out
    for photo in (old, screenshot, untouched):
        photo.refresh_from_db()
    pdf.refresh_from_db()
    assert [p.file.name for p in (old, screenshot, untouched)] + [pdf.ready_map.name] == names  # rewritten in place
    assert_clean(stored(old.file), (40, 80), "top right")
    assert_clean(stored(screenshot.file), (80, 40), "bottom right")
    assert stored(untouched.file) == clean.getvalue() and stored(pdf.ready_map) == b"%PDF-1.4 not an image"

    call_command("scrub_images")
    assert "合计：已清除 0，无需处理 4" in capsys.readouterr().out  # a second run changes nothing
