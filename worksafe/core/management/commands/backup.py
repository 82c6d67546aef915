"""worksafe backup DIR: the database, the uploaded files, the signing keys and a manifest (worksafe.core.backup)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.utils import timezone

from worksafe.core import backup


class Command(BaseCommand):
    help = ("备份数据库、上传文件和签名密钥到一个新目录，并写入含各表行数和文件校验和的清单（manifest.json）。"
            "备份目录含密钥，属机密。")

    def add_arguments(self, parser):
        parser.add_argument("directory", help="备份目录：不存在或为空，如 /backup/worksafe/before-0.2.0")
        parser.add_argument("--dated", action="store_true",
                            help="写入 DIRECTORY 下以当天日期命名的新目录（如 /backup/worksafe/2026-12-07），供每日定时备份")
        parser.add_argument("--keep", type=int, metavar="N",
                            help="备份完成后只保留同一上级目录中最新的 N 份备份（只删除带 worksafe 备份清单的目录）")

    def handle(self, *args, directory, dated=False, keep=None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep 至少为 1（刚完成的这份备份也算在内）")
        target = Path(directory) / f"{timezone.localdate():%Y-%m-%d}" if dated else Path(directory)
        try:
            backup.backup(target, self.stdout.write, keep=keep)
        except OperationalError as e:
            raise CommandError(f"无法读取数据库（WORKSAFE_DATABASE_URL）：{e}") from None
