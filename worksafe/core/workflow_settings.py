"""Workflow settings (流程设置, seed 001 六 1.5 流程管理): the few values of a workflow the seeds leave to each deployment
— time limits, and who approves a step among the options the module offers — changed by the system administrator on
/system/workflow/. Not a process designer: steps, states and rules stay in reviewed code (core/workflow.py); a module
declares only the knobs its code reads.

A module declares each setting next to the code that reads it, once, at import (`workflow.declare`, re-exported by
core/workflow.py), and reads it with `workflow.setting(key)`:

    WARN_DAYS = workflow.declare("hazards.warn_days", "整改期限预警天数", "隐患排查治理", workflow.DAYS, 10,
                                 minimum=1, maximum=90, help="距整改期限不超过该天数的隐患显示为橙色……")
    days = workflow.setting(WARN_DAYS)

    REVIEWER = workflow.declare("archive.reviewer", "档案审核", "一企一档", workflow.CHOICE, "owner_up",
                                options=(("owner_up", "负责监管的层级及其上级"), ("owner_level", "仅负责监管的层级")))

Values that differ from the default are rows of core.WorkflowSetting (audited); the page shows the default beside
the current value and refuses values out of bounds with a Chinese message. Reading costs no query per row: the rows
(a handful) are read together once and kept until the next request starts, a save or delete of one, or, outside
requests (background jobs, commands), at most CACHE_SECONDS. So every process sees a change from its next request on,
and a page pays at most one small query, whatever it lists. A stored value the code no longer accepts (bounds
narrowed, option withdrawn) reads as the default.
"""
import time
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.signals import request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import audit

DAYS, HOURS, NUMBER, CHOICE = "days", "hours", "number", "choice"
UNITS = {DAYS: "天", HOURS: "小时", NUMBER: ""}
CACHE_SECONDS = 60  # outside requests: how long a process keeps the values it read


@dataclass(frozen=True)
class Setting:
    key: str  # "<app>.<name>"
    label: str  # as the settings page shows it
    group: str  # the module, as the page groups it
    kind: str  # DAYS, HOURS, NUMBER or CHOICE
    default: object  # an int, or an option's key
    minimum: int | None = None
    maximum: int | None = None
    options: tuple = ()  # CHOICE: ((key, label), ...)
    help: str = ""

    @property
    def unit(self):
        return UNITS.get(self.kind, "")

    @property
    def bounds(self):
        """The allowed range as the page states it (numbers), or ""."""
        if self.kind == CHOICE:
            return ""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{low}～{high}{self.unit}"
        if low is not None:
            return f"不少于{low}{self.unit}"
        return f"不超过{high}{self.unit}" if high is not None else ""

    def clean(self, raw):
        """The value `raw` (a form's text, or a stored value) stands for; ValidationError in Chinese saying which
        setting and what is allowed."""
        raw = str(raw).strip()
        if self.kind == CHOICE:
            if raw not in dict(self.options):
                raise ValidationError(f"“{self.label}”请从给出的选项中选择。", code="choice")
            return raw
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError(f"“{self.label}”须填写整数{self.unit and '（' + self.unit + '）'}。", code="number") from None
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValidationError(f"“{self.label}”须在 {self.bounds} 之间，不能为 {value}{self.unit}。", code="bounds")
        return value

    def display(self, value):
        """`value` as the page and the change log show it: 10天, 县级及以上监管部门."""
        if self.kind == CHOICE:
            return dict(self.options).get(value, value)
        return f"{value}{self.unit}"


REGISTRY = {}  # key -> Setting, in declaration order


def declare(key, label, group, kind, default, *, minimum=None, maximum=None, options=(), help=""):
    """Declare a setting the module's code reads with `setting(key)`; returns `key` (keep it as a constant)."""
    if key in REGISTRY:
        raise ValueError(f"workflow setting {key} declared twice")
    if kind not in (*UNITS, CHOICE) or (kind == CHOICE) != bool(options):
        raise ValueError(f"workflow setting {key}: a {kind} setting {'needs' if kind == CHOICE else 'takes no'} options")
    item = Setting(key, label, group, kind, default, minimum, maximum, tuple(options), help)
    item.clean(default)  # a default out of its own bounds is a programming error: fail at import
    REGISTRY[key] = item
    return key


def setting(key):
    """The current value of the declared setting `key`: the administrator's, or the default."""
    item = REGISTRY[key]
    raw = _stored().get(key)
    if raw is None:
        return item.default
    try:
        return item.clean(raw)
    except ValidationError:
        return item.default


class Row(NamedTuple):
    """A setting as the page lists it."""

    item: Setting
    value: object
    shown: str  # the current value, displayed
    default: str  # the default, displayed
    changed: bool  # an administrator's value is in force


def grouped():
    """[(group, [Row])] in declaration order, for the settings page."""
    groups = {}
    for item in REGISTRY.values():
        value = setting(item.key)
        groups.setdefault(item.group, []).append(
            Row(item, value, item.display(value), item.display(item.default), value != item.default))
    return list(groups.items())


def change(key, raw, user):
    """Set `key` to `raw` (checked: ValidationError) as `user`, audited (from → to); a value equal to the default
    removes the row. Returns the new value."""
    item = REGISTRY[key]
    value = item.clean(raw)
    old = setting(key)
    if value == item.default:
        reset(key, user)
        return value
    from .models import WorkflowSetting

    with transaction.atomic(), audit.attributed_to(user):
        row = WorkflowSetting.objects.select_for_update().filter(key=key).first() or WorkflowSetting(key=key)
        row.value = str(value)
        row._audit_message = f"{item.label}：{item.display(old)} → {item.display(value)}"
        row.save()
    return value


def reset(key, user):
    """恢复默认: remove the administrator's value of `key` (audited); nothing to do when there is none."""
    from .models import WorkflowSetting

    item = REGISTRY[key]
    with transaction.atomic(), audit.attributed_to(user):
        row = WorkflowSetting.objects.select_for_update().filter(key=key).first()
        if row is not None:
            old = setting(key)
            row._audit_message = f"{item.label}：{item.display(old)} → {item.display(item.default)}（恢复默认）"
            row.delete()


def label(row):
    """What the change log shows of a WorkflowSetting row."""
    item = REGISTRY.get(row.key)
    return f"流程设置：{item.label if item else row.key}"


# ---- the cache --------------------------------------------------------------------------------------------------
_cache = None  # (monotonic time read, {key: stored value}); None: read again


def _stored():
    global _cache
    if _cache is None or time.monotonic() - _cache[0] > CACHE_SECONDS:
        from .models import WorkflowSetting

        _cache = (time.monotonic(), dict(WorkflowSetting.objects.values_list("key", "value")))
    return _cache[1]


def forget(**kwargs):
    """Read the values again on next use (a request starts, one was saved; tests)."""
    global _cache
    _cache = None


def _changed(**kwargs):
    forget()
    transaction.on_commit(forget)  # and once more after the commit, should a read have come between


def connect():
    """Hook the cache to requests and to changes of the rows (CoreConfig.ready)."""
    from .models import WorkflowSetting

    request_started.connect(forget, dispatch_uid="workflow_settings_forget")
    post_save.connect(_changed, sender=WorkflowSetting, dispatch_uid="workflow_settings_saved")
    post_delete.connect(_changed, sender=WorkflowSetting, dispatch_uid="workflow_settings_deleted")
