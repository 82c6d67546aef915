"""LEC and LS grading: every factor, every band boundary, bad factors refused with a Chinese message."""
import itertools
from decimal import Decimal

import pytest
from django.test import override_settings

from worksafe.core.risk_levels import RiskLevel, overall
from worksafe.risks.grading import LS_L, LS_S, GradingError, lec, ls


@pytest.mark.parametrize("d, level", [
    (Decimal("320"), RiskLevel.MAJOR), (Decimal("319.9"), RiskLevel.HIGH), (Decimal("160"), RiskLevel.HIGH),
    (Decimal("159.99"), RiskLevel.MEDIUM), (Decimal("70"), RiskLevel.MEDIUM), (Decimal("69.9"), RiskLevel.LOW), (Decimal("0.01"), RiskLevel.LOW),
])
def test_lec_bands_at_their_boundaries(d, level):
    from worksafe.risks.grading import DEFAULT_LEC_BANDS, band

    assert band(d, DEFAULT_LEC_BANDS) == level


def test_lec_from_real_factor_combinations():
    # 320 and 160 are not products of the scales; 70 is (10 × 1 × 7) and sits on the 一般 side of its bound.
    assert lec(10, 1, 7) == (Decimal("70"), RiskLevel.MEDIUM)
    assert lec(3, 3, 7) == (Decimal("63"), RiskLevel.LOW)
    assert lec(10, 1, 15) == (Decimal("150"), RiskLevel.MEDIUM)
    assert lec(10, 6, 3) == (Decimal("180"), RiskLevel.HIGH)
    assert lec(10, 10, 3) == (Decimal("300"), RiskLevel.HIGH)
    assert lec(3, 3, 40) == (Decimal("360"), RiskLevel.MAJOR)
    assert lec("10", "10", "100") == (Decimal("10000"), RiskLevel.MAJOR)
    assert lec("0.1", "0.5", "1") == (Decimal("0.05"), RiskLevel.LOW)


def test_ls_matrix_every_cell():
    expected = {r: (RiskLevel.MAJOR if r >= 20 else RiskLevel.HIGH if r >= 15 else RiskLevel.MEDIUM if r >= 9 else RiskLevel.LOW)
                for r in range(1, 26)}
    for (l_, _), (s, _) in itertools.product(LS_L, LS_S):
        assert ls(l_, s) == (l_ * s, expected[l_ * s])
    assert ls(4, 5)[1] == RiskLevel.MAJOR and ls(4, 4)[1] == RiskLevel.HIGH and ls(3, 5)[1] == RiskLevel.HIGH
    assert ls(3, 4)[1] == RiskLevel.MEDIUM and ls(3, 3)[1] == RiskLevel.MEDIUM and ls(2, 4)[1] == RiskLevel.LOW


@pytest.mark.parametrize("args, word", [(("7", "6", "7"), "L"), (("6", "4", "7"), "E"), (("6", "6", "50"), "C"), (("x", "6", "7"), "L")])
def test_lec_refuses_factors_off_the_scale(args, word):
    with pytest.raises(GradingError) as info:
        lec(*args)
    assert info.value.args[0].startswith(word) and "之一" in info.value.args[0]


@pytest.mark.parametrize("args", [(0, 3), (6, 3), (3, "2.5"), (None, 3)])
def test_ls_refuses_factors_off_the_scale(args):
    with pytest.raises(GradingError):
        ls(*args)


@override_settings(RISK_LS_BANDS=["16", "10", "5"])
def test_bands_are_configuration():
    assert ls(4, 4)[1] == RiskLevel.MAJOR and ls(2, 5)[1] == RiskLevel.HIGH and ls(1, 5)[1] == RiskLevel.MEDIUM and ls(2, 2)[1] == RiskLevel.LOW


def test_overall_is_the_most_severe():
    assert overall([RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.LOW]) == RiskLevel.MEDIUM
    assert overall([RiskLevel.LOW, RiskLevel.MAJOR]) == RiskLevel.MAJOR
    assert overall([]) is None


@override_settings(RISK_LEC_BANDS=["320", "160", "70"], RISK_LS_BANDS=["20", "15", "9"])
def test_the_configured_defaults_are_the_common_bands():
    from worksafe.risks.grading import DEFAULT_LEC_BANDS, DEFAULT_LS_BANDS, configured_bands

    assert configured_bands("lec") == DEFAULT_LEC_BANDS and configured_bands("ls") == DEFAULT_LS_BANDS


@pytest.mark.parametrize("limits", [["320", "160"], ["160", "320", "70"], ["320", "160", "160"], ["320", "160", "0"], ["a", "b", "c"]])
def test_ambiguous_band_limits_stop_the_start(limits):
    from worksafe.risks.checks import bands_check

    with override_settings(RISK_LEC_BANDS=limits):
        [error] = bands_check(None)
    assert error.id == "worksafe.risks.E001" and "WORKSAFE_RISK_LEC_BANDS" in error.msg
    with override_settings(RISK_LEC_BANDS=["400", "200", "100"]):
        assert bands_check(None) == []
