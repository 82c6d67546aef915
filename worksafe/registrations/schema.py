"""Registration tables declared as data: reading and checking schemas/*.yaml (format: schemas/README.md).

`tables()` are all tables, `get(key)` one, `for_industry(code)` those an enterprise of that industry fills in.
`python -m worksafe.registrations.schema` checks every file and prints what is wrong, where.
"""
import datetime
import decimal
import re
import sys
from functools import cache, cached_property
from pathlib import Path

import yaml

from worksafe.core import reference

from .fields import EMPTY, TYPES, Choice, Group, json_number

SCHEMAS = Path(__file__).parent / "schemas"
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
GROUP_COLUMNS = 7  # a group with more fields than this shows each block as a list, not as a table row
TABLE_KEYS = {"key", "title", "short", "form", "industries", "notes", "sections"}
FIELD_KEYS = {
    "key", "label", "type", "required", "help", "when", "unit", "units", "min", "max", "decimals", "max_length",
    "options", "options_from", "other", "axis", "item", "fields", "initial_from",
}


class SchemaError(ValueError):
    pass


class Table:
    def __init__(self, spec, source):
        self.source = source
        self.key, self.title, self.short, self.form = spec["key"], spec["title"], spec["short"], spec.get("form", "")
        self.industries = [str(code) for code in spec["industries"]]
        self.notes = spec.get("notes") or []
        self.sections = [(s["title"], [build(f, s["title"]) for f in s["fields"]]) for s in spec["sections"]]
        self.fields = [f for _, fields in self.sections for f in fields]

    def __str__(self):
        return self.title

    @cached_property
    def groups(self):
        return [f for f in self.fields if isinstance(f, Group)]

    def initial_from(self, enterprise):
        """Values an empty table starts with, taken from the enterprise's archive."""
        out = {}
        for f in self.fields:
            value = getattr(enterprise, f.initial_from, None) if f.initial_from else None
            if isinstance(value, decimal.Decimal):
                value = json_number(value)
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            if value not in EMPTY:
                out[f.key] = value
        return out

    def readable(self, data):
        """[(section title, [row])] of stored `data` for the archive page. A row is {"f", "text"} for a field, and for a
        group {"f", "headers", "rows"} (a table) or, when a block has too many fields for one line, {"f", "blocks"}."""
        out = []
        for title, fields in self.sections:
            rows = []
            for f in fields:
                if not f.shown(data):
                    continue
                if isinstance(f, Group):
                    items = f.rows(data)
                    row = {"f": f, "count": len(items)}
                    if len(f.fields) <= GROUP_COLUMNS:
                        row.update(headers=[g.header() for g in f.fields], rows=[[g.text(item) for g in f.fields] for item in items])
                    else:
                        row["blocks"] = [[(g.label, g.text(item)) for g in f.fields if g.shown(item) and g.text(item)] for item in items]
                    rows.append(row)
                else:
                    rows.append({"f": f, "text": f.text(data)})
            if rows:  # 闭库 of a pond in use: nothing applies, no heading
                out.append((title, rows))
        return out

    def paper(self, data):
        """Like `readable`, for the printed form: choices show every option, ticked or not (●/○, ☑/☐)."""
        out = []
        for title, rows in self.readable(data):
            for row in rows:
                f = row["f"]
                if hasattr(f, "marks") and not f.many:
                    row["marks"] = f.marks(data)
            out.append((title, rows))
        return out

    def describe_changes(self, before, after):
        """[(where, old text, new text)] for what differs between two stored versions, blocks of a group by number."""
        rows = []
        for f in self.fields:
            if isinstance(f, Group):
                old_rows, new_rows = f.rows(before), f.rows(after)
                for n in range(max(len(old_rows), len(new_rows))):
                    old = old_rows[n] if n < len(old_rows) else None
                    new = new_rows[n] if n < len(new_rows) else None
                    where = f"{f.label} 第{n + 1}个{f.item}"
                    if old is None or new is None:
                        rows.append((where, old and f.block_text(old) or "—", new and f.block_text(new) or "—"))
                        continue
                    rows += [(f"{where} · {g.label}", g.text(old) or "—", g.text(new) or "—")
                             for g in f.fields if g.text(old) != g.text(new)]
            elif f.text(before) != f.text(after):
                rows.append((f.label, f.text(before) or "—", f.text(after) or "—"))
        return rows


def build(spec, where):
    kind = spec.get("type", "text")
    path = f"{where} · {spec.get('label', spec.get('key'))}"
    if kind == "group":
        return Group(spec, path, [build(f, path) for f in spec.get("fields") or []])
    return TYPES[kind](spec, path)


