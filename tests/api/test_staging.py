"""库表对接: the staging table, its import command and the city system's database role."""
import json
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.api.helpers import approved, hazard_record
from tests.factories import *  # noqa: F401,F403  (fixtures)
from worksafe.api.models import ApiCall, StagingRecord
from worksafe.hazards.models import Hazard

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(orgs):
    """The 金水区 bureau's own system, granted a subscription covering its region, with 库表对接."""
    return staging_sub(orgs["jinshui"], system_name="金水区双预防系统")


def staging_sub(org, **fields):
    """An approved 库表对接 subscription; on PostgreSQL bound to the role the tests connect as (which writes the rows)."""
    sub, _ = approved(organization=org, staging=True, staging_role=connection.settings_dict.get("USER") or "", **fields)
    return sub


def stage(sub, record, interface="hazards", action="upsert", **fields):
    return StagingRecord.objects.create(key_id=sub.key_id, interface=interface, action=action, enterprise=record["enterprise"],
                                        external_id=record["external_id"], payload=record, **fields)


def run():
    call_command("import_staging")
    return {r.external_id: r for r in StagingRecord.objects.all()}


def test_good_and_bad_rows(city, enterprise, other_enterprise):
    stage(city, hazard_record(enterprise, "S-1"))
    stage(city, hazard_record(enterprise, "S-2", category="没有这个类别"))
    stage(city, hazard_record(other_enterprise, "S-3"))  # 二七区: not covered by 金水区's subscription
    rows = run()
    assert (rows["S-1"].status, rows["S-1"].result, rows["S-1"].reason) == ("done", "created", "")
    assert rows["S-2"].status == "failed" and "隐患类别" in rows["S-2"].reason
    assert rows["S-3"].status == "failed" and "不在本订阅的覆盖范围内" in rows["S-3"].reason
    assert all(r.processed_at for r in rows.values())
    assert list(Hazard.objects.values_list("external_id", flat=True)) == ["S-1"]
    log = ApiCall.objects.get(subscription=city)
    assert (log.operation, log.records, log.summary["created"], log.summary["rejected"]) == ("api_staging", 3, 1, 2)


def test_rerun_imports_only_new_rows_and_same_rules_as_api(city, enterprise):
    stage(city, hazard_record(enterprise, "S-1"))
    run()
    stage(city, hazard_record(enterprise, "S-1"))  # the same record again: unchanged
    stage(city, hazard_record(enterprise, "S-1", name="静电接地线已修复前临时措施"))
    run()
    results = list(StagingRecord.objects.order_by("id").values_list("status", "result"))
    assert results == [("done", "created"), ("done", "unchanged"), ("done", "updated")]
    assert Hazard.objects.get(external_id="S-1").name == "静电接地线已修复前临时措施"
    run()  # nothing pending: nothing changes
    assert StagingRecord.objects.filter(status="pending").count() == 0
    assert ApiCall.objects.filter(subscription=city).count() == 2


def test_withdraw_and_bad_actions(city, enterprise):
    stage(city, hazard_record(enterprise, "S-1"))
    run()
    record = hazard_record(enterprise, "S-1")
    stage(city, record, action="withdraw")
    StagingRecord.objects.create(key_id=city.key_id, interface="hazards", action="withdraw", enterprise=enterprise.uscc,
                                 external_id="NOPE")
    StagingRecord.objects.create(key_id=city.key_id, interface="hazards", action="delete", enterprise=enterprise.uscc,
                                 external_id="S-9", payload={})
    StagingRecord.objects.create(key_id=city.key_id, interface="hazards", enterprise=enterprise.uscc, external_id="S-8",
                                 payload=["not", "an", "object"])
    run()
    rows = {r.external_id: r for r in StagingRecord.objects.order_by("id")}
    assert not Hazard.objects.exists()
    assert StagingRecord.objects.filter(action="withdraw", external_id="S-1").get().result == "withdrawn"
    assert "没有编号为 NOPE" in rows["NOPE"].reason
    assert "action 应为 upsert" in rows["S-9"].reason
    assert "payload 应为一条记录的 JSON 对象" in rows["S-8"].reason


def test_rows_of_unapproved_or_api_only_subscriptions_fail(city, enterprise, orgs):
    api_only, _ = approved(organization=orgs["city"], staging=False)
    stage(api_only, hazard_record(enterprise, "S-1"))
    city.state = "revoked"
    city.save()
    stage(city, hazard_record(enterprise, "S-2"))
    StagingRecord.objects.create(key_id="WSUNKNOWN", interface="hazards", enterprise=enterprise.uscc, external_id="S-3", payload={})
    rows = run()
    assert {r.status for r in rows.values()} == {"failed"}
    assert all("没有已授权的库表对接订阅" in r.reason for r in rows.values())
    assert not Hazard.objects.exists()


