"""xlsx imports at once or as a background job (core.jobs): the one decision every import page makes.

A file of at most settings.IMPORT_JOB_ROWS data rows (xlsx.count_rows: cheap, it stops counting there) is imported in
the request, as it always was: its errors or its result on the page. A larger one, or one whose import must hand out
one-time passwords (an account-creating import: the passwords are only ever given as a job's once-only, encrypted
result), runs as a job. The request stores the upload
(default storage, under a random private name) and answers with the job's page; the worker reads the file back,
validates it with progress outside any transaction, writes it in one, and the stored upload is deleted when the job
ends, however it ends (jobs.kind's cleanup; the sweep for a worker that died). A refused file fails the job with the
errors the page would list (第N行 字段: 原因), nothing written.

The module declares its job once and its view asks `run`:

    @imports.job("archive.enterprises", "导入生产经营单位")
    def enterprises(file, user, progress, filename):     # user: the job's owner; audit acts as them
        result = import_enterprises(file, user, progress)
        imports.check(result.errors)                       # JobFailed listing them
        return jobs.Result(summary=...)

    job, result = imports.run(request, upload, "archive.enterprises",
                              lambda f: import_enterprises(f, request.user, defer_accounts=True), label=...)
    if job:
        return redirect(job)

An import function takes `progress` (a jobs.Progress in a job, `QUIET` in a request) and, called at once, may raise
`RunAsJob` before writing anything when what it found must run as a job.
"""
import logging
import secrets
import shutil
import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage

from . import jobs
from .storage import StorageFailed
from .xlsx import ERRORS_SHOWN, RowError, count_rows

logger = logging.getLogger("worksafe.imports")

UPLOADS = "imports"  # the stored uploads' folder in the default storage (never served: no view reads it)
ERROR_CHARS = 4500  # a job's error is kept to 5,000 characters: the first errors, then how many more
STORAGE_FAILED = "服务器存储空间不足或不可写，文件未能交给后台任务，未导入任何数据。请稍后重试或联系管理员。"
NO_LONGER_ALLOWED = "您已无权进行这项导入（权限或管辖范围已变更），未导入任何数据。"


class RunAsJob(Exception):
    """Raised by an import function called in the request, before it writes: this file must run as a job."""


class _Quiet:
    """The progress of an import run in the request: nobody watches it."""

    def progress(self, done, total=None, step=None, force=False):
        pass

    def step(self, text):
        pass


QUIET = _Quiet()


def error_message(errors):
    """A refused file's errors as the import page lists them: the count, then the first ones (第N行 字段: 原因)."""
    lines, used = [f"文件有 {len(errors)} 处错误，未导入任何数据。请修改后重新上传。"], 0
    for error in errors[:ERRORS_SHOWN]:
        text = str(error)
        if used + len(text) > ERROR_CHARS:
            break
        lines.append(text)
        used += len(text) + 1
    hidden = len(errors) - (len(lines) - 1)
    if hidden:
        lines.append(f"另有 {hidden} 处错误未列出。")
    return "\n".join(lines)


def check(errors):
    """In a job: fail it, listing `errors`, when there are any."""
    if errors:
        raise jobs.JobFailed(error_message(errors))


def job(kind, label):
    """Register the decorated `function(file, user, progress, filename, **params)` as an import job of kind `kind`.

    It returns the job's jobs.Result; `file` is the stored upload (a local, seekable copy), `user` the job's owner."""

    def register(function):
        def run(progress, upload, filename, **params):
            progress.step("正在读取文件")
            with tempfile.TemporaryFile() as file, default_storage.open(upload, "rb") as stored:
                shutil.copyfileobj(stored, file)
                file.seek(0)
                try:
                    return function(file, progress.job.owner, progress, filename=filename, **params)
                except PermissionDenied:
                    raise jobs.JobFailed(NO_LONGER_ALLOWED) from None

        jobs.kind(kind, label, cleanup=_delete_upload)(run)
        return function

    return register


def _delete_upload(upload, **params):
    default_storage.delete(upload)


def run(request, upload, kind, now, label="", **params):
    """Import `upload` at once (`now(upload)` → the result) or as a job of `kind` (`params`: JSON, for the job's
    function). Returns (job, None) when a job was started, else (None, result); a storage failure gives a result-like
    object carrying the error, so the page shows it as it shows a refused file's."""
    rows = count_rows(upload, settings.IMPORT_JOB_ROWS)
    if rows is None or rows <= settings.IMPORT_JOB_ROWS:
        try:
            return None, now(upload)
        except RunAsJob:
            upload.seek(0)
    return start(request.user, upload, kind, label, **params)


class _Refused:
    ok = False

    def __init__(self, message):
        self.errors = [RowError(None, "", message)]


def start(user, upload, kind, label="", **params):
    """Store `upload` and start the import job `kind` on it: (job, None), or (None, a refusal) when storing failed."""
    try:
        stored = default_storage.save(f"{UPLOADS}/{secrets.token_hex(16)}.xlsx", upload)
    except StorageFailed:
        logger.warning("could not store an import upload", exc_info=True)
        return None, _Refused(STORAGE_FAILED)
    try:
        return jobs.start(user, kind, label, upload=stored, filename=upload.name, **params), None
    except BaseException:
        default_storage.delete(stored)
        raise
