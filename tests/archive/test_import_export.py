"""xlsx import and export of enterprises: template, export (filtered / selected), all-or-nothing import."""
import io
import random
import zipfile
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import ERQI, JINSHUI, create_enterprise
from worksafe.archive.fake import make_enterprise
from worksafe.archive.io import ENTERPRISE_SPEC, import_enterprises
from worksafe.archive.models import ArchiveReview, Enterprise, ReviewState
from worksafe.core.models import AuditAction, ChangeRecord, Industry, Job, JobState, Region, Role, User
from worksafe.core.passwords import ONE_TIME_PASSWORD_ITERATIONS

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("archive:enterprise_export")
IMPORT_URL = reverse("archive:enterprise_import")
TEMPLATE_URL = reverse("archive:enterprise_import_template")
HEADERS = [c.header for c in ENTERPRISE_SPEC.import_columns]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_enterprises(n, region=JINSHUI, industry="07", seed=1):
    """Unsaved, valid enterprises as the demo generator makes them."""
    rng = random.Random(seed)
    r = Region.objects.select_related("parent").get(code=region)
    i = Industry.objects.get(code=industry)
    seen = set(Enterprise.objects.values_list("uscc", flat=True))
    return [make_enterprise(rng, r, i, seen) for _ in range(n)]


def to_bytes(wb):
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_bytes(objects):
    return to_bytes(ENTERPRISE_SPEC.export(objects))


