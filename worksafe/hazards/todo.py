"""隐患排查治理's 待办 (core/todo.py) and home page tiles (core/home.py).

Regulators: 随手拍 to verify, major hazards to review and to accept, overdue rectifications in the jurisdiction.
The enterprise: its hazards to rectify and to accept, its check plans due this period, its periodic report due.
Tiles: open, overdue, open major and supervised (挂牌督办) hazards, and the reporting rate. Each is one scoped query on
an index the lists and statistics already read (stats.py, reporting.py explain the plans); each tile links to the
list that shows exactly its rows (未整改隐患管理 with the tile's filter, 填报情况查询, 上报率统计).
"""
from django.db.models import Count, Q, Sum
from django.utils import timezone

from worksafe.archive.models import Enterprise
from worksafe.core import todo
from worksafe.core.home import Panel, Tile
from worksafe.core.menu import enterprise_side, government_side, own_enterprise

from . import deadlines, perms, plans, public, reporting, stats
from .filters import ANY_SUPERVISION
from .models import CheckPlan, Hazard, HazardYear, Level, PublicReport, Review, Source, State

Due = deadlines.Due


# ---- 待办: regulators ----


def public_pending(user):
    return public.reports_for(user).filter(status=PublicReport.Status.PENDING)  # index public_report_queue


def major_to_review(user):
    return Hazard.objects.for_user(user).filter(level=Level.MAJOR, review=Review.PENDING, state=State.REPORTED)


def major_to_accept(user):
    return Hazard.objects.for_user(user).filter(level=Level.MAJOR, state=State.ACCEPTING)


def inspection_to_accept(user):
    """General hazards a regulator's inspection registered, rectified and waiting for the regulators' 复查."""
    return Hazard.objects.for_user(user).filter(level=Level.GENERAL, source=Source.INSPECTION, state=State.ACCEPTING)


def overdue(user):
    """Open hazards past their deadline: a range of the partial index hazard_open_deadline, counted up to todo.LIMIT."""
    return Hazard.objects.for_user(user).exclude(state=State.CLOSED).filter(deadline__lt=timezone.localdate())


# ---- 待办: the enterprise ----


def to_start(user):
    """General hazards reported and not yet being rectified (a major one waits for the regulator's review first)."""
    return Hazard.objects.for_user(user).filter(state=State.REPORTED, level=Level.GENERAL)


def rectifying(user):
    return Hazard.objects.for_user(user).filter(state=State.RECTIFYING)


def to_accept(user):
    """General hazards of its own finding submitted for acceptance: the enterprise accepts them itself (a major one,
    or one a regulator's inspection registered: the regulators)."""
    return Hazard.objects.for_user(user).filter(state=State.ACCEPTING, level=Level.GENERAL).exclude(source=Source.INSPECTION)


def plans_due(user):
    """Active check plans whose current period has no check yet (plans.statuses: the plans, then their checks' dates)."""
    active = CheckPlan.objects.for_user(user).filter(active=True)
    return sum(1 for s in plans.statuses(active).values() if s.key == "due")


def report_due(user):
    """The enterprise's periodic report (隐患排查上报) not yet made for the current period of its cycle, not paused."""
    own = Enterprise.objects.for_user(user).filter(pk=user.enterprise_id)
    return reporting.with_status(own, timezone.localdate()).filter(duty_status=reporting.Status.DUE)


OWN_LEDGER = "hazards:hazard_list"

SOURCES = [
    todo.Source("hazards.public", "待核实的随手拍举报", todo.deciding(perms.DECIDE_PUBLIC), public_pending,
                todo.link("hazards:public_list", status=PublicReport.Status.PENDING), 20),
    todo.Source("hazards.major_review", "待审核的重大隐患", todo.deciding(perms.CONFIRM_MAJOR), major_to_review,
                todo.link("hazards:major_list", review=Review.PENDING), 30, "red"),
    todo.Source("hazards.major_accept", "待验收的重大隐患", todo.deciding(perms.ACCEPT), major_to_accept,
                todo.link("hazards:major_list", state=State.ACCEPTING), 35),
    todo.Source("hazards.inspection_accept", "待复查的监管检查隐患", todo.deciding(perms.ACCEPT), inspection_to_accept,
                todo.link("hazards:open_list", state=State.ACCEPTING, source=Source.INSPECTION), 36),
    todo.Source("hazards.overdue", "超期未整改的隐患", government_side, overdue,
                todo.link("hazards:open_list", due=Due.OVERDUE), 50, "red"),

    todo.Source("hazards.to_start", "已上报、待开始整改的隐患", enterprise_side, to_start,
                todo.link(OWN_LEDGER, own_enterprise, state=State.REPORTED, level=Level.GENERAL), 20),
    todo.Source("hazards.rectifying", "整改中的隐患", enterprise_side, rectifying,
                todo.link(OWN_LEDGER, own_enterprise, state=State.RECTIFYING), 21),
    todo.Source("hazards.to_accept", "待验收的隐患", enterprise_side, to_accept,
                todo.link(OWN_LEDGER, own_enterprise, state=State.ACCEPTING, level=Level.GENERAL), 22),
    todo.Source("hazards.plans_due", "本期待排查的排查计划", enterprise_side, plans_due,
                todo.link("hazards:plan_list", own_enterprise), 40),
    todo.Source("hazards.report_due", "本期隐患排查信息待上报", enterprise_side, report_due,
                todo.link("hazards:report_edit", own_enterprise), 50, "red"),
]


# ---- home page tiles ----


def hazard_figures(user):
    """Open hazards from the yearly summaries (found − closed, no hazard row read), overdue ones from the partial index,
    open major ones and those of them under supervision from hazard_level_found: three queries."""
    years = HazardYear.objects.for_user(user).order_by().aggregate(
        found=Sum("general", default=0) + Sum("major", default=0), closed=Sum("closed", default=0))
    major = (Hazard.objects.for_user(user).filter(level=Level.MAJOR).exclude(state=State.CLOSED).order_by()
             .aggregate(n=Count("id"), supervised=Count("id", filter=~Q(supervision=""))))
    return {"hazards.open": years["found"] - years["closed"], "hazards.overdue": stats.overdue_count(user),
            "hazards.major_open": major["n"], "hazards.supervised": major["supervised"]}


def reporting_figures(user):
    """This period's reporting rate and the enterprises that have not reported: one aggregate (reporting.rate)."""
    rate = reporting.rate(Enterprise.objects.for_user(user))
    return {"reporting.rate": 100 * rate.rate if rate.rate is not None else None, "reporting.unreported": rate.unreported}


OPEN_LIST = "hazards:open_list"

PANELS = [
    Panel("hazards.hazards", "隐患排查治理", hazard_figures, (
        Tile("hazards.open", "未整改隐患", todo.link(OPEN_LIST), "orange"),
        Tile("hazards.overdue", "已超期未整改", todo.link(OPEN_LIST, due=Due.OVERDUE), "red"),
        Tile("hazards.major_open", "重大隐患未整改", todo.link(OPEN_LIST, level=Level.MAJOR), "red"),
        Tile("hazards.supervised", "挂牌督办重大隐患", todo.link(OPEN_LIST, level=Level.MAJOR, supervision=ANY_SUPERVISION),
             "purple"),
    ), 20),
    Panel("hazards.reporting", "隐患排查上报（本期）", reporting_figures, (
        Tile("reporting.rate", "上报率", todo.link("hazards:reporting_stats"), "green", False, "%"),
        Tile("reporting.unreported", "应报未报企业", todo.link("hazards:filing_list", status=reporting.Status.DUE), "red"),
    ), 30),
]
