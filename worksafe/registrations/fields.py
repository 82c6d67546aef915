"""The field types of a registration table schema (schemas/README.md).

A field knows, for its type: the Django form fields that take it in (its own, plus `<key>_other` / `<key>_unit`),
how a cleaned form value becomes the stored JSON value, how a stored value is read (page, history, PDF) and how it
goes into a spreadsheet column. Everything else in the engine is written once against this interface.
"""
import datetime
import decimal
import json
import re

from django import forms
from django.core.exceptions import ValidationError

OTHER = "其他"
EMPTY = (None, "", [])


def json_number(value):
    """A cleaned Decimal as JSON: 12 for 12.00, 12.5 for 12.50."""
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def number_text(value):
    if isinstance(value, float):
        return format(decimal.Decimal(repr(value)).normalize(), "f")
    return str(value)


class RadioOne(forms.RadioSelect):
    """A radio group that hands the field every value posted, so that two choices are refused, not half-read."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if isinstance(values, list):
            return values if len(values) > 1 else (values[0] if values else None)
        return values


class OneOf(forms.ChoiceField):
    widget = RadioOne

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            raise ValidationError("单选项只能选择一项。", code="multiple")
        return super().to_python(value)


class DateRange(forms.MultiValueField):
    widget = forms.MultiWidget(widgets=[forms.DateInput, forms.DateInput])

    def __init__(self, **kwargs):
        super().__init__(fields=(forms.DateField(required=False), forms.DateField(required=False)), require_all_fields=False, **kwargs)

    def compress(self, values):
        if not values or not any(values):
            return None
        start, end = values
        if not start or not end:
            raise ValidationError("请同时填写起止日期。", code="incomplete")
        if end < start:
            raise ValidationError("结束日期不能早于开始日期。", code="order")
        return [start.isoformat(), end.isoformat()]


COORDINATE = re.compile(
    r"^(?P<d>\d+(?:\.\d+)?)\s*(?:(?:°|度)\s*)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:′|'|分)?\s*(?:(?P<s>\d+(?:\.\d+)?)\s*(?:″|\"|''|秒)?)?)?$"
)


def parse_coordinate(text):
    """Decimal degrees from "34.756806", "34°45′24.5″", "34 45 24.5" or "34度45分24.5秒"; ValueError otherwise."""
    match = COORDINATE.match(text.strip().replace("＇", "'").replace("＂", '"').replace("’", "'").replace("”", '"'))
    if not match:
        raise ValueError(text)
    d, m, s = (decimal.Decimal(match[g] or 0) for g in "dms")
    if (match["m"] and d != d.to_integral_value()) or m >= 60 or s >= 60:
        raise ValueError(text)
    return float(round(d + m / 60 + s / 3600, 6))


def dms(value):
    total = round(abs(decimal.Decimal(repr(value))) * 3600, 2)
    d, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{int(d)}°{int(m)}′{s:05.2f}″"


class Coordinate(forms.CharField):
    def __init__(self, axis, **kwargs):
        self.limit = 90 if axis == "lat" else 180
        super().__init__(max_length=40, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            degrees = parse_coordinate(value)
        except (ValueError, decimal.InvalidOperation):
            raise ValidationError("请填写十进制度数（如 34.756806）或度分秒（如 34°45′24.5″）。", code="invalid") from None
        if degrees > self.limit:
            raise ValidationError(f"不能大于 {self.limit}°。", code="max_value")
        return degrees


class Field:
    """One field of a table (or of a group); built by schema.load from its YAML mapping."""

    type = "text"
    template = "text"

    def __init__(self, spec, path):
        self.spec = spec
        self.key = spec["key"]
        self.label = spec["label"]
        self.required = bool(spec.get("required", False))
        self.help = spec.get("help", "")
        self.when = {k: v if isinstance(v, list) else [v] for k, v in (spec.get("when") or {}).items()}
        self.unit = spec.get("unit", "")
        self.initial_from = spec.get("initial_from")
        self.path = path  # "尾矿库信息 · 尾矿库名称": where an error is, in messages

    @property
    def when_json(self):
        return json.dumps(self.when, ensure_ascii=False)

    @property
    def wide(self):
        """Takes a whole line of the form."""
        return False

    # -- form
    def form_fields(self):
        """{form field name: Django field} for this field."""
        return {self.key: self.form_field()}

    def form_field(self):
        return forms.CharField(max_length=self.spec.get("max_length", 200), required=self.required)

    def to_storage(self, cleaned):
        """The stored {key: value} from the cleaned form values (empty values are not stored)."""
        value = cleaned.get(self.key)
        if isinstance(value, str):
            value = value.strip()
        return {} if value in EMPTY else {self.key: value}

    def initial(self, data):
        """Form initial values from stored data."""
        return {k: data[k] for k in self.storage_keys() if k in data}

    def storage_keys(self):
        return [self.key]

    def shown(self, data):
        """Whether the field applies, given the values of the fields its `when` refers to."""
        for key, wanted in self.when.items():
            value = data.get(key)
            values = value if isinstance(value, list) else [value]
            if not any(v in wanted for v in values):
                return False
        return True

    # -- reading
    def text(self, data):
        """The stored value as people read it ("" when empty)."""
        value = data.get(self.key)
        return "" if value in EMPTY else str(value)

    def header(self):
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    def cells(self, data):
        """[(column header, cell value)] of this field in a one-row-per-record sheet."""
        return [(self.header(), self.text(data) or None)]


class Textarea(Field):
    type = template = "textarea"
    wide = True

    def form_field(self):
        return forms.CharField(max_length=self.spec.get("max_length", 2000), required=self.required, widget=forms.Textarea)


class Integer(Field):
    type = "integer"
    template = "number"

    def form_field(self):
        minimum = self.spec.get("min", 0)
        return forms.IntegerField(min_value=minimum, max_value=self.spec.get("max", 2**31 - 1), required=self.required)

    def text(self, data):
        value = data.get(self.key)
        return "" if value is None else f"{value}{' ' + self.unit if self.unit else ''}"

    def cells(self, data):
        return [(self.header(), data.get(self.key))]


class Number(Field):
    type = "number"
    template = "number"

    def __init__(self, spec, path):
        super().__init__(spec, path)
        self.units = spec.get("units") or []

    def form_fields(self):
        fields = {self.key: self.form_field()}
        if self.units:
            fields[f"{self.key}_unit"] = forms.ChoiceField(choices=[(u, u) for u in self.units], required=False)
        return fields

    def form_field(self):
        decimals = self.spec.get("decimals", 4)
        return forms.DecimalField(
            min_value=self.spec.get("min", 0), max_value=self.spec.get("max"), max_digits=14 + decimals,
            decimal_places=decimals, required=self.required,
        )

    def to_storage(self, cleaned):
        value = cleaned.get(self.key)
        if value is None:
            return {}
        out = {self.key: json_number(value)}
        if self.units:
            out[f"{self.key}_unit"] = cleaned.get(f"{self.key}_unit") or self.units[0]
        return out

    def storage_keys(self):
        return [self.key, f"{self.key}_unit"] if self.units else [self.key]

    def unit_of(self, data):
        return data.get(f"{self.key}_unit", self.units[0]) if self.units else self.unit

    def text(self, data):
        value = data.get(self.key)
        if value is None:
            return ""
        unit = self.unit_of(data)
        return f"{number_text(value)}{' ' + unit if unit else ''}"

    def cells(self, data):
        cells = [(self.header(), data.get(self.key))]
        if self.units:
            cells.append((f"{self.label}单位", data.get(f"{self.key}_unit") if self.key in data else None))
        return cells


class Date(Field):
    type = template = "date"

    def form_field(self):
        return forms.DateField(required=self.required)

    def to_storage(self, cleaned):
        value = cleaned.get(self.key)
        return {self.key: value.isoformat()} if value else {}

    def cells(self, data):
        value = data.get(self.key)
        return [(self.header(), datetime.date.fromisoformat(value) if value else None)]


class DateRangeType(Field):
    type = template = "daterange"

    def form_field(self):
        return DateRange(required=self.required)

    def text(self, data):
        value = data.get(self.key)
        return f"{value[0]} 至 {value[1]}" if value else ""

    def cells(self, data):
        value = data.get(self.key) or [None, None]
        return [(f"{self.label}（起）", value[0] and datetime.date.fromisoformat(value[0])),
                (f"{self.label}（止）", value[1] and datetime.date.fromisoformat(value[1]))]


class Choice(Field):
    """○ single choice; with `other`, 其他 takes free text (stored under <key>_other)."""

    type = "choice"
    template = "choice"
    widget = "radio"

    def __init__(self, spec, path, options=None):
        super().__init__(spec, path)
        self.options_from = spec.get("options_from")
        self._options = options if options is not None else spec.get("options")
        self.other = bool(spec.get("other", False))

    @property
    def choices(self):
        """[(stored value, what the form shows)]: reference data shows more than it stores (氯（CAS 7782-50-5）)."""
        if self._options is None:
            from worksafe.core import reference

            return reference.option_choices(self.options_from) + ([(OTHER, OTHER)] if self.other else [])
        return [(o, o) for o in self._options] + ([(OTHER, OTHER)] if self.other and OTHER not in self._options else [])

    @property
    def options(self):
        return [value for value, _ in self.choices]

    @property
    def wide(self):
        return self.many or self.other or len("".join(self.options)) > 16

    @property
    def many(self):
        """Long lists (reference data) render as a searchable list rather than a row of buttons."""
        return len(self.options) > 12

    def form_fields(self):
        fields = {self.key: self.form_field()}
        if self.other:
            fields[f"{self.key}_other"] = forms.CharField(max_length=200, required=False)
        return fields

    def form_field(self):
        return OneOf(choices=self.choices, required=self.required)

    def storage_keys(self):
        return [self.key, f"{self.key}_other"] if self.other else [self.key]

    def chose_other(self, value):
        return self.other and (value == OTHER or (isinstance(value, list) and OTHER in value))

    def to_storage(self, cleaned):
        out = super().to_storage(cleaned)
        if out and self.chose_other(out[self.key]):
            other = (cleaned.get(f"{self.key}_other") or "").strip()
            if not other:
                raise ValidationError({f"{self.key}_other": "选择“其他”时请填写具体内容。"})
            out[f"{self.key}_other"] = other
        return out

    def text(self, data):
        value = data.get(self.key)
        if value in EMPTY:
            return ""
        values = value if isinstance(value, list) else [value]
        other = data.get(f"{self.key}_other")
        return "、".join(f"{OTHER}：{other}" if v == OTHER and other else v for v in values)

    def marks(self, data):
        """[(option, ticked)] with the other text, for the paper layout: ●/○, ☑/☐."""
        value = data.get(self.key)
        values = value if isinstance(value, list) else [value]
        return [(f"{o}：{data.get(f'{self.key}_other')}" if o == OTHER and o in values else o, o in values) for o in self.options]


class YesNo(Choice):
    type = "yesno"

    def __init__(self, spec, path):
        super().__init__(spec, path, options=["是", "否"])


class Multi(Choice):
    """□ multiple choice."""

    type = "multi"
    widget = "checkbox"

    def form_field(self):
        return forms.MultipleChoiceField(choices=self.choices, required=self.required)


class CoordinateType(Field):
    type = "coordinate"
    template = "text"

    def form_field(self):
        return Coordinate(self.spec["axis"], required=self.required)

    def text(self, data):
        value = data.get(self.key)
        return "" if value is None else f"{dms(value)}（{number_text(value)}°）"

    def cells(self, data):
        return [(f"{self.label}（°）", data.get(self.key))]


class Group(Field):
    """A repeating group: a list of blocks, each with the group's own fields."""

    type = "group"
    template = "group"

    def __init__(self, spec, path, fields):
        super().__init__(spec, path)
        self.item = spec.get("item", self.label)
        self.fields = fields
        self.max = spec.get("max", 50)

    def form_fields(self):
        return {}

    def initial(self, data):
        return {}

    def rows(self, data):
        return data.get(self.key) or []

    def text(self, data):
        """One line per block: "1. 类型：主井；名称：1号井 ..."."""
        return "\n".join(f"{n}. {self.block_text(row)}" for n, row in enumerate(self.rows(data), start=1))

    def block_text(self, row):
        return "；".join(f"{f.label}：{text}" for f in self.fields if (text := f.text(row)))

    def cells(self, data):
        return [(f"{self.label}（{self.item}数）", len(self.rows(data))), (self.label, self.text(data) or None)]


TYPES = {cls.type: cls for cls in (Field, Textarea, Integer, Number, Date, DateRangeType, Choice, YesNo, Multi, CoordinateType)}
TYPES["group"] = Group
