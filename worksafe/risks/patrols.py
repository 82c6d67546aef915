"""风险巡检 (patrols): which control measures are due for a check, and recording a patrol.

A measure's status at a moment `now`, from its next deadline (`next_due_at`, kept by schedule.py):

- 已逾期 (overdue, red): the deadline has passed (`next_due_at < now`);
- 即将到期 (due soon, orange): the deadline falls within the last quarter of the measure's own check interval,
  at most DUE_SOON_MAX (7 days): a shift measure turns orange 2 h before its deadline, a daily one 6 h, a weekly
  one 42 h, a monthly, quarterly or yearly one 7 days. A fixed 24 h would keep shift measures orange all the time
  and warn of a yearly check only the day before;
- 正常 (ok, green): otherwise, and for a measure without a deadline (the post_save handler sets one on creation).

Overdue is one range on the index (enterprise, next_due_at); the due-soon candidates are another range on it,
never longer than DUE_SOON_MAX, classified here by their interval.
"""
import datetime
from collections import defaultdict
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from worksafe.core import workflow

from . import schedule, signals
from .models import ControlMeasure, Patrol, PatrolItem, PatrolYear

DUE_SOON_FRACTION = 0.25
DUE_SOON_MAX = datetime.timedelta(days=7)
# Patrols may be recorded afterwards (written on paper, no signal underground), but not long afterwards (a 流程设置
# value, 30 days by default); a little clock difference between a phone and the server is no "future".
BACKDATE = workflow.declare(
    "risks.patrol_backdate_days", "巡检记录补录期限", "风险分级管控", workflow.DAYS, 30, minimum=0, maximum=365,
    help="企业补录风险巡检记录，巡检时间最早可为当前时间往前该天数（0：只能记录当天 24 小时内的巡检）。")
CLOCK_SKEW = datetime.timedelta(minutes=5)

OVERDUE, DUE_SOON, OK = "overdue", "due_soon", "ok"


class Status(NamedTuple):
    key: str
    label: str
    color: str
    rank: int  # sort order: most urgent first


STATUSES = {
    OVERDUE: Status(OVERDUE, "已逾期", "red", 0),
    DUE_SOON: Status(DUE_SOON, "即将到期", "orange", 1),
    OK: Status(OK, "正常", "green", 2),
}

_NOMINAL_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}


def backdate_limit():
    """How far back a patrol may be recorded (timedelta)."""
    return datetime.timedelta(days=workflow.setting(BACKDATE))


def interval(value, unit):
    """The nominal length of a check interval (months as 30 days): what "a quarter of the interval" is taken of."""
    if unit == "shift":
        return datetime.timedelta(hours=getattr(settings, "RISK_SHIFT_HOURS", 8) * value)
    return datetime.timedelta(days=_NOMINAL_DAYS[unit] * value)


def due_soon_window(value, unit):
    return min(interval(value, unit) * DUE_SOON_FRACTION, DUE_SOON_MAX)


def status_of(measure, now=None):
    """The Status of a measure at `now`."""
    now = now or timezone.now()
    due = measure.next_due_at
    if due is None:
        return STATUSES[OK]
    if due < now:
        return STATUSES[OVERDUE]
    if due < now + due_soon_window(measure.frequency_value, measure.frequency_unit):
        return STATUSES[DUE_SOON]
    return STATUSES[OK]


# ---- counts for other pages (the risk card, lists) ----


def overdue_count(enterprise_id, now=None):
    """How many of the enterprise's control measures are overdue: one COUNT on the (enterprise, next_due_at) index."""
    return ControlMeasure.objects.filter(enterprise_id=enterprise_id, next_due_at__lt=now or timezone.now()).count()


def overdue_counts(enterprise_ids, now=None):
    """{enterprise id: overdue measures} for several enterprises (a list page), in one grouped query."""
    rows = (ControlMeasure.objects.filter(enterprise_id__in=list(enterprise_ids), next_due_at__lt=now or timezone.now())
            .order_by().values_list("enterprise_id").annotate(n=Count("*")))
    return dict(rows)


def status_counts(enterprise_id, now=None):
    """{"overdue", "due_soon", "ok", "total"} for the enterprise's control measures, in two queries on the index."""
    now = now or timezone.now()
    measures = ControlMeasure.objects.filter(enterprise_id=enterprise_id).order_by()
    totals = measures.aggregate(total=Count("*"), overdue=Count("next_due_at", filter=Q(next_due_at__lt=now)))
    candidates = measures.filter(next_due_at__gte=now, next_due_at__lt=now + DUE_SOON_MAX)
    due_soon = sum(
        1 for due, value, unit in candidates.values_list("next_due_at", "frequency_value", "frequency_unit")
        if due < now + due_soon_window(value, unit)
    )
    return {"overdue": totals["overdue"], "due_soon": due_soon, "ok": totals["total"] - totals["overdue"] - due_soon,
            "total": totals["total"]}


# ---- the due-checks page and the patrol form's selection ----


class Row(NamedTuple):
    measure: ControlMeasure
    status: Status


class UnitGroup(NamedTuple):
    unit: object  # RiskUnit
    rows: list


def _with_path(queryset):
    return queryset.select_related("event__source__unit__object")


def _due_only(queryset, now):
    """Restrict to measures that may be overdue or due soon (a range on the index; status_of() decides)."""
    return queryset.filter(next_due_at__lt=now + DUE_SOON_MAX)


