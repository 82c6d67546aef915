"""The aggregate queries of 隐患统计分析 (seed 001 2.10: 属地隐患统计, 行业隐患统计, 年度隐患统计), callable on their own
(bench/ compares them with the same statements in bare SQL).

Counts by region, industry and year come from HazardYear (one row per enterprise and year: general, major, closed,
recounted by summary.refresh whenever a hazard changes), never from the hazard table: a province's 3 million
hazards are ~1 million yearly rows at most, read in one GROUP BY (region code, industry, year), so one query gives
the region table, the industry table and the year table; the codes
are folded into the regions and industries shown by their prefixes (core.stats).

What HazardYear cannot tell, the overdue and the open major hazards, is counted on the hazard table where an index
holds exactly those rows: overdue is a range of the partial index hazard_open_deadline (deadline < today among the
open hazards), open major hazards a range of hazard_level_found (level = 'major') less the closed ones. The number
of open hazards needs no hazard row at all: found − closed, summed over the yearly rows.

Hazards and yearly rows carry copies of their enterprise's region and industry, so the jurisdiction (enterprise_q
located=True) and `q` (conditions on region_id and industry_id, e.g. core.stats.StatsFilter.q_for("")) are tested on the
rows' own indexes, without a join to the enterprises.
"""
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from .models import Hazard, HazardYear, Level

EVERYTHING = Q()  # the default narrowing: none (a Q is never changed in place, & builds a new one)


@dataclass
class Group:
    """The yearly rows of the enterprises sharing one (region code, industry): per year in the window
    (general, major, closed), and the totals over every year."""

    region_id: str
    industry_id: str
    years: dict = field(default_factory=dict)  # year -> (general, major, closed)
    general: int = 0
    major: int = 0
    closed: int = 0

    @property
    def open(self):
        return self.general + self.major - self.closed


def yearly_groups(user, years, q=EVERYTHING):
    """[Group] of the hazards in `user`'s scope (narrowed by `q`): one query over HazardYear's covering index, grouped
    by (region, industry, year) with three plain sums (a third faster than one conditional sum per year and figure,
    bench/hazards.py), folded into the groups here."""
    rows = (
        HazardYear.objects.for_user(user).filter(q).order_by()
        .values_list("region_id", "industry_id", "year").annotate(Sum("general"), Sum("major"), Sum("closed"))
    )
    groups = {}
    for region, industry, year, general, major, closed in rows:
        group = groups.get((region, industry))
        if group is None:
            group = groups[region, industry] = Group(region, industry, dict.fromkeys(years, (0, 0, 0)))
        if year in group.years:
            group.years[year] = (general, major, closed)
        group.general += general
        group.major += major
        group.closed += closed
    return list(groups.values())


def overdue_count(user, q=EVERYTHING, today=None):
    """Open hazards past their deadline: a range of the partial index hazard_open_deadline."""
    today = today or timezone.localdate()
    return (Hazard.objects.for_user(user).filter(q).exclude(state="closed")
            .filter(deadline__lt=today).order_by().aggregate(n=Count("id"))["n"])


def major_open_count(user, q=EVERYTHING):
    """Open major hazards: the major ones (index hazard_level_found) less the closed ones."""
    return (Hazard.objects.for_user(user).filter(q, level=Level.MAJOR).exclude(state="closed")
            .order_by().aggregate(n=Count("id"))["n"])
