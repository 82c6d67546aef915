"""Resource bounds for an uploaded xlsx, checked before openpyxl reads a byte of it.

An xlsx is a zip of XML parts, and openpyxl, even in read-only mode, turns XML into Python objects at a steep
rate. Measured with openpyxl 3.1.5 on CPython 3.11: one row of 4 MB of `<c/>` (9 KB zipped) costs 300 MB; a
million `<row ht="1"/>` (30 KB zipped) 360 MB; 200,000 `<xf/>` in styles.xml 137 MB. Limits on bytes cannot
bound that, so `check` inflates every part itself, once, and counts what openpyxl would build:

- sizes: each part at most PART_RATIO and all parts at most TOTAL_RATIO times the upload limit once unpacked,
  each exactly the size its zip entry declares (see `_inflate` for why the declared size alone is no bound);
- XML: no DTD (entity expansion), no tag or text longer than TOKEN_BYTES, nesting at most MAX_DEPTH deep;
- nodes (elements and attributes): openpyxl frees each worksheet row and each shared string once read, so what
  is inside one counts per item (ITEM_NODES each); everything else stays in memory while its part is read and
  counts against a budget for the whole package. Rows, and all nodes (a bound on time), have budgets of their
  own. Budgets grow with IMPORT_MAX_ROWS: a full file of 28 columns of unique text fits with room to spare.

A row or a shared string counts as freed only where openpyxl streams it: in a `worksheet` part that only
worksheet relationships point to, and in the `sst` part [Content_Types].xml names for shared strings. Any other
route (a crafted relationship, a fixed name such as xl/styles.xml) reads the part whole, and then all its nodes
count as kept. Parts that are not XML (images, printer settings) end their XML scan at the first byte: openpyxl
would fail at that same byte if it read them as XML.
"""
import posixpath
import struct
import zipfile
import zlib
from xml.parsers import expat

from openpyxl.xml.constants import (
    ARC_CONTENT_TYPES,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_STYLE,
    ARC_WORKBOOK,
    SHARED_STRINGS,
    SHEET_MAIN_NS,
    XLSM,
    XLSX,
    XLTM,
    XLTX,
)

PART_RATIO = 10  # one unpacked part: at most this many times the upload limit
TOTAL_RATIO = 20  # all unpacked parts together
CHUNK = 1024 * 1024  # inflate and parse in steps of at most this many bytes
TOKEN_BYTES = 2 * 1024 * 1024  # Excel keeps a cell to 32,767 characters; a longer tag or text is no spreadsheet's
MAX_DEPTH = 64  # Excel's own parts nest about 10 deep
ITEM_NODES = 65_536  # one row or shared string: Excel's 16,384 columns with a few nodes each
# Budgets as (base, per importable row): the base covers any workbook's fixed parts (styles, theme, workbook),
# the rest grows with IMPORT_MAX_ROWS. At 20,000 rows: 1.2M kept nodes (a file whose every cell is a distinct
# shared string needs 600,000), 7M nodes in all (a full 28-column file has about 4M), 110,000 rows in all sheets
# (blank rows Excel writes for formatting count too).
KEPT_NODES = (200_000, 50)
ALL_NODES = (1_000_000, 300)
ROWS = (10_000, 5)

WORKSHEET, SHEET_DATA, ROW, SST, SI = (f"{SHEET_MAIN_NS} {name}" for name in ("worksheet", "sheetData", "row", "sst", "si"))
WORKBOOK_TYPES = {XLSX, XLSM, XLTX, XLTM}
# Parts openpyxl reads whole by their fixed name (the workbook part may also be named in [Content_Types].xml).
READ_WHOLE = {ARC_CONTENT_TYPES, ARC_CORE, ARC_CUSTOM, ARC_STYLE, ARC_WORKBOOK}
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the file name and extra field lengths at offset 26


class Refused(Exception):
    """The upload is refused: `message` says what is too large or too complex, None that it is no sound xlsx."""

    def __init__(self, message=None):
        super().__init__(message)
        self.message = message


