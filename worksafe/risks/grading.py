"""Risk grading (安全风险分级): LEC (D = L × E × C) and the LS matrix (R = L × S), and the bands that turn a value
into a level (the levels themselves, their order and colours: core/risk_levels.py).

The seeds name the LEC model but give no scales (seed 003 item 6); these are the common ones (作业条件危险性评价法,
and the 5 × 5 risk matrix used by provincial 双重预防 guides). The band limits are settings (WORKSAFE_RISK_LEC_BANDS,
WORKSAFE_RISK_LS_BANDS): the lower bounds of 重大, 较大 and 一般, e.g. "320,160,70"; below the last is 低风险. A value
belongs to the first band whose lower bound it reaches, so every boundary value has exactly one level (D = 320 is
重大, D = 319.99 较大).
"""
from decimal import Decimal

from django.conf import settings

from worksafe.core.risk_levels import ORDER, RiskLevel

D = Decimal
LEC_L = [(D("10"), "完全可以预料"), (D("6"), "相当可能"), (D("3"), "可能，但不经常"), (D("1"), "可能性小，完全意外"),
         (D("0.5"), "很不可能，可以设想"), (D("0.2"), "极不可能"), (D("0.1"), "实际不可能")]
LEC_E = [(D("10"), "连续暴露"), (D("6"), "每天工作时间内暴露"), (D("3"), "每周一次或偶然暴露"), (D("2"), "每月一次暴露"),
         (D("1"), "每年几次暴露"), (D("0.5"), "非常罕见地暴露")]
LEC_C = [(D("100"), "大灾难，10人以上死亡"), (D("40"), "灾难，3～9人死亡"), (D("15"), "非常严重，1～2人死亡"),
         (D("7"), "严重，重伤"), (D("3"), "重大，致残"), (D("1"), "引人注目，不利于基本的安全卫生要求")]
LS_L = [(5, "在正常情况下经常发生"), (4, "很可能发生"), (3, "可能发生"), (2, "较不可能发生"), (1, "基本不可能发生")]
LS_S = [(5, "死亡3人以上或重大财产损失"), (4, "死亡1～2人或较大财产损失"), (3, "重伤或一般财产损失"), (2, "轻伤"), (1, "无伤亡")]
# Each method's factors as (letter, RiskEvent field, scale), keyed by Method's values: what the xlsx risk list and the
# data API check a submitted event's factors against.
SCALES = {"lec": (("l", "lec_l", LEC_L), ("e", "lec_e", LEC_E), ("c", "lec_c", LEC_C)), "ls": (("l", "ls_l", LS_L), ("s", "ls_s", LS_S))}



def numeral(number):
    """3.0 → "3", 0.50 → "0.5", 720.000 → "720": numbers as people write them."""
    return format(Decimal(number).normalize(), "f")


def _choices(scale, places=None):
    """Model/form choices for a scale; decimals carry the field's one place, so "10.0" from the database matches."""
    return [(v.quantize(D("0.1")) if places else v, f"{v}：{text}") for v, text in scale]


LEC_L_CHOICES, LEC_E_CHOICES, LEC_C_CHOICES = (_choices(s, 1) for s in (LEC_L, LEC_E, LEC_C))
LS_L_CHOICES, LS_S_CHOICES = _choices(LS_L), _choices(LS_S)

DEFAULT_LEC_BANDS = [(D("320"), RiskLevel.MAJOR), (D("160"), RiskLevel.HIGH), (D("70"), RiskLevel.MEDIUM), (D("0"), RiskLevel.LOW)]
DEFAULT_LS_BANDS = [(20, RiskLevel.MAJOR), (15, RiskLevel.HIGH), (9, RiskLevel.MEDIUM), (0, RiskLevel.LOW)]


def parse_bands(limits):
    """[(lower bound, level)] from the lower bounds of 重大, 较大, 一般 ("320,160,70" or a list); ValueError unless
    they are three numbers, strictly decreasing, above zero."""
    if isinstance(limits, str):
        limits = limits.split(",")
    try:
        bounds = [D(str(x).strip()) for x in limits]
    except ArithmeticError:
        raise ValueError("须为三个数字") from None
    if len(bounds) != 3 or not bounds[0] > bounds[1] > bounds[2] > 0:
        raise ValueError("须为三个从大到小、大于 0 的数字（重大、较大、一般风险的下限）")
    return [*zip(bounds, ORDER[:3], strict=False), (D(0), RiskLevel.LOW)]


def configured_bands(method):
    """The bands in force for "lec" or "ls" (settings RISK_LEC_BANDS / RISK_LS_BANDS, checked at start-up)."""
    limits = getattr(settings, f"RISK_{method.upper()}_BANDS", None)
    if limits is None:
        return DEFAULT_LEC_BANDS if method == "lec" else DEFAULT_LS_BANDS
    return parse_bands(limits)


class GradingError(ValueError):
    """A factor outside its scale; the message is the user's (Chinese)."""


def band(value, bands):
    for lower, level in bands:
        if value >= lower:
            return RiskLevel(level)
    return RiskLevel(bands[-1][1])


def _factor(value, scale, name):
    allowed = [v for v, _ in scale]
    try:
        number = type(allowed[0])(str(value))
    except (ArithmeticError, ValueError, TypeError):
        number = None
    if number not in allowed:
        raise GradingError(f"{name}须取 {'、'.join(str(v) for v in allowed)} 之一，而不是“{value}”")
    return number


def lec(l_value, e_value, c_value):
    """(D, level) for an LEC assessment."""
    d = _factor(l_value, LEC_L, "L（事故发生的可能性）") * _factor(e_value, LEC_E, "E（暴露于危险环境的频繁程度）") * _factor(
        c_value, LEC_C, "C（事故后果）"
    )
    return d, band(d, configured_bands("lec"))


def ls(l_value, s_value):
    """(R, level) for an LS matrix assessment."""
    r = _factor(l_value, LS_L, "L（可能性）") * _factor(s_value, LS_S, "S（严重性）")
    return r, band(r, configured_bands("ls"))
