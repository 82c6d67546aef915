"""Background jobs (core.jobs): queued by a request, run by the real `db_worker`, watched on the owner's job page.

Kinds used here are registered by this module (test.*): what the framework promises, whatever a module does with it.
"""
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from worksafe.archive.models import Enterprise
from worksafe.core import jobs
from worksafe.core.models import AuditAction, ChangeRecord, Job, JobState, Notification

pytestmark = pytest.mark.django_db

seen = []  # what a job saw of its own progress while it ran


@jobs.kind("test.count", "数数")
def count(job, n):
    for i in range(1, n + 1):
        job.progress(i, n, force=True)
        seen.append(Job.objects.get(pk=job.job.pk).done)  # written as it goes, not only at the end
    return jobs.Result(f"共 {n} 个".encode(), "结果.txt", "text/plain", summary=f"数到 {n}")


@jobs.kind("test.import", "导入")
def import_names(job, pk, names):
    with transaction.atomic():  # the write step: all or nothing
        for i, name in enumerate(names, 1):
            if not name:
                raise jobs.JobFailed(f"第 {i + 1} 行：企业名称不能为空。")
            Enterprise.objects.filter(pk=pk).update(name=name)
            job.progress(i, len(names))
    return jobs.Result(summary=f"导入 {len(names)} 行")


@jobs.kind("test.crash", "出错")
def crash(job):
    raise ZeroDivisionError("boom")


@jobs.kind("test.again", "可重复", idempotent=True)
def again(job):
    return jobs.Result(summary="完成")


@jobs.kind("test.secret", "一次性密码")
def secret(job):
    return jobs.Result("张三,Ab3#xyz".encode(), "一次性密码.csv", "text/csv", secret=True)


def test_a_job_runs_in_the_worker_and_its_owner_downloads_the_result(login, users, run_jobs):
    client = login(users["jinshui"])
    job = jobs.start(users["jinshui"], "test.count", total=3, n=3)
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and 'data-state="queued"' in page.content.decode()
    seen.clear()
    run_jobs()
    assert seen == [1, 2, 3]
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.summary, job.percent) == (JobState.DONE, 3, 3, "数到 3", 100)
    assert job.expires_at > timezone.now() + timedelta(hours=71)
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="done"' in partial and "hx-trigger" not in partial  # a finished job stops polling
    response = client.get(reverse("core:job_result", args=[job.pk]))
    assert response.status_code == 200 and response.content == "共 3 个".encode()
    assert "filename*=UTF-8''%E7%BB%93%E6%9E%9C.txt" in response["Content-Disposition"]
    assert client.get(reverse("core:job_result", args=[job.pk])).status_code == 200  # an ordinary result stays
    users["jinshui"].refresh_from_db()
    [told] = Notification.objects.filter(recipient=users["jinshui"], kind=jobs.FINISHED)
    assert told.link == job.get_absolute_url() and users["jinshui"].unread_notifications == 1  # the bell


def test_a_running_job_page_polls_its_progress(login, users):
    job = jobs.start(users["jinshui"], "test.count", total=10, n=10)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, done=4, heartbeat=timezone.now(),
                                          started_at=timezone.now())
    partial = login(users["jinshui"]).get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "4 / 10" in partial and "width: 40%" in partial


def test_a_failed_import_job_writes_nothing_and_says_where(login, users, enterprise, run_jobs):
    before = enterprise.name
    job = jobs.start(users["owner"], "test.import", pk=enterprise.pk, names=["甲公司", "乙公司", ""])
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == "第 4 行：企业名称不能为空。"
    enterprise.refresh_from_db()
    assert enterprise.name == before
    page = login(users["owner"]).get(job.get_absolute_url()).content.decode()
    assert "第 4 行：企业名称不能为空。" in page


def test_an_unexpected_error_gives_a_generic_chinese_message_and_is_logged(users, run_jobs, caplog):
    job = jobs.start(users["jinshui"], "test.crash")
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == jobs.GENERIC_ERROR
    assert "boom" not in job.error and any("test.crash" in r.getMessage() for r in caplog.records)


def test_a_job_whose_worker_died_is_failed_by_the_sweep(login, users, settings, run_jobs):
    job = jobs.start(users["jinshui"], "test.count", n=2)
    stale = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat=stale, attempts=1)  # kill -9 mid-job
    assert jobs.sweep() == (1, 0, 0)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "意外中止" in job.error
    assert Notification.objects.filter(recipient=users["jinshui"], kind=jobs.FAILED).count() == 1
    run_jobs()  # the task the dead worker had claimed is not run again by anyone
    job.refresh_from_db()
    assert job.state == JobState.FAILED


