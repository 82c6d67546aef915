"""core.responses: every download names its file one way (Chinese filename*, ASCII fallback) and is not cached."""
import tempfile
from urllib.parse import quote, unquote

from django.http import FileResponse

from worksafe.core.responses import content_disposition, file_response, pdf_response


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