def _too_complex(what):
    return Refused(f"文件过大或过于复杂，无法读取（{what}），请删除多余的内容或拆分后分批导入")


def check(fileobj, max_bytes, max_rows):
    """Raise Refused unless openpyxl can read the zip `fileobj` within the bounds above."""
    from .xlsx import human_size  # xlsx imports this module

    fileobj.seek(0)
    with zipfile.ZipFile(fileobj) as archive:
        infos = archive.infolist()
    if not {ARC_WORKBOOK, ARC_CONTENT_TYPES} <= {i.filename for i in infos}:
        raise Refused()
    if sum(i.file_size for i in infos) > max_bytes * TOTAL_RATIO:
        raise Refused(f"文件过大（解压后超过 {human_size(max_bytes * TOTAL_RATIO)}），请拆分后分批导入")
    for info in infos:
        if info.file_size > max_bytes * PART_RATIO:
            raise Refused(f"文件过大（其中一个工作表或部分解压后超过 {human_size(max_bytes * PART_RATIO)}），请拆分后分批导入")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise Refused()  # Excel writes only stored or deflated parts, never encrypted ones
    scan = _Scan(max_rows)
    for info in infos:
        scan.part(info.filename, _inflate(fileobj, info))
    scan.settle()


def _inflate(fileobj, info):
    """The unpacked bytes of one zip entry, in steps of at most CHUNK; Refused unless exactly its declared size.

    zipfile stops a member at its declared size, but only after the fact: ZipExtFile.read() without a size calls
    _read1(MAX_N), which inflates up to 1 GiB in one decompress() before cutting the result to the declared size
    (CPython 3.11 Lib/zipfile.py, ZipExtFile.read and _read1), and openpyxl reads most parts that way. Read in
    steps, zipfile's output is bounded by the declared size, but a member that inflates to more is only cut, not
    refused. So the declared size bounds memory only once it is known to be true, which this checks by inflating
    the raw entry itself (local header layout: APPNOTE.TXT 4.3.7).
    """
    fileobj.seek(info.header_offset)
    signature, name_length, extra_length = LOCAL_HEADER.unpack(fileobj.read(LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise Refused()
    fileobj.seek(info.header_offset + LOCAL_HEADER.size + name_length + extra_length)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, size = info.compress_size, 0
    while left > 0:
        raw = fileobj.read(min(left, CHUNK))
        if not raw:
            raise Refused()
        left -= len(raw)
        while raw:
            data, raw = (inflater.decompress(raw, CHUNK), inflater.unconsumed_tail) if inflater else (raw, b"")
            size += len(data)
            if size > info.file_size:
                raise Refused()
            yield data
    if inflater:
        data = inflater.flush()
        size += len(data)
        yield data
    if size != info.file_size:
        raise Refused()


class _Part:
    __slots__ = ("name", "root", "freed")

    def __init__(self, name):
        self.name, self.root, self.freed = name, None, 0


class _Scan:
    """The counts of one package, part by part; `settle` applies the kept budget once all routes are known."""

    def __init__(self, max_rows):
        self.max_kept, self.max_nodes, self.max_rows = (base + n * max_rows for base, n in (KEPT_NODES, ALL_NODES, ROWS))
        self.kept = self.nodes = self.rows = 0
        self.parts = []
        self.overrides = []  # (part name, content type) from [Content_Types].xml
        self.routes = []  # (target part name, relationship type) from every *.rels part

    def part(self, name, chunks):
        """Scan one part's XML (all of `chunks` is consumed, so `_inflate` checks every part's size)."""
        part = _Part(name)
        self.parts.append(part)
        parser = self._parser(part)
        xml, run = True, 0  # run: bytes since the last "<"
        for data in chunks:
            if not xml:
                continue
            first = data.find(b"<")
            if run + (len(data) if first < 0 else first) > TOKEN_BYTES:
                raise _too_complex(f"单个单元格或标记超过 {TOKEN_BYTES // 2 ** 20} MB")
            run = run + len(data) if first < 0 else len(data) - 1 - data.rfind(b"<")
            try:
                parser.Parse(data, False)
            except expat.ExpatError:
                xml = False  # not XML (an image), or broken XML that openpyxl will refuse at the same byte
        if xml:
            try:
                parser.Parse(b"", True)
            except expat.ExpatError:
                pass

    def _parser(self, part):
        parser = expat.ParserCreate(namespace_separator=" ")
        stack = []
        item = [0, 0]  # the depth of the row or shared string being read (0: outside one), its node count
        capture = self._capture(part.name)

        def start(tag, attrs):
            n = 1 + len(attrs)
            self.nodes += n
            if self.nodes > self.max_nodes:
                raise _too_complex("内容过多")
            if item[0]:
                item[1] += n
                part.freed += n
                if item[1] > ITEM_NODES:
                    raise _too_complex("单行内容过多")
            else:
                self.kept += n
                if self.kept > self.max_kept:
                    raise _too_complex("格式、样式等内容过多")
                depth = len(stack)
                if depth == 2 and tag == ROW and stack[1] == SHEET_DATA and stack[0] == WORKSHEET or (
                        depth == 1 and tag == SI and stack[0] == SST):
                    item[0], item[1] = depth + 1, 0
                    if tag == ROW:
                        self.rows += 1
                        if self.rows > self.max_rows:
                            raise _too_complex(f"各工作表共超过 {self.max_rows} 行，含带格式的空白行")
            if not stack:
                part.root = tag
            stack.append(tag)
            if len(stack) > MAX_DEPTH:
                raise _too_complex("嵌套层次过深")
            if capture:
                capture(tag, attrs)

        def end(tag):
            stack.pop()
            if len(stack) < item[0]:
                item[0] = 0

        def doctype(*args):
            raise Refused()  # no xlsx part has a DTD; entity declarations are how XML bombs expand

        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.StartDoctypeDeclHandler = doctype
        return parser

    def _capture(self, name):
        """What openpyxl routes by: content-type overrides and relationships (resolved as openpyxl's
        packaging.relationship.get_dependents does; it matches both elements by local name)."""
        if name == ARC_CONTENT_TYPES:
            def override(tag, attrs):
                if tag.rpartition(" ")[2] == "Override":
                    self.overrides.append((attrs.get("PartName", "")[1:], attrs.get("ContentType")))
            return override
        if name.endswith(".rels"):
            parent = posixpath.split(posixpath.dirname(name))[0]

            def relationship(tag, attrs):
                if tag.rpartition(" ")[2] == "Relationship" and attrs.get("TargetMode") != "External":
                    target = attrs.get("Target", "")
                    target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(parent, target))
                    self.routes.append((target, attrs.get("Type", "")))
            return relationship
        return None

    def settle(self):
        """Count the rows and shared strings of parts openpyxl would read whole as kept, and check the budget."""
        shared = [name for name, content_type in self.overrides if content_type == SHARED_STRINGS]
        whole = READ_WHOLE | {name for name, content_type in self.overrides if content_type in WORKBOOK_TYPES}
        for part in self.parts:
            if part.freed and not self._streamed(part, shared, whole):
                self.kept += part.freed
        if self.kept > self.max_kept:
            raise _too_complex("格式、样式等内容过多")

    def _streamed(self, part, shared, whole):
        if part.name in whole or part.name.endswith(".rels"):
            return False
        kinds = {kind.rpartition("/")[2] for target, kind in self.routes if target == part.name}
        if part.root == WORKSHEET:  # openpyxl streams a worksheet reached by a relationship that is not a chartsheet
            return part.name not in shared and kinds <= {"worksheet"}
        return part.root == SST and shared[:1] == [part.name] and kinds <= {"sharedStrings"}