def test_interface_must_be_subscribed(orgs, enterprise):
    sub = staging_sub(orgs["jinshui"], interfaces=["checks"])
    stage(sub, hazard_record(enterprise, "S-1"))
    rows = run()
    assert "未包含“隐患排查治理台账”接口" in rows["S-1"].reason


def test_checks_and_risk_objects_through_staging(city, enterprise):
    check = {"external_id": "C-1", "enterprise": enterprise.uscc, "checked_on": "2026-01-05", "checker": "王五",
             "items": [{"text": "消防通道畅通", "result": "pass"}]}
    risk = {"external_id": "O-1", "enterprise": enterprise.uscc, "name": "液氨罐区",
            "units": [{"name": "罐区", "sources": [{"name": "液氨储罐", "events": [
                {"name": "泄漏中毒", "method": "direct", "level": "major", "reason": "构成重大风险的直接判定情形",
                 "measures": [{"content": "泄漏报警", "category": "engineering", "tier": "company"}]}]}]}]}
    stage(city, check, interface="checks")
    stage(city, risk, interface="risks")
    rows = run()
    assert (rows["C-1"].status, rows["O-1"].status) == ("done", "done"), (rows["C-1"].reason, rows["O-1"].reason)
    assert enterprise.hazard_checks.get().items.count() == 1
    assert enterprise.risk_objects.get().units.get().sources.get().events.get().level == "major"


def test_a_plain_insert_is_a_complete_row(city, enterprise):
    """A city system writes (key_id, interface, enterprise, external_id, payload); the database fills in the rest."""
    payload = json.dumps(hazard_record(enterprise, "S-1"), ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO api_staging (key_id, interface, enterprise, external_id, payload) VALUES (%s, %s, %s, %s, %s)",
                       [city.key_id, "hazards", enterprise.uscc, "S-1", payload])
    row = StagingRecord.objects.get()
    assert (row.action, row.status, row.result, row.reason) == ("upsert", "pending", "", "")
    assert row.created_at is not None
    assert run()["S-1"].status == "done"


