"""The yearly tables of 辅助表2 (accidents by month, with totals) and 辅助表4 (penalties and sanctions, with totals)."""
from dataclasses import dataclass, field
from decimal import Decimal

from .models import AccidentKind


@dataclass
class Totals:
    accidents: int = 0
    incidents: int = 0
    deaths: int = 0
    serious_injuries: int = 0
    minor_injuries: int = 0
    direct_loss: Decimal = Decimal("0")

    def add(self, a):
        if a.kind == AccidentKind.INCIDENT:
            self.incidents += 1
        else:
            self.accidents += 1
        self.deaths += a.deaths
        self.serious_injuries += a.serious_injuries
        self.minor_injuries += a.minor_injuries
        self.direct_loss += a.direct_loss


@dataclass
class Month:
    month: int
    rows: list = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


def accident_year(accidents, year):
    """辅助表2 for `year`: twelve months (an empty month is a row of zeros), each with its accidents in date order,
    and the year's totals (事故、事件 counts, injuries by severity, deaths, direct loss)."""
    months = [Month(m) for m in range(1, 13)]
    total = Totals()
    for a in sorted((a for a in accidents if a.occurred_on.year == year), key=lambda a: (a.occurred_on, a.pk)):
        months[a.occurred_on.month - 1].rows.append(a)
        months[a.occurred_on.month - 1].totals.add(a)
        total.add(a)
    return months, total


def penalty_year(penalties, year):
    """辅助表4 for `year`: the rows in date order and the totals 处罚总数, 惩戒总数."""
    rows = sorted((p for p in penalties if p.imposed_on.year == year), key=lambda p: (p.imposed_on, p.pk))
    sanctions = sum(1 for p in rows if p.is_sanction)
    return rows, {"penalties": len(rows) - sanctions, "sanctions": sanctions}
