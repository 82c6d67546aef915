"""Passwords: one-time passwords (the only way accounts are handed out; changed at first login, and useless after
ONE_TIME_PASSWORD_HOURS), the rules a chosen password must meet (length, character classes, not one of the last
PASSWORD_HISTORY), and its expiry after PASSWORD_MAX_AGE_DAYS (等保 2.0 level 3, identity authentication)."""
import datetime
import io
import re
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, get_hashers, make_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from . import jobs, xlsx
from .models import AuditAction, PasswordHistory

# No look-alikes (0/O, 1/l/I) so a password read over the phone is typed right.
ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate(length=12):
    while True:
        pw = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            return pw


def issue_one_time_password(user, by=None, hasher=None):
    """Give `user` a fresh one-time password, unlock the account, and return the password (shown once). `hasher`:
    bulk_hasher() where many accounts get one at once (see there)."""
    from axes.utils import reset

    password = generate()
    if hasher is None:
        user.set_password(password)
    else:
        user.password, user.password_changed_at = hasher(password), timezone.now()
    user.must_change_password = True
    user._audit_action = AuditAction.RESET_PASSWORD
    user._audit_message = "签发一次性密码"
    user.save()
    reset(username=user.username)
    from .login_guard import unlock

    unlock(user.username)  # the new password is the way back in, wherever the account was locked
    return password


def one_time_password_expired(user, now=None):
    return user.must_change_password and (now or timezone.now()) > user.password_changed_at + datetime.timedelta(
        hours=settings.ONE_TIME_PASSWORD_HOURS)


def change_reason(user, now=None):
    """Why `user` must set a new password before anything else, or "". A one-time password always; a demo account
    outside production is otherwise exempt (its password is published in the README, and never expires)."""
    if user.must_change_password:
        return "您正在使用一次性密码，须设置新密码后才能继续使用系统。"
    if user.is_exempt:
        return ""
    if user.is_demo:  # a demo account in production: its password is printed in the README
        return "演示账号的密码是公开的，须设置新密码后才能继续使用系统。"
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days and (now or timezone.now()) > user.password_changed_at + datetime.timedelta(days=days):
        return f"您的密码已使用超过 {days} 天，须设置新密码后才能继续使用系统。"
    return ""


# Hashing the one-time passwords of accounts created in bulk (imports).
#
# With the configured PBKDF2 cost (1,000,000 iterations in Django 5.2, about 0.3 s each) 10,000 new accounts
# would take close to an hour. A slow hash protects passwords people choose, which are guessable. These are
# not: 12 characters drawn with `secrets` from a 56-symbol alphabet, about 69 bits. Against random secrets
# of that size the work factor is not what protects the hash (tokens and API keys are commonly stored under
# a single fast hash): an attacker holding these hashes needs around 2^68 guesses per account, i.e. some
# 2^75 SHA-256 PBKDF2 rounds at the count used here: over a hundred thousand GPU-years. So they are
# hashed with PBKDF2 at a low iteration count: an ordinary Django hash (the count is stored in it) that
# `check_password` verifies as is. Online guessing stays slow: Django pads failed checks against such a hash
# to the full configured cost (harden_runtime) and axes locks the account after a few failures. At the
# first successful login Django re-hashes the password at the full configured cost (the hasher's
# must_update), and the user must replace it there anyway. Measured cost: well under 0.1 ms per account
# (1,000 iterations would be ~0.35 ms, ~3.5 s for 10,000 accounts: a third of the whole import).
# Without a PBKDF2 hasher in PASSWORD_HASHERS the default hasher is used at its configured cost.
ONE_TIME_PASSWORD_ITERATIONS = 100


def bulk_hasher():
    """A function hashing one-time passwords cheaply enough for thousands of accounts (see above)."""
    pbkdf2 = next((h for h in get_hashers() if isinstance(h, PBKDF2PasswordHasher)), None)
    if pbkdf2 is None:
        return make_password
    return lambda password: pbkdf2.encode(password, pbkdf2.salt(), iterations=ONE_TIME_PASSWORD_ITERATIONS)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a Chinese message (Django 5.2's message id is missing from its zh_Hans catalogue)."""

    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"


CLASSES = (("大写字母", re.compile(r"[A-Z]")), ("小写字母", re.compile(r"[a-z]")), ("数字", re.compile(r"[0-9]")),
           ("特殊字符", re.compile(r"[^A-Za-z0-9]")))


class CharacterClassesValidator:
    """At least settings.PASSWORD_MIN_CLASSES of: upper-case letters, lower-case letters, digits, other characters."""

    def validate(self, password, user=None):
        need = settings.PASSWORD_MIN_CLASSES
        if sum(1 for _, pattern in CLASSES if pattern.search(password)) < need:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、特殊字符中的至少 {settings.PASSWORD_MIN_CLASSES} 种。"


class HistoryValidator:
    """A new password may not repeat the last settings.PASSWORD_HISTORY ones (the current one included).

    `password_changed`, which Django calls after a user with a new password is saved, keeps the history; one-time
    passwords are not kept (they are random, and would push the user's own out of the history)."""

    def _recent(self, user):
        return list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:settings.PASSWORD_HISTORY])

    def validate(self, password, user=None):
        if user is None or user.pk is None or not settings.PASSWORD_HISTORY:
            return
        hashes = [user.password, *self._recent(user)] if user.password else self._recent(user)
        if any(check_password(password, h) for h in hashes):
            raise ValidationError(f"新密码不能与最近 {settings.PASSWORD_HISTORY} 次使用过的密码相同。", code="password_reused")

    def password_changed(self, password, user=None):
        if user is None or user.must_change_password or not settings.PASSWORD_HISTORY:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[settings.PASSWORD_HISTORY:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return f"不能与最近 {settings.PASSWORD_HISTORY} 次使用过的密码相同。"


SHEET_HEADERS = ["企业名称", "账号", "一次性密码"]


def job_result(rows, summary, name="一次性密码"):
    """One-time passwords as a background job's secret result (core.jobs: encrypted at rest, downloadable once):
    an xlsx of (企业名称, 账号, 一次性密码) rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("一次性密码")
    for letter, width in zip("ABC", (40, 24, 18), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append(xlsx.header_cells(ws, SHEET_HEADERS))
    for row in rows:
        ws.append([xlsx.safe_cell(ws, value) for value in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
    return jobs.Result(buffer.getvalue(), f"{name}_{stamp}.xlsx", xlsx.MIME_TYPE, summary=summary, secret=True)
