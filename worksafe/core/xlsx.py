"""xlsx import and export, driven by one column spec per importable model.

A `Spec` is a list of `Column`s plus the natural key. From it come:

- `template()`: the workbook users download and fill in. Sheet 1 carries the headers (drop-down lists on
  choice columns; long lists live on a hidden sheet), sheet 2 ("填写说明") explains every column.
- `export(objects)`: the same columns filled from objects (write-only mode, so tens of thousands of rows
  stay cheap), which can be edited and imported again.
- `read(uploaded_file)`: the checked, parsed rows of an uploaded file and the errors found, each error
  with the row number the user sees in Excel, the column header and the reason (第N行 字段: 原因).

`read` only parses cells; what needs the database or the user (lookups, scope, uniqueness, model
validation, writing) belongs to the app's importer, which reports its own errors through `Spec.error`.
"""
import datetime
import decimal
import logging
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import xlsx_bounds
from .responses import file_response

logger = logging.getLogger(__name__)

MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HELP_SHEET = "填写说明"
CHOICES_SHEET = "选项"
INVALID_FILE = "文件不是有效的 xlsx 文件"
TOO_COMPLEX = "文件过大或过于复杂，无法读取，请删除多余的内容或拆分后分批导入"
EXCEL_MAX_COLUMN = 16_384  # XFD: the header row is read at most this wide
EXCEL_MAX_ROW = 1_048_576  # rows numbered past Excel's last are not read (openpyxl would count up to any number)
HEADER_SLACK = 20  # header cells this far right of the template's columns are still matched (and named if unknown)
# Excel refuses inline list formulas longer than 255 characters; longer lists go to the hidden sheet.
INLINE_LIST_MAX = 255
ERRORS_SHOWN = 200  # an import page lists this many of a file's errors and counts the rest

HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


class RowError:
    """One problem found in an uploaded file: `row` is the Excel row number (None for the whole file)."""

    __slots__ = ("row", "field", "message", "position")

    def __init__(self, row, field, message, position=0):
        self.row, self.field, self.message, self.position = row, field, message, position

    def __str__(self):
        if self.row is None:
            return f"{self.field}: {self.message}" if self.field else self.message
        return f"第{self.row}行 {self.field}: {self.message}"

    def __repr__(self):
        return f"<RowError {self}>"

    @property
    def sort_key(self):
        return (self.row or 0, self.position)


class Row(dict):
    """The parsed values of one data row keyed by field name.

    `number` is the Excel row number; `failed` holds the fields whose cells could not be parsed (their
    values are missing from the dict, and later checks should skip them rather than report them twice).
    """

    def __init__(self, number):
        super().__init__()
        self.number = number
        self.failed = set()


# Cell parsers: take a non-blank cell value (str already stripped), return the Python value or raise
# ValueError / ValidationError with a Chinese message.


