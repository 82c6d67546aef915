"""The net effect of a run of the audit trail: what a set of records looks like now against how it looked at a point
in time (the last approval of an archive, archive/review.py), field by field.

The change records since that point are folded per object: each field's first "before" against its last "after", so
a field changed and changed back is no change; an object created since shows its values as added, one deleted since
its values as they were, one created and deleted again nothing. The readable rows come from ChangeRecord.changed_fields
(choice labels, 是/否, a registration table's own fields), with every related name fetched in one query per related
model (display.fetch_related_names), so the cost does not grow with the number of records folded.
"""
import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from .display import fetch_related_names
from .models import ChangeRecord

ADDED, CHANGED, REMOVED = "added", "changed", "removed"

# What fold() reads of each record, in the order the records were made.
COLUMNS = ("content_type_id", "object_id", "object_repr", "before", "after", "time", "user_name")


@dataclass
class NetChange:
    """One object's net change: `before` None when it did not exist at the start, `after` None when it no longer does."""

    content_type_id: int
    object_id: str
    label: str  # the object as last recorded
    before: dict | None
    after: dict | None
    time: datetime.datetime  # the last change, and who made it
    user_name: str
    rows: list = field(default_factory=list)  # [(verbose name, before, after)], readable; filled by fold()

    @property
    def status(self):
        return ADDED if self.before is None else REMOVED if self.after is None else CHANGED

    @property
    def model(self):
        return ContentType.objects.get_for_id(self.content_type_id).model_class()


def fold(records, hidden=None):
    """The net changes of `records` (tuples of COLUMNS, oldest first), in the order their objects were first changed;
    `hidden` maps a content type id to the attnames never shown (bookkeeping the reader does not review). Objects
    whose net change is nothing are left out."""
    hidden = hidden or {}
    nets = {}
    for ct, object_id, label, before, after, time, user_name in records:
        if before is None and after is None:  # an export: no values
            continue
        net = nets.get((ct, object_id))
        if net is None:
            net = nets[ct, object_id] = NetChange(ct, object_id, label, None if before is None else {}, {}, time, user_name)
        if net.before is not None:
            for key, value in (before or {}).items():
                net.before.setdefault(key, value)  # the first "before" is the value at the start
        if after is None:
            net.after = None
        elif net.after is not None:
            net.after.update(after)
        net.label, net.time, net.user_name = label, time, user_name
    nets = [net for net in nets.values() if net.before is not None or net.after is not None]  # created, deleted: nothing
    return [net for net in _describe(nets, hidden) if net.rows]


def _describe(nets, hidden):
    """Fill each net change's readable rows through ChangeRecord.changed_fields, related names fetched in bulk."""
    records = []
    for net in nets:
        drop = hidden.get(net.content_type_id, ())
        before = {k: v for k, v in (net.before or {}).items() if k not in drop}
        after = {k: v for k, v in (net.after or {}).items() if k not in drop}
        if net.status == CHANGED:  # only what differs in the end, in the model's field order
            keys = [k for k in _field_order(net.model, {**before, **after}) if before.get(k) != after.get(k)]
            before, after = {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
        records.append(ChangeRecord(content_type=ContentType.objects.get_for_id(net.content_type_id),
                                    object_repr=net.label, before=before, after=after))
    fetch_related_names(records)
    for net, record in zip(nets, records, strict=True):
        net.rows = record.changed_fields if (record.before or record.after) else []
    return nets


def _field_order(model, keys):
    """`keys` (attnames) in the order of the model's fields (the order the forms show them), unknown ones last."""
    order = {f.attname: i for i, f in enumerate(model._meta.concrete_fields)} if model else {}
    return sorted(keys, key=lambda k: order.get(k, len(order)))
