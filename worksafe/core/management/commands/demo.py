"""worksafe demo: demo organisations, accounts with documented passwords, and N random enterprises.

What each app adds (risks, hazards, ledgers ...) it registers as steps in core/demo.py; this command runs them.
"""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from worksafe.core import demo as demo_data
from worksafe.core.demo import DEMO_PASSWORD, ENTERPRISE_COUNTIES, GOVERNMENT
from worksafe.core.models import Role, User


class Command(BaseCommand):
    help = "生成演示数据：监管单位、演示账号（固定密码）和随机企业档案。"

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=300, help="随机企业数量（默认 300）")
        parser.add_argument("--seed", type=int, default=2020, help="随机种子（相同种子生成相同数据）")

    @transaction.atomic
    def handle(self, enterprises, seed, **options):
        if settings.PRODUCTION:
            raise CommandError("WORKSAFE_ENV=production：生产环境不能生成演示数据（演示账号的密码是公开的）。")
        if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.DEBUG:
            raise CommandError("演示数据含公开密码，只能写入嵌入式 SQLite 演示库（或 WORKSAFE_DEBUG=1 的开发库）。")
        if User.objects.filter(username="henan").exists():
            self.stdout.write("演示数据已存在，跳过生成。")
            self.flag_demo_accounts()
            return self.print_accounts()
        demo_data.run(demo_data.Demo(enterprises, seed))
        self.print_accounts()

    def flag_demo_accounts(self):
        """A demo database made before accounts carried the demo flag: flag those still on the published password."""
        usernames = [g[0] for g in GOVERNMENT] + list(self.enterprise_accounts().values_list("username", flat=True))
        for user in User.objects.filter(is_demo=False, username__in=usernames):
            if user.check_password(DEMO_PASSWORD):
                User.objects.filter(pk=user.pk).update(is_demo=True)

    def enterprise_accounts(self):
        return (User.objects.filter(role=Role.ENTERPRISE_ADMIN, enterprise__region_id__in=ENTERPRISE_COUNTIES, password__isnull=False)
                .select_related("enterprise__region").order_by("enterprise__region_id", "pk")[:2])

    def print_accounts(self):
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {DEMO_PASSWORD}，仅限演示数据）："))
        for u in User.objects.filter(username__in=[g[0] for g in GOVERNMENT]).select_related("organization"):
            self.stdout.write(f"  {u.username:<20} {u.get_role_display():<8} {u.organization or ''}")
        for u in self.enterprise_accounts():
            self.stdout.write(f"  {u.username:<20} 企业管理员 {u.enterprise.name}（{u.enterprise.region.name}）")
        for heading, lines in demo_data.notes():
            self.stdout.write(self.style.SUCCESS(heading))
            for line in lines:
                self.stdout.write(f"  {line}")
