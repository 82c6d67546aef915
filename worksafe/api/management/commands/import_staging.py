"""worksafe import_staging: import the pending rows of the staging table (库表对接); safe to run on a schedule."""
from django.core.management.base import BaseCommand

from worksafe.api.staging import CHUNK, import_pending


class Command(BaseCommand):
    help = "导入中间表（api_staging）中待导入的记录，逐行标记已导入或导入失败及原因；可定时运行，可并发运行。"

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=CHUNK, help=f"每个事务处理的行数（默认 {CHUNK}）")

    def handle(self, *args, chunk, **options):
        totals = import_pending(chunk)
        done, failed = totals.get("done", 0), totals.get("failed", 0)
        results = "，".join(f"{k.split(':')[1]} {v}" for k, v in sorted(totals.items()) if k.startswith("result:"))
        self.stdout.write(f"中间表导入：已导入 {done} 行，失败 {failed} 行" + (f"（{results}）" if results else ""))
