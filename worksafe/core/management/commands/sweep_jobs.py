"""worksafe sweep_jobs: give up (or re-queue) background jobs whose worker died, delete expired results
(deploy/worksafe-sweep-jobs.timer, every minute; core.jobs.sweep)."""
from django.core.management.base import BaseCommand

from worksafe.core import jobs


class Command(BaseCommand):
    help = "处理后台进程中止的任务（标记失败，可重复执行的重新排队），删除过期的任务结果。每分钟运行一次。"

    def handle(self, *args, **options):
        given_up, requeued, deleted = jobs.sweep()
        self.stdout.write(f"中止的任务：标记失败 {given_up} 个，重新排队 {requeued} 个；删除过期任务 {deleted} 个")
