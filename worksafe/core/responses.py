"""File responses: generated documents (PDF, xlsx, code images) and stored files, named one way.

Every download carries its Chinese name as RFC 5987 `filename*` and an ASCII `filename` for clients that cannot read
it (RFC 6266), in one header built here. Generated documents are marked `no-store`: they hold what a logged-in user
may see (SessionSecurityMiddleware marks those responses so as well; a document says it itself).
"""
import os
import re
from urllib.parse import quote

from django.http import FileResponse, HttpResponse

PDF = "application/pdf"
UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9._-]")


def content_disposition(filename, fallback=None, inline=False):
    """`attachment` (or `inline`) with the UTF-8 `filename` and an ASCII fallback: `fallback` with anything but letters,
    digits, ".", "_" and "-" replaced, or "download" with `filename`'s extension."""
    fallback = UNSAFE_FALLBACK.sub("_", fallback or f"download{os.path.splitext(filename)[1]}")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(data, filename, content_type, fallback=None, inline=False):
    """A generated file (bytes, or an open file streamed from its start) sent as `filename`, never stored by caches."""
    response = HttpResponse(data, content_type=content_type) if isinstance(data, bytes | str) else FileResponse(
        data, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, fallback, inline)
    response["Cache-Control"] = "no-store"
    return response


def pdf_response(data, filename, fallback=None, inline=False):
    """A rendered PDF: shown in the browser when `inline` (print previews), else downloaded."""
    return file_response(data, filename, PDF, fallback, inline)
