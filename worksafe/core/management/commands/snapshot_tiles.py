"""worksafe snapshot_tiles: the nightly snapshot of the home page tiles (deploy/worksafe-snapshot-tiles.timer).

For every organisation with an active regulator account, each tile's value as its regulators' home page shows it
(core.home.snapshot: the same scoped counts, one organisation at a time, a few indexed aggregates each), stored under
today's date. Run again the same day, it replaces that day's values: idempotent, so a retried or doubled run is harmless.
"""
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from worksafe.core import home


class Command(BaseCommand):
    help = "记录各监管单位首页指标的当日快照（首页显示较 7 天前的变化）。每天运行一次，同一天重复运行会覆盖当日数值。"

    def handle(self, *args, **options):
        started, today = time.monotonic(), timezone.localdate()
        organizations = rows = 0
        for organization in home.organizations().iterator(chunk_size=500):
            rows += home.snapshot(organization, today)
            organizations += 1
        self.stdout.write(f"已记录首页指标快照：{today:%Y-%m-%d}，监管单位 {organizations} 个，指标 {rows} 项，"
                          f"用时 {time.monotonic() - started:.1f} 秒")
