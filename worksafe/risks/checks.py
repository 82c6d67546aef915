"""System checks for the risk module's configuration."""
from django.conf import settings
from django.core import checks

from .grading import parse_bands


@checks.register()
def bands_check(app_configs, **kwargs):
    """Refuse to start with band limits that would grade ambiguously (not three decreasing numbers)."""
    errors = []
    for name in ("RISK_LEC_BANDS", "RISK_LS_BANDS"):
        try:
            parse_bands(getattr(settings, name))
        except ValueError as e:
            errors.append(checks.Error(f"WORKSAFE_{name} 设置错误：{e}", hint="例如 320,160,70", id="worksafe.risks.E001"))
    return errors
