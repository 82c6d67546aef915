"""Uploaded files under faults: a full disk or a read-only media folder costs the user a message, never a broken file.

Django's FileSystemStorage writes straight to the final name: when the disk fills up half-way, a truncated file
stays behind under a name no row refers to. `FileSystemStorage` here writes to a hidden temporary file in the same
folder, flushes it to disk and only then links it to its final name, so a failed write leaves nothing (a process
killed mid-write can leave a `.upload-*.part` file, never a truncated file under a stored name).

A request that stores several files (a hazard with five photos, a check with a photo per item) rolls its rows back
when the third file fails, but the two files already written would stay: `all_or_nothing()` runs the work in one
transaction and deletes the files stored inside it if it fails. Every storage built on `TrackedSaves` reports what
it stores to that block, and turns its own write failures into `StorageFailed`, so the views catch one exception
for any backend (`save()` gives the form its Chinese message; the API answers 507).
"""
import contextvars
import errno
import logging
import os
import secrets
from contextlib import contextmanager

from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage
from django.db import transaction

logger = logging.getLogger("worksafe.storage")

MESSAGE = ("服务器存储空间不足或不可写，文件未保存，本次提交的内容均未保存。已填写的文字已保留，已选择的文件需要重新选择；"
           "请稍后重试或联系管理员。")
API_MESSAGE = "服务器存储空间不足或不可写，文件未保存，本次上传未生效。请稍后重试或联系平台管理员。"
NOT_SAVED = object()  # what save() returns when the storage refused the files

_stored = contextvars.ContextVar("stored_files", default=None)


class StorageFailed(OSError):
    """The storage could not write a file (disk full, read-only, the object store unreachable); the original error
    is the cause. An OSError, so code that already catches OSError around a save still does."""


class TrackedSaves:
    """Mixin for a storage backend: `save()` reports the stored name to the enclosing `all_or_nothing()` block and
    raises StorageFailed for the backend's write errors (`failures`; an object-store backend adds its client's)."""

    failures = (OSError,)

    def save(self, name, content, max_length=None):
        try:
            name = super().save(name, content, max_length=max_length)
        except StorageFailed:
            raise
        except self.failures as e:
            raise StorageFailed(errno.EIO, f"storing {name!r} failed: {e}") from e
        stored = _stored.get()
        if stored is not None:
            stored.append((self, name))
        return name


class FileSystemStorage(TrackedSaves, DjangoFileSystemStorage):
    """The default storage (settings.STORAGES): writes to a temporary file beside the target, then links it into
    place; the final name appears only with all of its content."""

    def _save(self, name, content):
        directory = os.path.dirname(self.path(name))
        self._make_directory(directory)
        temp = os.path.join(directory, f".upload-{secrets.token_hex(8)}.part")
        try:
            self._write(temp, content)
            if self.file_permissions_mode is not None:
                os.chmod(temp, self.file_permissions_mode)
            while True:
                try:
                    _place(temp, self.path(name))
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
            full_path = self.path(name)
        finally:
            try:
                os.unlink(temp)  # placed: the final name keeps the content; failed: nothing is left
            except FileNotFoundError:
                pass
        self._ensure_location_group_id(full_path)  # as Django's own _save does
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _make_directory(self, directory):
        if self.directory_permissions_mode is None:
            os.makedirs(directory, exist_ok=True)
            return
        # os.makedirs applies `mode` to the last folder only (python/cpython#86533): create them one by one.
        missing = []
        while directory and not os.path.isdir(directory):
            missing.append(directory)
            directory = os.path.dirname(directory)
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:
                continue
            os.chmod(path, self.directory_permissions_mode)

    @staticmethod
    def _write(path, content):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as out:
            for chunk in content.chunks():
                out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            out.flush()
            os.fsync(out.fileno())  # a full disk may only say so here; and the file is whole before it is named


def _place(temp, final):
    """Give `temp` the name `final`, never replacing a file there (FileExistsError)."""
    try:
        os.link(temp, final)
    except FileExistsError:
        raise
    except OSError as e:  # a file system without hard links: rename, after checking (names are random anyway)
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
            raise
        if os.path.lexists(final):
            raise FileExistsError(final) from None
        os.rename(temp, final)


@contextmanager
def all_or_nothing():
    """A transaction whose stored files are deleted again if it fails (the rows go with the rollback). Blocks nest:
    files of an inner block that succeeded are the outer block's to delete if the outer one fails."""
    outer, stored = _stored.get(), []
    token = _stored.set(stored)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _delete(stored)
        raise
    finally:
        _stored.reset(token)
    if outer is not None:
        outer.extend(stored)


def _delete(stored):
    for storage, name in stored:
        try:
            storage.delete(name)
        except Exception:  # the storage failing is why we are here; what cannot be deleted is logged
            logger.warning("could not delete %s after a failed save", name, exc_info=True)


def save(form, work, field=None):
    """`work()` inside `all_or_nothing()`: its result; or, when the storage could not write a file, NOT_SAVED with the
    reason said on `form` (on `field`, or for the whole form: the bound form is shown again as the user filled it)."""
    try:
        with all_or_nothing():
            return work()
    except StorageFailed:
        logger.error("uploaded files not stored: the storage refused them", exc_info=True)
        form.add_error(field, MESSAGE)
        return NOT_SAVED
