"""One-time passwords: the only way accounts are handed out. They must be changed at first login."""
import secrets

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hashers, make_password

from .models import AuditAction

# No look-alikes (0/O, 1/l/I) so a password read over the phone is typed right.
ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate(length=12):
    while True:
        pw = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            return pw


def issue_one_time_password(user, by=None):
    """Give `user` a fresh one-time password, unlock the account, and return the password (shown once)."""
    from axes.utils import reset

    password = generate()
    user.set_password(password)
    user.must_change_password = True
    user._audit_action = AuditAction.RESET_PASSWORD
    user._audit_message = "签发一次性密码"
    user.save()
    reset(username=user.username)
    return password


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
