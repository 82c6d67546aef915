"""Recording a hazard check (隐患排查记录): item by item, 符合 / 不符合; every 不符合 item raises a hazard.

What a check goes through comes from its plan (the plan's checklist, its risk control measures, or both) or, for an
ad-hoc check, from the checklist chosen (or the measures). The record, its items and the hazards it raises are
saved in one transaction: a check is never kept without its hazards, nor a hazard without its check.
"""
import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from worksafe.core import audit, permissions, workflow
from worksafe.risks.models import ControlMeasure

from . import raise_from
from .models import HazardCheck, HazardCheckItem
from .perms import CHECK

# Checks may be written down afterwards (on paper first), but not long afterwards: a missed period of a plan should
# not be filled in months later. How long is a 流程设置 value (30 days by default).
BACKDATE = workflow.declare(
    "hazards.check_backdate_days", "排查记录补录期限", "隐患排查治理", workflow.DAYS, 30, minimum=0, maximum=365,
    help="企业补录隐患排查记录，排查日期最早可为今天往前该天数（0：只能记录当天的排查）。")


def backdate_days():
    return workflow.setting(BACKDATE)


def can_check(user, enterprise):
    """Recording checks is the enterprise's own work; regulators see the records."""
    return permissions.has(user, CHECK) and user.is_enterprise_user and user.enterprise_id == enterprise.pk


class Answer(NamedTuple):
    """One item as checked: a checklist item or a control measure, the text checked, 符合 or not, note, photo."""

    text: str
    passed: bool
    note: str = ""
    photo: object = None  # an uploaded image, already checked by content (uploads.UploadField)
    item: object = None  # ChecklistItem
    measure: object = None  # ControlMeasure


class Recorded(NamedTuple):
    check: HazardCheck
    items: list
    hazards: list

    @property
    def failed(self):
        return len(self.hazards)


def measures_of(enterprise):
    """The enterprise's control measures in the order of its risk list, with their unit (for grouping)."""
    return (ControlMeasure.objects.filter(enterprise=enterprise).select_related("event__source__unit__object")
            .order_by("event__source__unit__object_id", "event__source__unit_id", "event__source_id", "event_id", "pk"))


def measure_groups(measures):
    """[(unit, [measure])] in the given order."""
    groups = []
    for m in measures:
        unit = m.event.source.unit
        if not groups or groups[-1][0] != unit:
            groups.append((unit, []))
        groups[-1][1].append(m)
    return groups


def record_check(enterprise, user, answers, *, checked_on, checker_name, kind, plan=None, checklist=None, note=""):
    """Save a check with its answered items and raise a hazard (prefilled, 企业自查, 已上报) for every 不符合 item,
    in one transaction. Returns Recorded(check, items, hazards)."""
    if not answers:
        raise ValueError("a check needs at least one answered item")
    with transaction.atomic(), audit.attributed_to(user):
        check = HazardCheck.objects.create(
            enterprise=enterprise, plan=plan, checklist=checklist if checklist is not None else getattr(plan, "checklist", None),
            kind=kind, checked_on=checked_on, checker=user if user.is_authenticated else None,
            checker_name=checker_name, note=note,
        )
        items, hazards = [], []
        for a in answers:
            item = HazardCheckItem(
                check_record=check, item=a.item, measure=a.measure, text=a.text,
                result=HazardCheckItem.Result.PASS if a.passed else HazardCheckItem.Result.FAIL, note=a.note,
                photo=a.photo or "",
            )
            item.save()
            items.append(item)
        for item in items:
            if item.result == HazardCheckItem.Result.FAIL:
                hazards.append(raise_from.check_item(item, user))
    return Recorded(check, items, hazards)


def earliest_day(today=None):
    return (today or timezone.localdate()) - datetime.timedelta(days=backdate_days())
