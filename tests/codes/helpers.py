"""Helpers for the QR code tests: the real decoders (zbarimg, poppler) and the scan page read as the fields it shows."""
import re
import subprocess
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Fixed, recognisable values in the fixture enterprise, so "absent from the page" means something.
PRIVATE = {
    "legal_representative": "欧阳秘书长",
    "legal_representative_mobile": "13912345678",
    "safety_head": "司马安全官",
    "safety_head_mobile": "13787654321",
}


def decode_png(path):
    """What zbarimg reads in an image file: one decoded value per line (it warns about D-Bus on stderr; ignored)."""
    result = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"zbarimg found no code in {path} (exit {result.returncode}): {result.stderr}"
    return result.stdout.splitlines()


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pdf_text(path):
    """The PDF's text without whitespace (pdftotext breaks lines and spaces table cells as it likes)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def pdf_info(path):
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def pdf_pages(path):
    return int(pdf_info(path)["Pages"])


def pdf_page_size(path):
    """(width, height) in points of the first page."""
    match = re.match(r"\s*([\d.]+) x ([\d.]+) pts", pdf_info(path)["Page size"])
    return float(match[1]), float(match[2])


def pdf_fonts(path):
    """[(font name, embedded)] as pdffonts lists them."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    fonts = []
    for line in lines:
        # name, type (may contain spaces), encoding, emb, sub, uni, object, id: the flags are the 4th-6th from the end.
        parts = line.split()
        fonts.append((parts[0], parts[-5] == "yes"))
    return fonts


def decode_pdf(path, tmp_path, dpi=100):
    """The codes zbarimg reads on each page of a PDF rasterised by pdftoppm: [[values on page 1], ...]."""
    prefix = tmp_path / f"{path.stem}-page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(prefix)], check=True, timeout=120)
    pages = sorted(tmp_path.glob(f"{path.stem}-page*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [decode_png(p) for p in pages]


class ScanPage(HTMLParser):
    """The parts of a scan page the tests read: shown fields, test ids, the tier, the title, links."""

    def __init__(self, html):
        super().__init__()
        self.fields = []  # data-field keys, in page order
        self.values = {}  # data-field key -> its text
        self.testids = set()
        self.tier = None
        self.title = ""
        self.links = []
        self._open = None  # ("field", key) or ("title",) while inside such an element
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._open:
            self._depth += 1
        if "data-testid" in attrs:
            self.testids.add(attrs["data-testid"])
            if attrs["data-testid"] == "scan-card":
                self.tier = attrs.get("data-tier")
            if attrs["data-testid"] == "scan-title":
                self._open, self._depth = ("title",), 0
        if "data-field" in attrs:
            self.fields.append(attrs["data-field"])
            self.values[attrs["data-field"]] = ""
            self._open, self._depth = ("field", attrs["data-field"]), 0
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if self._open:
            if self._depth == 0:
                self._open = None
            else:
                self._depth -= 1

    def handle_data(self, data):
        if not self._open:
            return
        if self._open[0] == "title":
            self.title += data.strip()
        else:
            self.values[self._open[1]] += data.strip()


def scan_page(response):
    assert response.status_code == 200, response.status_code
    return ScanPage(response.content.decode())


def path_of(url):
    return urlsplit(url).path


class _ElementText(HTMLParser):
    """The text inside the first element carrying data-testid=`testid`."""

    VOID = {"br", "img", "input", "hr", "meta", "link", "source", "wbr"}

    def __init__(self, testid):
        super().__init__()
        self.testid, self.depth, self.found, self.parts = testid, 0, False, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in self.VOID
        elif not self.found and dict(attrs).get("data-testid") == self.testid:
            self.found, self.depth = True, 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def element_text(html, testid):
    """The whitespace-normalised text of the element with `data-testid=testid`, or None when there is none."""
    parser = _ElementText(testid)
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip() if parser.found else None