@pytest.mark.skipif(os.environ.get("WORKSAFE_TEST_DB") == "postgres", reason="SQLite only")
def test_staging_role_needs_postgresql(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-password")
    with pytest.raises(CommandError, match="需要 PostgreSQL"):
        call_command("staging_role", "city_zz", "--key-id", "WSX", "--password-file", str(secret))


@pytest.mark.skipif(os.environ.get("WORKSAFE_TEST_DB") != "postgres", reason="database roles: PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # roles live outside the test's transaction
def test_staging_role_may_insert_its_own_rows_and_nothing_else(tmp_path, city, orgs, enterprise):
    import psycopg

    other = staging_sub(orgs["city"], system_name="郑州市双预防系统")
    secret = tmp_path / "pw"
    secret.write_text("short")
    with pytest.raises(CommandError, match="至少 12 个字符"):
        call_command("staging_role", "city_jinshui", "--key-id", city.key_id, "--password-file", str(secret))
    with pytest.raises(CommandError, match="没有企业标识为 WSNOPE 的库表对接订阅"):
        call_command("staging_role", "city_jinshui", "--key-id", "WSNOPE", "--password-file", str(secret))
    secret.write_text("city-system-password-2026")
    for role, sub in (("city_jinshui", city), ("city_zz", other)):
        call_command("staging_role", role, "--key-id", sub.key_id, "--password-file", str(secret))
    call_command("staging_role", "city_zz", "--key-id", other.key_id, "--password-file", str(secret))  # again: updated
    with pytest.raises(CommandError, match="已绑定到另一订阅"):
        call_command("staging_role", "city_zz", "--key-id", city.key_id, "--password-file", str(secret))
    s = connection.settings_dict

    def connect(role):
        return psycopg.connect(host=s["HOST"], port=s["PORT"], dbname=s["NAME"], user=role,
                               password="city-system-password-2026", autocommit=True)

    insert = "INSERT INTO api_staging (key_id, interface, enterprise, external_id, payload) VALUES (%s, %s, %s, %s, %s)"
    with connect("city_jinshui") as conn:
        conn.execute(insert, [city.key_id, "hazards", enterprise.uscc, "S-1", json.dumps(hazard_record(enterprise, "S-1"))])
        assert conn.execute("SELECT status, db_user FROM api_staging").fetchall() == [("pending", "city_jinshui")]
        for statement in ("SELECT * FROM hazards_hazard", "UPDATE api_staging SET status = 'done'", "DELETE FROM api_staging",
                          "SELECT * FROM core_user"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security: no rows in another's name
            conn.execute("INSERT INTO api_staging (key_id, interface, enterprise, external_id, payload, db_user) "
                         "VALUES ('x', 'hazards', 'x', 'x', '{}', 'city_zz')")
    with connect("city_zz") as conn:
        assert conn.execute("SELECT count(*) FROM api_staging").fetchone() == (0,)  # the other city's rows are not visible
        # A key id is not a secret: 郑州's role writing under 金水's key id is refused at import.
        conn.execute(insert, [city.key_id, "hazards", enterprise.uscc, "S-2", json.dumps(hazard_record(enterprise, "S-2"))])
    rows = run()
    assert rows["S-1"].status == "done"
    assert rows["S-2"].status == "failed" and "绑定的中间库账号不符" in rows["S-2"].reason
    assert list(Hazard.objects.values_list("external_id", flat=True)) == ["S-1"]
    with connection.cursor() as cursor:
        cursor.execute("DROP POLICY api_staging_own_rows ON api_staging; ALTER TABLE api_staging DISABLE ROW LEVEL SECURITY; "
                       "DROP OWNED BY city_jinshui, city_zz; DROP ROLE city_jinshui, city_zz")


def test_prune_keeps_what_is_recent_and_pending(city, enterprise):
    from datetime import timedelta

    from django.utils import timezone

    from worksafe.api.models import ApiToken

    old = timezone.now() - timedelta(days=400)
    stage(city, hazard_record(enterprise, "S-1"))
    run()
    StagingRecord.objects.update(processed_at=old)
    stage(city, hazard_record(enterprise, "S-2"))  # pending: kept whatever its age
    StagingRecord.objects.filter(external_id="S-2").update(created_at=old)
    ApiCall.objects.create(subscription=city, operation="/api/v1/hazards", method="POST", path="/api/v1/hazards", status=200)
    ApiCall.objects.filter(pk=ApiCall.objects.order_by("pk").first().pk).update(time=old)
    ApiToken.objects.create(subscription=city, digest="x" * 64, expires_at=timezone.now() - timedelta(seconds=1))
    ApiToken.objects.create(subscription=city, digest="y" * 64, expires_at=timezone.now() + timedelta(hours=1))
    out = __import__("io").StringIO()
    call_command("prune_api_log", "--days", "365", stdout=out)
    assert "调用日志 1 条，过期令牌 1 个，中间表已处理行 1 行" in out.getvalue()
    assert list(StagingRecord.objects.values_list("external_id", flat=True)) == ["S-2"]
    assert ApiCall.objects.count() == 1 and ApiToken.objects.get().digest == "y" * 64
    with pytest.raises(CommandError, match="至少为 1"):
        call_command("prune_api_log", "--days", "0")


def test_the_subscription_page_shows_its_database_role(city, users, login):
    page = login(users["city"]).get(f"/connect/{city.pk}/").content.decode()
    assert 'data-testid="staging-role"' in page
    if city.staging_role:
        assert f"<code>{city.staging_role}</code>" in page
    city.staging_role = ""
    city.save()
    assert "未绑定" in login(users["city"]).get(f"/connect/{city.pk}/").content.decode()


@pytest.mark.skipif(os.environ.get("WORKSAFE_TEST_DB") != "postgres", reason="database roles: PostgreSQL only")
def test_staging_role_without_createrole_says_how_to_grant_it(tmp_path, city):
    """The application's role holds CREATEROLE only while the command runs (docs/deploy.md, section 2): without it
    the command says so instead of a traceback."""
    secret = tmp_path / "pw"
    secret.write_text("city-system-password-2026")
    # A member of the tables' owner, but without CREATEROLE, as the application's role is.
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE worksafe_app_like NOLOGIN NOCREATEROLE")
        cursor.execute(f'GRANT "{connection.settings_dict["USER"]}" TO worksafe_app_like')
        cursor.execute("SET LOCAL ROLE worksafe_app_like")
    with pytest.raises(CommandError, match="没有创建和修改角色的权限（CREATEROLE）.*ALTER ROLE .* CREATEROLE"):
        call_command("staging_role", "city_jinshui", "--key-id", city.key_id, "--password-file", str(secret))
