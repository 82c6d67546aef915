"""worksafe create_admin ROLE USERNAME: one of the 三员 (system, security or audit administrator) with a one-time
password, printed once.

The three duties are given here, by whoever runs commands on the server, and not on the site: a security
administrator who could give the audit duty to an account it made (knowing its first password) could read the logs
(core.roles.assignable). Every creation is in the audit trail.
"""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from worksafe.core import audit
from worksafe.core.models import AuditAction, Role, User
from worksafe.core.passwords import issue_one_time_password

DUTIES = {"system": Role.SYSADMIN, "security": Role.SECURITY_ADMIN, "audit": Role.AUDIT_ADMIN}


class Command(BaseCommand):
    help = "创建三员账号（system 系统管理员 / security 安全管理员 / audit 审计管理员），打印一次性密码。"

    def add_arguments(self, parser):
        parser.add_argument("duty", choices=sorted(DUTIES), help="system、security 或 audit")
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="姓名")

    def handle(self, duty, username, name, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"账号 {username} 已存在。")
        with transaction.atomic():
            user = User.objects.create(username=username, full_name=name, role=DUTIES[duty])
            password = issue_one_time_password(user)
            audit.record(user, AuditAction.CREATE, message=f"以命令创建三员账号（{user.get_role_display()}）").save()
        self.stdout.write(f"已创建{user.get_role_display()} {username}，一次性密码：{password}\n"
                          "首次登录须修改密码并绑定身份验证器（双因素认证）。")
