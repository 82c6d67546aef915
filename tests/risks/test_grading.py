"""LEC and LS grading: every factor, every band boundary, bad factors refused with a Chinese message."""
import itertools
from decimal import Decimal

import pytest
from django.test import override_settings

from worksafe.risks.grading import LEC_C, LEC_E, LEC_L, LS_L, LS_S, GradingError, Level, lec, ls, overall


@pytest.mark.parametrize("d, level", [
    (Decimal("320"), Level.MAJOR), (Decimal("319.9"), Level.LARGE), (Decimal("160"), Level.LARGE),
    (Decimal("159.99"), Level.GENERAL), (Decimal("70"), Level.GENERAL), (Decimal("69.9"), Level.LOW), (Decimal("0.01"), Level.LOW),
])
def test_lec_bands_at_their_boundaries(d, level):
    from worksafe.risks.grading import DEFAULT_LEC_BANDS, band

    assert band(d, DEFAULT_LEC_BANDS) == level


def test_lec_from_real_factor_combinations():
    # 320 and 160 are not products of the scales; 70 is (10 × 1 × 7) and sits on the 一般 side of its bound.
    assert lec(10, 1, 7) == (Decimal("70"), Level.GENERAL)
    assert lec(3, 3, 7) == (Decimal("63"), Level.LOW)
    assert lec(10, 1, 15) == (Decimal("150"), Level.GENERAL)
    assert lec(10, 6, 3) == (Decimal("180"), Level.LARGE)
    assert lec(10, 10, 3) == (Decimal("300"), Level.LARGE)
    assert lec(3, 3, 40) == (Decimal("360"), Level.MAJOR)
    assert lec("10", "10", "100") == (Decimal("10000"), Level.MAJOR)
    assert lec("0.1", "0.5", "1") == (Decimal("0.05"), Level.LOW)


def test_ls_matrix_every_cell():
    expected = {r: (Level.MAJOR if r >= 20 else Level.LARGE if r >= 15 else Level.GENERAL if r >= 9 else Level.LOW) for r in range(1, 26)}
    for (l_, _), (s, _) in itertools.product(LS_L, LS_S):
        assert ls(l_, s) == (l_ * s, expected[l_ * s])
    assert ls(4, 5)[1] == Level.MAJOR and ls(4, 4)[1] == Level.LARGE and ls(3, 5)[1] == Level.LARGE
    assert ls(3, 4)[1] == Level.GENERAL and ls(3, 3)[1] == Level.GENERAL and ls(2, 4)[1] == Level.LOW


@pytest.mark.parametrize("args, word", [(("7", "6", "7"), "L"), (("6", "4", "7"), "E"), (("6", "6", "50"), "C"), (("x", "6", "7"), "L")])
def test_lec_refuses_factors_off_the_scale(args, word):
    with pytest.raises(GradingError) as info:
        lec(*args)
    assert info.value.args[0].startswith(word) and "之一" in info.value.args[0]


@pytest.mark.parametrize("args", [(0, 3), (6, 3), (3, "2.5"), (None, 3)])
def test_ls_refuses_factors_off_the_scale(args):
    with pytest.raises(GradingError):
        ls(*args)


@override_settings(RISK_LS_BANDS=[(16, "major"), (10, "large"), (5, "general"), (0, "low")])
def test_bands_are_configuration():
    assert ls(4, 4)[1] == Level.MAJOR and ls(2, 5)[1] == Level.LARGE and ls(1, 5)[1] == Level.GENERAL and ls(2, 2)[1] == Level.LOW


def test_overall_is_the_most_severe():
    assert overall([Level.LOW, Level.GENERAL, Level.LOW]) == Level.GENERAL
    assert overall([Level.LOW, Level.MAJOR]) == Level.MAJOR
    assert overall([]) is None
