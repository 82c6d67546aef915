"""worksafe prune_sessions: the daily clean-up of login state (deploy/worksafe-prune-sessions.timer).

Django's clearsessions drops expired sessions (otherwise the table keeps one row per login for ever); then the rows
of the session lists whose session is gone (core.sessions), and the failed-login counts that are neither locked nor
recent (core.login_guard; a lock stays until it ends).
"""
from django.core.management import call_command
from django.core.management.base import BaseCommand

from worksafe.core import login_guard, sessions


class Command(BaseCommand):
    help = "清理过期会话、已结束会话的登录记录和过期的登录失败计数（锁定中的不清理）。每天运行一次。"

    def handle(self, *args, **options):
        expired = sessions.expired_count()
        call_command("clearsessions")
        rows, counts = sessions.prune(), login_guard.prune()
        self.stdout.write(f"已清理：过期会话 {'若干' if expired is None else expired} 个，"
                          f"已结束会话的登录记录 {rows} 条，过期的登录失败计数 {counts} 条")
