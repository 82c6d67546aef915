"""Large exports as background jobs (core.exports): above settings.EXPORT_JOB_ROWS rows the export view answers with a
job's page; the real worker rebuilds the same filtered list from the owner and the query string (never from rows or
ids kept from the request), writes the xlsx with progress, and records the export; small exports stay immediate.

EXPORT_JOB_ROWS is lowered here so a handful of rows is "large"."""
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import ERQI, JINSHUI, create_enterprise, create_hazard
from tests.jobs import job_result, started_job
from worksafe.archive.io import ENTERPRISE_SPEC
from worksafe.core import exports, jobs, lists
from worksafe.core.models import AuditAction, ChangeRecord, Job, JobState, Role
from worksafe.core.xlsx import MIME_TYPE

pytestmark = pytest.mark.django_db

ENTERPRISES = reverse("archive:enterprise_export")


@pytest.fixture
def listed(enterprise, other_enterprise):
    """金水区: the fixture's enterprise and three more, two with 金水 in the name; 二七区: two."""
    return [create_enterprise(JINSHUI, name="金水第二机械厂"), create_enterprise(JINSHUI, name="金水第三机械厂"),
            create_enterprise(JINSHUI, name="花园路商贸公司"), create_enterprise(ERQI, name="二七第二化工厂")]


@pytest.fixture
def threshold(settings):
    settings.EXPORT_JOB_ROWS = 2
    return 2


def rows_of(data, column=0):
    """Column `column` of the data rows (the header left out) of the workbook's first sheet."""
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    return [r[column] for r in rows[1:]]


def export_records():
    return list(ChangeRecord.objects.filter(action=AuditAction.EXPORT).order_by("id"))


def test_a_large_export_is_a_job_with_exactly_the_filtered_rows_in_scope(login, users, listed, threshold, run_jobs):
    client = login(users["jinshui"])
    response = client.get(ENTERPRISES, {"q": "金水", "sort": "name"})
    job = started_job(response)
    # Counted in the request only up to the threshold: the worker counts them all.
    assert (job.owner, job.kind, job.total, job.label) == (users["jinshui"], exports.KIND, None, "导出生产经营单位（超过 2 行）")
    assert job.params["query"] == "q=%E9%87%91%E6%B0%B4&sort=name" and job.params["view"] == "archive:enterprise_export"
    assert not export_records()  # recorded when the rows are written, by the job
    job, download = job_result(client, response, run_jobs)
    # 金水测试机械 and the two 金水 factories: not 花园路 (the filter), nor 二七区's (the scope).
    assert sorted(rows_of(download.content)) == sorted(["金水测试机械有限公司", "金水第二机械厂", "金水第三机械厂"])
    assert download["Content-Type"] == MIME_TYPE and job.result_name.startswith("生产经营单位_")
    assert (job.done, job.total, job.summary) == (3, 3, "共导出 3 行。")
    [record] = export_records()
    assert (record.user, record.object_repr, record.region_code) == (users["jinshui"], "生产经营单位列表", JINSHUI)
    assert record.message == "筛选条件：关键字：金水；导出 3 行"
    assert record.request_id == job.pk.hex  # the job's, as every change it makes


def test_a_small_export_stays_immediate(login, users, listed, threshold):
    response = login(users["jinshui"]).get(ENTERPRISES, {"q": "第"})  # 2 rows in scope: at the threshold
    assert response.status_code == 200 and response["Content-Type"] == MIME_TYPE
    assert sorted(rows_of(b"".join(response.streaming_content))) == ["金水第三机械厂", "金水第二机械厂"]
    assert not Job.objects.exists() and len(export_records()) == 1


def test_ticked_rows_are_written_at_once_whatever_their_number(login, users, listed, enterprise, threshold):
    response = login(users["jinshui"]).post(ENTERPRISES, {"selected": "1", "pk": [e.pk for e in [enterprise, *listed]]})
    assert response.status_code == 200 and not Job.objects.exists()
    assert len(rows_of(b"".join(response.streaming_content))) == 4  # 二七区's ticked row is out of scope