def edit(data, changes):
    """Apply {(excel_row, header): value} to an xlsx (as bytes) and return the new bytes."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    columns = {cell.value: cell.column for cell in ws[1]}
    for (row, header), value in changes.items():
        ws.cell(row=row, column=columns[header]).value = value
    return to_bytes(wb)


def sheet_rows(response):
    """The rows of a downloaded xlsx as dicts keyed by header."""
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def upload(client, data, name="企业.xlsx"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def page_errors(response):
    assert response.status_code == 200
    return [str(e) for e in response.context["errors"]]


def counts():
    return Enterprise.objects.count(), User.objects.count(), ChangeRecord.objects.count()


# Template ----------------------------------------------------------------------------------------------


def test_template_has_headers_explanations_and_drop_downs(users, login):
    response = login(users["jinshui"]).get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert f"filename*=UTF-8''{quote('生产经营单位导入模板.xlsx')}" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames[:2] == ["生产经营单位", "填写说明"]
    ws = wb["生产经营单位"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 1  # no example row that could be imported by mistake

    validations = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            validations[ws.cell(row=1, column=rng.min_col).value] = dv
    assert set(validations) == {"行业分类", "主管部门", "所在县区", "是否有危化品重大危险源", "是否进行风险辨识", "危化品重大危险源是否备案"}
    assert validations["是否进行风险辨识"].formula1 == '"是,否"'
    assert validations["主管部门"].formula1 == '"应急局,煤炭局,工信局,其他"'
    # Regions: limited to the regulator's jurisdiction (a short list stays inline).
    assert validations["所在县区"].formula1 == '"金水区（410105）"'
    assert validations["所在县区"].errorStyle == "warning"  # township codes may be typed too
    assert validations["主管部门"].errorStyle == "stop"

    help_rows = list(wb["填写说明"].iter_rows(values_only=True))
    described = {r[0]: r for r in help_rows if r and r[0] in HEADERS}
    assert set(described) == set(HEADERS)
    assert described["企业名称"][1] == "必填"
    assert described["职工总数"][1] == "选填，留空为“0”"
    assert described["危化品重大危险源是否备案"][3] == "是、否、不涉及"


def lists_column(ws, header):
    letter = next(c.column_letter for c in ws[1] if c.value == header)
    return letter


def test_province_template_lists_every_county_and_industry_departments_their_industries(users, login):
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(login(users["chem"]).get(TEMPLATE_URL).streaming_content)))
    # Long lists live on a hidden sheet that the drop-down refers to.
    lists = wb["选项"]
    assert lists.sheet_state == "hidden"
    letter = lists_column(lists, "所在县区")
    regions = [c.value for c in lists[letter]][1:]
    assert "金水区（410105）" in regions and "二七区（410103）" in regions and len(regions) > 150
    validations = {str(dv.sqref).split(":")[0]: dv for dv in wb.worksheets[0].data_validations.dataValidation}
    assert validations["K2"].formula1 == f"'选项'!${letter}$2:${letter}${len(regions) + 1}"
    assert validations["H2"].formula1 == '"危险化学品,危险化学品生产,危险化学品经营,危险化学品使用"'


def test_the_empty_template_uploads_as_a_file_without_rows(users, login):
    client = login(users["jinshui"])
    data = b"".join(client.get(TEMPLATE_URL).streaming_content)
    assert page_errors(upload(client, data)) == ["文件中没有数据行（第2行起填写，每行一条）"]


# Import: new enterprises and their accounts -----------------------------------------------------------


def imported_by_job(client, data, run_jobs, name="企业.xlsx"):
    """Upload `data`, which the page hands to a background job; run it; the finished Job."""
    response = upload(client, data, name)
    assert response.status_code == 302 and response.url.startswith("/jobs/")
    job = Job.objects.get(pk=response.url.split("/")[2])
    run_jobs()
    job.refresh_from_db()
    return job


def password_rows(response):
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("企业名称", "账号", "一次性密码")
    return {username: (name, password) for name, username, password in rows[1:]}


def test_new_rows_create_enterprises_and_administrators_with_one_time_passwords(users, login, client, run_jobs):
    new = new_enterprises(2)
    before = Enterprise.objects.count()
    importer = login(users["jinshui"])
    job = imported_by_job(importer, export_bytes(new), run_jobs)
    assert job.state == JobState.DONE and job.owner == users["jinshui"]
    assert "新增 2 家，更新 0 家" in job.summary and job.result_secret
    assert Enterprise.objects.count() == before + 2
    page = importer.get(job.get_absolute_url()).content.decode()
    assert "只能下载一次" in page
    download = importer.get(reverse("core:job_result", args=[job.pk]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    accounts = password_rows(download)
    assert set(accounts) == {e.uscc for e in new}
    assert importer.get(reverse("core:job_result", args=[job.pk])).status_code == 410  # once only
    taken = ChangeRecord.objects.get(action=AuditAction.TAKE_RESULT)
    assert taken.user == users["jinshui"] and "一次性密码" in taken.message

    for e in new:
        saved = Enterprise.objects.get(uscc=e.uscc)
        assert (saved.name, saved.region_id, saved.industry_id, saved.latitude) == (e.name, JINSHUI, "07", e.latitude)
        assert saved.review_state == ReviewState.DRAFT
        account = User.objects.get(username=e.uscc)
        assert (account.role, account.enterprise, account.must_change_password) == (Role.ENTERPRISE_ADMIN, saved, True)
        name, password = accounts[e.uscc]
        assert name == e.name and account.check_password(password)
        records = ChangeRecord.objects.filter(enterprise_id=saved.pk)
        assert {(r.action, r.user, r.content_type.model) for r in records} == {
            (AuditAction.IMPORT, users["jinshui"], "enterprise"), (AuditAction.CREATE, users["jinshui"], "user")}

    # The enterprise logs in with its one-time password and must change it first.
    client.logout()
    e = new[0]
    response = client.post(reverse("core:login"), {"username": e.uscc.lower(), "password": accounts[e.uscc][1]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:password_change")
    assert response.context["user"].enterprise.uscc == e.uscc


def test_a_small_file_without_new_enterprises_is_imported_at_once(users, login, enterprise):
    response = upload(login(users["jinshui"]), edit(export_bytes([enterprise]), {(2, "职工总数"): 77}))
    assert response.status_code == 200 and response.context["result"].updated == 1
    assert not Job.objects.exists()


def test_one_time_passwords_are_cheap_pbkdf2_hashes_upgraded_at_first_login(users, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    [e] = new_enterprises(1)
    result = import_enterprises(SimpleUploadedFile("a.xlsx", export_bytes([e])), users["jinshui"])
    [(username, password)] = result.accounts
    account = User.objects.get(username=username)
    assert account.password.startswith(f"pbkdf2_sha256${ONE_TIME_PASSWORD_ITERATIONS}$")
    assert not account.check_password("wrong-password")
    assert account.check_password(password)
    account.refresh_from_db()
    assert account.password.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")


def test_an_existing_account_name_blocks_the_new_enterprise(users, login):
    [e] = new_enterprises(1)
    User.objects.create(username=e.uscc, role=Role.REGULATOR)
    before = counts()
    errors = page_errors(upload(login(users["jinshui"]), export_bytes([e])))
    assert errors == ["第2行 统一社会信用代码: 已有以该代码为用户名的账号，无法为新企业创建企业管理员账号"]
    assert counts() == before


# Import: updates --------------------------------------------------------------------------------------


def test_export_then_import_updates_instead_of_duplicating(users, login, enterprise):
    client = login(users["jinshui"])
    data = b"".join(client.get(EXPORT_URL).streaming_content)
    before_users = User.objects.count()
    response = upload(client, edit(data, {(2, "企业名称"): "金水新名称机械有限公司", (2, "职工总数"): 321}))
    result = response.context["result"]
    assert (result.created, result.updated, result.accounts) == (1 - 1, 1, [])
    assert Enterprise.objects.count() == 2  # enterprise and other_enterprise
    assert User.objects.count() == before_users
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.staff_count) == ("金水新名称机械有限公司", 321)
    record = ChangeRecord.objects.get(enterprise_id=enterprise.pk, action=AuditAction.IMPORT)
    assert record.user == users["jinshui"]
    assert record.after == {"name": "金水新名称机械有限公司", "staff_count": 321}
    assert record.before["name"] == "金水测试机械有限公司"

    # The same file again changes nothing and records nothing.
    records = ChangeRecord.objects.count()
    result = upload(client, edit(data, {(2, "企业名称"): "金水新名称机械有限公司", (2, "职工总数"): 321})).context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert ChangeRecord.objects.count() == records


def test_importing_changes_to_an_approved_archive_sends_it_back_to_review(users, login, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state=ReviewState.APPROVED)
    enterprise.refresh_from_db()
    data = edit(export_bytes([enterprise]), {(2, "值班电话"): "0371-66668888"})
    upload(login(users["jinshui"]), data)
    enterprise.refresh_from_db()
    assert (enterprise.duty_phone, enterprise.review_state) == ("0371-66668888", ReviewState.SUBMITTED)
    review = ArchiveReview.objects.get(enterprise=enterprise)
    assert (review.source, review.target, review.actor) == (ReviewState.APPROVED, ReviewState.SUBMITTED, users["jinshui"])
    assert ChangeRecord.objects.filter(enterprise_id=enterprise.pk, action=AuditAction.SUBMIT).exists()


def test_headers_may_be_reordered_and_codes_typed_instead_of_labels(users, login, enterprise):
    wb = openpyxl.Workbook()
    ws = wb.active
    headers = list(reversed(HEADERS))
    ws.append(headers)
    exported = openpyxl.load_workbook(io.BytesIO(export_bytes([enterprise]))).worksheets[0]
    values = dict(zip(HEADERS, next(exported.iter_rows(min_row=2, values_only=True)), strict=False))
    values.update({"所在县区": "410105001", "行业分类": "0302", "统一社会信用代码": enterprise.uscc.lower(), "职工总数": 12.0,
                   "法定代表人手机": 13912345678})
    ws.append([values[h] for h in headers])
    result = upload(login(users["city"]), to_bytes(wb)).context["result"]
    assert result.updated == 1
    enterprise.refresh_from_db()
    assert (enterprise.region_id, enterprise.industry_id, enterprise.staff_count) == ("410105001", "0302", 12)
    assert enterprise.legal_representative_mobile == "13912345678"


# Import: bad rows change nothing --------------------------------------------------------------------------


@pytest.mark.parametrize("header, value, message", [
    ("统一社会信用代码", "91410105MA44ABCDE1", "统一社会信用代码校验位错误（GB 32100）。"),
    ("统一社会信用代码", "9141010", "统一社会信用代码应为18位。"),
    ("法定代表人手机", "12345", "手机号码应为11位数字，以1开头。"),
    ("行业分类", "造船", "未找到该行业分类，请从下拉列表选择"),
    ("所在县区", "二七区（410103）", "不在您的管辖范围内"),
    ("所在县区", "410103001", "不在您的管辖范围内"),
    ("所在县区", "郑州市（410100）", "应为县（区）或乡镇（街道），不能是省、市"),
    ("所在县区", "金水区（410103）", "区划名称与代码不符（410103 是 二七区）"),
    ("职工总数", -5, "确保该值大于或等于0。"),
    ("职工总数", "三十", "应为整数"),
    ("纬度", 95, "确保该值小于或等于90。"),
    ("经度", "东经113度", "应为数字"),
    ("成立时间", "去年", "日期格式错误，应为 YYYY-MM-DD，例如 2020-01-31"),
    ("主管部门", "环保局", "应为以下之一：应急局、煤炭局、工信局、其他"),
    ("是否进行风险辨识", "可能", "应为以下之一：是、否"),
    ("企业名称", None, "不能为空"),
    ("企业名称", "长" * 129, "确保该变量包含不超过 128 字符 (目前字符数 129)。"),
    ("安全管理机构电话", "电话", "电话号码格式错误，例如 0371-12345678 或 13800000000。"),
])
def test_a_bad_row_is_reported_and_nothing_is_written(users, login, header, value, message):
    good, bad = new_enterprises(2)
    data = edit(export_bytes([good, bad]), {(3, header): value})
    before = counts()
    errors = page_errors(upload(login(users["jinshui"]), data))
    assert errors == [f"第3行 {header}: {message}"]
    assert counts() == before
    assert not Enterprise.objects.filter(uscc=good.uscc).exists()


def test_duplicate_codes_within_the_file(users, login):
    a, b = new_enterprises(2)
    b.uscc = a.uscc
    before = counts()
    assert page_errors(upload(login(users["jinshui"]), export_bytes([a, b]))) == ["第3行 统一社会信用代码: 与第2行重复"]
    assert counts() == before


def test_an_enterprise_outside_the_jurisdiction_is_neither_overwritten_nor_shown(users, login, other_enterprise):
    [row] = new_enterprises(1)
    row.uscc, row.name = other_enterprise.uscc, "冒名顶替有限公司"
    before = counts()
    response = upload(login(users["jinshui"]), export_bytes([row]))
    assert page_errors(response) == ["第2行 统一社会信用代码: 该统一社会信用代码的企业已存在，但不在您的管辖范围内，不能通过导入修改"]
    assert counts() == before
    other_enterprise.refresh_from_db()
    assert other_enterprise.name == "二七测试化工有限公司"
    assert other_enterprise.name not in response.content.decode()


def test_industry_departments_import_only_their_industries(users, login):
    [row] = new_enterprises(1, region=ERQI, industry="07")
    before = counts()
    assert page_errors(upload(login(users["chem"]), export_bytes([row]))) == ["第2行 行业分类: 不在您的监管行业范围内"]
    assert counts() == before


def test_every_error_is_listed_in_row_and_column_order(users, login):
    rows = new_enterprises(3)
    data = edit(export_bytes(rows), {(4, "纬度"): 91, (2, "职工总数"): -1, (2, "法定代表人手机"): "1", (3, "所在县区"): "火星"})
    errors = page_errors(upload(login(users["jinshui"]), data))
    assert errors == [
        "第2行 法定代表人手机: 手机号码应为11位数字，以1开头。",
        "第2行 职工总数: 确保该值大于或等于0。",
        "第3行 所在县区: 未找到该区划，请从下拉列表选择",
        "第4行 纬度: 确保该值小于或等于90。",
    ]


def test_blank_rows_are_skipped_and_row_numbers_match_excel(users, login):
    good, bad = new_enterprises(2)
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes([good, bad])))
    ws = wb.worksheets[0]
    ws.insert_rows(3, amount=3)  # rows 3-5 blank, the second enterprise now on row 6
    ws.cell(row=6, column=HEADERS.index("纬度") + 1, value=-91)
    assert page_errors(upload(login(users["jinshui"]), to_bytes(wb))) == ["第6行 纬度: 确保该值大于或等于-90。"]


# Import: bad files ----------------------------------------------------------------------------------------


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize("data", [
    "企业名称,统一社会信用代码\n测试,123\n".encode(),  # a CSV renamed .xlsx
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8,  # an old .xls (OLE2) file
    b"",
    zip_bytes({"word/document.xml": "<w/>", "[Content_Types].xml": "<Types/>"}),  # a zip, but no workbook
    zip_bytes({"xl/workbook.xml": "<not-closed", "[Content_Types].xml": "<Types/>"}),  # a broken workbook
], ids=["csv", "xls", "empty", "docx-like", "broken"])
def test_files_that_are_not_xlsx_are_refused(users, login, data):
    before = counts()
    assert page_errors(upload(login(users["jinshui"]), data)) == ["文件不是有效的 xlsx 文件"]
    assert counts() == before


def test_wrong_headers_are_named(users, login):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([h for h in HEADERS if h not in ("纬度", "企业名称")] + ["备注"])
    ws.append(["x"] * len(HEADERS))
    errors = page_errors(upload(login(users["jinshui"]), to_bytes(wb)))
    assert errors == [
        "第1行 表头: 缺少列：企业名称、纬度（请使用导入模板）",
        "第1行 表头: 无法识别的列：备注（请使用导入模板，勿修改表头）",
    ]


def test_files_that_are_too_large_are_refused(users, login, settings):
    settings.IMPORT_MAX_BYTES = 1000
    before = counts()
    errors = page_errors(upload(login(users["jinshui"]), export_bytes(new_enterprises(1))))
    assert errors == ["文件过大（最大 1000 字节）"]
    assert counts() == before


def test_files_with_too_many_rows_are_refused(users, login, settings):
    settings.IMPORT_MAX_ROWS = 2
    before = counts()
    errors = page_errors(upload(login(users["jinshui"]), export_bytes(new_enterprises(3))))
    assert errors == ["数据行数过多（超过 2 行），请拆分后分批导入"]
    assert counts() == before


def test_posting_without_a_file(users, login):
    assert page_errors(login(users["jinshui"]).post(IMPORT_URL)) == ["请选择要导入的 xlsx 文件"]


def test_the_import_page(users, login):
    response = login(users["jinshui"]).get(IMPORT_URL)
    assert response.status_code == 200
    assert TEMPLATE_URL in response.content.decode()


# Export ---------------------------------------------------------------------------------------------------


def test_export_of_selected_rows_stays_within_scope(users, login, enterprise, other_enterprise):
    third = create_enterprise(JINSHUI, name="金水第三企业")
    client = login(users["jinshui"])
    response = client.post(EXPORT_URL, {"selected": "1", "pk": [enterprise.pk, other_enterprise.pk]})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "filename*=UTF-8''" + quote("生产经营单位_") in response["Content-Disposition"]
    rows = sheet_rows(response)
    assert [r["统一社会信用代码"] for r in rows] == [enterprise.uscc]
    assert third.uscc not in {r["统一社会信用代码"] for r in rows}


def test_export_of_the_filtered_list(users, login, enterprise, other_enterprise):
    client = login(users["city"])
    rows = sheet_rows(client.get(EXPORT_URL))
    assert {r["统一社会信用代码"] for r in rows} == {enterprise.uscc, other_enterprise.uscc}
    rows = sheet_rows(client.get(EXPORT_URL, {"region": ERQI}))
    assert [r["统一社会信用代码"] for r in rows] == [other_enterprise.uscc]
    [row] = rows
    assert row["所在县区"] == "二七区（410103）"
    assert row["行业分类"] == "危险化学品生产"
    assert row["纬度"] == float(other_enterprise.latitude)
    assert row["审核状态"] == "未提交"
    rows = sheet_rows(client.get(EXPORT_URL, {"q": "金水测试"}))
    assert [r["企业名称"] for r in rows] == ["金水测试机械有限公司"]


def test_export_keeps_formula_like_text_as_text(users, login, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(name='=HYPERLINK("http://example.com","点我")')
    response = login(users["jinshui"]).get(EXPORT_URL)
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    cell = ws.cell(row=2, column=1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com","点我")', "s")


def test_export_selected_without_selection_goes_back(users, login):
    response = login(users["jinshui"]).post(EXPORT_URL, {"selected": "1", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == reverse("archive:enterprise_list")


def test_exported_fake_enterprises_import_unchanged(users):
    """The benchmark's path: unsaved generated enterprises → export → import."""
    rng = random.Random(3)
    regions = list(Region.objects.select_related("parent").filter(code__in=[JINSHUI, ERQI, "410171", "410105001"]))
    industries = list(Industry.objects.all())
    new = [make_enterprise(rng, rng.choice(regions), rng.choice(industries), set()) for _ in range(20)]
    result = import_enterprises(SimpleUploadedFile("f.xlsx", export_bytes(new)), users["sysadmin"])
    assert [str(e) for e in result.errors] == []
    assert (result.created, len(result.accounts)) == (20, 20)
    for e in new:
        saved = Enterprise.objects.get(uscc=e.uscc)
        assert (saved.fixed_assets, saved.longitude, str(saved.founded_on)) == (
            e.fixed_assets.quantize(Decimal("0.01")), e.longitude, e.founded_on)
    again = import_enterprises(SimpleUploadedFile("f.xlsx", export_bytes(Enterprise.objects.filter(uscc__in=[e.uscc for e in new]))),
                               users["sysadmin"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 20)


# Access ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", EXPORT_URL), ("post", EXPORT_URL), ("get", IMPORT_URL), ("post", IMPORT_URL), ("get", TEMPLATE_URL),
])
def test_enterprise_users_and_anonymous_users_are_kept_out(users, login, client, enterprise, method, url):
    data = {"selected": "1", "pk": [enterprise.pk]} if method == "post" else {}
    response = getattr(client, method)(url, data)
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))
    response = getattr(login(users["owner"]), method)(url, data)
    assert response.status_code == 403


