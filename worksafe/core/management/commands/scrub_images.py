"""worksafe scrub_images: strip the metadata of images stored before uploads were cleaned (issue 17).

Every FileField of every installed model (hazard, check and patrol photos, 随手拍 photos, site plans, four-colour
maps) is gone through; each stored image that still carries EXIF (GPS position included), XMP, comments or text
chunks is rewritten under its own name by uploads.without_metadata: turned upright, same format. Clean images,
PDFs and other files are left alone, so a second run changes nothing. Prints what it did per field.
"""
from collections import Counter

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from worksafe.core import uploads

OUTCOMES = (("cleaned", "已清除"), ("unchanged", "无需处理"), ("unreadable", "无法处理"), ("missing", "文件缺失"))


def file_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def overwrite(storage, name, data, original):
    """Store `data` under `name`. A storage does not overwrite (a second save gets another name), so the old file
    goes first; if the new one cannot be written, the original is put back."""
    storage.delete(name)
    try:
        saved = storage.save(name, ContentFile(data))
    except Exception:
        storage.save(name, ContentFile(original))
        raise
    if saved != name:
        raise CommandError(f"{name} 被另存为 {saved}，请检查存储")


class Command(BaseCommand):
    help = ("清除已存储图片中的元数据（EXIF 含 GPS 位置、XMP、注释）：按拍摄方向旋正后原名覆盖。"
            "不含元数据的图片和 PDF 等文件不动，可重复运行。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计，不改写文件")

    def handle(self, *args, dry_run=False, **options):
        totals = Counter()
        for model, field in file_fields():
            stored = model._default_manager.exclude(**{field.attname: ""}).exclude(**{f"{field.attname}__isnull": True})
            counts = Counter(self.scrub(field.storage, name, dry_run)
                             for name in stored.values_list(field.attname, flat=True).iterator())
            if counts:
                self.stdout.write(f"{model._meta.verbose_name}·{field.verbose_name}：{self.summary(counts)}")
                totals += counts
        prefix = "（试运行，未改写）" if dry_run else ""
        self.stdout.write(f"{prefix}合计：{self.summary(totals)}")

    def scrub(self, storage, name, dry_run):
        try:
            with storage.open(name, "rb") as f:
                original = f.read()
        except FileNotFoundError:
            return "missing"
        try:
            data, changed = uploads.without_metadata(original)
        except ValidationError as e:
            self.stderr.write(f"{name}：{e.messages[0]}，未处理")
            return "unreadable"
        if not changed:
            return "unchanged"
        if not dry_run:
            overwrite(storage, name, data, original)
        return "cleaned"

    @staticmethod
    def summary(counts):
        return "，".join(f"{label} {counts[key]}" for key, label in OUTCOMES)
