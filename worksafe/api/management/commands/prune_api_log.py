"""worksafe prune_api_log: drop call log rows, expired tokens and imported staging rows older than the retention."""
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from worksafe.api.models import ApiCall, ApiToken, StagingRecord, StagingStatus


class Command(BaseCommand):
    help = "清理数据对接的历史数据：超过保留天数的调用日志和已处理的中间表行，以及已过期的访问令牌。可定时运行。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365, help="调用日志和已处理中间表行的保留天数（默认 365）")

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--days 至少为 1")
        now = timezone.now()
        before = now - timedelta(days=days)
        calls, _ = ApiCall.objects.filter(time__lt=before).delete()
        tokens, _ = ApiToken.objects.filter(expires_at__lt=now).delete()
        rows, _ = StagingRecord.objects.exclude(status=StagingStatus.PENDING).filter(processed_at__lt=before).delete()
        self.stdout.write(f"已清理：调用日志 {calls} 条，过期令牌 {tokens} 个，中间表已处理行 {rows} 行（保留 {days} 天）")
