"""worksafe staging_role: the database role a city system writes the staging table with, bound to its subscription.

The role may SELECT and INSERT in api_staging and nothing else; row-level security shows it and lets it write only
rows whose db_user is itself (the column's default), and the import accepts a row only from the role bound to the
row's key id. Run it again to change the password; the application's own role, which owns the table, is unaffected.
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import ProgrammingError, connection, transaction
from psycopg import errors, sql

from worksafe.api.models import ApiSubscription, StagingRecord

POLICY = "api_staging_own_rows"


def no_createrole(user):
    # The application's role holds CREATEROLE only while this command runs (docs/deploy.md, section 2).
    return (f"数据库角色 {user} 没有创建和修改角色的权限（CREATEROLE）。请临时授予后再运行本命令，运行后收回："
            f"runuser -u postgres -- psql -c 'ALTER ROLE {user} CREATEROLE'；"
            f"runuser -u postgres -- psql -c 'ALTER ROLE {user} NOCREATEROLE'（docs/deploy.md 第 2 节）")


class Command(BaseCommand):
    help = "（PostgreSQL）创建或更新市县系统写入中间表 api_staging 专用的数据库角色，并绑定到其库表对接订阅：只能查询和插入本角色写入的行。"

    def add_arguments(self, parser):
        parser.add_argument("role", help="角色名，如 city_zhengzhou")
        parser.add_argument("--key-id", required=True, help="该市县系统库表对接订阅的企业标识")
        parser.add_argument("--password-file", required=True, help="含密码的文件（密码不出现在命令行和进程列表中）")

    def handle(self, *args, role, key_id, password_file, **options):
        if connection.vendor != "postgresql":
            raise CommandError("库表对接的专用角色需要 PostgreSQL（WORKSAFE_DATABASE_URL）；嵌入式 SQLite 不支持数据库角色")
        sub = ApiSubscription.objects.filter(key_id=key_id).first()
        if sub is None or not sub.staging:
            raise CommandError(f"没有企业标识为 {key_id} 的库表对接订阅（请先在接口订阅管理中授予订阅并勾选“库表对接”）")
        taken = ApiSubscription.objects.filter(staging_role=role).exclude(pk=sub.pk).first()
        if taken is not None:
            raise CommandError(f"数据库角色 {role} 已绑定到另一订阅（企业标识 {taken.key_id}）")
        try:
            password = Path(password_file).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise CommandError(f"无法读取密码文件：{e}") from None
        if len(password) < 12:
            raise CommandError("密码至少 12 个字符")
        table, name = StagingRecord._meta.db_table, sql.Identifier(role)
        with transaction.atomic(), connection.cursor() as cursor:
            def run(statement, *identifiers):
                cursor.execute(sql.SQL(statement).format(*identifiers).as_string(cursor.connection))

            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            try:
                run(verb + " ROLE {} LOGIN PASSWORD {}", name, sql.Literal(password))
            except ProgrammingError as e:
                if not isinstance(e.__cause__, errors.InsufficientPrivilege):
                    raise
                raise CommandError(no_createrole(connection.settings_dict["USER"])) from None
            run("GRANT CONNECT ON DATABASE {} TO {}", sql.Identifier(connection.settings_dict["NAME"]), name)
            run("GRANT USAGE ON SCHEMA public TO {}", name)
            run("GRANT SELECT, INSERT ON {} TO {}", sql.Identifier(table), name)
            run("GRANT USAGE ON SEQUENCE {} TO {}", sql.Identifier(f"{table}_id_seq"), name)
            run("ALTER TABLE {} ENABLE ROW LEVEL SECURITY", sql.Identifier(table))
            cursor.execute("SELECT 1 FROM pg_policies WHERE tablename = %s AND policyname = %s", [table, POLICY])
            if cursor.fetchone() is None:
                run("CREATE POLICY {} ON {} USING (db_user = CURRENT_USER) WITH CHECK (db_user = CURRENT_USER)",
                    sql.Identifier(POLICY), sql.Identifier(table))
            sub.staging_role = role
            sub._audit_message = f"绑定中间库账号 {role}"
            sub.save(update_fields=["staging_role", "updated_at"])
        self.stdout.write(f"数据库角色 {role} 已{'更新' if verb == 'ALTER' else '创建'}并绑定到企业标识 {key_id}："
                          f"只能查询和插入 {table} 中本角色写入的行，不能访问其他表")
