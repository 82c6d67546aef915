"""System checks for the codes' configuration."""
from django.conf import settings
from django.core import checks


@checks.register()
def public_fields_check(app_configs, **kwargs):
    """Refuse to start with a public tier naming a field outside the allowed set (a typo, or a personal field)."""
    from .targets import PUBLIC_FIELDS

    unknown = [f for f in settings.CODE_PUBLIC_FIELDS if f not in PUBLIC_FIELDS]
    if not unknown:
        return []
    return [checks.Error(
        f"WORKSAFE_CODE_PUBLIC_FIELDS 含不允许公开的字段：{', '.join(unknown)}",
        hint=f"可选字段：{', '.join(PUBLIC_FIELDS)}（个人手机号、人员姓名和精确坐标不可公开）",
        id="worksafe.codes.E001",
    )]


@checks.register(deploy=True)
def site_url_check(app_configs, **kwargs):
    """Printed codes carry WORKSAFE_SITE_URL for years: in production it must be the public https address."""
    if settings.SITE_URL.startswith("https://"):
        return []
    return [checks.Warning(
        f"WORKSAFE_SITE_URL（{settings.SITE_URL}）不是 https 地址，二维码将指向它",
        hint="印制二维码牌之前设为对外公开的 https 地址，例如 https://aq.example.gov.cn",
        id="worksafe.codes.W001",
    )]
