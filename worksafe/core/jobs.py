"""Background jobs: work that can take more than a few seconds runs outside the request, and its owner watches it.

A module declares a kind once and starts it from a view; the view answers at once with the job's page:

    @jobs.kind("codes.placards", "批量打印标识牌", idempotent=True)
    def placards(job, ids, size):
        for n, chunk in enumerate(chunks, 1):
            ...
            job.progress(n * 50, len(ids))
        return jobs.Result(pdf, "标识牌.pdf", responses.PDF)

    return redirect(jobs.start(request.user, "codes.placards", f"标识牌（{n} 家企业）", total=n, ids=ids, size=size))

Django's tasks API (the django-tasks backport, database backend) only carries "run job X" to a `worksafe db_worker`
process; the `Job` row is what the user sees: state, done/total, the result file, a Chinese error. The task row is
written in the same transaction as the job, so a job exists exactly when its task does. Parameters are JSON.

- Progress: `job.progress(done, total=None, step="")` writes at most once a second (plus the last call), and beats
  the heartbeat. Writes inside a transaction become visible when it commits, so an import validates (with progress)
  outside its transaction and writes in one (`transaction.atomic()`): when it fails, nothing is written.
- Failure: `raise JobFailed("第 3 行 …")` gives the owner that message; any other exception a generic one (logged).
- A worker killed mid-job (kill -9, a lost machine) stops the heartbeat: `sweep()` fails the job, or queues it again
  when its kind is idempotent (running it twice does no harm), at most MAX_ATTEMPTS times. `sweep()` also deletes
  expired results. It runs from `worksafe jobs sweep` (a systemd timer), and for one job whenever its page is polled.
- `cleanup(**params)` (optional, per kind) is called once a job of the kind has ended, however it ended: after its run,
  and by the sweep when it gives the job up or deletes it. An import deletes the upload it was handed there.
- Results expire (settings.JOB_RESULT_HOURS). A secret result (one-time passwords) is stored encrypted with a key
  derived from SECRET_KEY and is deleted at its first download or after JOB_SECRET_RESULT_HOURS (`take_result`).
"""
import base64
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_tasks import task

from . import audit, notify
from .models import Job, JobState

logger = logging.getLogger("worksafe.jobs")

MAX_ATTEMPTS = 3  # an idempotent job is queued again after a dead worker at most this many times in all
PROGRESS_INTERVAL = 1.0  # seconds between progress writes
GENERIC_ERROR = "任务执行出错，未能完成（错误已记入系统日志）。请稍后重新发起；如仍失败，请联系管理员。"
FINISHED = notify.kind("core.job_finished", "后台任务完成")
FAILED = notify.kind("core.job_failed", "后台任务失败")


class JobFailed(Exception):
    """The Chinese message the job's owner reads (what and where: 第 N 行, 字段). The job's transaction rolls back."""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    function: Callable
    idempotent: bool
    cleanup: Callable | None = None


@dataclass
class Result:
    """What a job produced: a file to download (`content`, `name`, `content_type`) and/or a `summary` sentence."""

    content: bytes | None = None
    name: str = ""
    content_type: str = "application/octet-stream"
    summary: str = ""
    secret: bool = False  # encrypted at rest, downloadable once


_kinds = {}


def kind(name, label, idempotent=False, cleanup=None):
    """Register the decorated function as the job kind `name`; it is called as function(progress, **params), and
    `cleanup(**params)` once the job has ended (see above)."""

    def register(function):
        _kinds[name] = Kind(name, label, function, idempotent, cleanup)
        return function

    return register


def start(user, kind_name, label="", total=None, **params):
    """Create the job and queue it; returns the Job (redirect to it: its page shows the progress)."""
    if kind_name not in _kinds:
        raise LookupError(f"unknown job kind {kind_name}")
    with transaction.atomic():
        job = Job.objects.create(owner=user, kind=kind_name, label=(label or _kinds[kind_name].label)[:200],
                                 params=params, total=total)
        execute.enqueue(str(job.pk))
    return job


class Progress:
    """The handle a job's function gets: reports progress, reads its Job."""

    def __init__(self, job):
        self.job = job
        self._written = 0.0

    def progress(self, done, total=None, step=None, force=False):
        job = self.job
        job.done = done
        if total is not None:
            job.total = total
        if step is not None:
            job.step = step[:100]
        now = time.monotonic()
        if force or now - self._written >= PROGRESS_INTERVAL or (job.total and done >= job.total):
            self._written = now
            Job.objects.filter(pk=job.pk).update(done=job.done, total=job.total, step=job.step, heartbeat=timezone.now())

    def step(self, text):
        """Say what is being done now (e.g. "正在写入数据库"), written at once."""
        self.progress(self.job.done, step=text, force=True)


@task()
def execute(job_id):
    """Run one job (the task the queue carries). A job that is no longer queued (run already, swept) is left alone."""
    now = timezone.now()
    if not Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.RUNNING, started_at=now, heartbeat=now, attempts=F("attempts") + 1):
        return
    job = Job.objects.select_related("owner").get(pk=job_id)
    spec = _kinds.get(job.kind)
    result, error = None, ""
    try:
        if spec is None:
            raise JobFailed("系统已不支持这类任务，请重新发起。")
        with audit.acting_as(job.owner, request_id=job.pk.hex):
            result = spec.function(Progress(job), **job.params) or Result()
    except JobFailed as e:
        error = str(e)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        error = GENERIC_ERROR
    _finish(job, result, error)
    _cleanup(job)


