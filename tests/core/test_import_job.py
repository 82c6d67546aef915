"""core.imports: an xlsx import with more rows than settings.IMPORT_JOB_ROWS runs as a background job, on each import
page (enterprises, the risk list, guidelines). It writes its rows as its owner, or nothing and the page's row errors;
the upload it was handed is deleted however it ends."""
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import JINSHUI, create_enterprise
from worksafe.archive.io import ENTERPRISE_SPEC
from worksafe.archive.models import Enterprise
from worksafe.core import imports, jobs, storage, xlsx
from worksafe.core.models import AuditAction, ChangeRecord, Job, JobState
from worksafe.core.xlsx import RowError
from worksafe.hazards.models import Checklist
from worksafe.risks import io as risk_io
from worksafe.risks.models import ControlMeasure, RiskEvent

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENTERPRISES = reverse("archive:enterprise_import")


@pytest.fixture(autouse=True)
def small_jobs(settings):
    settings.IMPORT_JOB_ROWS = 2  # a file of three rows is "large"


def to_bytes(wb):
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet(headers, rows):
    wb = openpyxl.Workbook()
    wb.active.append(headers)
    for row in rows:
        wb.active.append(row)
    return to_bytes(wb)


def upload(data, name="导入.xlsx"):
    return SimpleUploadedFile(name, data, content_type=XLSX)


def started(response):
    assert response.status_code == 302 and response.url.startswith("/jobs/"), getattr(response, "context", None)
    return Job.objects.get(pk=response.url.split("/")[2])


def finished(job, run_jobs):
    run_jobs()
    job.refresh_from_db()
    return job


def stored_uploads():
    return default_storage.listdir(imports.UPLOADS)[1] if default_storage.exists(imports.UPLOADS) else []


@pytest.fixture
def three(enterprise):
    """金水's enterprise and two more, exported (the file of an update-only import)."""
    others = [create_enterprise(JINSHUI, name=f"金水第{n}企业") for n in (2, 3)]
    return [enterprise, *others]


def renamed(enterprises, names):
    wb = ENTERPRISE_SPEC.export(enterprises)
    data = openpyxl.load_workbook(io.BytesIO(to_bytes(wb)))
    ws = data.worksheets[0]
    for row, name in enumerate(names, 2):
        ws.cell(row=row, column=1).value = name
    return to_bytes(data)


def test_a_large_import_is_a_job_that_writes_its_rows_as_its_owner(users, login, three, run_jobs):
    client = login(users["jinshui"])
    job = started(client.post(ENTERPRISES, {"file": upload(renamed(three, ["甲公司", "乙公司", "丙公司"]), "企业.xlsx")}))
    assert job.label == "导入生产经营单位（企业.xlsx）" and job.state == JobState.QUEUED
    assert len(stored_uploads()) == 1  # handed to the worker through the storage
    assert Enterprise.objects.filter(name="甲公司").count() == 0
    job = finished(job, run_jobs)
    assert job.state == JobState.DONE and job.summary == "已导入 企业.xlsx：新增 0 家，更新 3 家。"
    assert job.done == job.total == 3 and not job.result  # no accounts: no file
    assert set(Enterprise.objects.filter(pk__in=[e.pk for e in three]).values_list("name", flat=True)) == {"甲公司", "乙公司", "丙公司"}
    record = ChangeRecord.objects.get(enterprise_id=three[0].pk, action=AuditAction.IMPORT)
    assert record.user == users["jinshui"] and record.after == {"name": "甲公司"}
    assert stored_uploads() == []  # deleted when the job ended
    assert "更新 3 家" in client.get(job.get_absolute_url()).content.decode()


def test_a_failing_large_import_writes_nothing_and_lists_the_row_errors(users, login, three, run_jobs):
    client = login(users["jinshui"])
    data = renamed(three, ["甲公司", "乙公司", None])
    job = finished(started(client.post(ENTERPRISES, {"file": upload(data)})), run_jobs)
    assert job.state == JobState.FAILED
    assert job.error == "文件有 1 处错误，未导入任何数据。请修改后重新上传。\n第4行 企业名称: 不能为空"
    assert not Enterprise.objects.filter(name__in=["甲公司", "乙公司"]).exists()
    assert not ChangeRecord.objects.filter(action=AuditAction.IMPORT).exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "第4行 企业名称: 不能为空" in page and 'data-state="failed"' in page
    assert stored_uploads() == []


