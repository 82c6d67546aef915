"""Reporting duty (查报周期, 暂不上报) and the periodic reports (隐患排查上报): the queries and the writes.

An enterprise without a ReportingDuty row reports monthly and is not paused. "Reported this period" is one comparison:
ReportingDuty.last_period against the current key of the enterprise's cycle (periods.key). So the status of every
enterprise in a jurisdiction is a LEFT JOIN of Enterprise to ReportingDuty and a CASE over the four cycles, and the
reporting rates by region or industry are one GROUP BY over that join (`rates_by`), never a query per enterprise.

    paused    paused_from <= today AND (paused_until IS NULL OR paused_until >= today)
    reported  not paused AND last_period = the current key of COALESCE(cycle, 'month')
    due       the others (应报未报)
    rate      reported / (enterprises − paused)
"""
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from worksafe.core import audit, permissions
from worksafe.core.models import AuditAction, ChangeRecord

from . import periods
from .models import Cycle, Hazard, HazardCheck, HazardReport, Level, ReportingDuty, State
from .perms import DUTIES, FILE

DUTY = "reporting_duty"  # Enterprise → ReportingDuty (reverse one-to-one: a LEFT JOIN in annotations)
BATCH = 500


class Status(models.TextChoices):
    REPORTED = "reported", "已上报"
    DUE = "due", "未上报"
    PAUSED = "paused", "暂不上报"


STATUS_COLORS = {Status.REPORTED: "green", Status.DUE: "red", Status.PAUSED: "secondary"}


def paused_q(today, path=DUTY):
    """Q: the enterprise's reporting is paused on `today`."""
    return Q(**{f"{path}__paused_from__lte": today}) & (
        Q(**{f"{path}__paused_until__isnull": True}) | Q(**{f"{path}__paused_until__gte": today}))


def reported_q(today, path=DUTY):
    """Q: the enterprise has reported for the current period of its cycle (pause not considered). No duty row means
    no report yet, so only rows can match: no COALESCE is needed here."""
    q = Q(pk__in=[])
    for cycle, key in periods.current_keys(today).items():
        q |= Q(**{f"{path}__cycle": cycle, f"{path}__last_period": key})
    return q


def cycle_expression(path=DUTY):
    return Coalesce(F(f"{path}__cycle"), Value(Cycle.MONTH), output_field=CharField())


def status_expression(today, path=DUTY):
    return Case(
        When(paused_q(today, path), then=Value(Status.PAUSED.value)),
        When(reported_q(today, path), then=Value(Status.REPORTED.value)),
        default=Value(Status.DUE.value), output_field=CharField(),
    )


def with_status(enterprises, today):
    """Enterprises annotated with their duty: duty_cycle, duty_status (Status), duty_paused_from/until/reason and
    duty_last_period; filter on duty_cycle / duty_status as on fields."""
    return enterprises.annotate(
        duty_cycle=cycle_expression(),
        duty_status=status_expression(today),
        duty_paused_from=F(f"{DUTY}__paused_from"),
        duty_paused_until=F(f"{DUTY}__paused_until"),
        duty_pause_reason=F(f"{DUTY}__pause_reason"),
        duty_last_period=F(f"{DUTY}__last_period"),
    )


@dataclass
class Rate:
    """Enterprises, paused ones and those reported for their current period; due and rate follow."""

    total: int = 0
    paused: int = 0
    reported: int = 0

    def __add__(self, other):
        return Rate(self.total + other.total, self.paused + other.paused, self.reported + other.reported)

    @property
    def due(self):
        """应报: every enterprise not paused today."""
        return self.total - self.paused

    @property
    def unreported(self):
        return self.due - self.reported

    @property
    def rate(self):
        """reported / due as a fraction, None when nobody is due."""
        return self.reported / self.due if self.due else None

    @property
    def percent(self):
        return f"{100 * self.reported / self.due:.1f}%" if self.due else "—"


def _sums(today):
    paused = paused_q(today)
    return {
        "total": Count("pk"),
        "paused": Sum(Case(When(paused, then=1), default=0, output_field=IntegerField()), default=0),
        "reported": Sum(Case(When(paused, then=0), When(reported_q(today), then=1), default=0,
                             output_field=IntegerField()), default=0),
    }


def rate(enterprises, today=None):
    """The Rate of `enterprises` (any Enterprise queryset, already scoped) as one aggregate query."""
    row = enterprises.order_by().aggregate(**_sums(today or timezone.localdate()))
    return Rate(row["total"], row["paused"] or 0, row["reported"] or 0)


