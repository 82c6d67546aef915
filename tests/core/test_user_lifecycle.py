"""An account's life (issue 21): edit, move, disable and enable, unlock with a reason, delete only without history;
each by the administrators who manage the account, each audited."""
import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD, can_log_in, create_user, log_in
from worksafe.core import accounts, login_guard
from worksafe.core.models import AuditAction, ChangeRecord, Job, LoginThrottle, Notification, Role, Side, User, UserSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_admin(db):
    return create_user("sec", Role.SECURITY_ADMIN)


@pytest.fixture
def staff(enterprise):
    return create_user("jinshui_clerk", Role.ENTERPRISE_STAFF, enterprise=enterprise)


def changes_of(account, action=None):
    rows = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(account.pk))
    return rows.filter(action=action) if action else rows


def edit(client, account, **fields):
    data = {"full_name": account.full_name, "mobile": account.mobile, "email": account.email, "role": account.role,
            "organization": account.organization_id or "", **fields}
    return client.post(reverse("core:user_edit", args=[account.pk]), data)


def lock(username):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(Client(), username, "wrong-password")
    assert login_guard.locks().filter(username=username).exists()


# ---- edit and move ----

def test_a_city_admin_edits_and_moves_a_county_account_and_the_account_is_told_of_its_new_role(login, users, orgs):
    account = users["jinshui"]
    response = edit(login(users["city"]), account, full_name="王五", mobile="13800138000", email="w@example.cn",
                    role=Role.REGULATOR_ADMIN, organization=orgs["erqi"].pk)
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.full_name, account.mobile, account.email) == ("王五", "13800138000", "w@example.cn")
    assert (account.role, account.organization) == (Role.REGULATOR_ADMIN, orgs["erqi"])
    change = changes_of(account, AuditAction.UPDATE).get()
    assert change.user == users["city"] and "编辑账号" in change.message
    assert change.before["role"] == Role.REGULATOR and change.after["role"] == Role.REGULATOR_ADMIN
    assert change.before["organization_id"] == orgs["jinshui"].pk and change.after["organization_id"] == orgs["erqi"].pk
    note = Notification.objects.get(recipient=account)
    assert "监管人员" in note.text and "监管管理员" in note.text


def test_an_edit_without_a_role_change_tells_nobody(login, users):
    assert edit(login(users["city"]), users["jinshui"], full_name="新名字").status_code == 302
    assert not Notification.objects.filter(recipient=users["jinshui"]).exists()


def test_a_county_admin_cannot_move_an_account_above_or_beside_it(login, orgs, users, county_admins):
    client = login(county_admins["jinshui"])
    for org in (orgs["city"], orgs["erqi"]):
        response = edit(client, users["jinshui"], organization=org.pk)
        assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    users["jinshui"].refresh_from_db()
    assert users["jinshui"].organization == orgs["jinshui"]
    assert not changes_of(users["jinshui"], AuditAction.UPDATE).exists()


def test_accounts_out_of_reach_are_not_found(login, users, county_admins, security_admin):
    client = login(county_admins["jinshui"])
    for account in (users["erqi"], users["city"], users["outsider"]):
        for name in ("user_detail", "user_edit", "user_delete", "user_unlock"):
            assert client.get(reverse(f"core:{name}", args=[account.pk])).status_code == 404, (account, name)
        for name in ("user_edit", "user_disable", "user_enable", "user_delete", "user_unlock"):
            assert client.post(reverse(f"core:{name}", args=[account.pk]), {"reason": "x"}).status_code == 404
        account.refresh_from_db()
        assert account.is_active and not changes_of(account).exclude(action=AuditAction.CREATE).exists()


def test_nobody_but_a_superuser_touches_a_superuser(login, users, security_admin):
    for actor in (users["province"], security_admin):
        client = login(actor)
        assert client.get(reverse("core:user_edit", args=[users["sysadmin"].pk])).status_code == 404
        assert client.post(reverse("core:user_disable", args=[users["sysadmin"].pk])).status_code == 404
    users["sysadmin"].refresh_from_db()
    assert users["sysadmin"].is_active


