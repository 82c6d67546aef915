"""worksafe backup / restore and the rollback of an upgrade (issue 18), run as an operator runs them: each command in a
process of its own with the settings from the environment (WORKSAFE_DATABASE_URL, WORKSAFE_DATA_DIR), against a file
SQLite database, or with WORKSAFE_TEST_DB=postgres against a throwaway PostgreSQL server where the application
connects as a password-authenticated role that owns its databases (as in docs/deploy.md), not as a superuser.

The story of the module fixture: a site is filled (enterprises, hazards with photos, an audit trail, QR codes, a city
staging role), runs the release before core 0007 (simulated by migrating core back to 0006), is backed up, and is
then upgraded (migrate, new rows and files). The tests restore that backup as the rollback in docs/deploy.md does.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError
from django.utils import timezone

from tests.pgserver import PostgresServer
from worksafe.core import backup as backup_module
from worksafe.core.backup_db import choose_tool

POSTGRES = os.environ.get("WORKSAFE_TEST_DB") == "postgres"
REPO = Path(__file__).resolve().parents[2]
APP_PASSWORD = "app-Pass-2026-backup"
ROLE, KEY_ID = "city_zz", "WSBACKUP0001"


def fill():
    """Run inside the source site's process: a few enterprises with hazards and photos, changed under an account (the
    audit trail), their QR codes and a 库表对接 subscription; prints what the tests check later."""
    from django.core.files.base import ContentFile

    from tests.factories import ERQI, JINSHUI, create_enterprise, create_hazard, create_org, create_user
    from worksafe.api.models import ApiSubscription
    from worksafe.codes.models import Code
    from worksafe.core.audit import acting_as
    from worksafe.core.models import OrgLevel, Role
    from worksafe.hazards.models import HazardPhoto

    org = create_org("金水区应急管理局", OrgLevel.COUNTY, JINSHUI)
    regulator = create_user("jinshui", Role.REGULATOR, org)
    with acting_as(regulator):
        enterprises = [create_enterprise(JINSHUI if i % 2 else ERQI, name=f"备份测试企业{i}") for i in range(3)]
        for i, e in enumerate(enterprises):
            e.address = f"郑州市测试路{i}号"
            e.save()
            hazard = create_hazard(e)
            for stage in ("before", "after"):
                HazardPhoto.objects.create(hazard=hazard, stage=stage, file=ContentFile(os.urandom(3000 + i), name="p.jpg"))
    codes = Code.active_for(enterprises)
    ApiSubscription.objects.create(organization=org, region_id=JINSHUI, interfaces=["hazards"], system_name="金水区双预防系统",
                                   contact="张工", phone="13800000000", state="approved", key_id=KEY_ID, staging=True)
    print(json.dumps({"signed": codes[enterprises[0].pk].signed, "name": enterprises[0].name}))


def upgrade():
    """Run inside the source site's process after the backup: what the upgraded site adds."""
    from django.core.files.base import ContentFile

    from tests.factories import JINSHUI, create_enterprise, create_hazard
    from worksafe.hazards.models import HazardPhoto

    hazard = create_hazard(create_enterprise(JINSHUI, name="升级后新增企业"))
    HazardPhoto.objects.create(hazard=hazard, stage="before", file=ContentFile(b"after the upgrade", name="p.jpg"))


def scan(signed):
    """Run inside a site's process: what anyone scanning the printed code sees."""
    from django.test import Client
    from django.urls import reverse

    response = Client().get(reverse("scan", args=[signed]))
    print(json.dumps({"status": response.status_code, "page": response.content.decode()}))


def admin(server, statement, database="postgres"):
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=server.port, user="postgres", dbname=database, autocommit=True) as conn:
        return conn.execute(statement).fetchall() if statement.lstrip().upper().startswith("SELECT") else conn.execute(statement)


@contextmanager
def createrole(server):
    """The application's role may create roles for the block only (docs/deploy.md, section 2)."""
    admin(server, "ALTER ROLE worksafe CREATEROLE")
    try:
        yield
    finally:
        admin(server, "ALTER ROLE worksafe NOCREATEROLE")


