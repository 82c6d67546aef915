"""xlsx imports stay within bounded memory and time, whatever the workbook (issue 17, High).

Hostile workbooks are built for real, by writing XML parts into a zip, and read through a real spec (the
enterprise import's). The headline case, one cell in column XFD on every row, runs in a child process so that
its own peak memory can be measured; the others are refused before openpyxl builds anything.
"""
import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from worksafe.archive.io import ENTERPRISE_SPEC
from worksafe.archive.models import Enterprise
from worksafe.core import xlsx
from worksafe.core.xlsx import INVALID_FILE, TOO_COMPLEX

HEADERS = [c.header for c in ENTERPRISE_SPEC.import_columns]
SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def text_cell(ref, value):
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def data_row(number):
    """A row with text in its first three columns (enough to count as a data row)."""
    return f'<row r="{number}">' + "".join(text_cell(f"{col}{number}", f"值{number}") for col in "ABC") + "</row>"


def package(rows="", parts=None, sheets=1):
    """An xlsx whose first sheet has the enterprise headers in row 1 and `rows` (XML) after it; `parts` replaces or
    adds zip members by name."""
    wb = openpyxl.Workbook()
    wb.active.append(HEADERS)
    for i in range(1, sheets):
        wb.create_sheet(f"表{i + 1}")
    buf = io.BytesIO()
    wb.save(buf)
    parts = dict(parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == SHEET:
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            dst.writestr(name, parts.pop(name, data))
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def package_sheet(rows):
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def declare(data, name, size, crc=None):
    """`data` (a zip) with its central directory declaring member `name` `size` bytes long (with CRC `crc`)."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + struct.unpack_from("<H", data, at + 28)[0]] != name.encode():
        at = data.find(b"PK\x01\x02", at + 4)
        assert at >= 0, f"{name} is not in the zip"
    struct.pack_into("<I", data, at + 24, size)
    if crc is not None:
        struct.pack_into("<I", data, at + 16, crc)
    return bytes(data)


def read(data):
    rows, errors = ENTERPRISE_SPEC.read(SimpleUploadedFile("企业.xlsx", data))
    return [str(e) for e in errors]


# One cell in column XFD on every row --------------------------------------------------------------------------

XFD_ROWS = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 25_002))

MEASURE = """
import json, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from worksafe.archive.io import ENTERPRISE_SPEC
upload = SimpleUploadedFile("企业.xlsx", open(sys.argv[1], "rb").read())
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
rows, errors = ENTERPRISE_SPEC.read(upload)
seconds = time.perf_counter() - start
growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"seconds": seconds, "rss_growth_kb": growth, "rows": len(rows), "errors": [str(e) for e in errors]}))
"""


def test_it_refuses_a_cell_in_column_xfd_on_every_row_in_under_2_seconds_and_100_mb(tmp_path):
    """Before the fix this workbook (over 100 KB) cost 2.4 GB and 10 s: every row became a 16,384-cell tuple.
    A child process measures its own peak (ru_maxrss is a high-water mark: the test process's says nothing)."""
    data = package(XFD_ROWS)
    assert len(data) > 100_000
    path = tmp_path / "xfd.xlsx"
    path.write_bytes(data)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "worksafe.settings"}
    child = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, env=env,
                           timeout=300)
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["rows"] == 0
    assert result["errors"] == ["文件中没有数据行（第2行起填写，每行一条）"]  # nothing in the template's columns
    assert result["seconds"] < 2
    assert result["rss_growth_kb"] < 100 * 1024


@pytest.mark.django_db
def test_it_refuses_the_xfd_workbook_through_the_enterprise_import_page(users, login):
    before = Enterprise.objects.count()
    response = login(users["jinshui"]).post(reverse("archive:enterprise_import"), {
        "file": SimpleUploadedFile("企业.xlsx", package(XFD_ROWS), content_type=xlsx.MIME_TYPE)})
    assert [str(e) for e in response.context["errors"]] == ["文件中没有数据行（第2行起填写，每行一条）"]
    assert Enterprise.objects.count() == before


def test_it_refuses_a_header_far_right_of_the_template_without_reading_rows_that_wide():
    header = f'<row r="1">{text_cell("A1", HEADERS[0])}{text_cell("XFD1", "备注")}</row>'
    data = package(parts={SHEET: package_sheet(header + XFD_ROWS)})
    assert read(data) == [f"第1行 表头: 第XFD列有内容，超出导入模板的列范围（模板共 {len(ENTERPRISE_SPEC.columns)} 列），"
                          "请使用导入模板，勿在表格右侧填写其他内容"]


def test_an_unknown_header_a_few_columns_right_of_the_template_is_still_named():
    wb = openpyxl.Workbook()
    wb.active.append(HEADERS + [None] * 5 + ["备注"])
    wb.active.append(["x"] * len(HEADERS))
    buf = io.BytesIO()
    wb.save(buf)
    assert read(buf.getvalue()) == ["第1行 表头: 无法识别的列：备注（请使用导入模板，勿修改表头）"]


# Rows: reading stops one row past the limit ------------------------------------------------------------------


def test_it_stops_reading_one_row_past_the_row_limit(settings):
    """Row 7 points at a shared string that does not exist: reading it fails the file as invalid. With a limit
    of 3, reading stops at row 5 (the fourth data row) and the file is refused for its length."""
    poison = '<row r="7"><c r="A7" t="s"><v>99999</v></c></row>'
    data = package("".join(data_row(n) for n in range(2, 7)) + poison + "".join(data_row(n) for n in range(8, 2000)))
    settings.IMPORT_MAX_ROWS = 3
    assert read(data) == ["数据行数过多（超过 3 行），请拆分后分批导入"]
    settings.IMPORT_MAX_ROWS = 10_000
    assert read(data) == [INVALID_FILE]  # the poison row is read when the limit lets reading reach it


