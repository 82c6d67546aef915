"""Shared field validators with Chinese messages."""
import re

from django.core.exceptions import ValidationError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError as StdnumError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landlines (0371-12345678, 037112345678, with an optional extension) or mobiles.
PHONE_RE = re.compile(r"^(?:0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|1[3-9]\d{9}|400-?\d{3}-?\d{4}|\d{7,8})$")


def normalize_uscc(value):
    return uscc.compact(value or "")


def validate_uscc(value):
    try:
        uscc.validate(value)
    except InvalidLength:
        raise ValidationError("统一社会信用代码应为18位。", code="uscc_length")
    except InvalidChecksum:
        raise ValidationError("统一社会信用代码校验位错误（GB 32100）。", code="uscc_checksum")
    except (InvalidFormat, StdnumError):
        raise ValidationError("统一社会信用代码格式错误（GB 32100）。", code="uscc_format")


def validate_mobile(value):
    if value and not MOBILE_RE.match(value):
        raise ValidationError("手机号码应为11位数字，以1开头。", code="mobile")


def validate_phone(value):
    if value and not PHONE_RE.match(value):
        raise ValidationError("电话号码格式错误，例如 0371-12345678 或 13800000000。", code="phone")