def test_plain_regulators_and_staff_manage_no_accounts(login, users, staff):
    for actor, account in ((users["jinshui"], staff), (staff, users["owner"])):
        client = login(actor)
        assert client.get(reverse("core:user_detail", args=[account.pk])).status_code == 403
        assert client.post(reverse("core:user_disable", args=[account.pk])).status_code == 403
        account.refresh_from_db()
        assert account.is_active


def test_a_regulator_admin_cannot_give_a_role_holding_more_than_its_own(login, users, orgs):
    from worksafe.core.models import Role as RoleRow

    narrow = RoleRow.objects.create(code="account_keeper", name="账号管理员", side=Side.GOVERNMENT,
                                    permissions=["core.manage_users"])
    keeper = create_user("keeper", narrow.code, orgs["jinshui"])
    client = login(keeper)
    form = client.get(reverse("core:user_edit", args=[users["jinshui"].pk])).context["form"]
    assert [code for code, _ in form.fields["role"].choices] == [Role.REGULATOR]  # the account's own, fixed
    assert form.fields["role"].disabled
    newbie = create_user("newbie", narrow.code, orgs["jinshui"])
    response = edit(client, newbie, role=Role.REGULATOR_ADMIN)
    assert response.status_code == 200 and "不能授予该角色" in response.content.decode()
    newbie.refresh_from_db()
    assert newbie.role == narrow.code


def test_a_regulator_admin_cannot_give_a_role_carrying_a_three_admins_duty(login, users):
    from worksafe.core.models import Role as RoleRow

    RoleRow.objects.create(code="county_security", name="区县安全管理员", side=Side.GOVERNMENT,
                           permissions=["core.manage_users", "core.manage_accounts"])
    response = edit(login(users["city"]), users["jinshui"], role="county_security")
    assert "不能授予该角色" in response.content.decode()
    users["jinshui"].refresh_from_db()
    assert users["jinshui"].role == Role.REGULATOR


def test_an_enterprise_admin_edits_its_staff_within_the_enterprise_roles(login, users, staff, other_enterprise):
    client = login(users["owner"])
    form = client.get(reverse("core:user_edit", args=[staff.pk])).context["form"]
    assert "organization" not in form.fields
    assert {code for code, _ in form.fields["role"].choices} <= {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF}
    assert edit(client, staff, full_name="赵六").status_code == 302
    staff.refresh_from_db()
    assert staff.full_name == "赵六" and staff.enterprise == users["owner"].enterprise
    theirs = create_user("erqi_clerk", Role.ENTERPRISE_STAFF, enterprise=other_enterprise)
    assert edit(client, theirs, full_name="赵六").status_code == 404


def test_the_enterprise_login_account_keeps_its_administrator_role(login, users):
    response = edit(login(users["city"]), users["owner"], role=Role.ENTERPRISE_STAFF, full_name="改名")
    assert response.status_code == 302
    users["owner"].refresh_from_db()
    assert users["owner"].role == Role.ENTERPRISE_ADMIN and users["owner"].full_name == "改名"


def test_another_enterprise_administrator_cannot_disable_the_enterprise_login_account(login, users, staff):
    client = login(users["owner"])
    assert edit(client, staff, role=Role.ENTERPRISE_ADMIN).status_code == 302
    staff.refresh_from_db()
    promoted = login(staff)
    assert promoted.post(reverse("core:user_disable", args=[users["owner"].pk])).status_code == 403
    assert "停用</button>" not in promoted.get(reverse("core:user_detail", args=[users["owner"].pk])).content.decode()
    users["owner"].refresh_from_db()
    assert users["owner"].is_active
    assert login(users["city"]).post(reverse("core:user_disable", args=[users["owner"].pk])).status_code == 302


