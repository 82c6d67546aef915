"""The code as pictures and placards: PNG and SVG downloads, PDF placards (WeasyPrint, embedded CJK font)."""
from io import BytesIO

import segno
from django.utils import timezone

from worksafe.core.pdf import render_document, render_pdf

from .targets import risk_level

# Placard sizes: page size and the printed side of the QR code.
SIZES = {"A4": "A4", "A5": "A5"}


def qr(code):
    # Medium error correction, raised by segno when it fits the same symbol size: placards get dirty.
    return segno.make(code.url, error="m", micro=False)


def png(code, scale=10):
    buf = BytesIO()
    qr(code).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def svg(code, scale=10):
    buf = BytesIO()
    qr(code).save(buf, kind="svg", scale=scale, border=4, title="二维码", xmldecl=True)
    return buf.getvalue()


def svg_inline(code, scale=4):
    return qr(code).svg_inline(scale=scale, border=2, title="二维码")


def fit(title):
    """A smaller title for long names, so every placard stays one page (names run to 128 characters)."""
    return "" if len(title) <= 20 else "long" if len(title) <= 40 else "xlong"


def placard_pages(items):
    """Context for placard.html: one page per (target, obj, code)."""
    pages = []
    for target, obj, code in items:
        enterprise = target.enterprise(obj)
        pages.append({
            "title": target.title(obj),
            "fit": fit(target.title(obj)),
            "lines": target.placard_lines(obj),
            # One pixel per module, drawn unsmoothed (image-rendering: pixelated): sharp at any size, and about 5×
            # faster for WeasyPrint than the same code as SVG. The 4-module quiet zone is part of the picture.
            "qr": qr(code).png_data_uri(scale=1, border=4),
            "risk": risk_level(enterprise),
            "issued": timezone.localtime(code.created_at),
        })
    return pages


def placards_pdf(items, size="A4"):
    """One PDF, one page per placard."""
    return render_pdf("codes/placard.html", placard_context(items, size))


def placards_document(items, size="A4"):
    """The placards laid out, not yet written: a batch joins its parts' pages into one PDF (core.pdf.join)."""
    return render_document("codes/placard.html", placard_context(items, size))


def placard_context(items, size):
    return {"pages": placard_pages(items), "size": SIZES.get(size, "A4")}
