"""Batch placards as a background job (codes.batch): the view answers with the job's page at once, the real worker lays
the placards out a chunk at a time (the progress moves), and the owner downloads one PDF, one page per enterprise.

The enterprise list's filters and scope as seen by the batch view are in test_placards.py; here, the job itself."""
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.codes.helpers import decode_pdf, write
from tests.factories import JINSHUI, create_enterprise
from tests.jobs import job_result, started_job
from worksafe.archive.models import Enterprise
from worksafe.codes import batch
from worksafe.codes import render as draw
from worksafe.codes.models import Code
from worksafe.core import jobs
from worksafe.core.models import AuditAction, ChangeRecord, Job, JobState

pytestmark = pytest.mark.django_db

BATCH = reverse("codes:placard_batch")


@pytest.fixture
def five(enterprise):
    """Five enterprises in 金水区 (the fixture's and four more)."""
    return [enterprise] + [create_enterprise(JINSHUI, name=f"金水第{i}机械厂") for i in range(2, 6)]


@pytest.fixture
def watched(monkeypatch):
    """The job's done value, read from the database as each chunk is laid out: what the job page shows meanwhile."""
    seen = []
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)  # every report written (the real interval is a second)
    monkeypatch.setattr(batch, "CHUNK", 2)
    layout = draw.placards_document

    def document(items, size="A4"):
        seen.append(Job.objects.get(kind=batch.KIND).done)
        return layout(items, size)

    monkeypatch.setattr(draw, "placards_document", document)
    return seen


def pages(data):
    return len(pdfium.PdfDocument(data))


def test_a_batch_runs_as_a_job_whose_progress_moves_and_whose_pdf_has_a_page_per_enterprise(
        login, users, five, watched, run_jobs, tmp_path):
    client = login(users["jinshui"])
    response = client.get(BATCH, {"region": JINSHUI, "size": "A5"})
    job = started_job(response)
    assert (job.owner, job.state, job.total, job.label) == (users["jinshui"], JobState.QUEUED, 5, "二维码牌（5 家企业，A5）")
    assert 'data-state="queued"' in client.get(response["Location"]).content.decode()
    assert not Code.objects.exists()  # nothing done in the request but counting and queueing
    job, download = job_result(client, response, run_jobs)
    assert watched == [0, 2, 4]  # three chunks of two, the bar moving between them
    assert (job.done, job.total, job.percent) == (5, 5, 100)
    assert job.summary == "共 5 家企业的二维码牌（A5），每家一页。"
    assert download["Content-Type"] == "application/pdf" and pages(download.content) == 5
    assert job.result_name.startswith("二维码牌_5家_A5_") and job.result_name.endswith(".pdf")
    path = write(tmp_path, "batch.pdf", download.content)
    decoded = [urls[0] for urls in decode_pdf(path, tmp_path)]
    assert sorted(decoded) == sorted(Code.active(e).url for e in five)  # every page scans, one code per enterprise


def test_the_export_is_recorded_when_the_batch_starts(login, users, five):
    login(users["jinshui"]).get(BATCH, {"region": JINSHUI})
    [record] = ChangeRecord.objects.filter(action=AuditAction.EXPORT)
    assert record.user == users["jinshui"] and record.object_repr == "二维码牌（批量打印）"
    assert record.message.endswith("导出 5 行")


def test_out_of_scope_ids_are_never_printed(users, enterprise, other_enterprise, run_jobs):
    # The view only ever passes ids from the user's scoped list; the job reads them through the owner's scope anyway.
    job = jobs.start(users["jinshui"], batch.KIND, total=2, ids=[other_enterprise.pk, enterprise.pk], size="A4")
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert pages(jobs.read_result(job)) == 1
    assert "另有 1 家企业" in job.summary
    assert not Code.objects.filter(object_id=other_enterprise.pk).exists()


def test_an_enterprise_deleted_meanwhile_is_skipped(login, users, five, run_jobs):
    client = login(users["jinshui"])
    response = client.get(BATCH, {"region": JINSHUI})
    Enterprise.objects.filter(pk=five[2].pk).delete()
    job, download = job_result(client, response, run_jobs)
    assert pages(download.content) == 4 and job.summary.startswith("共 4 家企业")


def test_a_batch_with_nothing_left_to_print_fails_with_a_reason(login, users, other_enterprise, run_jobs):
    job = jobs.start(users["jinshui"], batch.KIND, total=1, ids=[other_enterprise.pk], size="A4")
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == "所选企业均已删除或已不在您的管辖范围内，没有可打印的二维码牌。"
    assert not job.has_result


def test_a_batch_whose_worker_died_is_run_again_and_prints_the_same_codes(users, five, settings, run_jobs):
    job = jobs.start(users["jinshui"], batch.KIND, total=5, ids=[e.pk for e in five], size="A4")
    run_jobs()
    codes = set(Code.objects.values_list("pk", flat=True))
    stale = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat=stale)  # as if killed before finishing
    assert jobs.sweep() == (0, 1, 0)  # idempotent: queued again, not failed
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 2) and pages(jobs.read_result(job)) == 5
    assert set(Code.objects.values_list("pk", flat=True)) == codes and len(codes) == 5


def test_only_the_regulator_who_started_it_sees_the_batch(login, users, five, run_jobs):
    response = login(users["jinshui"]).get(BATCH, {"region": JINSHUI})
    job = started_job(response)
    run_jobs()
    for other in ("city", "erqi", "owner"):
        assert login(users[other]).get(reverse("core:job_result", args=[job.pk])).status_code == 404
