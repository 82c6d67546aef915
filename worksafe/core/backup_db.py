"""The database half of `worksafe backup` / `worksafe restore` (worksafe.core.backup): one class per vendor.

PostgreSQL: pg_dump runs inside the snapshot of a repeatable-read transaction this process exports (--snapshot), so
the row counts and migration state written to the manifest describe exactly the rows in the dump while the site keeps
running. Restore is pg_restore --no-owner --no-privileges --single-transaction --exit-on-error into a fresh, empty
database: it either completes or leaves the database empty, never mixed. Privileges are not taken from the dump
(roles are cluster-wide: the dump's GRANTs fail on a server without those roles) but replayed from the manifest,
which records every grant to a role other than the application's own; the city staging roles (`worksafe
staging_role`) missing on the server are recreated without a password. The password reaches pg_dump/pg_restore as
PGPASSWORD in their environment (the other connection settings as libpq variables too), never as a command-line
argument, which `ps` shows to every user of the machine.

SQLite: Python's online backup API copies a consistent snapshot of the live file; the counts are taken from the copy.
"""
import glob
import os
import re
import shutil
import sqlite3
import subprocess
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection, transaction
from psycopg import sql

SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'"
GRANT_KINDS = {"TABLE", "SEQUENCE", "SCHEMA", "DATABASE"}
PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE", "CREATE", "CONNECT",
              "TEMPORARY", "MAINTAIN"}
# libpq's environment variables for the connection options Django passes through to psycopg.
LIBPQ_OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
                 "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT", "service": "PGSERVICE",
                 "passfile": "PGPASSFILE", "target_session_attrs": "PGTARGETSESSIONATTRS", "options": "PGOPTIONS"}


def for_connection():
    engines = {"postgresql": PostgreSQL, "sqlite": SQLite}
    if connection.vendor not in engines:
        raise CommandError(f"不支持备份或恢复 {connection.vendor} 数据库（只支持 PostgreSQL 和 SQLite）")
    return engines[connection.vendor]()


def latest_migrations(cursor):
    """{app: name of its latest applied migration} (names sort in the order they apply: 0001_, 0002_ ...)."""
    latest = {}
    cursor.execute("SELECT app, name FROM django_migrations")
    for app, name in cursor.fetchall():
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def count_rows(cursor, tables, quote):
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


class SQLite:
    vendor = "sqlite"
    label = "SQLite"
    file = "database.sqlite3"

    def __init__(self):
        self.path = Path(connection.settings_dict["NAME"])

    def describe(self):
        return f"SQLite {sqlite3.sqlite_version}（{self.path}）"

    @staticmethod
    def tables(cursor):
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        return [name for (name,) in cursor.fetchall()]

    def dump(self, target):
        """Copy the live database to `target`; returns (info for the manifest, row counts, migrations, roles)."""
        if not self.path.exists():
            raise CommandError(f"数据库文件 {self.path} 不存在：请检查 WORKSAFE_DATABASE_URL / WORKSAFE_DATA_DIR")
        source = sqlite3.connect(self.path)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: a consistent snapshot even while the site writes
            cursor = copy.cursor()
            tables = self.tables(cursor)
            return {"server_version": sqlite3.sqlite_version}, count_rows(cursor, tables, _quote), latest_migrations(cursor), []
        finally:
            copy.close()
            source.close()

    def occupied(self):
        with connection.cursor() as cursor:
            return self.tables(cursor)

    def refusal_hint(self):
        return ("把 WORKSAFE_DATABASE_URL 指向一个尚不存在的文件（如 sqlite:////srv/worksafe/restored.sqlite3），"
                "或使用一个新的空 WORKSAFE_DATA_DIR")

    def check_tools(self, manifest_database):
        pass

    def restore(self, source, manifest_database):
        connection.close()
        backup = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=ro", uri=True)
        target = sqlite3.connect(self.path)
        try:
            backup.backup(target)
        finally:
            target.close()
            backup.close()

    def recreate_roles(self, roles, say):
        return []

    def state(self):
        with connection.cursor() as cursor:
            return count_rows(cursor, self.tables(cursor), _quote), latest_migrations(cursor)

    def analyze(self, say):
        pass


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def tool_major(path):
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"\)\s*(\d+)", out)
    return int(match.group(1)) if match else 0