def due_groups(enterprise, now=None, only_due=False):
    """The enterprise's measures with their status, grouped by analysis unit: the units with the most urgent
    measures first, and in each unit overdue, then due soon, then the rest, by deadline. One query."""
    now = now or timezone.now()
    measures = _with_path(ControlMeasure.objects.filter(enterprise=enterprise))
    if only_due:
        measures = _due_only(measures, now)
    by_unit = defaultdict(list)
    for m in measures:
        row = Row(m, status_of(m, now))
        if not only_due or row.status.key != OK:
            by_unit[m.event.source.unit].append(row)

    def urgency(row):
        due = row.measure.next_due_at
        return (row.status.rank, due is None, due or now, row.measure.pk)

    groups = [UnitGroup(unit, sorted(rows, key=urgency)) for unit, rows in by_unit.items()]
    groups.sort(key=lambda g: (urgency(g.rows[0])[:3], g.unit.object_id, g.unit.pk))
    return groups


def measures_to_check(enterprise, unit=None, include_all=False, now=None):
    """The measures the patrol form offers, in the order of the risk list: a unit's measures when `unit` is given;
    else all of them with `include_all`; else those overdue or due soon."""
    now = now or timezone.now()
    measures = _with_path(ControlMeasure.objects.filter(enterprise=enterprise))
    if unit is not None:
        measures = measures.filter(event__source__unit=unit)
    elif not include_all:
        measures = _due_only(measures, now)
    measures = measures.order_by("event__source__unit__object_id", "event__source__unit_id", "event__source_id", "event_id", "pk")
    rows = [Row(m, status_of(m, now)) for m in measures]
    if unit is None and not include_all:
        rows = [r for r in rows if r.status.key != OK]
    return rows


def measures_by_ids(enterprise, ids):
    """The enterprise's measures among `ids` (posted by the form; others' ids are dropped), in the form's order."""
    pks = {int(i) for i in ids if str(i).isdigit()}
    measures = _with_path(ControlMeasure.objects.filter(enterprise=enterprise, pk__in=pks))
    return list(measures.order_by("event__source__unit__object_id", "event__source__unit_id", "event__source_id", "event_id", "pk"))


# ---- recording ----


class Check(NamedTuple):
    """One measure as checked in a patrol."""

    measure: ControlMeasure
    in_place: bool
    note: str = ""
    photo: object = None  # an uploaded image, already checked by content (uploads.UploadField)


def record_patrol(enterprise, user, patrolled_at, patroller_name, checks, note=""):
    """Save a patrol with its items and move the checked measures' deadlines, in one transaction.

    Each checked measure gets `last_checked_at` = the patrol time and its next deadline from there
    (schedule.next_due), unless a later check is already recorded: a back-dated patrol never moves a deadline
    backwards. A measure found not in place was still checked; the hazard it raises is the hazards module's
    business: `signals.measure_not_in_place` is sent for each such item once the transaction has committed, so a
    receiver sees the saved patrol, and a failing receiver neither loses the patroller's record nor stops the other
    items' signals (on_commit(robust=True) logs its error). Measures deleted meanwhile are left out.
    Returns the Patrol.
    """
    with transaction.atomic():
        # Lock the measures: a deletion racing with this patrol either happens first (its items are left out)
        # or waits until the items referencing it are saved (they then keep the text, as on any later deletion).
        current = {m.pk: m for m in ControlMeasure.objects.select_for_update().filter(
            enterprise=enterprise, pk__in=[c.measure.pk for c in checks])}
        checks = [c for c in checks if c.measure.pk in current]
        patrol = Patrol.objects.create(enterprise=enterprise, patrolled_at=patrolled_at, patroller=user,
                                       patroller_name=patroller_name, note=note)
        items = []
        for c in checks:
            measure = current[c.measure.pk]
            item = PatrolItem(patrol=patrol, measure=measure, measure_text=measure.content, in_place=c.in_place,
                              note=c.note, photo=c.photo or "")
            item.save()
            items.append(item)
        advance_deadlines(current.values(), patrolled_at)
        count_patrol(enterprise.pk, patrolled_at, len(items), sum(not i.in_place for i in items))
        for item in items:
            if not item.in_place:
                transaction.on_commit(_announcer(item), robust=True)
    return patrol


def count_patrol(enterprise_id, patrolled_at, items, failed):
    """Add one patrol to its enterprise's yearly summary (PatrolYear), which the statistics read."""
    year = timezone.localtime(patrolled_at).year
    row, _ = PatrolYear.objects.get_or_create(enterprise_id=enterprise_id, year=year)
    PatrolYear.objects.filter(pk=row.pk).update(patrols=F("patrols") + 1, items=F("items") + items, failed=F("failed") + failed)


def _announcer(item):
    # A plain function, not a partial: a robust on_commit callback that fails is logged by its __qualname__.
    def send_measure_not_in_place():
        signals.measure_not_in_place.send(sender=PatrolItem, item=item)

    return send_measure_not_in_place


def advance_deadlines(measures, checked_at):
    """Set last_checked_at and next_due_at of `measures` (ControlMeasure rows, locked by the caller) for a check at
    `checked_at`; measures with a later check keep theirs. One UPDATE per distinct new deadline."""
    by_due = defaultdict(list)
    for m in measures:
        if m.last_checked_at is not None and m.last_checked_at > checked_at:
            continue
        m.last_checked_at = checked_at
        m.next_due_at = schedule.next_due(m)
        by_due[m.next_due_at].append(m.pk)
    not_later = Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=checked_at)
    for due, pks in by_due.items():
        ControlMeasure.objects.filter(not_later, pk__in=pks).update(last_checked_at=checked_at, next_due_at=due)
