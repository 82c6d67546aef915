"""A 随手拍 report accepted into an enterprise's hazard: the enterprise never learns the receipt number (the reporter's
key to the report) nor the reporter's position from a photo; regulators keep seeing the receipt (issue 17)."""
import datetime
import importlib
import io

import openpyxl
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.api.helpers import approved, bearer, token_for
from tests.core.test_upload_metadata import assert_clean, gps_jpeg, stored
from tests.factories import JINSHUI
from worksafe.hazards.models import HazardStep, PublicReport, PublicReportPhoto

pytestmark = pytest.mark.django_db

TEXT = "仓库门口堆放大量纸箱，堵住了安全出口，里面还有人在工作"


@pytest.fixture
def accepted(enterprise, users, login):
    """A report with a photo stored before uploads were cleaned (GPS in its EXIF), accepted by the county regulator
    into a major hazard of the enterprise (so that the major-hazard tables and ledgers list it too)."""
    report = PublicReport.objects.create(region_id=JINSHUI, text=TEXT, client="c" * 32)
    PublicReportPhoto.objects.create(report=report, file=ContentFile(gps_jpeg(), name="old.jpg"))
    deadline = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = login(users["jinshui"]).post(reverse("hazards:public_detail", args=[report.pk]), {
        "action": "accept", "enterprise": enterprise.pk, "name": "安全出口被堵塞", "place": "成品仓库东门",
        "category": "fire", "level": "major", "kind": "", "deadline": deadline, "content": TEXT, "reason": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.hazard is not None
    return report


def text_of(response):
    """What a page or a download shows: HTML or JSON as text, an xlsx as the values of all its cells."""
    assert response.status_code == 200, response.status_code
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        wb = openpyxl.load_workbook(io.BytesIO(body))
        return " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    return response.content.decode()


def enterprise_views(hazard):
    e = hazard.enterprise_id
    return [reverse("hazards:hazard_detail", args=[hazard.pk]), reverse("hazards:hazard_list", args=[e]), reverse("archive:workbench"),
            reverse("hazards:change_list"), reverse("hazards:table4_detail", args=[e]),
            reverse("hazards:table4_xlsx", args=[e]), reverse("hazards:ledger_detail", args=[hazard.pk]),
            reverse("hazards:ledger_xlsx", args=[hazard.pk]), reverse("hazards:ledger_all_xlsx", args=[e])]


def test_the_enterprise_never_sees_the_receipt(accepted, users, login):
    hazard = accepted.hazard
    owner = login(users["owner"])
    detail = text_of(owner.get(reverse("hazards:hazard_detail", args=[hazard.pk])))
    assert "群众举报（随手拍）" in detail and TEXT[:10] in detail  # where it came from, and what was reported
    assert hazard.name in text_of(owner.get(reverse("hazards:table4_xlsx", args=[hazard.enterprise_id])))
    for url in enterprise_views(hazard):
        assert accepted.receipt not in text_of(owner.get(url)), url
    assert reverse("hazards:public_detail", args=[accepted.pk]) not in detail


def test_the_enterprises_own_system_reads_no_receipt_through_the_api(accepted, client, enterprise):
    token = token_for(client, *approved(enterprise))
    response = client.get("/api/v1/hazards", **bearer(token))
    [item] = response.json()["items"]
    assert item["id"] == accepted.hazard_id and [s["action"] for s in item["history"]] == ["report"]
    assert accepted.receipt not in response.content.decode()


def test_regulators_keep_seeing_the_receipt(accepted, users, login):
    html = text_of(login(users["jinshui"]).get(reverse("hazards:hazard_detail", args=[accepted.hazard_id])))
    assert f"回执 {accepted.receipt}" in html and reverse("hazards:public_detail", args=[accepted.pk]) in html


def test_the_photo_reaches_the_enterprise_without_the_reporters_position(accepted):
    [photo] = accepted.hazard.photos.all()
    assert_clean(stored(photo.file), (40, 80), "top right")
    assert Image.open(io.BytesIO(stored(accepted.photos.get().file))).getexif()  # the report's own copy is as stored


def test_steps_stored_with_the_receipt_lose_it_in_the_migration(accepted, users, login):
    """Hazards accepted before the fix have "群众举报（随手拍）回执 <receipt>" as their REPORT step's comment."""
    step = HazardStep.objects.get(hazard=accepted.hazard)
    HazardStep.objects.filter(pk=step.pk).update(comment=f"群众举报（随手拍）回执 {accepted.receipt}")
    other = HazardStep.objects.create(hazard=accepted.hazard, action="start", target="rectifying", actor_name="x",
                                      comment=f"群众举报（随手拍）回执 {accepted.receipt}")  # not a REPORT step: kept
    owner = login(users["owner"])
    assert accepted.receipt in text_of(owner.get(reverse("hazards:hazard_detail", args=[accepted.hazard_id])))
    importlib.import_module("worksafe.hazards.migrations.0004_report_steps_without_receipt").forwards(apps, None)
    step.refresh_from_db()
    other.refresh_from_db()
    assert step.comment == "群众举报（随手拍）"
    assert other.comment.endswith(accepted.receipt)
    other.delete()
    assert accepted.receipt not in text_of(owner.get(reverse("hazards:hazard_detail", args=[accepted.hazard_id])))
