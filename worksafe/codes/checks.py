"""Refuse to start with a public tier that names a field outside the allowed set (a typo, or a personal field)."""
from django.conf import settings
from django.core.checks import Error, register


@register()
def public_fields_check(app_configs, **kwargs):
    from .targets import PUBLIC_FIELDS

    unknown = [f for f in settings.CODE_PUBLIC_FIELDS if f not in PUBLIC_FIELDS]
    if not unknown:
        return []
    return [Error(
        f"WORKSAFE_CODE_PUBLIC_FIELDS 含不允许公开的字段：{', '.join(unknown)}",
        hint=f"可选字段：{', '.join(PUBLIC_FIELDS)}（个人手机号、人员姓名和精确坐标不可公开）",
        id="worksafe.codes.E001",
    )]