def pg_tools(name):
    """{major version: path} of the installed `name`: Debian keeps each version under /usr/lib/postgresql/<major>/bin
    (PATH's is a wrapper that picks one); elsewhere PATH's own."""
    found = {}
    for path in [*sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")), shutil.which(name)]:
        if path:
            found.setdefault(tool_major(path), path)
    return found


def choose_tool(name, found, at_least, prefer, why):
    """The `prefer` major version of `name` if installed and at least `at_least`, else the oldest that is. A newer
    client than the server works, but writes settings an older server refuses (PostgreSQL 17's SET
    transaction_timeout): the server's own version is the safe choice."""
    if not found:
        raise CommandError(f"找不到 {name}：请安装与数据库服务器同版本的 PostgreSQL 客户端（Debian：apt-get install postgresql-client-{prefer}）")
    usable = sorted(m for m in found if m >= at_least)
    if not usable:
        raise CommandError(f"{name} 的版本（{max(found)}）低于{why}（{at_least}），不能可靠地{'备份' if name == 'pg_dump' else '恢复'}："
                           f"请安装 postgresql-client-{max(at_least, prefer)}（Debian）后重试")
    major = prefer if prefer in usable else usable[0]
    return found[major], major


class PostgreSQL:
    vendor = "postgresql"
    label = "PostgreSQL"
    file = "database.dump"

    def __init__(self):
        self.settings = connection.settings_dict

    @property
    def server_major(self):
        connection.ensure_connection()
        return connection.pg_version // 10000

    def describe(self):
        s = self.settings
        return f"PostgreSQL {self.server_major}（{s.get('HOST') or '本机'}:{s.get('PORT') or 5432}/{s['NAME']}）"

    def env(self):
        """The process environment for pg_dump/pg_restore: our connection as libpq variables, nobody else's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        s = self.settings
        for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
            if s.get(key):
                env[var] = str(s[key])
        for key, value in (s.get("OPTIONS") or {}).items():
            if key in LIBPQ_OPTIONS and value not in (None, ""):
                env[LIBPQ_OPTIONS[key]] = str(value)
        return env

    def run(self, command, what):
        done = subprocess.run(command, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            raise CommandError(f"{what}失败（{Path(command[0]).name} 退出码 {done.returncode}）：\n" + "\n".join(lines[-20:]))

    @staticmethod
    def tables(cursor):
        return sorted(connection.introspection.table_names(cursor))

    @contextmanager
    def snapshot(self):
        """A read-only repeatable-read transaction and the id of its exported snapshot."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            yield cursor, cursor.fetchone()[0]

    def dump(self, target):
        pg_dump, major = choose_tool("pg_dump", pg_tools("pg_dump"), self.server_major, self.server_major, "数据库服务器的版本")
        with self.snapshot() as (cursor, snapshot):
            self.run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}"], "pg_dump 导出数据库")
            counts = count_rows(cursor, self.tables(cursor), connection.ops.quote_name)
            migrations = latest_migrations(cursor)
            roles = self.roles(cursor)
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0].split()[0]
        return {"server_version": server, "pg_dump": major}, counts, migrations, roles

    def roles(self, cursor):
        """Every grant in this database to a role other than its owners and PUBLIC, per role, and which roles are city
        staging roles (bound to a subscription by `worksafe staging_role`)."""
        cursor.execute(f"""
            SELECT * FROM (
            SELECT pg_get_userbyid(a.grantee) AS role, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname, a.privilege_type
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
             WHERE {SYSTEM_SCHEMAS} AND a.grantee NOT IN (0, c.relowner)
            UNION ALL
            SELECT pg_get_userbyid(a.grantee), 'SCHEMA', n.nspname, a.privilege_type
              FROM pg_namespace n, aclexplode(n.nspacl) a WHERE {SYSTEM_SCHEMAS} AND a.grantee NOT IN (0, n.nspowner)
            UNION ALL
            SELECT pg_get_userbyid(a.grantee), 'DATABASE', '', a.privilege_type
              FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database() AND a.grantee NOT IN (0, d.datdba)
            ) grants WHERE role <> current_user
        """)
        grants = defaultdict(set)
        for role, kind, name, privilege in cursor.fetchall():
            grants[role].add((kind, name, privilege))
        subscription = apps.get_model("dataapi", "ApiSubscription")
        staging = dict(subscription.objects.exclude(staging_role="").values_list("staging_role", "key_id"))
        return [{"name": role, "staging_key_id": staging.get(role), "grants": sorted(map(list, grants[role]))}
                for role in sorted(set(grants) | set(staging))]

    def occupied(self):
        with connection.cursor() as cursor:
            cursor.execute(f"""SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {SYSTEM_SCHEMAS} ORDER BY 1""")
            return [name for (name,) in cursor.fetchall()]

    def refusal_hint(self):
        s = self.settings
        return (f"先新建一个空数据库，如 sudo -u postgres createdb {s['NAME']}_restored --owner {s.get('USER') or 'worksafe'} "
                f"--encoding UTF8，再把 WORKSAFE_DATABASE_URL 指向它后重新运行（docs/deploy.md 第 6 节）")

    def check_tools(self, manifest_database):
        self.pg_restore = choose_tool("pg_restore", pg_tools("pg_restore"), manifest_database.get("pg_dump", 0),
                                      self.server_major, "生成备份的 pg_dump 的版本")[0]

    def restore(self, source, manifest_database):
        self.run([self.pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                  "--no-password", f"--dbname={self.settings['NAME']}", str(source)],
                 "pg_restore 恢复数据库（单一事务，已整体回滚，数据库仍为空）")

    def recreate_roles(self, roles, say):
        """Replay the recorded grants; create the missing staging roles (NOLOGIN, no password). Returns the problems
        the operator must settle."""
        problems = []
        with transaction.atomic(), connection.cursor() as cursor:
            for role in roles:
                problems += self.recreate_role(cursor, role, say)
        return problems

    def recreate_role(self, cursor, role, say):
        name = role["name"]
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        exists = cursor.fetchone() is not None
        statements = [self.grant(*grant, name) for grant in role["grants"]]
        how = (f"worksafe-admin staging_role {name} --key-id {role['staging_key_id']} --password-file 密码文件"
               if role["staging_key_id"] else "")
        if not exists and not role["staging_key_id"]:
            listed = "；".join(s.as_string(cursor.connection) for s in statements)
            return [f"数据库角色 {name} 在此服务器上不存在，其权限未恢复：请数据库管理员创建该角色后执行：{listed}"]
        try:
            with transaction.atomic():
                if not exists:
                    cursor.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)).as_string(cursor.connection))
                for statement in statements:
                    cursor.execute(statement.as_string(cursor.connection))
        except Exception as e:  # e.g. no CREATEROLE: the rest of the restore stands, the operator finishes this one
            return [f"数据库角色 {name} 未能恢复（{str(e).strip()}）：请在应用的数据库角色有 CREATEROLE 权限时运行 "
                    f"{how or '上述 GRANT'}（docs/deploy.md 第 2 节），口令用该市县系统使用的口令"]
        if exists:
            say(f"  数据库角色 {name}：已存在（口令不变），已恢复其 {len(statements)} 项权限")
            return []
        say(f"  数据库角色 {name}：已重建（无口令，不能登录），已恢复其 {len(statements)} 项权限")
        return [f"数据库角色 {name} 已重建但没有口令（备份不含口令），该市县系统还不能登录：请在应用的数据库角色有 CREATEROLE "
                f"权限时运行 {how}（docs/deploy.md 第 2 节）设置口令"]

    def grant(self, kind, name, privilege, role):
        if kind not in GRANT_KINDS or privilege not in PRIVILEGES:  # the manifest is data: never run it as SQL
            raise CommandError(f"清单中的权限记录无效：{kind} {privilege}")
        target = sql.Identifier(self.settings["NAME"]) if kind == "DATABASE" else sql.Identifier(name)
        return sql.SQL("GRANT {} ON {} {} TO {}").format(sql.SQL(privilege), sql.SQL(kind), target, sql.Identifier(role))

    def state(self):
        with connection.cursor() as cursor:
            return count_rows(cursor, self.tables(cursor), connection.ops.quote_name), latest_migrations(cursor)

    def analyze(self, say):
        """pg_restore leaves no planner statistics: until autovacuum gathers them, lists would be planned blind."""
        say("  更新查询规划统计（ANALYZE）……")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
