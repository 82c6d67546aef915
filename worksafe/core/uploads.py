"""File uploads (photos, site plans, four-colour maps, attachments), written once.

Files are checked by content, never by name or the browser's content type: an image must open and verify in Pillow
as one of IMAGE_FORMATS, a PDF must start with %PDF- and open in pdfium. They are stored under random names in the
default storage and served only through views that have already applied scoping (`serve`), never from a public
media URL. A file that belongs to one row (a photo) is served by a view `serve_view` makes from the row's model, the
file field and the rule that says which rows the user may reach: one view, configured per model, for every app.

Every image is stored without its metadata (`checked_file` → `stripped`): a phone photo's EXIF carries the GPS
position, time and device of whoever took it, and a 随手拍 photo goes on to the reported enterprise (issue 17).
Images already stored are cleaned by `worksafe scrub_images`, and copies of stored photos by `without_metadata`.
"""
import io
import mimetypes
import os
import uuid

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.deconstruct import deconstructible
from django.views.decorators.http import require_GET
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .responses import content_disposition
from .xlsx import human_size

# MPO: what Pillow calls a phone's JPEG that carries a second picture (depth, portrait modes); stored as its first.
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
PDF = "application/pdf"
KIND_LABELS = {"image": "图片（PNG、JPEG、GIF、WebP）", "pdf": "PDF 文件"}
MAX_PIXELS = 50_000_000  # larger images are refused (a decompression bomb guard, and no plan needs more)
QUALITY = 90  # JPEG and WebP re-encoding: no visible loss on a photo
# What Pillow reports of an image that carries no metadata: its structure (JFIF header, density, colour profile,
# transparency, animation timing), nothing about who took it, where, when or with what.
STRUCTURE = frozenset({
    "jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe", "adobe_transform", "progressive",
    "progression", "icc_profile", "transparency", "gamma", "chromaticity", "srgb", "aspect", "interlace", "version",
    "background", "duration", "loop", "disposal", "blend", "default_image", "bbox", "timestamp",
})


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
    if head == b"%PDF-":
        if "pdf" in kinds and _pdf_pages(uploaded):
            return PDF
        raise _invalid(kinds)
    if "image" in kinds:
        content_type = _image_type(uploaded)
        if content_type:
            return content_type
    raise _invalid(kinds)


def _invalid(kinds):
    return ValidationError(f"文件内容不是有效的{'或'.join(KIND_LABELS[k] for k in kinds)}")


def checked_file(uploaded, kinds=("image",)):
    """`check` `uploaded` and return (the file to store, its content type): an image re-encoded without metadata
    (`stripped`), a PDF as sent; either named `upload.<extension of its type>`, stored and served by its content."""
    content_type = check(uploaded, kinds)
    stored = uploaded if content_type == PDF else ContentFile(stripped(uploaded, kinds))
    stored.name = f"upload{mimetypes.guess_extension(content_type)}"
    return stored, content_type


def stripped(source, kinds=("image",)):
    """The bytes of `source`, an image that passed `check`, re-encoded without metadata.

    EXIF (GPS position included), XMP, comments and PNG text chunks are dropped; the ICC colour profile and
    transparency are kept. The EXIF orientation is applied to the pixels first, so a photo stays upright. The
    format stays too: JPEG and WebP at quality 90, PNG and GIF losslessly. An animated GIF, WebP or PNG keeps its
    first frame only: photos and plans are stills, and re-encoding every frame of an animation of up to 50
    megapixels a frame would multiply the work. Pixels that cannot be decoded (a truncated photo passes Pillow's
    verify, which does not decode them) are refused like any other invalid file.
    """
    source.seek(0)
    tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
    # WeasyPrint sets this Pillow-wide switch when it is imported (any process that has printed a PDF): without
    # turning it off here a cut-off photo would be padded with grey instead of refused.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(source) as img:
            fmt, icc, transparency = img.format, img.info.get("icc_profile"), img.info.get("transparency")
            fmt = "JPEG" if fmt == "MPO" else fmt
            upright = ImageOps.exif_transpose(img)  # a new image, the first frame only
        upright.info = {}
        params = {"icc_profile": icc} if icc else {}
        if fmt in ("JPEG", "WEBP"):
            params["quality"] = QUALITY
        elif transparency is not None:
            params["transparency"] = transparency
        out = io.BytesIO()
        upright.save(out, fmt, **params)
    except MemoryError:
        raise
    except Exception:  # Pillow's decoders and EXIF parser raise errors of many kinds on a crafted file
        raise _invalid(kinds) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant
        source.seek(0)
    return out.getvalue()


def has_metadata(img):
    """Whether an open image carries anything beyond its structure (EXIF, XMP, comments, text chunks)."""
    return bool(img.getexif()) or not set(img.info) <= STRUCTURE


def without_metadata(data):
    """(bytes, changed): `data`, stored bytes that may be an image, `stripped` when it is an image of IMAGE_FORMATS
    that carries metadata; otherwise `data` itself, unchanged (a PDF, a clean image: cleaning twice changes
    nothing). ValidationError when an image with metadata cannot be cleaned (undecodable, over MAX_PIXELS)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in IMAGE_FORMATS or not has_metadata(img):
                return data, False
            size = img.width, img.height
    except MemoryError:
        raise
    except Exception:  # not an image Pillow knows (a PDF), or one it cannot even open
        return data, False
    if size[0] * size[1] > MAX_PIXELS:
        raise ValidationError(f"图片尺寸过大（{size[0]}×{size[1]} 像素）")
    return stripped(io.BytesIO(data)), True


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
    """A form file field checked by content: `kinds` ("image", "pdf"); cleaned_data holds the file to store
    (`checked_file`: an image without its metadata), with the detected type as `.checked_type`."""

    def __init__(self, *args, kinds=("image",), **kwargs):
        self.kinds = kinds
        kwargs.setdefault("help_text", f"{'或'.join(KIND_LABELS[k] for k in kinds)}，最大 {human_size(max_bytes())}")
        super().__init__(*args, **kwargs)
        accept = [t for k in kinds for t in (IMAGE_FORMATS.values() if k == "image" else [PDF])]
        self.widget.attrs.setdefault("accept", ",".join(accept))

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value and value is not initial and hasattr(value, "size"):
            stored, content_type = checked_file(value, self.kinds)
            stored.checked_type = content_type
            return stored
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
    response["Content-Disposition"] = content_disposition(name, os.path.basename(field_file.name), inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def serve_view(model, field, name, rows=None, kwarg="pk"):
    """A view (login required, GET) serving the file in `field` of the `model` row whose id is the URL's `kwarg`.

    The row is looked up among those the user may reach, 404 otherwise: the model's `for_user` rows (core.scoping's
    ScopedQuerySet), or `rows(request, queryset)` for a rule of the model's own (which may also raise 403 first).
    `name(row)` names the download; the stored file's extension is added to it.
    """
    @login_required
    @require_GET
    def view(request, **kwargs):
        queryset = model._default_manager.all()
        queryset = rows(request, queryset) if rows else queryset.for_user(request.user)
        row = get_object_or_404(queryset, pk=kwargs[kwarg])
        field_file = getattr(row, field)
        return serve(field_file, filename=f"{name(row)}{os.path.splitext(field_file.name or '')[1]}")

    view.__doc__ = f"The file in {model.__name__}.{field}, within the user's scope (never from a public media URL)."
    return view
