"""One-time passwords: the only way accounts are handed out. They must be changed at first login."""
import secrets

from django.contrib.auth import password_validation

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


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a Chinese message (Django 5.2's message id is missing from its zh_Hans catalogue)."""

    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"