# Sizes of the zip's parts --------------------------------------------------------------------------------------


def test_it_refuses_a_part_whose_declared_size_exceeds_the_part_bound_before_reading_it(settings):
    """The part really holds 10 bytes: had it been inflated, the size mismatch would call the file invalid."""
    settings.IMPORT_MAX_BYTES = 20_000  # a part may unpack to 195.3 KB, all parts together to 390.6 KB
    data = declare(package(parts={"xl/media/image1.bin": b"0123456789"}), "xl/media/image1.bin", 300_000)
    assert read(data) == ["文件过大（其中一个工作表或部分解压后超过 195.3 KB），请拆分后分批导入"]


def test_it_still_refuses_parts_that_unpack_beyond_the_total_bound(settings):
    settings.IMPORT_MAX_BYTES = 20_000
    data = package(parts={f"xl/media/image{i}.bin": b"\0" * 150_000 for i in range(3)})
    assert read(data) == ["文件过大（解压后超过 390.6 KB），请拆分后分批导入"]


def test_it_refuses_a_part_that_unpacks_beyond_its_declared_size_without_unpacking_it():
    """zipfile cuts such a part at its declared size, but only after inflating it whole in one call when the part
    is read without a size, as openpyxl reads docProps/custom.xml: 60 MB of memory for 1,000 bytes declared."""
    name, declared = "docProps/custom.xml", 1000
    prefix = b"<Properties>" + b" " * (declared - len(b"<Properties>"))
    buf = io.BytesIO(package())
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z, z.open(name, "w") as member:
        member.write(prefix)
        for _ in range(60):
            member.write(b" " * (1 << 20))
    lying = declare(buf.getvalue(), name, declared, crc=zlib.crc32(prefix))  # the CRC of what zipfile returns
    with zipfile.ZipFile(io.BytesIO(lying)) as z:
        assert z.read(name) == prefix  # zipfile notices nothing (and inflated 60 MB to return this)
    tracemalloc.start()
    try:
        errors = read(lying)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert errors == [INVALID_FILE]
    assert peak < 20 << 20


# The XML inside the parts ----------------------------------------------------------------------------------------

ROW_OF_CELLS = '<row r="2">' + "<c/>" * 200_000 + "</row>"
STYLE_BOMB = f'<styleSheet xmlns="{MAIN}"><cellXfs>' + "<xf/>" * 210_000 + "</cellXfs></styleSheet>"
DEEP = '<row r="2"><c r="A2" t="inlineStr"><is>' + "<r>" * 80 + "</r>" * 80 + "</is></c></row>"
HUGE_CELL = f'<row r="2">{text_cell("A2", "字" * 1_000_000)}</row>'
DTD = (f'<!DOCTYPE worksheet [<!ENTITY a "{"a" * 100}">]><worksheet xmlns="{MAIN}"><sheetData><row r="2">'
       '<c r="A2" t="inlineStr"><is><t>&a;&a;&a;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("rows, parts, message", [
    (ROW_OF_CELLS, None, "单行内容过多"),
    ("<row/>" * 20_000, None, "各工作表共超过 10050 行，含带格式的空白行"),
    ("", {"xl/styles.xml": STYLE_BOMB}, "格式、样式等内容过多"),
    (DEEP, None, "嵌套层次过深"),
    (HUGE_CELL, None, "单个单元格或标记超过 2 MB"),
], ids=["one-row-of-200000-cells", "20000-blank-rows", "210000-styles", "nested-80-deep", "a-3-MB-cell"])
def test_it_refuses_xml_that_openpyxl_would_blow_up_in_memory(settings, rows, parts, message):
    settings.IMPORT_MAX_ROWS = 10
    assert read(package(rows, parts)) == [f"文件过大或过于复杂，无法读取（{message}），请删除多余的内容或拆分后分批导入"]


def test_it_refuses_a_document_type_declaration():
    assert read(package(parts={SHEET: DTD.encode()})) == [INVALID_FILE]


def test_rows_count_as_freed_only_in_a_sheet_that_openpyxl_streams(settings):
    """The same 4,000 rows of 60 cells pass as a second worksheet, which openpyxl streams row by row (a sheet other
    than the first it does not even read), and are refused as xl/styles.xml, which openpyxl reads whole."""
    settings.IMPORT_MAX_ROWS = 10
    big = package_sheet("".join(f'<row r="{n}">' + "<c/>" * 60 + "</row>" for n in range(1, 4001)))
    errors = read(package(data_row(2), {"xl/worksheets/sheet2.xml": big}, sheets=2))
    assert errors and all(e.startswith("第2行") for e in errors)  # read: only the cells of row 2 are wrong
    assert read(package(data_row(2), {"xl/styles.xml": big})) == [
        "文件过大或过于复杂，无法读取（格式、样式等内容过多），请删除多余的内容或拆分后分批导入"]


def test_running_out_of_memory_is_reported_as_too_complex_never_as_an_invalid_file(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(xlsx, "load_workbook", exhausted)
    assert read(package(data_row(2))) == ["文件过大或过于复杂，无法读取，请删除多余的内容或拆分后分批导入"]
    assert TOO_COMPLEX != INVALID_FILE


def test_a_workbook_in_the_template_layout_still_reads():
    rows, errors = ENTERPRISE_SPEC.read(SimpleUploadedFile("企业.xlsx", package(data_row(2) + data_row(5))))
    assert [row.number for row in rows] == [2, 5]
    assert rows[0]["name"] == "值2"
    assert errors and all(str(e).startswith(("第2行", "第5行")) for e in errors)  # the cells are checked as before
