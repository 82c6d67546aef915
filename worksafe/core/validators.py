"""Shared field validators with Chinese messages."""
import re

from django.core.exceptions import ValidationError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landlines (0371-12345678, 037112345678, with an optional extension) or mobiles.
PHONE_RE = re.compile(r"^(?:0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|1[3-9]\d{9}|400-?\d{3}-?\d{4}|\d{7,8})$")


def normalize_uscc(value):
    return uscc.compact(value or "")


def validate_uscc(value):
    try:
        uscc.validate(value)
    except InvalidLength:
        raise ValidationError("统一社会信用代码应为18位。", code="uscc_length") from None
    except InvalidChecksum:
        raise ValidationError("统一社会信用代码校验位错误（GB 32100）。", code="uscc_checksum") from None
    except (InvalidFormat, StdnumError):
        raise ValidationError("统一社会信用代码格式错误（GB 32100）。", code="uscc_format") from None


# The shape of a 统一社会信用代码 (GB 32100): 登记管理部门 and 机构类别 codes, the 6-digit region code, the 9-character
# organisation code and the check character, from the code's alphabet (no I, O, S, V, Z).
USCC_SHAPE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.IGNORECASE)
USCC_USERNAME_MESSAGE = "用户名不能是统一社会信用代码的形式（企业管理员账号由企业档案生成），请另取用户名。"


def validate_username_not_uscc(value):
    """Enterprise administrators log in with their 统一社会信用代码, and only the archive creates those accounts: any
    other account named like one could pass for an enterprise. The shape decides, not the check character (its
    rules are being revised, and a name one character off still misleads); spaces and hyphens are ignored, as the
    login form ignores them."""
    if USCC_SHAPE_RE.match(re.sub(r"[\s-]", "", value or "")):
        raise ValidationError(USCC_USERNAME_MESSAGE, code="uscc_username")


def validate_mobile(value):
    if value and not MOBILE_RE.match(value):
        raise ValidationError("手机号码应为11位数字，以1开头。", code="mobile")


def validate_phone(value):
    if value and not PHONE_RE.match(value):
        raise ValidationError("电话号码格式错误，例如 0371-12345678 或 13800000000。", code="phone")
