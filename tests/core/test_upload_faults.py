"""Uploads under faults (core.storage): a full disk or a read-only media folder gets a Chinese message on the form,
keeps what the user typed, and leaves no file and no row behind — also the files stored earlier in the same request.

The faults are made at the operating system's edge, for the media folder only: a full disk fails when the written
data is flushed (ENOSPC from fsync, where ext4 and NFS report it), a read-only folder refuses to create the file
(EROFS). A disk that fills in the middle of a write is made for real, in a child process limited to 64 KiB per file
(RLIMIT_FSIZE): there Django's own storage leaves a truncated file, ours nothing.
"""
import errno
import json
import logging
import os
import subprocess
import sys
import textwrap
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.api.helpers import bearer
from tests.api.records import png_bytes as api_png
from tests.core.test_upload_metadata import gps_jpeg
from tests.hazards.test_checks import add_url, check_data
from tests.hazards.test_hazard_pages import hazard_data, photo
from tests.hazards.test_public import TEXT, accept_data, anon, make_report, post_report
from tests.hazards.test_public import photo as report_photo
from tests.risks.test_map import post_plan
from worksafe.core import storage
from worksafe.core.models import ChangeRecord
from worksafe.hazards.models import Hazard, HazardCheck, HazardCheckItem, HazardPhoto, HazardStep, PublicReport, PublicReportPhoto
from worksafe.risks.models import FourColourMap

pytestmark = pytest.mark.django_db


def media_files(settings):
    """Every file under the media folder, hidden ones (a temporary .part) included."""
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


class Disk:
    """The media folder's disk: `writes_left` files may still be written (None: no limit), then every write fails."""

    def __init__(self, root, fault):
        self.root, self.fault, self.writes_left = str(root), fault, 0

    def refuse(self):
        if self.writes_left is None or self.writes_left > 0:
            if self.writes_left:
                self.writes_left -= 1
            return False
        return True


@pytest.fixture(params=["full", "read-only"])
def disk(request, settings, monkeypatch):
    """The media folder fails as a full disk ("full") or a read-only mount ("read-only") does; `disk.writes_left`
    files are written first."""
    disk = Disk(settings.STORAGES["default"]["OPTIONS"]["location"], request.param)
    real_open, real_fsync = os.open, os.fsync
    in_media = {}  # fd -> path, for the files opened under the media folder

    def fake_open(path, flags, mode=0o777, *args, **kwargs):
        if str(path).startswith(disk.root) and flags & os.O_CREAT:
            if disk.fault == "read-only" and disk.refuse():
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            fd = real_open(path, flags, mode, *args, **kwargs)
            in_media[fd] = str(path)
            return fd
        return real_open(path, flags, mode, *args, **kwargs)

    def fake_fsync(fd):
        path = in_media.pop(fd, None)
        if path is not None and disk.fault == "full" and disk.refuse():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "fsync", fake_fsync)
    return disk


def page_of(response):
    return unescape(response.content.decode())


def assert_explained(response, caplog=None):
    page = page_of(response)
    assert storage.MESSAGE in page
    assert "填写有误" not in page  # nothing is marked red: the generic line would mislead
    if caplog is not None:
        assert any(r.name == "worksafe.storage" and r.levelno == logging.ERROR and r.exc_info for r in caplog.records)


# ---- the storage itself ----

MID_WRITE = textwrap.dedent("""
    import os, resource, signal, sys
    import django
    from django.conf import settings
    settings.configure()
    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage as Django
    from worksafe.core.storage import FileSystemStorage, StorageFailed

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    result = {}
    for name, cls in [("django", Django), ("ours", FileSystemStorage)]:
        root = os.path.join(sys.argv[1], name)
        try:
            cls(location=root).save("photos/p.jpg", ContentFile(os.urandom(256 * 1024)))
            result[name] = "saved"
        except StorageFailed as e:
            result[name] = "StorageFailed:" + str(e.__cause__.errno)
        except OSError as e:
            result[name] = "OSError:" + str(e.errno)
        result[name + "_files"] = sorted(
            (os.path.relpath(os.path.join(d, f), root), os.path.getsize(os.path.join(d, f)))
            for d, _, files in os.walk(root) for f in files)
    print(result)
""")


