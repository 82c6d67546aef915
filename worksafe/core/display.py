"""Turning stored values into what people read: choice labels, related names, 是/否, dates."""
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def display_value(field, value, related=None):
    """The readable form of `value` stored in `field` (a raw value, as kept in audit snapshots too).

    `related` maps (model, str(pk)) to names fetched beforehand (see `fetch_related_names`); without it a
    foreign key costs a query.
    """
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        # Audit snapshots keep ISO strings in UTC: show local time to the minute, as everywhere else.
        parsed = parse_datetime(value)
        return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M") if parsed else value
    if isinstance(field, models.ForeignKey):
        if related is not None:
            return related.get((field.related_model, str(value)), value)
        obj = field.related_model._default_manager.filter(pk=value).first()
        return str(obj) if obj else value
    return value


def fetch_related_names(changes):
    """Name the objects referred to in the before/after of `changes` (ChangeRecords) with one query per related
    model, so a page of history costs the same however many records and foreign keys it shows."""
    wanted = {}
    for change in changes:
        model = change.content_type.model_class()
        if model is None:
            continue
        fields = {f.attname: f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)}
        for values in (change.before or {}, change.after or {}):
            for key, value in values.items():
                if key in fields and value not in (None, ""):
                    wanted.setdefault(fields[key].related_model, set()).add(value)
    related = {}
    for model, pks in wanted.items():
        related.update({(model, str(obj.pk)): str(obj) for obj in model._default_manager.filter(pk__in=pks)})
    for change in changes:
        change.related_names = related
    return changes


def region_label(region):
    """The drop-down label of a region: unambiguous thanks to the code, readable thanks to the name."""
    return f"{region.name}（{region.code}）"


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


def paginate_changes(request, queryset):
    """A page of ChangeRecords, ready for includes/change_table.html."""
    from .listing import paginate

    page = paginate(request, queryset)
    page.object_list = fetch_related_names(list(page.object_list))
    return page