def cell_text(value):
    """A cell as text: 13800000000.0 typed as a number becomes "13800000000", a date "2020-01-31"."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def parse_integer(value):
    if isinstance(value, bool):
        raise ValueError("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("应为整数")
    text = cell_text(value).replace(",", "")
    if not re.fullmatch(r"[+-]?\d+(\.0*)?", text):
        raise ValueError("应为整数")
    return int(text.split(".")[0])


def decimal_parser(places=None):
    """Decimals, rounded half-up to `places` digits after the point (the model field's precision)."""
    quantum = decimal.Decimal(1).scaleb(-places) if places is not None else None

    def parse(value):
        if isinstance(value, bool):
            raise ValueError("应为数字")
        try:
            number = decimal.Decimal(str(value) if isinstance(value, float) else cell_text(value).replace(",", ""))
        except decimal.InvalidOperation:
            raise ValueError("应为数字") from None
        if not number.is_finite():
            raise ValueError("应为数字")
        return number.quantize(quantum, decimal.ROUND_HALF_UP) if quantum is not None else number

    return parse


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def parse_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("日期格式错误，应为 YYYY-MM-DD，例如 2020-01-31")


def choice_parser(choices):
    """Map a label (or the stored value itself) to the stored value."""
    lookup = {}
    for value, label in choices:
        lookup[str(label)] = value
        lookup.setdefault(str(value), value)
    labels = "、".join(str(label) for _, label in choices)

    def parse(value):
        if isinstance(value, bool) and value in lookup.values():
            return value
        text = cell_text(value)
        if text in lookup:
            return lookup[text]
        raise ValueError(f"应为以下之一：{labels}")

    return parse


@dataclass
class Column:
    """One spreadsheet column.

    header       the Chinese header, exactly as in the template
    field        the key of the parsed value in each row (usually the model field name)
    required     a blank cell is an error; otherwise it gives `default`
    choices      (value, label) pairs, or a callable(context) returning them when they depend on the user;
                 labels become the drop-down list and are accepted on import
    strict       the drop-down refuses other entries (False where codes may also be typed)
    parse        cell value → Python value (raise ValueError/ValidationError); defaults to the choices or text
    format       object → cell value for exports; defaults to the attribute named `field`
    help         the explanation on the 填写说明 sheet; `format_help` describes the expected format
    export_only  written by exports, ignored (and optional) on import
    optional     the column may be left out of a file; a file without it gives rows without the field (so the
                 importer can keep what it holds), a blank cell in it gives `default` as usual
    """

    header: str
    field: str
    required: bool = False
    choices: Any = None
    strict: bool = True
    parse: Callable | None = None
    format: Callable | None = None
    help: str = ""
    format_help: str = ""
    example: str = ""
    default: Any = ""
    width: int = 16
    number_format: str = "@"
    export_only: bool = False
    optional: bool = False

    def __post_init__(self):
        if self.parse is None:
            if self.choices is not None and not callable(self.choices):
                self.parse = choice_parser(self.choices)
            else:
                self.parse = cell_text
        if self.format is None:
            if self.choices is not None and not callable(self.choices):
                labels = {value: label for value, label in self.choices}
                self.format = lambda obj, f=self.field: labels.get(getattr(obj, f), getattr(obj, f))
            else:
                self.format = lambda obj, f=self.field: getattr(obj, f)

    def choice_list(self, context=None):
        if self.choices is None:
            return []
        return list(self.choices(context) if callable(self.choices) else self.choices)

    def blank_value(self):
        return self.default() if callable(self.default) else self.default

    @classmethod
    def for_field(cls, model, name, **overrides):
        """A column for model field `name`: header, requiredness, choices, parsing and help from the field."""
        f = model._meta.get_field(name)
        kw = {
            "header": str(f.verbose_name), "field": name, "help": str(f.help_text or ""),
            "required": not f.blank and not f.has_default() and not isinstance(f, models.BooleanField),
        }
        if f.has_default():
            kw["default"] = f.get_default()
        elif f.null:
            kw["default"] = None
        if isinstance(f, models.BooleanField):
            kw.update(choices=[(True, "是"), (False, "否")], format_help="是 / 否", width=10, number_format="General")
            kw.setdefault("default", False)
        elif f.choices:
            kw.update(choices=list(f.flatchoices), format_help="从下拉列表选择", width=12)
        elif isinstance(f, (models.IntegerField,)):
            kw.update(parse=parse_integer, format_help="整数", width=10, number_format="0")
        elif isinstance(f, models.DecimalField):
            kw.update(parse=decimal_parser(f.decimal_places), format_help=f"数字，保留 {f.decimal_places} 位小数",
                      number_format="General")
        elif isinstance(f, models.DateField):
            kw.update(parse=parse_date, format_help="日期，如 2020-01-31", width=12, number_format="yyyy-mm-dd")
        elif isinstance(f, models.CharField):
            kw.update(format_help=f"文本，最多 {f.max_length} 字" if f.max_length else "文本", width=min(40, max(12, (f.max_length or 20) // 4)))
        if isinstance(f, models.ForeignKey):
            kw["format"] = lambda obj, n=name: str(getattr(obj, n) or "")
        kw.update(overrides)
        return cls(**kw)


def human_size(n):
    """10 MB, 7.2 KB, 300 字节: at most one decimal, none when whole."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{round(n / size, 1):g} {unit}"
    return f"{n} 字节"


FULL_WIDTH = str.maketrans({"（": "(", "）": ")"})


def normalize_header(value):
    """A header as typed, without spaces, the required-marker "*" and full-width parentheses."""
    return re.sub(r"\s+", "", cell_text(value)).rstrip("*＊").translate(FULL_WIDTH) if value is not None else ""


class Spec:
    """The columns of one importable model, its natural key, and the template, export and read built on them.

    `notes` are the general instructions at the top of the 填写说明 sheet (strings, or callables for text
    that depends on settings). `context` (e.g. {"user": ...}) is passed to callable column choices.
    """

    def __init__(self, columns, key, title="数据", notes=()):
        self.columns = list(columns)
        self.key = key
        self.title = title
        self.notes = list(notes)
        self.import_columns = [c for c in self.columns if not c.export_only]
        self.by_field = {c.field: c for c in self.columns}
        self._position = {c.field: i for i, c in enumerate(self.columns)}
        assert key in self.by_field, "the key must be a column"

    def error(self, row, field, message):
        """A RowError for `field` (a field name) in Excel row `row`."""
        column = self.by_field.get(field)
        return RowError(row, column.header if column else field, message, self._position.get(field, -1))

    def check_duplicates(self, rows, errors):
        """Report rows repeating an earlier row's natural key (and mark their key as failed)."""
        first = {}
        for row in rows:
            value = row.get(self.key)
            if self.key in row.failed or value in (None, ""):
                continue
            if value in first:
                errors.append(self.error(row.number, self.key, f"与第{first[value]}行重复"))
                row.failed.add(self.key)
            else:
                first[value] = row.number
        return first

    # Template -----------------------------------------------------------------------------------------

    def template(self, context=None):
        """The workbook users fill in: headers and drop-downs, 填写说明, and a hidden sheet of long lists."""
        wb = Workbook()
        ws = wb.active
        ws.title = self.title
        last_row = settings.IMPORT_MAX_ROWS + 1
        lists = None
        for i, col in enumerate(self.import_columns, 1):
            letter = get_column_letter(i)
            cell = ws.cell(row=1, column=i, value=col.header)
            cell.font = REQUIRED_FONT if col.required else HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.comment = Comment(self._describe(col, context), "worksafe", width=260, height=120)
            dim = ws.column_dimensions[letter]
            dim.width = max(col.width, len(col.header) * 2 + 2)
            dim.number_format = col.number_format
            labels = [str(label) for _, label in col.choice_list(context)]
            if not labels:
                continue
            inline = '"' + ",".join(labels) + '"'
            if len(inline) <= INLINE_LIST_MAX and not any("," in x or '"' in x for x in labels):
                formula = inline
            else:
                if lists is None:
                    lists = wb.create_sheet(CHOICES_SHEET)
                    lists.sheet_state = "hidden"
                    lists_col = 0
                lists_col += 1
                list_letter = get_column_letter(lists_col)
                lists.cell(row=1, column=lists_col, value=col.header)
                for r, label in enumerate(labels, 2):
                    lists.cell(row=r, column=lists_col, value=label).data_type = "s"
                formula = f"'{CHOICES_SHEET}'!${list_letter}$2:${list_letter}${len(labels) + 1}"
            dv = DataValidation(
                type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                errorStyle="stop" if col.strict else "warning", errorTitle="输入值不在列表中",
                error=f"请从下拉列表中选择“{col.header}”" + ("" if col.strict else "，或按填写说明填写代码"),
                showInputMessage=False,
            )
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
        ws.row_dimensions[1].height = 30
        self._help_sheet(wb.create_sheet(HELP_SHEET, 1), context)
        return wb

    def _describe(self, col, context):
        parts = ["必填" if col.required else "选填"]
        if col.format_help:
            parts.append(col.format_help)
        if col.help:
            parts.append(col.help)
        return "；".join(parts)

    def _help_sheet(self, ws, context):
        ws.append(["填写说明"])
        ws["A1"].font = Font(bold=True, size=14)
        for i, note in enumerate(self.notes, 1):
            ws.append([f"{i}. {note() if callable(note) else note}"])
        ws.append([])
        ws.append(["列名", "是否必填", "格式", "可选值", "说明", "示例"])
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        for col in self.import_columns:
            labels = [str(label) for _, label in col.choice_list(context)]
            if len(labels) > 20:
                allowed = f"见下拉列表（共 {len(labels)} 项）"
            else:
                allowed = "、".join(labels)
            blank = col.blank_value()
            required = "必填" if col.required else "选填" + (
                f"，留空为“{dict(col.choice_list()).get(blank, blank)}”" if blank not in ("", None) and not callable(col.choices) else ""
            )
            ws.append([col.header, required, col.format_help, allowed, col.help, col.example])
        for letter, width in zip("ABCDEF", (24, 18, 24, 40, 60, 24), strict=False):
            ws.column_dimensions[letter].width = width
        for row in ws.iter_rows(min_row=header_row + 1):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    # Export ------------------------------------------------------------------------------------------

    def export(self, objects, context=None):
        """A write-only workbook with a header row and one row per object (any iterable, consumed once)."""
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(self.title)
        for i, col in enumerate(self.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = max(col.width, len(col.header) * 2 + 2)
        ws.freeze_panes = "A2"
        ws.append(header_cells(ws, [col.header for col in self.columns], [col.required for col in self.columns]))
        formats = [col.format for col in self.columns]
        for obj in objects:
            ws.append([safe_cell(ws, fmt(obj)) for fmt in formats])
        return wb

    # Import ------------------------------------------------------------------------------------------

    def read(self, uploaded_file, parsers=None):
        """Check and parse an uploaded xlsx: (rows, errors).

        Errors about the whole file (not an xlsx, too large, wrong headers, too many rows) come alone, with
        no rows. Otherwise every non-empty row is returned as a `Row`, together with the errors of all
        cells that could not be parsed. `parsers` overrides column parsers by field name for this call
        (lookups that depend on the database or the user).
        """
        max_bytes = settings.IMPORT_MAX_BYTES
        size = getattr(uploaded_file, "size", None)
        if size is None:
            uploaded_file.seek(0, 2)
            size = uploaded_file.tell()
        if size > max_bytes:
            return [], [RowError(None, "", f"文件过大（最大 {human_size(max_bytes)}）")]
        try:
            index, data = self._sheet(uploaded_file, max_bytes)
        except _Refused as refused:
            return [], refused.errors

        errors = []
        parsers = parsers or {}
        plan = [(col, index.get(col.header), parsers.get(col.field, col.parse), self._position[col.field])
                for col in self.import_columns if col.header in index or not col.optional]
        rows = []
        for number, values in data:
            row = Row(number)
            for col, i, parse, position in plan:
                value = values[i] if i is not None and i < len(values) else None
                if isinstance(value, str):
                    value = value.strip()
                if value is None or value == "":
                    if col.required:
                        errors.append(RowError(number, col.header, "不能为空", position))
                        row.failed.add(col.field)
                    else:
                        row[col.field] = col.blank_value()
                    continue
                try:
                    row[col.field] = parse(value)
                except ValidationError as e:
                    errors.append(RowError(number, col.header, "；".join(e.messages), position))
                    row.failed.add(col.field)
                except (ValueError, TypeError, ArithmeticError) as e:
                    errors.append(RowError(number, col.header, str(e) or "格式错误", position))
                    row.failed.add(col.field)
            rows.append(row)
        return rows, errors

    def _sheet(self, uploaded_file, max_bytes):
        """The header index and the non-empty data rows [(Excel row number, values)] of the first worksheet.

        Bounded at every step (issue 17: one cell in column XFD on each row once cost 2.4 GB): the package is
        checked by `xlsx_bounds` before openpyxl opens it; the header row is read at most Excel's width; data
        rows only as wide as the header and only until one row past IMPORT_MAX_ROWS. Running out of memory
        anyway says so, never that the file is no xlsx.
        """
        try:
            xlsx_bounds.check(uploaded_file, max_bytes, settings.IMPORT_MAX_ROWS)
            uploaded_file.seek(0)
            wb = load_workbook(uploaded_file, read_only=True, data_only=True, keep_links=False)
            try:
                if not wb.worksheets:
                    raise _Refused(INVALID_FILE)
                ws = wb.worksheets[0]
                if not hasattr(ws, "iter_rows"):  # a chart sheet first
                    raise _Refused("第一个工作表不是数据表，请使用导入模板")
                ws.reset_dimensions()  # don't trust the stored dimension: read every row present
                header = self._header(ws)
                index, errors = self._match_headers(header)
                if errors:
                    raise _Refused(*errors)
                return index, _data_rows(ws, len(header))
            finally:
                wb.close()
        except _Refused:
            raise
        except xlsx_bounds.Refused as refused:
            raise _Refused(refused.message or INVALID_FILE) from None
        except (MemoryError, RecursionError):
            logger.warning("xlsx upload too large to read", exc_info=True)
            raise _Refused(TOO_COMPLEX) from None
        except Exception:  # a broken or foreign file: zipfile, XML and openpyxl errors of every kind
            logger.info("unreadable xlsx upload", exc_info=True)
            raise _Refused(INVALID_FILE) from None

    def _header(self, ws):
        """The header row up to its last filled cell, read at most Excel's width (XFD).

        A header cell far right of the template's columns is refused here: reading every row that wide is
        what the bounds exist to prevent."""
        with _rows(ws, min_row=1, max_row=1, max_col=EXCEL_MAX_COLUMN) as rows:
            values = next(rows, ())
        width = next((i + 1 for i in range(len(values) - 1, -1, -1) if _filled(values[i])), 0)
        bound = len(self.columns) + HEADER_SLACK
        if width > bound:
            raise _Refused(RowError(1, "表头", f"第{get_column_letter(width)}列有内容，超出导入模板的列范围（模板共 "
                                            f"{len(self.columns)} 列），请使用导入模板，勿在表格右侧填写其他内容"))
        if not width and not _has_data(ws, bound):
            raise _Refused("文件中没有数据：第一个工作表为空")
        return values[:width]

    def _match_headers(self, header_row):
        known = {normalize_header(c.header): c for c in self.columns}
        index, unknown, duplicate = {}, [], []  # index: column header → position in the file
        for i, value in enumerate(header_row):
            name = normalize_header(value)
            if not name:
                continue
            column = known.get(name)
            if column is None:
                unknown.append(name)
            elif column.header in index:
                duplicate.append(column.header)
            else:
                index[column.header] = i
        missing = [c.header for c in self.import_columns if c.header not in index and not c.optional]
        errors = []
        if missing:
            errors.append(RowError(1, "表头", f"缺少列：{'、'.join(missing)}（请使用导入模板）"))
        if unknown:
            errors.append(RowError(1, "表头", f"无法识别的列：{'、'.join(unknown)}（请使用导入模板，勿修改表头）"))
        if duplicate:
            errors.append(RowError(1, "表头", f"列重复：{'、'.join(duplicate)}"))
        return index, errors


def _filled(value):
    return value is not None and not (isinstance(value, str) and not value.strip())


def _blank(values):
    return values.count(None) == len(values) or not any(_filled(v) for v in values)


class _Refused(Exception):
    """The whole file is refused: `errors` (RowErrors; plain messages become whole-file errors) say why."""

    def __init__(self, *errors):
        super().__init__(*errors)
        self.errors = [e if isinstance(e, RowError) else RowError(None, "", e) for e in errors]


@contextmanager
def _rows(ws, **bounds):
    """ws.iter_rows(values_only=True) within `bounds`, closed (with its open zip member) when left early."""
    rows = ws.iter_rows(values_only=True, **bounds)
    try:
        yield rows
    finally:
        getattr(rows, "close", lambda: None)()


def _has_data(ws, width):
    with _rows(ws, min_row=2, max_row=EXCEL_MAX_ROW, max_col=width) as rows:
        return any(not _blank(values) for values in rows)


def _data_rows(ws, width):
    """The non-empty rows from row 2 on, `width` cells each, as (Excel row number, values). Reading stops at
    the first non-empty row past IMPORT_MAX_ROWS, which refuses the file."""
    limit = settings.IMPORT_MAX_ROWS
    data = []
    with _rows(ws, min_row=2, max_row=EXCEL_MAX_ROW, max_col=max(width, 1)) as rows:
        for number, values in enumerate(rows, start=2):
            if _blank(values):
                continue
            if len(data) == limit:
                raise _Refused(f"数据行数过多（超过 {limit} 行），请拆分后分批导入")
            data.append((number, values))
    if not data:
        raise _Refused("文件中没有数据行（第2行起填写，每行一条）")
    return data


COUNT_CHUNK = 64 * 1024
COUNT_COLUMNS = 64  # cells further right are no import's data (Spec.read reads the header's width, refusing wider)


class _Counted(Exception):
    pass


def count_rows(uploaded_file, limit):
    """How many data rows (row 2 on, with a value in one of the first COUNT_COLUMNS cells) the first worksheet of an uploaded xlsx has, counted no
    further than `limit` + 1; None when the file is no readable xlsx (`Spec.read` then says why).

    Cheap whatever the file's size, so a request can decide whether to import at once or hand the file to a job: the
    worksheet's XML is streamed and parsed only up to row `limit` + 1, and neither the shared strings nor openpyxl are
    loaded (for 20,000 rows those take seconds). A file whose first rows alone unpack to more than IMPORT_MAX_BYTES
    counts as large: the job's bounded read (xlsx_bounds) judges it."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > settings.IMPORT_MAX_BYTES:
        return None
    try:
        uploaded_file.seek(0)
        with zipfile.ZipFile(uploaded_file) as archive:
            part = _first_sheet(archive)
            if part is None:
                return None
            return _count_sheet_rows(archive, part, limit)
    except Exception:  # not a zip, broken XML, a DTD: the import itself reports it
        return None
    finally:
        uploaded_file.seek(0)


def _small_xml(archive, name, start):
    """Parse the (small) part `name` of `archive` with the element handler `start`; refused with a DTD."""
    info = archive.getinfo(name)
    if info.file_size > 4 * 1024 * 1024:
        raise ValueError("part too large")
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.Parse(archive.read(name), True)


def _no_dtd(*args):
    raise ValueError("DTD")


def _local(tag):
    return tag.rsplit(" ", 1)[-1]


def _first_sheet(archive):
    """The zip name of the workbook's first sheet (as openpyxl orders them), or None."""
    first, targets = [], {}

    def sheet(tag, attrs):
        if _local(tag) == "sheet" and not first:
            first.extend(value for key, value in attrs.items() if _local(key) == "id")

    def relationship(tag, attrs):
        if _local(tag) == "Relationship":
            targets[attrs.get("Id")] = attrs.get("Target", "")

    _small_xml(archive, "xl/workbook.xml", sheet)
    _small_xml(archive, "xl/_rels/workbook.xml.rels", relationship)
    target = targets.get(first[0]) if first else None
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _count_sheet_rows(archive, part, limit):
    state = {"number": 0, "column": 0, "filled": False, "count": 0}

    def start(tag, attrs):
        name = _local(tag)
        if name == "row":
            state["number"] = int(attrs["r"]) if "r" in attrs else state["number"] + 1
            state["column"], state["filled"] = 0, False
        elif name == "c":
            letters = re.match(r"[A-Z]*", attrs.get("r", ""))[0]
            state["column"] = column_index_from_string(letters) if letters else state["column"] + 1
        elif name in ("v", "is") and state["column"] <= COUNT_COLUMNS:
            state["filled"] = True

    def end(tag):
        if _local(tag) == "row" and state["filled"] and state["number"] >= 2:
            state["count"] += 1
            if state["count"] > limit:
                raise _Counted

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.StartDoctypeDeclHandler = _no_dtd
    read = 0
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(COUNT_CHUNK):
                read += len(chunk)
                if read > settings.IMPORT_MAX_BYTES:
                    return limit + 1
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Counted:
        pass
    return state["count"]


def header_cells(ws, headers, required=()):
    """A write-only sheet's header row: bold on blue, required columns in red."""
    cells = []
    for i, header in enumerate(headers):
        cell = WriteOnlyCell(ws, value=header)
        cell.font = REQUIRED_FONT if i < len(required) and required[i] else HEADER_FONT
        cell.fill = HEADER_FILL
        cells.append(cell)
    return cells


def safe_cell(ws, value):
    """Text that starts with "=" stays text: exports must not turn user data into formulas."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def error_context(errors):
    """What templates/import_page.html shows of a refused file's errors (the first ERRORS_SHOWN, and how many in all),
    and from how many rows on a file is imported by a background job (core.imports)."""
    return {"errors": errors[:ERRORS_SHOWN], "error_count": len(errors), "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
            "job_rows": settings.IMPORT_JOB_ROWS}


def xlsx_response(workbook, filename, fallback="download.xlsx"):
    """Save `workbook` to a temporary file and send it as a download named `filename`."""
    tmp = tempfile.TemporaryFile()
    workbook.save(tmp)
    tmp.seek(0)
    return file_response(tmp, filename, MIME_TYPE, fallback)
