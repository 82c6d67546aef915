"""The four risk levels (安全风险等级) as every module names, orders and colours them.

An enterprise's archive, its QR code's public tier, the regulators' lists and the statistics all show a level, while
only the risk module grades one (risks/grading.py: LEC and LS). The vocabulary lives here so that showing a level
needs no import of the module that computes it.
"""
from typing import NamedTuple

from django.db import models


class RiskLevel(models.TextChoices):
    """GB/T 33000 / 国家安监总局 four levels, with their map colours (Tabler colour names)."""

    MAJOR = "major", "重大风险"
    HIGH = "high", "较大风险"
    MEDIUM = "medium", "一般风险"
    LOW = "low", "低风险"


COLORS = {RiskLevel.MAJOR: "red", RiskLevel.HIGH: "orange", RiskLevel.MEDIUM: "yellow", RiskLevel.LOW: "blue"}
ORDER = [RiskLevel.MAJOR, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW]  # most severe first


class Grade(NamedTuple):
    """A level as pages show it: value, label (重大风险 ...) and colour."""

    value: str
    label: str
    color: str


def grade(level):
    """The Grade of `level` (a RiskLevel or its value), or None for no level."""
    if not level:
        return None
    level = RiskLevel(level)
    return Grade(level.value, level.label, COLORS[level])


def overall(levels):
    """The most severe of `levels` (an enterprise's, a unit's), or None when there are none."""
    present = set(levels)
    return next((level for level in ORDER if level in present), None)