def test_import_function_refuses_users_without_manage_rights(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_enterprises(SimpleUploadedFile("f.xlsx", export_bytes(new_enterprises(1))), users["owner"])


def test_long_names_become_the_account_name_in_full(users):
    [e] = new_enterprises(1)
    e.name = "河南" + "长" * 100 + "有限公司"
    result = import_enterprises(SimpleUploadedFile("f.xlsx", export_bytes([e])), users["jinshui"])
    assert result.created == 1
    assert User.objects.get(username=e.uscc).full_name == e.name


def test_a_row_created_by_someone_else_meanwhile_rolls_everything_back(users, monkeypatch):
    from worksafe.archive import io as archive_io

    first, second = new_enterprises(2)
    write = archive_io._write

    def racing_write(creates, *args):
        create_enterprise(JINSHUI, uscc=second.uscc, name="抢先企业")
        return write(creates, *args)

    monkeypatch.setattr(archive_io, "_write", racing_write)
    result = import_enterprises(SimpleUploadedFile("f.xlsx", export_bytes([first, second])), users["jinshui"])
    assert [str(e) for e in result.errors] == ["导入期间数据已被修改（统一社会信用代码或账号重复），未导入任何数据，请重新导入"]
    assert (result.created, result.accounts) == (0, [])
    assert not Enterprise.objects.filter(uscc=first.uscc).exists()
    assert not User.objects.filter(username__in=[first.uscc, second.uscc]).exists()


def test_uploads_spooled_to_disk_are_read_too(users, login, settings, run_jobs):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # Django keeps the upload in a temporary file
    job = imported_by_job(login(users["jinshui"]), export_bytes(new_enterprises(1)), run_jobs)
    assert job.state == JobState.DONE and "新增 1 家" in job.summary


def test_township_regulators_import_into_their_township_only(users, login, run_jobs):
    from tests.factories import create_org, create_user
    from worksafe.core.models import OrgLevel

    township = create_user("township", Role.REGULATOR, create_org("街道安监站", OrgLevel.TOWNSHIP, "410105001"))
    client = login(township)
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(TEMPLATE_URL).streaming_content)))
    region_dv = next(dv for dv in wb.worksheets[0].data_validations.dataValidation if "K2" in str(dv.sqref))
    assert region_dv.formula1.startswith('"') and "（410105001）" in region_dv.formula1

    inside, outside = new_enterprises(2)
    inside.region = Region.objects.get(code="410105001")
    before = counts()
    assert page_errors(upload(client, export_bytes([inside, outside]))) == ["第3行 所在县区: 不在您的管辖范围内"]
    assert counts() == before
    assert "新增 1 家" in imported_by_job(client, export_bytes([inside]), run_jobs).summary