def test_a_security_admin_manages_every_account_but_not_itself(login, users, staff, security_admin):
    client = login(security_admin)
    assert edit(client, users["province"], full_name="省厅管理员").status_code == 302
    assert edit(client, staff, full_name="员工").status_code == 302
    # The 三员's own accounts, its own included, are out of its reach (break-glass or `worksafe create_admin` only).
    auditor = create_user("auditor", Role.AUDIT_ADMIN)
    for account in (security_admin, auditor):
        assert client.get(reverse("core:user_edit", args=[account.pk])).status_code == 404
        assert edit(client, account, role=Role.AUDIT_ADMIN, full_name="我").status_code == 404
        assert client.post(reverse("core:user_reset_password", args=[account.pk])).status_code == 404
        assert client.post(reverse("core:user_disable", args=[account.pk])).status_code == 404
        assert client.post(reverse("core:user_delete", args=[account.pk])).status_code == 404
    security_admin.refresh_from_db()
    assert (security_admin.role, security_admin.full_name, security_admin.is_active) == (Role.SECURITY_ADMIN, "", True)
    assert auditor.password == User.objects.get(pk=auditor.pk).password


# ---- disable and enable ----

def test_disabling_ends_the_sessions_and_the_logins_until_enabled(login, users, county_admins):
    account = users["jinshui"]
    browser = Client()
    assert log_in(browser, "jinshui", PASSWORD).status_code == 302
    assert UserSession.objects.filter(user=account).exists()
    admin = login(county_admins["jinshui"])
    assert admin.post(reverse("core:user_disable", args=[account.pk])).status_code == 302
    account.refresh_from_db()
    assert not account.is_active and not UserSession.objects.filter(user=account).exists()
    assert browser.get(reverse("core:profile")).status_code == 302  # the open session is gone: to the login page
    assert not can_log_in(Client(), "jinshui", PASSWORD)
    assert "停用账号" in changes_of(account, AuditAction.UPDATE).get().message
    assert not Notification.objects.filter(recipient=account).exists()  # nobody to tell: it cannot log in

    assert admin.post(reverse("core:user_enable", args=[account.pk])).status_code == 302
    account.refresh_from_db()
    assert account.is_active and can_log_in(Client(), "jinshui", PASSWORD)
    assert changes_of(account, AuditAction.UPDATE).filter(message__contains="启用账号").exists()


def test_the_user_list_filters_by_status_role_and_organisation(login, users, orgs, county_admins):
    client = login(users["city"])
    client.post(reverse("core:user_disable", args=[users["erqi"].pk]))
    lock("jinshui")
    url = reverse("core:user_list")

    def names(**params):
        return {u.username for u in client.get(url, params).context["page"]}

    assert names(status="disabled") == {"erqi"}
    assert names(status="locked") == {"jinshui"}
    assert "erqi" not in names(status="active")
    assert names(role=Role.REGULATOR_ADMIN) == {"city", "jinshui_admin", "erqi_admin"}
    assert names(organization=orgs["jinshui"].pk) == {"jinshui", "jinshui_admin"}
    assert names(q="jinshui") == {"jinshui", "jinshui_admin"}
    page = client.get(url).content.decode()
    assert "锁定" in page and 'name="reason"' in page