def rates_by(enterprises, field, today=None):
    """{value of `field` (e.g. "region_id", "industry_id"): Rate}: one GROUP BY query over the enterprises LEFT JOIN
    their duties. Callers fold the codes into the regions or industries they show (core.stats.Axis)."""
    rows = enterprises.order_by().values(field).annotate(**_sums(today or timezone.localdate()))
    return {row[field]: Rate(row["total"], row["paused"] or 0, row["reported"] or 0) for row in rows}


# ---------------------------------------------------------------------------------------------------------------
# One enterprise: its current period, status and the figures it reports


def duty_of(enterprise):
    """The enterprise's ReportingDuty, or an unsaved default one (月报, reporting normally)."""
    try:
        return ReportingDuty.objects.get(enterprise_id=enterprise.pk)
    except ReportingDuty.DoesNotExist:
        return ReportingDuty(enterprise=enterprise)


def pause_text(duty):
    """"2026-01-01 至 2026-03-31" / "2026-01-01 起" for a duty with a pause."""
    if not duty.paused_from:
        return ""
    return f"{duty.paused_from} 至 {duty.paused_until}" if duty.paused_until else f"{duty.paused_from} 起"


class Period(NamedTuple):
    cycle: str
    key: str
    first: object
    last: object
    label: str


def period_of(cycle, day):
    first, last = periods.bounds(cycle, day)
    return Period(cycle, periods.key(cycle, day), first, last, periods.label(cycle, day))


class EnterpriseStatus:
    """What the enterprise's report page shows: cycle, current period, status, and this period's report if any."""

    def __init__(self, enterprise, today=None, duty=None):
        self.enterprise = enterprise
        self.today = today or timezone.localdate()
        self.duty = duty or duty_of(enterprise)
        self.period = period_of(self.duty.cycle, self.today)
        # The report row decides, not only last_period: a cycle switched back and forth keeps its earlier report.
        self.report = HazardReport.objects.filter(enterprise_id=enterprise.pk, period=self.period.key) \
            .select_related("submitted_by").first()

    @property
    def paused(self):
        return self.duty.paused_on(self.today)

    @property
    def pause_planned(self):
        """A pause that starts later (shown as a notice)."""
        return bool(self.duty.paused_from and self.duty.paused_from > self.today)

    @property
    def status(self):
        if self.paused:
            return Status.PAUSED
        return Status.REPORTED if self.report or self.duty.last_period == self.period.key else Status.DUE

    @property
    def color(self):
        return STATUS_COLORS[self.status]

    @cached_property
    def figures(self):
        return figures(self.enterprise.pk, self.period.first, self.period.last)

    def refusal(self):
        """Why the enterprise cannot report now (Chinese), or "" when it can."""
        if self.paused:
            reason = f"（原因：{self.duty.pause_reason}）" if self.duty.pause_reason else ""
            return f"本企业已被监管部门设置为暂不上报（{pause_text(self.duty)}）{reason}，暂停期间不能上报隐患排查信息。"
        if self.status == Status.REPORTED:
            when = f"已于 {timezone.localtime(self.report.submitted_at):%Y-%m-%d %H:%M} 上报" if self.report else "已上报"
            return f"{self.period.label}的隐患排查信息{when}，每个周期只能上报一次。"
        return ""


def figures(enterprise_id, first, last):
    """The period's figures from the records: checks made, hazards found (general / major) and, of those found,
    how many are closed (已整改) and still open (未整改). Two queries."""
    checks = HazardCheck.objects.filter(enterprise_id=enterprise_id, checked_on__gte=first, checked_on__lte=last).count()
    found = Hazard.objects.filter(enterprise_id=enterprise_id, found_on__gte=first, found_on__lte=last).aggregate(
        general=Count("id", filter=Q(level=Level.GENERAL)),
        major=Count("id", filter=Q(level=Level.MAJOR)),
        closed=Count("id", filter=Q(state=State.CLOSED)),
    )
    return {"checks": checks, **found, "open": found["general"] + found["major"] - found["closed"]}


def can_file(user, enterprise):
    """隐患排查上报: the enterprise's own accounts whose role grants it."""
    return user.is_enterprise_user and user.enterprise_id == enterprise.pk and permissions.has(user, FILE)


def can_manage_duty(user, enterprise=None):
    """查报周期, 暂不上报, 恢复正常上报: regulators (in scope of `enterprise`, when given) whose role grants it."""
    return (user.is_regulator or user.is_sysadmin) and permissions.may(user, DUTIES, enterprise)


