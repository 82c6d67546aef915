"""Turning stored values into what people read: choice labels, related names, 是/否, dates."""
from django.db import models


def display_value(field, value):
    """The readable form of `value` stored in `field` (a raw value, as kept in audit snapshots too)."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.ForeignKey):
        obj = field.related_model._default_manager.filter(pk=value).first()
        return str(obj) if obj else value
    return value


def field_rows(obj, exclude=()):
    """[(verbose name, readable value)] for the concrete fields of `obj`, in model order."""
    rows = []
    for f in obj._meta.concrete_fields:
        if f.primary_key or f.name in exclude:
            continue
        if isinstance(f, models.ForeignKey):
            value = getattr(obj, f.name)
            rows.append((f.verbose_name, value if value is not None else "—"))
        else:
            rows.append((f.verbose_name, display_value(f, f.value_from_object(obj))))
    return rows