def test_the_user_list_resolves_role_names_without_a_query_per_row(login, users, orgs):
    from worksafe.core.models import Role as RoleRow

    RoleRow.objects.create(code="viewer", name="只读监管", side=Side.GOVERNMENT, permissions=["core.export"])
    client = login(users["province"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("core:user_list")).content.decode()
        return len(queries), page

    create_user("viewer1", "viewer", orgs["jinshui"])
    one, _ = count()
    for i in range(2, 7):
        create_user(f"viewer{i}", "viewer", orgs["jinshui"])
    many, page = count()
    assert many == one and page.count("只读监管") >= 6


# ---- unlock ----

def test_unlocking_needs_a_reason_and_records_it(login, users, county_admins):
    lock("jinshui")
    client = login(county_admins["jinshui"])
    url = reverse("core:user_unlock", args=[users["jinshui"].pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "请填写解锁原因" in response.content.decode()
    assert login_guard.locks().filter(username="jinshui").exists()
    assert not changes_of(users["jinshui"], AuditAction.UNLOCK).exists()

    response = client.post(url, {"reason": "本人来电，已核实身份", "next": reverse("core:login_log_list")})
    assert response.status_code == 302 and response["Location"] == reverse("core:login_log_list")
    assert not LoginThrottle.objects.filter(username="jinshui").exists()
    change = changes_of(users["jinshui"], AuditAction.UNLOCK).get()
    assert "本人来电，已核实身份" in change.message and change.user == county_admins["jinshui"]
    assert can_log_in(Client(), "jinshui", PASSWORD)


def test_the_login_log_offers_the_unlock_form_with_its_reason(login, users, county_admins):
    lock("jinshui")
    page = login(county_admins["jinshui"]).get(reverse("core:login_log_list")).content.decode()
    assert reverse("core:user_unlock", args=[users["jinshui"].pk]) in page and 'name="reason" required' in page


# ---- delete ----

def test_an_account_without_history_is_deleted_and_the_deletion_audited(login, users, orgs, county_admins):
    newbie = create_user("newbie", Role.REGULATOR, orgs["jinshui"])
    client = login(county_admins["jinshui"])
    assert "可以删除" in client.get(reverse("core:user_delete", args=[newbie.pk])).content.decode()
    assert client.post(reverse("core:user_delete", args=[newbie.pk])).status_code == 302
    assert not User.objects.filter(username="newbie").exists()
    change = changes_of(newbie, AuditAction.DELETE).get()
    assert change.user == county_admins["jinshui"] and "删除账号" in change.message


def test_an_account_with_history_is_not_deleted_and_the_page_offers_disabling(login, users, county_admins):
    assert can_log_in(Client(), "jinshui", PASSWORD)
    client = login(county_admins["jinshui"])
    response = client.post(reverse("core:user_delete", args=[users["jinshui"].pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "不能删除" in page and "曾登录系统" in page
    assert reverse("core:user_disable", args=[users["jinshui"].pk]) in page
    assert User.objects.filter(username="jinshui").exists()
    assert not changes_of(users["jinshui"], AuditAction.DELETE).exists()


def test_the_enterprise_login_account_is_never_deleted_here(login, users):
    response = login(users["city"]).post(reverse("core:user_delete", args=[users["owner"].pk]))
    assert response.status_code == 200 and "企业的登录账号" in response.content.decode()
    assert User.objects.filter(pk=users["owner"].pk).exists()


def test_history_counts_authored_changes_jobs_and_workflow_steps(users, orgs, enterprise):
    from worksafe.archive.models import ArchiveReview

    def fresh(name):
        return create_user(name, Role.REGULATOR, orgs["jinshui"])

    assert accounts.history(fresh("clean")) == []
    author = fresh("author")
    ChangeRecord.objects.create(user=author, user_name="author", action=AuditAction.UPDATE,
                                content_type=ContentType.objects.get_for_model(User), object_id="1", object_repr="x")
    assert any("变更记录" in reason for reason in accounts.history(author))
    starter = fresh("starter")
    Job.objects.create(owner=starter, kind="test", label="导出")
    assert accounts.has_history(starter)
    reviewer = fresh("reviewer")
    ArchiveReview.objects.create(enterprise=enterprise, source="submitted", target="approved", actor=reviewer, actor_name="reviewer")
    assert accounts.has_history(reviewer)


# ---- the user page ----

def test_the_user_page_shows_the_role_sessions_logins_and_changes(login, users, county_admins, security_admin):
    assert log_in(Client(), "jinshui", PASSWORD).status_code == 302
    url = reverse("core:user_detail", args=[users["jinshui"].pk])
    page = login(county_admins["jinshui"]).get(url).content.decode()
    assert "角色：监管人员" in page and "导出" in page  # a permission the role grants
    assert "当前没有登录会话" not in page and "登录记录" in page and "账号变更记录" in page
    # The security administrator manages the account but reads no logs (三员分立).
    page = login(security_admin).get(url).content.decode()
    assert "角色：监管人员" in page and "登录记录" not in page and "账号变更记录" not in page
