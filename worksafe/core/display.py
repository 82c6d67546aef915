"""Turning stored values into what people read: choice labels, related names, 是/否, dates, masked phone numbers."""
import re

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
        fields |= {f.column: f for f in fields.values()}  # older snapshots of a column that became a foreign key
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


_MASK = "****"


def mask_phone(number):
    """A phone number as shown to those who may not see it in full (通讯录, seed 001 七 1.3.9), as Chinese sites mask
    them: enough to recognise a number one already knows, too little to call it.

    - a mobile (11 digits from 1, optionally after +86, 86 or 0086): the first 3 and the last 4 digits, 138****1234;
    - a landline with its area code (010 and 02x have three digits, the others four; with or without the hyphen):
      the area code and the last 4 digits of the number, 0371-****5678; an extension is left out;
    - any other number of at least 7 digits (a local number without area code, a 400 line): the last 4, ****5678;
    - anything shorter or without digits: **** (nothing of it shown); an empty value stays empty.
    The mask is always four stars, so it does not tell the number's length either."""
    value = (number or "").strip()
    if not value:
        return ""
    digits = "".join(c for c in value if c.isdigit())
    for country in ("0086", "86"):
        if len(digits) == 11 + len(country) and digits.startswith(country + "1"):
            digits = digits[len(country):]
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}{_MASK}{digits[-4:]}"
    # A landline: its extension (0371-12345678-123, …转123) is left out.
    main = re.split(r"转|分机|ext|[xX#]", value)[0]
    parts = [p for p in re.split(r"[-\s]+", main) if p]
    if parts and re.fullmatch(r"0[1-9]\d{1,2}", parts[0]) and len(parts) >= 2 and parts[1].isdigit():
        area, local = parts[0], parts[1]
    else:
        # 037112345678 (-123): the area code runs into the number; a part after it is the extension.
        whole = parts[0] if parts and parts[0].isdigit() and len(parts[0]) >= 10 else main
        number_digits = "".join(c for c in whole if c.isdigit())
        width = 3 if number_digits.startswith(("010", "02")) else 4
        area, local = number_digits[:width], number_digits[width:]
    if re.fullmatch(r"0[1-9]\d{1,2}", area) and 7 <= len(local) <= 8:
        return f"{area}-{_MASK}{local[-4:]}"
    if len(digits) >= 7:
        return f"{_MASK}{digits[-4:]}"
    return _MASK


def shown_phone(number, full):
    """`number` in full where `full`, else masked (mask_phone): the one switch every page showing others' numbers uses."""
    return (number or "") if full else mask_phone(number)
