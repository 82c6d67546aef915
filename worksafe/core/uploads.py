"""File uploads (photos, site plans, four-colour maps, attachments), written once.

Files are checked by content, never by name or the browser's content type: an image must open and verify in Pillow
as one of IMAGE_FORMATS, a PDF must start with %PDF- and open in pdfium. They are stored under random names in the
default storage and served only through views that have already applied scoping (`serve`), never from a public
media URL.
"""
import io
import mimetypes
import os
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible
from PIL import Image, UnidentifiedImageError

from .xlsx import content_disposition, human_size

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
PDF = "application/pdf"
KIND_LABELS = {"image": "图片（PNG、JPEG、GIF、WebP）", "pdf": "PDF 文件"}
MAX_PIXELS = 50_000_000  # larger images are refused (a decompression bomb guard, and no plan needs more)


def max_bytes():
    return getattr(settings, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024)


def check(uploaded, kinds=("image",)):
    """The content type of `uploaded` if it is one of `kinds` ("image", "pdf") and not too large; else a
    ValidationError in Chinese saying what was expected."""
    limit = max_bytes()
    if uploaded.size > limit:
        raise ValidationError(f"文件过大（{human_size(uploaded.size)}，最大 {human_size(limit)}）")
    uploaded.seek(0)
    head = uploaded.read(5)
    uploaded.seek(0)
    expected = "或".join(KIND_LABELS[k] for k in kinds)
    if head == b"%PDF-":
        if "pdf" in kinds and _pdf_pages(uploaded):
            return PDF
        raise ValidationError(f"文件内容不是有效的{expected}")
    if "image" in kinds:
        content_type = _image_type(uploaded)
        if content_type:
            return content_type
    raise ValidationError(f"文件内容不是有效的{expected}")


def _image_type(uploaded):
    try:
        with Image.open(uploaded) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError(f"图片尺寸过大（{img.width}×{img.height} 像素）")
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        uploaded.seek(0)
    return IMAGE_FORMATS.get(fmt)


def _pdf_pages(uploaded):
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(uploaded.read())
        try:
            return len(pdf)
        finally:
            pdf.close()
    except pypdfium2.PdfiumError:
        return 0
    finally:
        uploaded.seek(0)


def pdf_first_page_png(uploaded, longest=2400):
    """The first page of a PDF rendered as PNG (ContentFile), its longest side `longest` pixels; and (width, height)."""
    import pypdfium2

    uploaded.seek(0)
    pdf = pypdfium2.PdfDocument(uploaded.read())
    try:
        page = pdf[0]
        width, height = page.get_size()
        image = page.render(scale=longest / max(width, height)).to_pil()
    finally:
        pdf.close()
        uploaded.seek(0)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return ContentFile(out.getvalue(), name="plan.png"), image.size


def image_size(uploaded):
    uploaded.seek(0)
    with Image.open(uploaded) as img:
        size = img.size
    uploaded.seek(0)
    return size


class UploadField(forms.FileField):
    """A form file field checked by content: `kinds` ("image", "pdf"); cleaned_data keeps the file, with the
    detected type as `.checked_type`."""

    def __init__(self, *args, kinds=("image",), **kwargs):
        self.kinds = kinds
        kwargs.setdefault("help_text", f"{'或'.join(KIND_LABELS[k] for k in kinds)}，最大 {human_size(max_bytes())}")
        super().__init__(*args, **kwargs)
        accept = [t for k in kinds for t in (IMAGE_FORMATS.values() if k == "image" else [PDF])]
        self.widget.attrs.setdefault("accept", ",".join(accept))

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value and value is not initial and hasattr(value, "size"):
            value.checked_type = check(value, self.kinds)
            value.name = f"upload{mimetypes.guess_extension(value.checked_type)}"  # stored and served by its content
        return value


@deconstructible
class RandomName:
    """upload_to: `<prefix>/<random>.<extension of the checked type>`: no user-chosen names on disk."""

    def __init__(self, prefix):
        self.prefix = prefix

    def __call__(self, instance, filename):
        ext = os.path.splitext(filename)[1].lower()[:8]
        return f"{self.prefix}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.prefix == self.prefix


def serve(field_file, filename=None, inline=True):
    """Send a stored file (after the caller's scope and permission checks), typed by its stored extension."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    name = filename or os.path.basename(field_file.name)
    disposition = content_disposition(name, os.path.basename(field_file.name))
    response["Content-Disposition"] = disposition.replace("attachment", "inline", 1) if inline else disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