def test_the_job_page_sweeps_its_own_job(login, users, settings):
    job = jobs.start(users["jinshui"], "test.count", n=2)
    stale = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat=stale, attempts=1)
    page = login(users["jinshui"]).get(job.get_absolute_url()).content.decode()
    assert 'data-state="failed"' in page and "意外中止" in page


def test_an_idempotent_job_is_queued_again_and_finishes(users, settings, run_jobs):
    job = jobs.start(users["jinshui"], "test.again")
    stale = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat=stale, attempts=1)
    assert jobs.sweep() == (0, 1, 0)
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.attempts, job.summary) == (JobState.DONE, 2, "完成")
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat=stale, attempts=jobs.MAX_ATTEMPTS)
    assert jobs.sweep() == (1, 0, 0)  # not for ever


def test_results_expire_and_are_deleted_with_their_file(users, run_jobs):
    job = jobs.start(users["jinshui"], "test.count", n=1)
    run_jobs()
    job.refresh_from_db()
    storage, name = job.result.storage, job.result.name
    assert storage.exists(name)
    assert jobs.sweep(now=job.expires_at - timedelta(minutes=1)) == (0, 0, 0)
    assert jobs.sweep(now=job.expires_at + timedelta(minutes=1)) == (0, 0, 1)
    assert not Job.objects.filter(pk=job.pk).exists() and not storage.exists(name)


def test_a_secret_result_is_encrypted_downloadable_once_and_audited(login, users, run_jobs):
    job = jobs.start(users["jinshui"], "test.secret")
    run_jobs()
    job.refresh_from_db()
    with job.result.open("rb") as f:
        assert b"Ab3#xyz" not in f.read()  # encrypted at rest
    client = login(users["jinshui"])
    assert "只能下载一次" in client.get(job.get_absolute_url()).content.decode()
    response = client.get(reverse("core:job_result", args=[job.pk]))
    assert response.content == "张三,Ab3#xyz".encode()
    job.refresh_from_db()
    assert not job.result and job.result_taken_at is not None
    assert client.get(reverse("core:job_result", args=[job.pk])).status_code == 410
    change = ChangeRecord.objects.get(action=AuditAction.TAKE_RESULT)
    assert change.user == users["jinshui"] and "一次性密码.csv" in change.message
    assert change.region_code == users["jinshui"].organization.region_id


def test_an_untaken_secret_result_is_deleted_after_a_day(users, settings, run_jobs):
    job = jobs.start(users["jinshui"], "test.secret")
    run_jobs()
    job.refresh_from_db()
    storage, name = job.result.storage, job.result.name
    jobs.sweep(now=job.finished_at + timedelta(hours=settings.JOB_SECRET_RESULT_HOURS, minutes=1))
    job.refresh_from_db()
    assert not job.has_result and not storage.exists(name)


@pytest.mark.parametrize("route", ["core:job_detail", "core:job_result"])
def test_another_users_job_is_404(login, users, route, run_jobs):
    job = jobs.start(users["jinshui"], "test.count", n=1)
    run_jobs()
    for other in ("erqi", "city", "sysadmin", "owner"):
        assert login(users[other]).get(reverse(route, args=[job.pk])).status_code == 404


def test_the_job_list_shows_ones_own_jobs_only(login, users):
    mine = jobs.start(users["jinshui"], "test.count", "我的任务", n=1)
    jobs.start(users["erqi"], "test.count", "别人的任务", n=1)
    page = login(users["jinshui"]).get(reverse("core:job_list")).content.decode()
    assert mine.label in page and "别人的任务" not in page
    assert reverse("core:job_list") in login(users["owner"]).get(reverse("core:profile")).content.decode()  # user menu


def test_healthz_reports_the_oldest_waiting_job_and_fails_when_no_worker_takes_it(client, users, settings):
    job = jobs.start(users["jinshui"], "test.count", n=1)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=120))
    answer = client.get("/healthz").json()
    assert answer["queue"] == "ok" and 119 <= answer["queue_wait_seconds"] <= 125
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=settings.JOB_QUEUE_MAX_WAIT + 5))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["queue"] == "error"