def test_a_small_import_stays_immediate_and_a_refused_file_is_refused_at_once(users, login, three):
    client = login(users["jinshui"])
    response = client.post(ENTERPRISES, {"file": upload(renamed(three[:2], ["甲公司", "乙公司"]))})
    assert response.status_code == 200 and response.context["result"].updated == 2
    response = client.post(ENTERPRISES, {"file": upload(b"not a workbook")})
    assert [str(e) for e in response.context["errors"]] == ["文件不是有效的 xlsx 文件"]
    assert not Job.objects.exists() and stored_uploads() == []


def test_rows_are_counted_cheaply_up_to_the_limit():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码"])
    ws.append(["甲", "1"])
    ws.cell(row=4, column=1).font = openpyxl.styles.Font(bold=True)  # a formatted, empty row
    ws.append([None, 2])
    ws.cell(row=9, column=2, value="丙")
    ws.cell(row=12, column=16_384, value="XFD")  # far right of any template: no data row
    data = to_bytes(wb)
    assert xlsx.count_rows(io.BytesIO(data), 10) == 3
    assert xlsx.count_rows(io.BytesIO(data), 1) == 2  # stops past the limit
    assert xlsx.count_rows(io.BytesIO(sheet(["企业名称"], [])), 10) == 0
    assert xlsx.count_rows(io.BytesIO(b"not a workbook"), 10) is None


def test_the_error_list_keeps_to_the_jobs_error_field():
    errors = [RowError(n, "企业名称", "不能为空" + "，" * 30) for n in range(2, 1002)]
    message = imports.error_message(errors)
    lines = message.split("\n")
    assert lines[0] == "文件有 1000 处错误，未导入任何数据。请修改后重新上传。"
    assert lines[1].startswith("第2行 企业名称: 不能为空") and lines[-1].startswith("另有 ")
    shown = len(lines) - 2
    assert lines[-1] == f"另有 {1000 - shown} 处错误未列出。" and len(message) < 5000


def test_a_risk_list_import_job(users, login, enterprise, run_jobs):
    client = login(users["owner"])
    rows = [r[:14] for r in risk_io.SAMPLE]
    url = reverse("risks:register_import", args=[enterprise.pk])
    job = started(client.post(url, {"file": upload(sheet([c.header for c in risk_io.COLUMNS[:14]], rows), "清单.xlsx")}))
    assert job.params["enterprise"] == enterprise.pk and job.params["replace"] is False
    job = finished(job, run_jobs)
    assert job.state == JobState.DONE, job.error
    assert job.summary.startswith("已导入 清单.xlsx。\n") and "安全风险：新增 3" in job.summary
    assert RiskEvent.objects.filter(enterprise=enterprise).count() == 3
    assert ControlMeasure.objects.filter(enterprise=enterprise).count() == 4
    assert set(ChangeRecord.objects.filter(enterprise_id=enterprise.pk, action=AuditAction.IMPORT).values_list("user", flat=True)) == {
        users["owner"].pk}


def test_a_guideline_import_job(users, login, run_jobs):
    rows = [[n, "消防安全", f"检查内容{n}", "", "现场管理-消防安全"] for n in range(1, 4)]
    data = sheet(["序号", "检查项", "检查内容", "检查依据", "隐患类别"], rows)
    job = started(login(users["jinshui"]).post(reverse("hazards:checklist_import"), {
        "name": "机械行业隐患排查指引", "industry": "07", "note": "", "file": upload(data)}))
    job = finished(job, run_jobs)
    assert job.state == JobState.DONE and job.summary == "已导入排查标准《机械行业隐患排查指引》：3 条检查内容。"
    checklist = Checklist.objects.get(name="机械行业隐患排查指引")
    assert (checklist.industry_id, checklist.items.count(), checklist.owner) == ("07", 3, users["jinshui"].organization)


def test_the_upload_of_a_job_whose_worker_died_is_deleted_by_the_sweep(users, login, three, settings):
    job = started(login(users["jinshui"]).post(ENTERPRISES, {"file": upload(renamed(three, ["甲", "乙", "丙"]))}))
    assert len(stored_uploads()) == 1
    stale = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat=stale, attempts=1)  # kill -9 mid-job
    assert jobs.sweep() == (1, 0, 0)
    assert stored_uploads() == []


def test_a_storage_failure_is_said_on_the_page_and_starts_nothing(users, login, three, monkeypatch):
    def full(*args, **kwargs):
        raise storage.StorageFailed("disk full")

    monkeypatch.setattr(storage.FileSystemStorage, "save", full)
    response = login(users["jinshui"]).post(ENTERPRISES, {"file": upload(renamed(three, ["甲", "乙", "丙"]))})
    assert [str(e) for e in response.context["errors"]] == [imports.STORAGE_FAILED]
    assert not Job.objects.exists()
