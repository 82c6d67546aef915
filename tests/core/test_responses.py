"""core.responses: every download names its file one way (Chinese filename*, ASCII fallback) and is not cached; and
uploads.serve_view, the one view that serves a row's stored file within the user's scope."""
import io
import os
import tempfile
from urllib.parse import quote, unquote

import pytest
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.urls import reverse
from PIL import Image

from tests.factories import create_hazard
from worksafe.core.responses import content_disposition, file_response, pdf_response
from worksafe.hazards.models import HazardPhoto


def filename_star(header):
    return unquote(header.split("filename*=UTF-8''", 1)[1])


def test_it_names_an_attachment_in_utf8_with_the_ascii_fallback():
    header = content_disposition("金水区_隐患整改通知单.pdf", "notice_12.pdf")
    assert header == f"attachment; filename=\"notice_12.pdf\"; filename*=UTF-8''{quote('金水区_隐患整改通知单.pdf')}"
    assert filename_star(header) == "金水区_隐患整改通知单.pdf"


def test_it_shows_inline_what_is_meant_for_the_browser():
    assert content_disposition("登记表.pdf", "registration.pdf", inline=True).startswith('inline; filename="registration.pdf"; ')


def test_it_falls_back_to_download_with_the_extension_and_keeps_the_fallback_ascii():
    assert content_disposition("二维码.svg").startswith('attachment; filename="download.svg"; ')
    assert 'filename="a_b__c.pdf"' in content_disposition("x.pdf", 'a b"\\c.pdf')
    assert 'filename="____.pdf"' in content_disposition("x.pdf", "事故调查.pdf")


def test_it_keeps_quotes_and_line_breaks_out_of_the_header():
    header = content_disposition('a"b\r\nSet-Cookie: x=1.pdf', "a.pdf")
    assert "\r" not in header and "\n" not in header and header.count('"') == 2
    assert filename_star(header) == 'a"b\r\nSet-Cookie: x=1.pdf'


def test_a_pdf_response_carries_the_pdf_its_name_and_no_store():
    response = pdf_response(b"%PDF-1.7 ...", "表3_风险辨识分级管控登记表.pdf", "table3_7.pdf")
    assert response.status_code == 200 and response.content == b"%PDF-1.7 ..."
    assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="table3_7.pdf"; ')
    assert filename_star(response["Content-Disposition"]) == "表3_风险辨识分级管控登记表.pdf"
    assert pdf_response(b"%PDF-", "x.pdf", inline=True)["Content-Disposition"].startswith("inline; ")


def test_a_file_response_streams_an_open_file_from_where_it_stands():
    tmp = tempfile.TemporaryFile()
    tmp.write(b"PK\x03\x04 workbook")
    tmp.seek(0)
    response = file_response(tmp, "导出.xlsx", "application/vnd.ms-excel", "export.xlsx")
    assert isinstance(response, FileResponse) and b"".join(response.streaming_content) == b"PK\x03\x04 workbook"
    assert response["Content-Disposition"].startswith('attachment; filename="export.xlsx"; ')
    assert response["Content-Type"] == "application/vnd.ms-excel" and response["Cache-Control"] == "no-store"


# ---- uploads.serve_view: the one view serving a row's stored file (hazard, check, patrol and report photos) ----

@pytest.fixture
def photo(enterprise):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    photo = HazardPhoto(hazard=create_hazard(enterprise), stage=HazardPhoto.Stage.BEFORE)
    photo.file.save("现场.png", ContentFile(out.getvalue()))
    return photo


@pytest.mark.django_db
def test_it_serves_a_row_file_in_scope_named_by_its_model_typed_by_its_stored_name(login, users, photo):
    served = login(users["jinshui"]).get(reverse("hazards:photo_detail", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith(f'inline; filename="{os.path.basename(photo.file.name)}"; ')
    assert filename_star(served["Content-Disposition"]) == f"隐患{photo.hazard_id}-整改前-{photo.pk}.png"
    assert b"".join(served.streaming_content) == photo.file.open("rb").read()


@pytest.mark.django_db
def test_it_answers_404_out_of_scope_405_to_a_post_and_the_login_page_anonymously(client, login, users, photo):
    url = reverse("hazards:photo_detail", args=[photo.pk])
    assert client.get(url).status_code == 302
    assert login(users["outsider"]).get(url).status_code == 404
    assert login(users["erqi"]).get(url).status_code == 404
    assert login(users["owner"]).post(url).status_code == 405