def submit(enterprise, user, note="", today=None):
    """隐患排查上报 for the current period: the HazardReport (figures frozen as computed now) and the duty's
    last_period, in one transaction. PermissionDenied unless `user` belongs to the enterprise; ValidationError
    (Chinese) when paused or already reported for this period."""
    if not can_file(user, enterprise):
        raise PermissionDenied
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            duty = ReportingDuty.objects.select_for_update().filter(pk=enterprise.pk).first() \
                or ReportingDuty(enterprise=enterprise)
            state = EnterpriseStatus(enterprise, today, duty=duty)
            period = state.period
            refusal = state.refusal()
            if refusal:
                raise ValidationError(refusal)
            report = HazardReport.objects.create(
                enterprise=enterprise, cycle=duty.cycle, period=period.key, starts_on=period.first, ends_on=period.last,
                note=(note or "").strip()[:500], submitted_by=user, **figures(enterprise.pk, period.first, period.last),
            )
            duty.last_period = period.key
            duty._audit_message = f"上报{period.label}隐患排查信息"
            duty.save()
    except IntegrityError:
        # Two submissions at once: the unique (enterprise, period) constraint lets one through.
        raise ValidationError("本期隐患排查信息已上报，每个周期只能上报一次。") from None
    return report


# ---------------------------------------------------------------------------------------------------------------
# Regulators' writes: one enterprise through its form (audited by the ORM), many through bulk_create below


def reported_in(enterprise_ids, key):
    """The enterprises among `enterprise_ids` holding a report for period `key` (one query on the unique index)."""
    return set(HazardReport.objects.filter(enterprise_id__in=enterprise_ids, period=key)
               .values_list("enterprise_id", flat=True))


def follow_cycle(duty, today):
    """After a cycle change: if the new cycle's current period was already reported (a cycle switched back within
    the period), last_period says so again."""
    key = periods.key(duty.cycle, today)
    if duty.last_period != key and reported_in([duty.enterprise_id], key):
        duty.last_period = key


class Ref(NamedTuple):
    """What audit.record needs of an enterprise (pk, region) without loading (and snapshotting) the instance."""

    pk: int
    region_id: str


def _batches(enterprises):
    batch = []
    for pk, region_id in enterprises.order_by("pk").values_list("pk", "region_id").iterator(chunk_size=2000):
        batch.append(Ref(pk, region_id))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(enterprises, user, change, fields, message, create_missing=True, after_batch=None):
    """Apply `change(duty)` to the duties of `enterprises` (rows created where missing, if `create_missing`):
    one upsert and one ChangeRecord insert per batch, rows left unchanged skipped. Returns (changed, unchanged)."""
    changed = unchanged = 0
    with transaction.atomic():
        for batch in _batches(enterprises):
            ids = [e.pk for e in batch]
            existing = ReportingDuty.objects.in_bulk(ids)
            writes, records = [], []
            extra = after_batch(ids) if after_batch else None
            for ent in batch:
                duty = existing.get(ent.pk)
                if duty is None and not create_missing:
                    unchanged += 1
                    continue
                before = audit.snapshot(duty) if duty else None
                duty = duty or ReportingDuty(enterprise_id=ent.pk)
                change(duty, extra)
                after = audit.snapshot(duty)
                if before is not None:
                    diff = {k for k in after if before.get(k) != after[k]}
                    if not diff:
                        unchanged += 1
                        continue
                    before, after = {k: before[k] for k in diff}, {k: after[k] for k in diff}
                action = AuditAction.UPDATE if before is not None else AuditAction.CREATE
                writes.append(duty)
                records.append(audit.record(duty, action, before, after, message, enterprise=ent, user=user))
            ReportingDuty.objects.bulk_create(writes, update_conflicts=True, unique_fields=["enterprise"],
                                              update_fields=fields)
            ChangeRecord.objects.bulk_create(records)
            changed += len(writes)
    return changed, unchanged


def set_cycle(enterprises, user, cycle, today=None):
    """批量设置查报周期."""
    today = today or timezone.localdate()
    key = periods.key(cycle, today)

    def change(duty, reported):
        duty.cycle = cycle
        if duty.enterprise_id in reported:
            duty.last_period = key

    return _bulk(enterprises, user, change, ["cycle", "last_period"], f"批量设置查报周期：{Cycle(cycle).label}",
                 after_batch=lambda ids: reported_in(ids, key))


def pause(enterprises, user, start, until, reason):
    """批量暂不上报 from `start` to `until` (None: until resumed)."""
    def change(duty, _):
        duty.paused_from, duty.paused_until, duty.pause_reason = start, until, reason

    span = f"{start} 至 {until}" if until else f"{start} 起"
    return _bulk(enterprises, user, change, ["paused_from", "paused_until", "pause_reason"],
                 f"批量暂不上报（{span}）：{reason}")


def resume(enterprises, user):
    """批量恢复正常上报: the pause cleared (no row means reporting normally: none is created)."""
    def change(duty, _):
        duty.paused_from = duty.paused_until = None
        duty.pause_reason = ""

    return _bulk(enterprises, user, change, ["paused_from", "paused_until", "pause_reason"], "批量恢复正常上报",
                 create_missing=False)
