"""worksafe restore DIR: a backup into an empty database, then checked against its manifest (worksafe.core.backup)."""
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from worksafe.core import backup


class Command(BaseCommand):
    help = ("把 worksafe backup 的备份恢复到新建的空数据库（WORKSAFE_DATABASE_URL）和当前配置的文件存储，"
            "恢复签名密钥和市县中间库角色，再逐表核对行数、逐个核对文件校验和；有任何不一致即报错退出。")

    def add_arguments(self, parser):
        parser.add_argument("directory", help="worksafe backup 写出的备份目录")
        parser.add_argument("--replace-key", action="store_true",
                            help="数据目录中已有另一个签名密钥时，用备份中的密钥替换它（原文件改名保留）")

    def handle(self, *args, directory, replace_key=False, **options):
        try:
            backup.restore(directory, self.stdout.write, replace_key=replace_key)
        except OperationalError as e:
            raise CommandError(f"要恢复到的数据库（WORKSAFE_DATABASE_URL）无法连接或出错：{e}") from None