def drop_role(server):
    """As on a new database server: the city's role is not there."""
    if admin(server, f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'"):
        for (database,) in admin(server, "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate"):
            admin(server, f"DROP OWNED BY {ROLE}", database)
        admin(server, f"DROP ROLE {ROLE}")


def role(server, database):
    """(can log in, may insert into api_staging in `database`) of the city's role, or None."""
    found = admin(server, f"SELECT rolcanlogin, has_table_privilege('{ROLE}', 'api_staging', 'INSERT') FROM pg_roles "
                          f"WHERE rolname = '{ROLE}'", database)
    return found[0] if found else None


class Site:
    """One installation as the operator sees it: a database URL and a data directory (secret key, media)."""

    def __init__(self, root, name, server=None, data=None):
        self.name, self.server = name, server
        self.data = data or root / f"{name}-data"
        self.data.mkdir(exist_ok=True)
        if server:
            admin(server, f'CREATE DATABASE "{name}" OWNER worksafe')
            self.url = f"postgres://worksafe:{APP_PASSWORD}@127.0.0.1:{server.port}/{name}"
        else:
            self.url = f"sqlite:///{root / name}.sqlite3"

    def run(self, *args, check=True, **env):
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSAFE_", "PG"))}
        environ.update(DJANGO_SETTINGS_MODULE="worksafe.settings", WORKSAFE_DATABASE_URL=self.url,
                       WORKSAFE_DATA_DIR=str(self.data), WORKSAFE_ALLOWED_HOSTS="testserver", **env)
        done = subprocess.run([sys.executable, *args], cwd=REPO, env=environ, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def worksafe(self, *args, **kwargs):
        return self.run("-m", "worksafe.cli", *args, **kwargs)

    def call(self, function, *args, **env):
        """Run one of this module's functions inside the site's process; returns what it printed, as JSON if any."""
        code = f"import django; django.setup(); from tests.core.test_backup import {function}; {function}(*{args!r})"
        out = self.run("-c", code, **env).stdout.strip()
        return json.loads(out) if out else None

    def tables(self):
        """{table: rows} read straight from the database, not through the code under test."""
        if self.server:
            names = [n for (n,) in admin(self.server, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", self.name)]
            return {n: admin(self.server, f'SELECT COUNT(*) FROM "{n}"', self.name)[0][0] for n in names}
        with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
            names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}

    def media(self):
        root = self.data / "media"
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def server():
    if not POSTGRES:
        yield None
        return
    server = PostgresServer().start()
    try:
        # The application's role as docs/deploy.md creates it: owns its databases, creates roles only while it holds
        # CREATEROLE for a command (section 2), and must give its password (pg_dump and pg_restore get it from their
        # environment, never their command line).
        admin(server, f"CREATE ROLE worksafe LOGIN PASSWORD '{APP_PASSWORD}'")
        hba = Path(server.dir, "data", "pg_hba.conf")
        hba.write_text("host all worksafe 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        admin(server, "SELECT pg_reload_conf()")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def backed_up(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("backup")
    source = Site(root, "source", server)
    source.worksafe("migrate", "-v0")
    filled = source.call("fill")
    if server:
        (root / "role-password").write_text("city-Pass-2026-zz")
        with createrole(server):
            source.worksafe("staging_role", ROLE, "--key-id", KEY_ID, "--password-file", str(root / "role-password"))
    source.worksafe("migrate", "core", "0006", "-v0")  # the release before the upgrade
    out = source.worksafe("backup", str(root / "before-upgrade")).stdout
    manifest = json.loads((root / "before-upgrade" / "manifest.json").read_text())
    source.worksafe("migrate", "-v0")  # the upgrade
    source.call("upgrade")
    return SimpleNamespace(root=root, source=source, dir=root / "before-upgrade", manifest=manifest, out=out, server=server, **filled)


def test_it_writes_a_manifest_of_the_whole_site(backed_up):
    manifest, out = backed_up.manifest, backed_up.out
    assert manifest["database"]["vendor"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["migrations"]["core"] == "0006_audit_actions_security"
    assert manifest["tables"]["archive_enterprise"] == 3 and manifest["tables"]["hazards_hazardphoto"] == 6
    assert manifest["tables"]["core_changerecord"] > 0 and manifest["tables"]["codes_code"] == 3
    assert len(manifest["files"]) == 6 and all(len(f["sha256"]) == 64 and f["size"] >= 3000 for f in manifest["files"])
    assert manifest["app"]["version"] and manifest["created_at"]
    key = backed_up.dir / "secret_key"
    assert key.read_text() == (backed_up.source.data / "secret_key").read_text()
    assert key.stat().st_mode & 0o777 == 0o600 and backed_up.dir.stat().st_mode & 0o777 == 0o700
    assert "属机密" in out and "[4/4]" in out
    if POSTGRES:
        [role] = manifest["roles"]
        assert role["name"] == ROLE and role["staging_key_id"] == KEY_ID
        assert ["TABLE", "api_staging", "INSERT"] in role["grants"] and ["DATABASE", "", "CONNECT"] in role["grants"]


def test_it_rolls_back_an_upgrade_into_a_fresh_database(backed_up):
    """docs/deploy.md section 6: a fresh database, restore, the old release on it; the upgraded one stays as it was."""
    source, manifest = backed_up.source, backed_up.manifest
    upgraded = source.tables()
    rolled = Site(backed_up.root, "rolled_back", backed_up.server, data=source.data)  # same machine: same data dir
    out = rolled.worksafe("restore", str(backed_up.dir)).stdout
    assert rolled.tables() == manifest["tables"]  # every table, exactly: no row of the upgrade
    assert source.tables() == upgraded and upgraded["archive_enterprise"] == manifest["tables"]["archive_enterprise"] + 1
    assert "当前设置已接受备份中的全部密钥" in out and f"已存在且相同 {len(manifest['files'])} 个" in out
    latest = max(m.stem for m in (Path(backup_module.__file__).parent / "migrations").glob("0*.py"))
    assert f"core {latest}" in out  # the restore says the code is newer than the data (core's newest migration)
    assert "[ ] 0007_accounts_security" in rolled.worksafe("showmigrations", "core").stdout
    assert "[X] 0007_accounts_security" in source.worksafe("showmigrations", "core").stdout
    assert rolled.worksafe("migrate", "--check", check=False).returncode != 0
    if POSTGRES:
        assert f"数据库角色 {ROLE}：已存在（口令不变）" in out


def test_it_restores_on_a_new_machine_with_the_key_and_files(backed_up):
    manifest, server = backed_up.manifest, backed_up.server
    if server:
        drop_role(server)
    fresh = Site(backed_up.root, "new_machine", server)
    out = fresh.worksafe("restore", str(backed_up.dir)).stdout
    assert fresh.tables() == manifest["tables"]
    assert (fresh.data / "secret_key").read_text() == (backed_up.dir / "secret_key").read_text()
    assert "签名密钥已写入" in out and f"新写入 {len(manifest['files'])} 个" in out
    assert sorted(fresh.media()) == sorted(f["name"] for f in manifest["files"])
    if server:  # without CREATEROLE the city's role is left to the operator, with the command that makes it
        assert role(server, "new_machine") is None
        assert f"待办：数据库角色 {ROLE} 未能恢复" in out and f"staging_role {ROLE} --key-id {KEY_ID} --password-file" in out
        with createrole(server):
            fresh.worksafe("staging_role", ROLE, "--key-id", KEY_ID, "--password-file", str(backed_up.root / "role-password"))
        assert role(server, "new_machine") == (True, True)
    # The restored data upgrades like any other: migrate works on it (on a mixed database it fails).
    fresh.worksafe("migrate", "-v0")
    assert fresh.worksafe("migrate", "--check").returncode == 0
    # A code printed before the backup still verifies with the restored key, and only with it.
    scanned = fresh.call("scan", backed_up.signed)
    assert scanned["status"] == 200 and backed_up.name in scanned["page"] and "二维码无效" not in scanned["page"]
    scanned = fresh.call("scan", backed_up.signed, WORKSAFE_SECRET_KEY="another-key-" + "x" * 40)
    assert scanned["status"] == 404 and "二维码无效" in scanned["page"]


@pytest.mark.skipif(not POSTGRES, reason="database roles are PostgreSQL's")
def test_it_recreates_a_missing_staging_role_with_its_grants_but_no_password(backed_up):
    server = backed_up.server
    drop_role(server)
    fresh = Site(backed_up.root, "roles", server)
    with createrole(server):
        out = fresh.worksafe("restore", str(backed_up.dir)).stdout
    assert role(server, "roles") == (False, True)
    assert admin(server, "SELECT policyname FROM pg_policies WHERE tablename = 'api_staging'", "roles")
    assert f"数据库角色 {ROLE}：已重建（无口令，不能登录）" in out
    assert f"staging_role {ROLE} --key-id {KEY_ID} --password-file" in out


def test_it_refuses_a_database_that_is_not_empty_and_changes_nothing(backed_up):
    source = backed_up.source
    tables, media, key = source.tables(), source.media(), (source.data / "secret_key").read_text()
    done = source.worksafe("restore", str(backed_up.dir), check=False)
    assert done.returncode != 0
    assert "目标数据库不是空的" in done.stderr and ("createdb" if POSTGRES else "尚不存在的文件") in done.stderr
    assert source.tables() == tables and source.media() == media and (source.data / "secret_key").read_text() == key


def test_it_reports_a_tampered_file_and_changes_nothing(backed_up, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(backed_up.dir, copy)
    tampered = backed_up.manifest["files"][2]["name"]
    (copy / "files" / tampered).write_bytes(b"not the photo")
    fresh = Site(backed_up.root, "tampered", backed_up.server)
    done = fresh.worksafe("restore", str(copy), check=False)
    assert done.returncode != 0
    assert f"{tampered}（校验和与清单不符）" in done.stderr and "未做任何改动" in done.stderr
    assert fresh.tables() == {} and fresh.media() == {}


def test_it_refuses_a_different_key_from_the_environment(backed_up):
    fresh = Site(backed_up.root, "other_key", backed_up.server)
    done = fresh.worksafe("restore", str(backed_up.dir), check=False, WORKSAFE_SECRET_KEY="another-key-" + "y" * 40)
    assert done.returncode != 0
    assert "WORKSAFE_SECRET_KEY" in done.stderr and str(backed_up.dir / "secret_key") in done.stderr
    assert fresh.tables() == {}


def test_it_replaces_another_key_in_the_data_dir_only_when_asked(backed_up):
    fresh = Site(backed_up.root, "used_key", backed_up.server)
    (fresh.data / "secret_key").write_text("a-key-that-signed-something-" + "z" * 30)
    done = fresh.worksafe("restore", str(backed_up.dir), check=False)
    assert done.returncode != 0 and "--replace-key" in done.stderr and fresh.tables() == {}
    fresh.worksafe("restore", str(backed_up.dir), "--replace-key")
    assert (fresh.data / "secret_key").read_text() == (backed_up.dir / "secret_key").read_text()
    [kept] = fresh.data.glob("secret_key.replaced-*")
    assert kept.read_text().startswith("a-key-that-signed-something-")


def test_it_keeps_the_newest_backups_and_never_writes_into_a_used_directory(backed_up, tmp_path):
    source, parent = backed_up.source, tmp_path / "daily"
    (parent / "notes").mkdir(parents=True)
    for day in ("2026-12-01", "2026-12-02"):
        source.worksafe("backup", str(parent / day), "--keep", "2")
    source.worksafe("backup", str(parent), "--dated", "--keep", "2")  # what the daily timer runs
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert sorted(p.name for p in parent.iterdir()) == ["2026-12-02", today, "notes"]
    assert json.loads((parent / today / "manifest.json").read_text())["kind"] == "worksafe-backup"
    done = source.worksafe("backup", str(parent), "--dated", check=False)
    assert done.returncode != 0 and "不是空目录" in done.stderr


def test_a_failed_backup_leaves_no_directory_behind(backed_up, tmp_path):
    broken = Site(tmp_path, "broken")  # its database was never created
    broken.url = backed_up.source.url.rsplit("/", 1)[0] + "/missing" + ("" if POSTGRES else ".sqlite3")
    done = broken.worksafe("backup", str(tmp_path / "nightly"), check=False)
    assert done.returncode != 0 and ("无法读取数据库" if POSTGRES else "不存在") in done.stderr
    assert not (tmp_path / "nightly").exists()


def test_it_fails_when_the_restored_database_differs_from_the_manifest(backed_up, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(backed_up.dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["tables"]["archive_enterprise"] += 1  # as if a row had been lost on the way
    (copy / "manifest.json").write_text(json.dumps(manifest))
    fresh = Site(backed_up.root, "short", backed_up.server)
    done = fresh.worksafe("restore", str(copy), check=False)
    assert done.returncode != 0
    assert "表 archive_enterprise：备份 4 行，恢复后 3 行" in done.stderr and "不要使用" in done.stderr


# ---- in-process: the pieces that need no database ----

def test_it_refuses_a_postgresql_client_older_than_the_server():
    with pytest.raises(CommandError, match=r"pg_dump 的版本（14）低于数据库服务器的版本（15）.*postgresql-client-15"):
        choose_tool("pg_dump", {14: "/usr/lib/postgresql/14/bin/pg_dump"}, 15, 15, "数据库服务器的版本")
    found = {15: "/15/pg_dump", 16: "/16/pg_dump", 17: "/17/pg_dump"}
    assert choose_tool("pg_dump", found, 16, 16, "") == ("/16/pg_dump", 16)  # the server's own version first
    assert choose_tool("pg_restore", found, 16, 15, "") == ("/16/pg_dump", 16)  # else the oldest that reads the dump


def test_it_backs_up_and_restores_files_of_an_s3_bucket(tmp_path):
    from django.core.files.base import ContentFile
    from moto import mock_aws
    from storages.backends.s3 import S3Storage

    with mock_aws():
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="worksafe")
        storage = S3Storage(bucket_name="worksafe", region_name="us-east-1", default_acl=None, file_overwrite=False)
        stored = {"hazards/photos/a.jpg": b"a" * 5000, "hazards/photos/b.jpg": b"b", "risks/maps/2026/m.pdf": b"%PDF-1.4 map"}
        for name, data in stored.items():
            assert storage.save(name, ContentFile(data)) == name
        entries, total = backup_module.back_up_files(storage, tmp_path / "files", print)
        assert [e["name"] for e in entries] == sorted(stored) and total == sum(map(len, stored.values()))
        for name in stored:
            storage.delete(name)
        storage.save("hazards/photos/b.jpg", ContentFile(b"changed after the backup"))
        outcome = backup_module.restore_files(storage, tmp_path / "files", entries, print)
        assert outcome == {"written": 2, "same": 0, "replaced": 1}
        assert {name: storage.open(name).read() for name in stored} == stored
        assert backup_module.stored_differences(storage, entries) == []