def _cleanup(job):
    spec = _kinds.get(job.kind)
    if spec is not None and spec.cleanup is not None:
        try:
            spec.cleanup(**job.params)
        except Exception:
            logger.exception("cleanup of job %s (%s) failed", job.pk, job.kind)


def _finish(job, result, error):
    """Store the result and mark the job done or failed, unless the sweep gave it up meanwhile."""
    now = timezone.now()
    fields = {"finished_at": now, "heartbeat": now, "expires_at": now + timedelta(hours=settings.JOB_RESULT_HOURS)}
    if error:
        fields.update(state=JobState.FAILED, error=error[:5000])
    else:
        fields.update(state=JobState.DONE, summary=result.summary, done=job.total or job.done,
                      result_secret=result.secret)
        if result.content is not None:
            data = _cipher().encrypt(result.content) if result.secret else result.content
            job.result.save(result.name, ContentFile(data), save=False)
            fields.update(result=job.result.name, result_name=result.name, result_type=result.content_type)
    with transaction.atomic():
        if not Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts).update(**fields):
            if job.result:  # the sweep failed or re-queued the job meanwhile: this run's file belongs to no one
                job.result.delete(save=False)
            return
        # The owner may have left the job's page: the bell tells them.
        if error:
            notify.notify(job.owner, FAILED, f"后台任务失败：{job.label}", link=job.get_absolute_url(), obj=job)
        else:
            notify.notify(job.owner, FINISHED, f"后台任务已完成：{job.label}", link=job.get_absolute_url(), obj=job)


def _cipher():
    return Fernet(base64.urlsafe_b64encode(salted_hmac("worksafe.core.jobs.result", "secret", algorithm="sha256").digest()))


def read_result(job):
    """The result's bytes (decrypted when secret)."""
    with job.result.open("rb") as f:
        data = f.read()
    return _cipher().decrypt(data) if job.result_secret else data


def take_result(job, user):
    """A secret result's bytes, deleted as they are read (the download is audited); None when taken or expired."""
    from .models import AuditAction

    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.has_result:
            return None
        data = read_result(job)
        job.result.delete(save=False)
        job.result_taken_at = timezone.now()
        job.save(update_fields=["result", "result_taken_at"])
        change = audit.record(job, AuditAction.TAKE_RESULT, user=user, message=f"下载并删除一次性结果“{job.result_name}”")
        if user.is_regulator:
            change.region_code = user.organization.region_id
        elif user.is_enterprise_user:
            change.enterprise_id, change.region_code = user.enterprise_id, user.enterprise.region_id
        change.save()
    return data


def dead_message():
    minutes = max(1, settings.JOB_HEARTBEAT_TIMEOUT // 60)
    return f"执行任务的后台进程意外中止（超过 {minutes} 分钟没有进展），任务没有完成。请重新发起。"


def sweep(jobs=None, now=None):
    """Give up (or re-queue) running jobs whose heartbeat stopped, and delete expired results and jobs.

    `jobs`: a queryset to limit the sweep to (one job's page sweeps that job). Returns (given_up, requeued, deleted).
    """
    now = now or timezone.now()
    jobs = Job.objects.all() if jobs is None else jobs
    stale = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    given_up = requeued = deleted = 0
    for job in jobs.filter(state=JobState.RUNNING, heartbeat__lt=stale):
        spec = _kinds.get(job.kind)
        same_run = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, heartbeat=job.heartbeat)
        if spec and spec.idempotent and job.attempts < MAX_ATTEMPTS:
            with transaction.atomic():
                if same_run.update(state=JobState.QUEUED, step="上次执行中断，已重新排队"):
                    execute.enqueue(str(job.pk))
                    requeued += 1
        elif same_run.update(state=JobState.FAILED, error=dead_message(), finished_at=now,
                             expires_at=now + timedelta(hours=settings.JOB_RESULT_HOURS)):
            notify.notify(job.owner, FAILED, f"后台任务失败：{job.label}", link=job.get_absolute_url(), obj=job)
            given_up += 1
            _cleanup(job)
    secret_before = now - timedelta(hours=settings.JOB_SECRET_RESULT_HOURS)
    for job in jobs.filter(result_secret=True, result_taken_at=None, finished_at__lt=secret_before).exclude(result=""):
        job.result.delete(save=False)
        job.result_taken_at = now
        job.save(update_fields=["result", "result_taken_at"])
    for job in jobs.filter(expires_at__lt=now):
        if job.result:
            job.result.delete(save=False)
        _cleanup(job)
        job.delete()
        deleted += 1
    return given_up, requeued, deleted


def oldest_wait(now=None):
    """Seconds the oldest queued job has waited (0 when none): /healthz reports it."""
    oldest = Job.objects.filter(state=JobState.QUEUED).order_by("created_at").values_list("created_at", flat=True).first()
    return max(0, int(((now or timezone.now()) - oldest).total_seconds())) if oldest else 0


def kinds():
    return dict(_kinds)
