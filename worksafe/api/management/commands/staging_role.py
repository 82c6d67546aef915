"""worksafe staging_role: the database role a city system uses to write into the staging table, and nothing else."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

from worksafe.api.models import StagingRecord


class Command(BaseCommand):
    help = "（PostgreSQL）创建或更新市县系统写入中间表 api_staging 专用的数据库角色：只能查询和插入该表。"

    def add_arguments(self, parser):
        parser.add_argument("role", help="角色名，如 city_zhengzhou")
        parser.add_argument("--password-file", required=True, help="含密码的文件（密码不出现在命令行和进程列表中）")

    def handle(self, *args, role, password_file, **options):
        if connection.vendor != "postgresql":
            raise CommandError("库表对接的专用角色需要 PostgreSQL（WORKSAFE_DATABASE_URL）；嵌入式 SQLite 不支持数据库角色")
        try:
            password = Path(password_file).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise CommandError(f"无法读取密码文件：{e}") from None
        if len(password) < 12:
            raise CommandError("密码至少 12 个字符")
        table = StagingRecord._meta.db_table
        name = sql.Identifier(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(password)).as_string(cursor.connection))
            cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(connection.settings_dict["NAME"]), name)
                           .as_string(cursor.connection))
            cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name).as_string(cursor.connection))
            cursor.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(table), name).as_string(cursor.connection))
            cursor.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.Identifier(f"{table}_id_seq"), name)
                           .as_string(cursor.connection))
        self.stdout.write(f"数据库角色 {role} 已{'更新' if verb == 'ALTER' else '创建'}：可查询和插入 {table}，不能访问其他表")