def test_the_progress_moves_as_rows_are_written(login, users, listed, threshold, run_jobs, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_ROWS", 1)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    seen = []
    write = ENTERPRISE_SPEC.export

    def watched(rows):
        def each():
            for row in rows:
                seen.append(Job.objects.get().done)  # what the job page shows as this row is written
                yield row
        return write(each())

    monkeypatch.setattr(ENTERPRISE_SPEC, "export", watched)
    client = login(users["jinshui"])
    job, _ = job_result(client, client.get(ENTERPRISES), run_jobs)
    assert seen == [0, 1, 2, 3] and job.done == 4


def test_the_job_rebuilds_the_list_for_its_owner_as_they_are_now(login, users, orgs, listed, threshold, run_jobs):
    client = login(users["jinshui"])
    response = client.get(ENTERPRISES)
    jinshui = users["jinshui"]
    jinshui.organization = orgs["erqi"]  # moved to 二七区 before the worker took the job
    jinshui.save()
    _, download = job_result(client, response, run_jobs)
    assert sorted(rows_of(download.content)) == sorted(["二七第二化工厂", "二七测试化工有限公司"])


def test_an_owner_who_may_no_longer_export_gets_a_refusal(login, users, listed, threshold, run_jobs):
    response = login(users["jinshui"]).get(ENTERPRISES)
    job = started_job(response)
    users["jinshui"].role = Role.ENTERPRISE_STAFF  # no longer a regulator
    users["jinshui"].save()
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "无权导出" in job.error and not job.has_result
    assert not export_records()


def test_a_declared_lists_large_export_is_a_job_within_the_hard_cap(login, users, enterprise, other_enterprise,
                                                                    threshold, run_jobs, monkeypatch):
    for name in ("甲", "乙", "丙"):
        create_hazard(enterprise, name, level="major")
    create_hazard(enterprise, "丁")
    create_hazard(other_enterprise, "戊", level="major")
    client = login(users["jinshui"])
    response = client.get(reverse("hazards:all_export"), {"level": "major"})
    _, download = job_result(client, response, run_jobs)
    assert sorted(rows_of(download.content, 3)) == ["丙", "乙", "甲"]  # 隐患名称: major, in 金水区
    # The hard cap (EXPORT_LIMIT) still sends too large a list back to be narrowed, before any job.
    monkeypatch.setattr(lists, "EXPORT_LIMIT", 2)
    response = client.get(reverse("hazards:all_export"), {"level": "major"})
    assert response.status_code == 302 and response["Location"] == reverse("hazards:all_list") + "?level=major"
    assert Job.objects.count() == 1


def test_a_list_grown_past_the_cap_before_the_job_ran_fails_with_the_reason(login, users, enterprise, threshold,
                                                                            run_jobs, monkeypatch):
    monkeypatch.setattr(lists, "EXPORT_LIMIT", 3)
    for name in ("甲", "乙", "丙"):
        create_hazard(enterprise, name)
    job = started_job(login(users["jinshui"]).get(reverse("hazards:all_export")))
    create_hazard(enterprise, "丁")
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error == "符合条件的隐患超过 3 条，无法一次导出，请用属地、行业、日期等条件缩小范围后再导出。"


def test_an_export_with_url_arguments_runs_as_a_job(login, users, threshold, run_jobs):
    names = ["金水尾矿库甲", "金水尾矿库乙", "金水尾矿库丙"]
    for name in names:
        create_enterprise(JINSHUI, industry="0203", name=name)
    create_enterprise(ERQI, industry="0203", name="二七尾矿库")
    client = login(users["jinshui"])
    response = client.get(reverse("registrations:table_bulk_export", args=["tailings_pond"]))
    job, download = job_result(client, response, run_jobs)
    assert job.params["kwargs"] == {"table": "tailings_pond"}
    assert sorted(rows_of(download.content)) == sorted(names)


def test_the_filing_export_runs_as_a_job_with_its_decorated_rows(login, users, listed, threshold, run_jobs):
    client = login(users["jinshui"])
    _, download = job_result(client, client.get(reverse("hazards:filing_export"), {"q": "金水"}), run_jobs)
    rows = list(openpyxl.load_workbook(io.BytesIO(download.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][6] == "本期上报状态" and len(rows) == 4
    assert all(r[5] and r[6] for r in rows[1:])  # 本期 and its status: filled in by the chunked decoration


def test_only_the_owner_downloads_an_export_job(login, users, listed, threshold, run_jobs):
    job = started_job(login(users["jinshui"]).get(ENTERPRISES))
    run_jobs()
    for other in ("city", "erqi", "owner"):
        assert login(users[other]).get(reverse("core:job_result", args=[job.pk])).status_code == 404