def check(spec, source, industries):
    """Raise SchemaError naming the file and the field for anything the engine could not handle."""
    def fail(message):
        raise SchemaError(f"{source}: {message}")

    if not isinstance(spec, dict):
        fail("文件内容应为一个表定义（mapping）。")
    missing = {"key", "title", "short", "industries", "sections"} - set(spec)
    if missing:
        fail(f"缺少 {', '.join(sorted(missing))}。")
    if set(spec) - TABLE_KEYS:
        fail(f"无法识别的项：{', '.join(sorted(set(spec) - TABLE_KEYS))}。")
    if not KEY.match(str(spec["key"])):
        fail(f"key “{spec['key']}” 只能由小写字母、数字、下划线组成。")
    for code in spec["industries"]:
        if str(code) not in industries:
            fail(f"industries: 行业代码 {code} 不存在（core/data/industries.csv）。")
    if not spec["sections"]:
        fail("sections 为空。")
    seen = {}
    for section in spec["sections"]:
        if not section.get("title") or not section.get("fields"):
            fail("每个 section 须有 title 和 fields。")
        for field in section["fields"]:
            check_field(field, f"{section['title']}", seen, fail, nested=False)


def check_field(field, where, seen, fail, nested):
    if not isinstance(field, dict) or "key" not in field or "label" not in field:
        fail(f"{where}: 每个字段须有 key 和 label：{field!r}")
    key, kind = field["key"], field.get("type", "text")
    where = f"{where} · {field['label']}（{key}）"
    if not KEY.match(str(key)):
        fail(f"{where}: key 只能由小写字母、数字、下划线组成。")
    if set(field) - FIELD_KEYS:
        fail(f"{where}: 无法识别的项 {', '.join(sorted(set(field) - FIELD_KEYS))}。")
    if kind not in TYPES:
        fail(f"{where}: 未知类型 {kind}（可用：{', '.join(TYPES)}）。")
    aux = {"choice": ["_other"], "multi": ["_other"], "number": ["_unit"]}.get(kind, [])
    for name in [key, *(key + suffix for suffix in aux)]:
        if name in seen:
            fail(f"{where}: key {name} 重复。")
    if kind in ("choice", "multi"):
        if bool(field.get("options")) == bool(field.get("options_from")):
            fail(f"{where}: 须给出 options 或 options_from 之一。")
        if field.get("options_from") and field["options_from"] not in reference.OPTION_LISTS:
            fail(f"{where}: options_from 只能是 {', '.join(reference.OPTION_LISTS)}。")
    if kind == "coordinate" and field.get("axis") not in ("lat", "lon"):
        fail(f"{where}: coordinate 须有 axis: lat 或 lon。")
    if "unit" in field and "units" in field:
        fail(f"{where}: unit 与 units 只能用一个。")
    for other, values in (field.get("when") or {}).items():
        target = seen.get(other)
        if target is None:
            fail(f"{where}: when 引用的字段 {other} 不在此字段之前（同一表或同一组内）。")
        if target.get("type") not in ("choice", "multi", "yesno"):
            fail(f"{where}: when 只能引用选择类字段，{other} 不是。")
        options = Choice(target, "").options if target.get("type") in ("choice", "multi") else ["是", "否"]
        for value in values if isinstance(values, list) else [values]:
            if value not in options:
                fail(f"{where}: when 中的“{value}”不是 {other} 的选项。")
    if kind == "group":
        if nested:
            fail(f"{where}: 组内不能再嵌套组。")
        if not field.get("fields"):
            fail(f"{where}: 组须有 fields。")
        inner = {}
        for sub in field["fields"]:
            check_field(sub, where, inner, fail, nested=True)
    seen.update({name: field for name in [key, *(key + suffix for suffix in aux)]})


def load(path, industries=None):
    if industries is None:
        industries = {row["code"] for row in reference.read_csv(reference.DATA / "industries.csv")}
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise SchemaError(f"{path.name}: 不是有效的 YAML：{e}") from None
    check(spec, path.name, industries)
    return Table(spec, path.name)


@cache
def tables():
    """Every table, in the order of their first industry code."""
    found = [load(path) for path in sorted(SCHEMAS.glob("*.yaml"))]
    for what, values in (("key", [t.key for t in found]), ("title", [t.title for t in found])):
        duplicate = {v for v in values if values.count(v) > 1}
        if duplicate:  # the key is stored, the title names the table in the change history (models.describe_changes)
            raise SchemaError(f"表 {what} 重复：{', '.join(sorted(duplicate))}")
    return sorted(found, key=lambda t: (t.industries[0], t.key))


def get(key):
    return next((t for t in tables() if t.key == key), None)


def for_industry(code):
    return [t for t in tables() if code in t.industries]


if __name__ == "__main__":
    errors = 0
    for path in sorted(SCHEMAS.glob("*.yaml")):
        try:
            table = load(path)
        except SchemaError as e:
            errors += 1
            print(e)
        else:
            print(f"{path.name}: {table.title}, {len(table.fields)} 个字段, {len(table.groups)} 个重复组")
    sys.exit(1 if errors else 0)