def test_a_disk_filling_mid_write_leaves_no_truncated_file(tmp_path):
    out = subprocess.run([sys.executable, "-c", MID_WRITE, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = eval(out.stdout)  # noqa: S307 (our own child's repr of a dict of str)
    # Django's own storage: the failure, and a truncated file under the final name that no row will ever name.
    assert result["django"] == f"OSError:{errno.EFBIG}" and result["django_files"] == [("photos/p.jpg", 64 * 1024)]
    # Ours: the failure as StorageFailed, and nothing at all.
    assert result["ours"] == f"StorageFailed:{errno.EFBIG}" and result["ours_files"] == []


def test_a_stored_file_appears_whole_under_its_name(settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    assert isinstance(default_storage, storage.FileSystemStorage)
    name = default_storage.save("hazards/photos/p.png", ContentFile(api_png()))
    assert default_storage.open(name).read() == api_png()
    assert media_files(settings) == [name]  # no temporary file left beside it
    assert oct(os.stat(default_storage.path(name)).st_mode & 0o777) == oct(settings.FILE_UPLOAD_PERMISSIONS)


def test_files_stored_in_a_failed_block_are_removed(settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    with pytest.raises(RuntimeError):
        with storage.all_or_nothing():
            with storage.all_or_nothing():  # an inner block that succeeded: its file is the outer block's too
                default_storage.save("a.png", ContentFile(b"a"))
            default_storage.save("b.png", ContentFile(b"b"))
            raise RuntimeError("a later step failed")
    assert media_files(settings) == []


# ---- the hazard form ----


@pytest.mark.parametrize("writes_left", [0, 1])  # the first photo fails; the first is stored and the second fails
def test_a_hazard_whose_photos_cannot_be_stored_keeps_the_form_and_leaves_nothing(
        login, users, enterprise, settings, disk, writes_left, caplog):
    disk.writes_left = writes_left
    response = login(users["owner"]).post(reverse("hazards:hazard_add", args=[enterprise.pk]),
                                          hazard_data(photos=[photo("a.jpg"), photo("b.png")]))
    assert response.status_code == 200
    assert_explained(response, caplog)
    form = response.context["form"]
    assert form["name"].value() == "消防通道堆放杂物" and form["content"].value() == "消防通道被货物阻塞"
    page = page_of(response)
    assert 'value="消防通道堆放杂物"' in page and "消防通道被货物阻塞</textarea>" in page
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists() and not HazardStep.objects.exists()
    assert not ChangeRecord.objects.filter(content_type__model__in=["hazard", "hazardphoto"]).exists()
    assert media_files(settings) == []


def test_an_edit_whose_photo_cannot_be_stored_changes_nothing(login, users, enterprise, settings, disk):
    from tests.factories import create_hazard

    hazard = create_hazard(enterprise, name="配电箱警示标识缺失")
    response = login(users["owner"]).post(reverse("hazards:hazard_edit", args=[hazard.pk]),
                                          hazard_data(name="配电箱警示标识已脱落", photos=[photo()]))
    assert response.status_code == 200
    assert_explained(response)
    assert 'value="配电箱警示标识已脱落"' in page_of(response)
    hazard.refresh_from_db()
    assert hazard.name == "配电箱警示标识缺失" and not hazard.photos.exists()
    assert media_files(settings) == []


def test_a_check_whose_hazard_photo_cannot_be_copied_is_not_recorded(login, users, enterprise, plan, checklist,
                                                                     settings, disk):
    """The item's photo is stored, then its copy for the raised hazard fails: the check, its items, the hazard and
    the item's photo all go."""
    disk.writes_left = 1
    first, second, third = checklist.items.order_by("order")
    response = login(users["owner"]).post(add_url(enterprise, f"?plan={plan.pk}"), check_data(
        {first: ("fail", "二号灭火器压力不足", photo()), second: "pass", third: "pass"}, name="王五"))
    assert response.status_code == 200
    assert_explained(response)
    assert 'value="王五"' in page_of(response) and "二号灭火器压力不足" in page_of(response)
    assert not HazardCheck.objects.exists() and not HazardCheckItem.objects.exists() and not Hazard.objects.exists()
    assert media_files(settings) == []


# ---- 随手拍 ----


@pytest.mark.parametrize("writes_left", [0, 1])
def test_a_public_report_whose_photos_cannot_be_stored_keeps_the_text(settings, disk, writes_left):
    disk.writes_left = writes_left
    response = post_report(anon(), location="金水路 100 号东侧", photos=[report_photo(), report_photo("PNG")])
    assert response.status_code == 200
    assert_explained(response)
    page = page_of(response)
    assert f"{TEXT}</textarea>" in page and 'value="金水路 100 号东侧"' in page
    assert not PublicReport.objects.exists() and not PublicReportPhoto.objects.exists()
    assert media_files(settings) == []
    # Once the disk has room again, the same report goes through.
    disk.writes_left = None
    assert post_report(anon(), photos=[report_photo()]).status_code == 302
    assert PublicReport.objects.count() == 1 and len(media_files(settings)) == 1


def test_accepting_a_report_whose_photos_cannot_be_copied_changes_nothing(login, users, enterprise, settings, disk):

    disk.writes_left = None
    report = make_report(photos=2)
    stored = media_files(settings)
    disk.writes_left = 1  # the first photo is copied, the second is not
    response = login(users["city"]).post(reverse("hazards:public_detail", args=[report.pk]),
                                         accept_data(enterprise, name="仓库安全出口堵塞"))
    assert response.status_code == 200
    page = page_of(response)
    assert storage.MESSAGE in page and 'value="仓库安全出口堵塞"' in page
    report.refresh_from_db()
    assert report.status == PublicReport.Status.PENDING and report.hazard_id is None
    assert not Hazard.objects.exists() and media_files(settings) == stored


# ---- four-colour map: the page and the API ----


def test_a_site_plan_that_cannot_be_stored_is_explained(login, users, enterprise, settings, disk):
    response = post_plan(login(users["owner"]), enterprise, "平面图.png", api_png())
    assert response.status_code == 503
    assert storage.MESSAGE in page_of(response)
    assert not FourColourMap.objects.exists() and media_files(settings) == []


def test_the_api_answers_507_with_a_chinese_detail(client, token, enterprise, settings, disk):
    response = client.post("/api/v1/four-colour-maps", {"enterprise": enterprise.uscc,
                                                        "file": SimpleUploadedFile("四色图.jpg", gps_jpeg())},
                           **bearer(token))
    assert response.status_code == 507
    assert response.json() == {"code": "storage_unavailable", "detail": storage.API_MESSAGE, "errors": []}
    assert not FourColourMap.objects.exists() and media_files(settings) == []
    disk.writes_left = None
    again = client.post("/api/v1/four-colour-maps", {"enterprise": enterprise.uscc,
                                                     "file": SimpleUploadedFile("四色图.png", api_png())}, **bearer(token))
    assert again.status_code == 200 and again.json()["result"] == "created"


def test_the_api_documents_the_507(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert "507" in schema["paths"]["/api/v1/four-colour-maps"]["post"]["responses"]

