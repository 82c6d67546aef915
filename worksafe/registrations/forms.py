"""One form for any registration table: a Django form for the table's own fields and a formset per repeating group,
built from the schema, validated together, giving the JSON to store or field-level Chinese errors."""
from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory

from .fields import Group, Number


class SchemaForm(forms.Form):
    """The fields of a table or of one block of a group; `schema_fields` is set by `form_class`."""

    schema_fields = ()

    def clean(self):
        cleaned = super().clean()
        stored = {}
        for f in self.schema_fields:
            if isinstance(f, Group):
                continue
            names = f.form_fields()
            if not f.shown(stored):
                # Not applicable (矿山工程名称 when not part of a mine project): neither checked nor kept.
                for name in names:
                    self._errors.pop(name, None)
                continue
            if any(name in self._errors for name in names):
                continue
            try:
                stored.update(f.to_storage(cleaned))
            except ValidationError as e:
                self.add_error(None, e)
        self.stored = stored
        return cleaned


def form_class(fields):
    attrs = {"schema_fields": fields}
    for f in fields:
        for name, field in f.form_fields().items():
            field.label = f.label if name == f.key else {"_other": f"{f.label}（其他）", "_unit": f"{f.label}单位"}[name[len(f.key):]]
            if isinstance(f, Number) and name.endswith("_unit"):
                field.initial = f.units[0]
            attrs[name] = field
    return type("SchemaForm", (SchemaForm,), attrs)


def initial(fields, stored):
    out = {}
    for f in fields:
        out.update(f.initial(stored))
    return out


def as_post(table, stored):
    """The POST a person filling in `stored` by hand would send (tests; the inverse of TableForm)."""
    def put(out, fields, data, prefix=""):
        for f in fields:
            if isinstance(f, Group):
                continue
            for key in f.storage_keys():
                value = data.get(key)
                if value is None:
                    continue
                if f.type == "daterange" and key == f.key:
                    out[f"{prefix}{key}_0"], out[f"{prefix}{key}_1"] = value
                else:
                    out[f"{prefix}{key}"] = value if isinstance(value, list) else str(value)

    out = {}
    put(out, table.fields, stored)
    for g in table.groups:
        rows = g.rows(stored)
        out.update({f"{g.key}-TOTAL_FORMS": str(len(rows)), f"{g.key}-INITIAL_FORMS": "0"})
        for n, row in enumerate(rows):
            put(out, g.fields, row, f"{g.key}-{n}-")
    return out


class TableForm:
    """The table's form and its groups' formsets, bound to one POST."""

    def __init__(self, table, data=None, stored=None):
        stored = stored or {}
        self.table = table
        self.main = form_class(table.fields)(data, initial=initial(table.fields, stored))
        self.formsets = {}
        for g in table.groups:
            FormSet = formset_factory(
                form_class(g.fields), extra=0, can_delete=True, max_num=g.max, absolute_max=g.max, validate_max=True
            )
            # The stored blocks fill the page; a POST stands on its own (as initial values they would make a re-posted
            # block look "unchanged", hence blank, and drop it).
            rows = None if data is not None else [initial(g.fields, row) for row in g.rows(stored)]
            self.formsets[g.key] = FormSet(data, prefix=g.key, initial=rows)
        self.stored = None

    def shown_groups(self):
        """The groups that apply, given the table's own fields (the main form must have been cleaned)."""
        return [g for g in self.table.groups if g.shown(getattr(self.main, "stored", {}))]

    def is_valid(self):
        valid = self.main.is_valid()
        groups = self.shown_groups()  # a group that does not apply is neither checked nor kept
        valid = all([self.formsets[g.key].is_valid() for g in groups]) and valid
        if not valid:
            return False
        stored = dict(self.main.stored)
        for g in groups:
            formset = self.formsets[g.key]
            # Blocks added and left blank are not validated (no `stored`); deleted ones are dropped.
            rows = [form.stored for form in formset.forms if form not in formset.deleted_forms and getattr(form, "stored", None)]
            if rows:
                stored[g.key] = rows
        self.stored = stored
        return True

    def errors(self):
        """[(where, message)]: every problem, named by section, field and block ("竖井 第2个 · 井底标高")."""
        out = []
        by_name = {}
        for f in self.table.fields:
            for name in f.form_fields():
                by_name[name] = f.path
        for name, messages in self.main.errors.items():
            out += [(by_name.get(name, self.table.title), m) for m in messages]
        for g in self.shown_groups():
            formset = self.formsets[g.key]
            out += [(g.path, m) for m in formset.non_form_errors()]
            inner = {name: f.label for f in g.fields for name in f.form_fields()}
            for n, form in enumerate(formset.forms, start=1):
                for name, messages in form.errors.items():
                    out += [(f"{g.path} 第{n}个{g.item}" + (f" · {inner[name]}" if name in inner else ""), m) for m in messages]
        return out

    def layout(self):
        """[(section title, [row])] for the template; a row binds a schema field to its inputs."""
        return [(title, [self._row(self.main, f) for f in fields]) for title, fields in self.table.sections]

    def _row(self, form, f):
        if isinstance(f, Group):
            formset = self.formsets[f.key]
            return {"f": f, "formset": formset, "blocks": [[self._row(b, g) for g in f.fields] for b in formset.forms],
                    "empty": [self._row(formset.empty_form, g) for g in f.fields]}
        row = {"f": f, "bf": form[f.key]}
        for suffix in ("other", "unit"):
            if f"{f.key}_{suffix}" in form.fields:
                row[suffix] = form[f"{f.key}_{suffix}"]
        return row
