"""接口订阅管理 (seed 004 三、(二), issue #8 "Authorisation"): an enterprise administrator applies, edits while pending
and cancels; regulators in scope (not township) approve, reject and revoke; a regulator administrator grants a park or
city/county organisation a subscription; the secret is shown once and kept as a digest, and rotation, cancelling and
revoking stop existing tokens at once. Who may do each step, who sees what (404 outside), the list's filters, the call
log, the audit trail and the menu."""
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api.helpers import approved, bearer
from tests.factories import ERQI, JINSHUI, TOWNSHIP, create_enterprise, create_user, messages_of
from worksafe.api import keys, workflow
from worksafe.api.models import ApiCall, ApiSubscription, ApiToken, SubscriptionState
from worksafe.core.models import AuditAction, ChangeRecord, Role, User

pytestmark = pytest.mark.django_db
S = SubscriptionState
KEY_ID = re.compile(r"^WS[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{14}$")


def application(**overrides):
    data = {"system_name": "金水机械双预防系统", "vendor": "郑州安信软件有限公司", "contact": "王工", "phone": "0371-66661234",
            "interfaces": ["hazards", "risks"], "note": "对接风险清单和隐患台账"}
    return {**data, **overrides}


def pending(enterprise, system_name="自建双预防系统", interfaces=("risks", "hazards"), applicant=None, state=S.PENDING, **fields):
    """An application (or, with `state`, one decided) made directly."""
    return ApiSubscription.objects.create(enterprise=enterprise, region_id=enterprise.region_id, interfaces=list(interfaces),
                                          system_name=system_name, contact="张工", phone="13800000000", state=state,
                                          applicant=applicant, **fields)


def changes(sub):
    return list(ChangeRecord.objects.filter(content_type__app_label="dataapi", content_type__model="apisubscription",
                                            object_id=str(sub.pk)).order_by("pk"))


def step(client, sub, action, reason=""):
    return client.post(reverse("api:subscription_step", args=[sub.pk, action]), {"reason": reason})


def issue(client, sub):
    return client.post(reverse("api:subscription_secret", args=[sub.pk]))


def exchange(key_id, secret):
    return Client().post("/api/v1/token", {"key_id": key_id, "secret": secret}, content_type="application/json")


def token(sub, secret):
    r = exchange(sub.key_id, secret)
    assert r.status_code == 200, r.content
    return r.json()["access_token"]


def whoami(token):
    return Client().get("/api/v1/subscription", **bearer(token))


@pytest.fixture
def staff(enterprise):
    return create_user("staff-jinshui", Role.ENTERPRISE_STAFF, enterprise=enterprise)


# The enterprise side --------------------------------------------------------------------------------------------

def test_it_applies_for_a_subscription(users, login, enterprise):
    client = login(users["owner"])
    r = client.get(reverse("api:subscription_add"))
    assert r.status_code == 200
    for label in ("安全风险分级管控清单", "隐患排查记录", "隐患排查治理台账", "安全风险四色分布图"):
        assert label in r.content.decode()
    r = client.post(reverse("api:subscription_add"), application())
    sub = ApiSubscription.objects.get()
    assert r.status_code == 302 and r.url == reverse("api:subscription_detail", args=[sub.pk])
    assert (sub.enterprise, sub.organization, sub.region_id, sub.state, sub.applicant) == (enterprise, None, JINSHUI, S.PENDING, users["owner"])
    assert sub.interfaces == ["risks", "hazards"]  # the interfaces' own order, whatever the order ticked
    assert (sub.system_name, sub.vendor, sub.contact, sub.phone) == ("金水机械双预防系统", "郑州安信软件有限公司", "王工", "0371-66661234")
    assert sub.key_id is None and sub.secret_hash == ""
    [record] = changes(sub)
    assert (record.action, record.message, record.user, record.enterprise_id) == (
        AuditAction.SUBMIT, "提交接口订阅申请", users["owner"], enterprise.pk)
    page = client.get(sub.get_absolute_url()).content.decode()
    assert "待审核" in page and "审核通过后生成企业标识" in page


def test_a_bad_application_is_shown_again_with_reasons(users, login):
    client = login(users["owner"])
    r = client.post(reverse("api:subscription_add"), application(interfaces=[], phone="12345", system_name=" "))
    assert r.status_code == 200
    page = r.content.decode()
    assert "请至少选择一个订阅接口。" in page
    assert "电话号码格式错误" in page
    assert "这个字段是必填项。" in page  # 对接系统名称
    assert 'value="王工"' in page  # what was typed stays
    r = client.post(reverse("api:subscription_add"), application(interfaces=["risks", "weather"]))
    assert r.status_code == 200 and "没有“weather”这个接口。" in r.content.decode()
    assert not ApiSubscription.objects.exists()


def test_the_owner_edits_the_application_while_it_is_pending(users, login, enterprise):
    sub = pending(enterprise, applicant=users["owner"])
    client = login(users["owner"])
    assert client.get(reverse("api:subscription_edit", args=[sub.pk])).status_code == 200
    r = client.post(reverse("api:subscription_edit", args=[sub.pk]), application(system_name="金水机械安全平台", interfaces=["maps"]))
    assert r.status_code == 302
    sub.refresh_from_db()
    assert (sub.system_name, sub.interfaces, sub.state) == ("金水机械安全平台", ["maps"], S.PENDING)
    last = changes(sub)[-1]
    assert (last.action, last.message) == (AuditAction.UPDATE, "修改接口订阅申请")
    assert last.after["system_name"] == "金水机械安全平台" and last.before["system_name"] == "自建双预防系统"


@pytest.mark.parametrize("state", [S.APPROVED, S.REJECTED, S.CANCELLED])
def test_editing_after_the_decision_is_refused(users, login, enterprise, state):
    sub = pending(enterprise, state=state, key_id=keys.new_key_id() if state == S.APPROVED else None)
    client = login(users["owner"])
    r = client.get(reverse("api:subscription_edit", args=[sub.pk]))
    assert r.status_code == 302 and r.url == sub.get_absolute_url()
    r = client.post(reverse("api:subscription_edit", args=[sub.pk]), application(system_name="改名"), follow=True)
    assert f"订阅申请当前为“{sub.get_state_display()}”，审核后不能再修改。" in messages_of(r)
    sub.refresh_from_db()
    assert sub.system_name == "自建双预防系统" and sub.state == state
    assert "edit-link" not in client.get(sub.get_absolute_url()).content.decode()


def test_an_application_decided_while_the_form_was_open_is_not_changed(users, login, enterprise):
    """The edit saves under a lock and looks at the state again: an approval in between wins."""
    sub = pending(enterprise)
    form_instance = ApiSubscription.objects.get(pk=sub.pk)  # as the edit form loaded it
    workflow.perform(sub, "approve", users["jinshui"])
    form_instance.system_name = "改名"
    with pytest.raises(ValidationError, match="订阅申请当前为“已授权”，审核后不能再修改。"):
        workflow.apply(form_instance, users["owner"])
    sub.refresh_from_db()
    assert sub.system_name == "自建双预防系统" and sub.state == S.APPROVED


def test_the_owner_cancels_a_pending_application(users, login, enterprise):
    sub = pending(enterprise)
    client = login(users["owner"])
    r = step(client, sub, "cancel")
    assert r.status_code == 302
    sub.refresh_from_db()
    assert sub.state == S.CANCELLED and sub.reason == ""
    last = changes(sub)[-1]
    assert (last.action, last.message, last.after) == (AuditAction.TRANSITION, "接口订阅注销", {"state": "cancelled"})


def test_cancelling_stops_the_tokens_at_once(users, login, enterprise):
    sub, secret = approved(enterprise)
    live = token(sub, secret)
    assert whoami(live).status_code == 200
    client = login(users["owner"])
    r = step(client, sub, "cancel", "系统停用")
    assert r.status_code == 302 and "已注销该订阅，其访问令牌已失效。" in messages_of(client.get(r.url))
    sub.refresh_from_db()
    assert (sub.state, sub.reason) == (S.CANCELLED, "系统停用")
    assert not ApiToken.objects.filter(subscription=sub).exists()
    assert whoami(live).status_code == 401
    assert exchange(sub.key_id, secret).status_code == 401
    assert "注销原因" in client.get(sub.get_absolute_url()).content.decode()


def test_staff_see_the_subscriptions_but_take_no_step(users, login, enterprise, staff):
    sub, _ = approved(enterprise, system_name="金水机械对接系统")
    waiting = pending(enterprise, system_name="待审核的系统")
    client = login(staff)
    page = client.get(reverse("api:subscription_list")).content.decode()
    assert "金水机械对接系统" in page and "待审核的系统" in page and "新增订阅申请" not in page
    detail = client.get(sub.get_absolute_url()).content.decode()
    assert sub.key_id in detail and 'data-testid="actions"' not in detail and "secret-button" not in detail
    assert client.get(reverse("api:subscription_add")).status_code == 403
    assert client.post(reverse("api:subscription_add"), application()).status_code == 403
    assert client.get(reverse("api:subscription_edit", args=[waiting.pk])).status_code == 403
    assert step(client, waiting, "cancel").status_code == 403
    assert step(client, sub, "cancel").status_code == 403
    assert issue(client, sub).status_code == 403
    assert ApiSubscription.objects.filter(state=S.CANCELLED).count() == 0
    digest = sub.secret_hash
    sub.refresh_from_db()
    assert sub.secret_hash == digest and ApiSubscription.objects.count() == 2


# Who sees what ---------------------------------------------------------------------------------------------------

def test_outsiders_and_the_sibling_county_get_404(users, login, enterprise, other_enterprise):
    sub, _ = approved(enterprise, system_name="金水机械对接系统")
    waiting = pending(enterprise, system_name="金水待审核系统")
    for user in (users["outsider"], users["erqi"]):
        client = login(user)
        page = client.get(reverse("api:subscription_list")).content.decode()
        assert "金水机械对接系统" not in page and "金水待审核系统" not in page
        for target in (sub, waiting):
            assert client.get(target.get_absolute_url()).status_code == 404
            assert client.get(reverse("api:subscription_edit", args=[target.pk])).status_code == 404
            for action in ("approve", "reject", "revoke", "cancel"):
                assert step(client, target, action, "越权").status_code == 404
            assert issue(client, target).status_code == 404
    waiting.refresh_from_db()
    assert waiting.state == S.PENDING and sub.state == S.APPROVED


def test_the_chemicals_department_sees_only_chemical_enterprises(users, login, enterprise, other_enterprise):
    machinery = pending(enterprise, system_name="机械企业系统")  # industry 07
    chemical = pending(other_enterprise, system_name="化工企业系统")  # industry 0301
    client = login(users["chem"])
    page = client.get(reverse("api:subscription_list")).content.decode()
    assert "化工企业系统" in page and "机械企业系统" not in page
    assert client.get(machinery.get_absolute_url()).status_code == 404
    assert step(client, machinery, "approve").status_code == 404
    assert client.get(chemical.get_absolute_url()).status_code == 200


def test_the_list_puts_pending_first_and_filters(users, login, enterprise, other_enterprise):
    pending(enterprise, system_name="金水旧申请", interfaces=["maps"])
    approved(enterprise, system_name="金水已授权系统", interfaces=["risks", "checks"])
    pending(other_enterprise, system_name="二七化工平台", interfaces=["hazards"])
    pending(enterprise, system_name="金水被驳回系统", interfaces=["risks"], state=S.REJECTED)

    client = login(users["city"])
    r = client.get(reverse("api:subscription_list"))
    names = [s.system_name for s in r.context["page"]]
    assert names[:2] == ["二七化工平台", "金水旧申请"]  # 待审核 first, newest first
    assert set(names[2:]) == {"金水已授权系统", "金水被驳回系统"}
    assert r.context["pending"] == 2 and "待审核 2" in r.content.decode()

    def listed(**query):
        return {s.system_name for s in client.get(reverse("api:subscription_list"), query).context["page"]}

    assert listed(state="approved") == {"金水已授权系统"}
    assert listed(state="rejected") == {"金水被驳回系统"}
    assert listed(interface="checks") == {"金水已授权系统"}
    assert listed(interface="hazards") == {"二七化工平台"}
    assert listed(interface="maps") == {"金水旧申请"}
    assert listed(q=other_enterprise.uscc) == {"二七化工平台"}
    assert listed(q="二七测试") == {"二七化工平台"}  # enterprise name
    assert listed(q="已授权系统") == {"金水已授权系统"}  # system name
    assert listed(q="不存在的名字") == set()
    assert client.get(reverse("api:subscription_list"), {"state": "bogus"}).status_code == 200

    # The county sees its own enterprises' subscriptions only, and its own pending count.
    r = login(users["jinshui"]).get(reverse("api:subscription_list"))
    assert {s.system_name for s in r.context["page"]} == {"金水旧申请", "金水已授权系统", "金水被驳回系统"}
    assert r.context["pending"] == 1


def test_the_list_reads_a_fixed_number_of_queries(users, login, enterprise, other_enterprise, orgs):
    client = login(users["city"])
    pending(enterprise)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("api:subscription_list")).status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    approved(other_enterprise)
    approved(organization=orgs["erqi"])
    pending(enterprise, state=S.REJECTED)
    assert queries() == one


def test_the_list_needs_an_account_of_one_side(client, users):
    assert client.get(reverse("api:subscription_list")).status_code == 302  # to the login page
    nobody = create_user("nobody", Role.REGULATOR)  # a government role without an organisation
    client.force_login(nobody, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("api:subscription_list")).status_code == 403


# The regulators' decisions --------------------------------------------------------------------------------------

def test_a_county_regulator_approves_and_a_key_id_is_assigned(users, login, enterprise):
    sub = pending(enterprise)
    client = login(users["jinshui"])
    page = client.get(sub.get_absolute_url()).content.decode()
    assert 'data-action="approve"' in page and 'data-action="reject"' in page and 'data-action="cancel"' not in page
    r = step(client, sub, "approve", "材料齐全，同意对接")
    assert r.status_code == 302
    sub.refresh_from_db()
    assert sub.state == S.APPROVED and KEY_ID.match(sub.key_id)
    assert (sub.decided_by, sub.reason) == (users["jinshui"], "材料齐全，同意对接")
    assert sub.decided_at is not None and sub.secret_hash == ""
    last = changes(sub)[-1]
    assert (last.action, last.message, last.user) == (AuditAction.APPROVE, "接口订阅审核通过：材料齐全，同意对接", users["jinshui"])
    assert last.after["state"] == "approved" and last.after["key_id"] == sub.key_id
    # The regulator does not get the secret: only the enterprise's administrator does.
    page = client.get(sub.get_absolute_url()).content.decode()
    assert sub.key_id in page and "secret-button" not in page and "授权KEY由该企业的企业管理员获取" in page
    assert issue(client, sub).status_code == 403
    assert issue(login(users["sysadmin"]), sub).status_code == 403
    sub.refresh_from_db()
    assert sub.secret_hash == ""


def test_the_city_and_the_system_administrator_approve_too(users, login, enterprise, other_enterprise):
    a, b = pending(enterprise), pending(other_enterprise)
    assert step(login(users["city"]), a, "approve").status_code == 302
    assert step(login(users["sysadmin"]), b, "approve").status_code == 302
    a.refresh_from_db(), b.refresh_from_db()
    assert a.state == b.state == S.APPROVED and a.key_id != b.key_id


def test_a_township_regulator_sees_but_does_not_decide(users, login, township_user):
    e = create_enterprise(TOWNSHIP, name="经八路测试商贸有限公司")
    sub = pending(e)
    client = login(township_user)
    page = client.get(sub.get_absolute_url())
    assert page.status_code == 200 and 'data-testid="actions"' not in page.content.decode()
    for action in ("approve", "reject"):
        assert step(client, sub, action, "同意").status_code == 403
    sub.refresh_from_db()
    assert sub.state == S.PENDING
    assert step(login(users["jinshui"]), sub, "approve").status_code == 302


def test_rejecting_needs_a_reason(users, login, enterprise):
    sub = pending(enterprise)
    client = login(users["jinshui"])
    r = step(client, sub, "reject", "   ")
    assert r.status_code == 200
    assert "驳回须填写原因。" in r.content.decode() and 'data-testid="reason-error"' in r.content.decode()
    sub.refresh_from_db()
    assert sub.state == S.PENDING and len(changes(sub)) == 1  # only its creation
    r = step(client, sub, "reject", "联系电话无法接通，请核实后重新申请")
    assert r.status_code == 302
    sub.refresh_from_db()
    assert (sub.state, sub.reason, sub.key_id, sub.decided_by) == (S.REJECTED, "联系电话无法接通，请核实后重新申请", None, users["jinshui"])
    last = changes(sub)[-1]
    assert (last.action, last.message) == (AuditAction.RETURN, "接口订阅驳回：联系电话无法接通，请核实后重新申请")
    page = login(users["owner"]).get(sub.get_absolute_url()).content.decode()
    assert "驳回原因" in page and "联系电话无法接通" in page


def test_a_reason_longer_than_500_characters_is_refused(users, login, enterprise):
    sub = pending(enterprise)
    r = step(login(users["jinshui"]), sub, "reject", "长" * 501)
    assert r.status_code == 200 and "意见或原因不能超过 500 字（现为 501 字）。" in r.content.decode()
    sub.refresh_from_db()
    assert sub.state == S.PENDING


def test_a_step_from_the_wrong_state_is_explained(users, login, enterprise):
    sub, _ = approved(enterprise)
    client = login(users["jinshui"])
    r = step(client, sub, "approve")
    assert r.status_code == 200 and "该订阅当前为“已授权”，不能审核通过。" in r.content.decode()
    old_key = sub.key_id
    sub.refresh_from_db()
    assert sub.key_id == old_key
    r = step(login(users["owner"]), pending(enterprise, state=S.REJECTED), "cancel")
    assert r.status_code == 200 and "该订阅当前为“已驳回”，不能注销。" in r.content.decode()


def test_who_takes_which_step(users, login, enterprise):
    """The subscriber cancels and never decides; regulators decide and never cancel; an unknown step is 404; steps are
    POSTs."""
    sub = pending(enterprise)
    owner = login(users["owner"])
    for action in ("approve", "reject", "revoke"):
        assert step(owner, sub, action, "自己审核").status_code == 403
    regulator = login(users["jinshui"])
    assert step(regulator, sub, "cancel").status_code == 403
    assert step(regulator, sub, "delete").status_code == 404
    assert regulator.get(reverse("api:subscription_step", args=[sub.pk, "approve"])).status_code == 405
    sub.refresh_from_db()
    assert sub.state == S.PENDING


def test_steps_need_the_csrf_token(users, enterprise):
    sub = pending(enterprise)
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["jinshui"], backend="django.contrib.auth.backends.ModelBackend")
    assert step(client, sub, "approve").status_code == 403
    sub.refresh_from_db()
    assert sub.state == S.PENDING


def test_revoking_needs_a_reason_and_stops_the_tokens(users, login, enterprise):
    sub, secret = approved(enterprise)
    live = token(sub, secret)
    client = login(users["jinshui"])
    r = step(client, sub, "revoke")
    assert r.status_code == 200 and "吊销须填写原因。" in r.content.decode()
    assert whoami(live).status_code == 200
    r = step(client, sub, "revoke", "多次上传虚假数据")
    assert r.status_code == 302
    sub.refresh_from_db()
    assert (sub.state, sub.reason) == (S.REVOKED, "多次上传虚假数据")
    assert whoami(live).status_code == 401
    assert exchange(sub.key_id, secret).status_code == 401
    last = changes(sub)[-1]
    assert (last.action, last.message) == (AuditAction.TRANSITION, "接口订阅吊销：多次上传虚假数据")
    # Nothing more to do with it: no step, no secret, no cancellation.
    page = login(users["owner"]).get(sub.get_absolute_url()).content.decode()
    assert 'data-testid="actions"' not in page and "secret-button" not in page and "吊销原因" in page
    r = issue(login(users["owner"]), sub)
    assert r.status_code == 302 and "该订阅当前为“已吊销”，不能获取授权KEY。" in messages_of(login(users["owner"]).get(r.url))


# The secret ------------------------------------------------------------------------------------------------------

def test_the_secret_is_shown_once_and_kept_as_a_digest(users, login, enterprise):
    sub = pending(enterprise)
    step(login(users["jinshui"]), sub, "approve")
    sub.refresh_from_db()
    client = login(users["owner"])
    page = client.get(sub.get_absolute_url()).content.decode()
    assert "获取授权KEY" in page and "尚未获取" in page
    r = issue(client, sub)
    assert r.status_code == 200  # rendered, not redirected: there is no page to come back to it
    assert "no-store" in r["Cache-Control"]
    secret = r.context["secret"]
    body = r.content.decode()
    assert len(secret) >= 40 and secret in body and sub.key_id in body
    assert "授权KEY只显示这一次" in body and "复制授权KEY" in body
    sub.refresh_from_db()
    assert sub.secret_hash == keys.digest(secret) and secret not in sub.secret_hash
    assert sub.secret_set_at is not None
    # Nowhere else: not on the subscription's page, not in the list, not in the change log.
    detail = client.get(sub.get_absolute_url()).content.decode()
    assert secret not in detail and "重新生成授权KEY" in detail and "已生成" in detail
    assert secret not in client.get(reverse("api:subscription_list")).content.decode()
    last = changes(sub)[-1]
    assert (last.action, last.message) == (AuditAction.TRANSITION, "获取授权KEY")
    assert secret not in str(last.before) + str(last.after) and "secret_hash" not in (last.after or {})
    # It works.
    assert whoami(token(sub, secret)).json()["key_id"] == sub.key_id


def test_rotating_the_secret_stops_the_old_token_and_the_new_one_works(users, login, enterprise):
    sub, first = approved(enterprise)
    old = token(sub, first)
    assert whoami(old).status_code == 200
    r = issue(login(users["owner"]), sub)
    assert r.status_code == 200 and "原授权KEY和用它换取的访问令牌已经失效" in r.content.decode()
    second = r.context["secret"]
    assert second != first
    assert whoami(old).status_code == 401
    assert exchange(sub.key_id, first).status_code == 401
    new = token(sub, second)
    assert whoami(new).status_code == 200
    last = changes(sub)[-1]
    assert last.message == "重新生成授权KEY（原授权KEY及其访问令牌作废）"


def test_a_pending_or_rejected_subscription_has_no_secret(users, login, enterprise):
    client = login(users["owner"])
    for state in (S.PENDING, S.REJECTED, S.CANCELLED):
        sub = pending(enterprise, state=state)
        r = issue(client, sub)
        assert r.status_code == 302
        sub.refresh_from_db()
        assert sub.secret_hash == ""


# Parks, cities and counties -------------------------------------------------------------------------------------

def test_a_city_administrator_grants_a_county_system_whose_administrator_gets_the_secret(users, login, orgs, county_admins,
                                                                                          enterprise, other_enterprise):
    create_enterprise(JINSHUI, name="金水第二测试公司")
    client = login(users["city"])
    r = client.get(reverse("api:subscription_grant"))
    choices = {o.pk for o in r.context["form"].fields["organization"].queryset}
    assert orgs["jinshui"].pk in choices and orgs["erqi"].pk in choices
    assert orgs["city"].pk not in choices and orgs["province"].pk not in choices
    r = client.post(reverse("api:subscription_grant"), {**application(system_name="金水区双预防平台", interfaces=["risks", "checks", "hazards"]),
                                           "organization": orgs["jinshui"].pk, "staging": "on"})
    sub = ApiSubscription.objects.get()
    assert r.status_code == 302 and r.url == sub.get_absolute_url()
    assert (sub.organization, sub.enterprise, sub.region_id, sub.state, sub.staging) == (orgs["jinshui"], None, JINSHUI, S.APPROVED, True)
    assert KEY_ID.match(sub.key_id) and sub.decided_by == users["city"] and sub.secret_hash == ""
    [record] = changes(sub)
    assert (record.action, record.message, record.user) == (AuditAction.CREATE, "授予金水区应急管理局接口订阅", users["city"])
    page = client.get(sub.get_absolute_url()).content.decode()
    assert "金水区 内 2 家企业" in page and "库表对接" in page

    # The county's administrator sees it and gets the secret; a plain regulator of the county sees it only.
    jinshui_admin = login(county_admins["jinshui"])
    assert "金水区双预防平台" in jinshui_admin.get(reverse("api:subscription_list")).content.decode()
    r = issue(jinshui_admin, sub)
    assert r.status_code == 200
    secret = r.context["secret"]
    assert whoami(token(sub, secret)).json()["enterprises"] == 2
    jinshui = login(users["jinshui"])
    assert jinshui.get(sub.get_absolute_url()).status_code == 200
    assert issue(jinshui, sub).status_code == 403
    # The sibling county does not see it; the granting city may rotate it; the owner enterprise has nothing to do with it.
    assert login(county_admins["erqi"]).get(sub.get_absolute_url()).status_code == 404
    assert issue(login(users["owner"]), sub).status_code == 404
    assert issue(login(users["city"]), sub).status_code == 200
    assert exchange(sub.key_id, secret).status_code == 401  # rotated by the city


def test_only_regulator_administrators_grant_and_only_to_organisations_they_manage(users, login, orgs, county_admins):
    for user in (users["jinshui"], users["owner"]):
        client = login(user)
        assert client.get(reverse("api:subscription_grant")).status_code == 403
        assert client.post(reverse("api:subscription_grant"), {**application(), "organization": orgs["jinshui"].pk}).status_code == 403
    client = login(county_admins["jinshui"])
    r = client.post(reverse("api:subscription_grant"), {**application(), "organization": orgs["city"].pk})
    assert r.status_code == 200 and "请选择您管理的下级单位或园区。" in r.content.decode()
    r = client.post(reverse("api:subscription_grant"), {**application(), "organization": orgs["jinshui"].pk})  # its own
    assert r.status_code == 200 and "请选择您管理的下级单位或园区。" in r.content.decode()
    # Below the form, the workflow itself refuses.
    with pytest.raises(PermissionDenied):
        workflow.grant(ApiSubscription(organization=orgs["city"], interfaces=["risks"], system_name="越级", contact="王工",
                                       phone="13800000000"), county_admins["jinshui"])
    r = login(users["city"]).post(reverse("api:subscription_grant"), {**application(interfaces=[]), "organization": orgs["erqi"].pk})
    assert r.status_code == 200 and "请至少选择一个订阅接口。" in r.content.decode()
    assert not ApiSubscription.objects.exists()
    assert "grant-link" not in login(users["jinshui"]).get(reverse("api:subscription_list")).content.decode()
    assert "grant-link" in login(users["city"]).get(reverse("api:subscription_list")).content.decode()


def test_a_granted_subscription_is_revoked_by_the_granting_side(users, login, orgs):
    sub, secret = approved(organization=orgs["jinshui"], system_name="金水区双预防平台", decided_by=users["city"])
    live = token(sub, secret)
    assert step(login(users["erqi"]), sub, "revoke", "越权").status_code == 404
    assert step(login(users["city"]), sub, "revoke", "平台停止运维").status_code == 302
    sub.refresh_from_db()
    assert sub.state == S.REVOKED and whoami(live).status_code == 401


def test_the_organisations_administrator_cancels_its_subscription(users, login, orgs, county_admins):
    sub, secret = approved(organization=orgs["jinshui"], system_name="金水区双预防平台")
    live = token(sub, secret)
    assert step(login(users["jinshui"]), sub, "cancel").status_code == 403  # a plain regulator of the county
    client = login(county_admins["jinshui"])
    assert 'data-action="cancel"' in client.get(sub.get_absolute_url()).content.decode()
    assert step(client, sub, "cancel", "改用库表对接").status_code == 302
    sub.refresh_from_db()
    assert (sub.state, sub.reason) == (S.CANCELLED, "改用库表对接") and whoami(live).status_code == 401


# The page's call log and the menu ---------------------------------------------------------------------------------

def test_the_call_log_shows_this_subscriptions_calls_newest_first(users, login, enterprise, other_enterprise):
    sub, secret = approved(enterprise)
    other, _ = approved(other_enterprise)
    live = token(sub, secret)
    api = Client()
    r = api.post("/api/v1/hazards", "{not json", content_type="application/json", **bearer(live))
    assert r.status_code == 400
    ApiCall.objects.create(subscription=sub, key_id=sub.key_id, operation="/api/v1/hazards", method="POST", path="/api/v1/hazards",
                           status=200, records=5, summary={"created": 3, "updated": 0, "unchanged": 2, "rejected": 0}, duration_ms=42)
    ApiCall.objects.create(subscription=other, key_id=other.key_id, operation="/checks", method="POST", path="/api/v1/checks",
                           status=200, records=7, summary={"created": 7}, message="别人的调用")
    r = login(users["owner"]).get(sub.get_absolute_url())
    calls = list(r.context["page"])
    assert [c.operation for c in calls] == ["/api/v1/hazards", "/api/v1/hazards", "/api/v1/token"]  # as the API logs them
    assert [c.status for c in calls] == [200, 400, 200]
    log = r.content.decode()
    assert "新增 3，未变 2" in log and "42 ms" in log and "请求体不是有效的 JSON" in log and "别人的调用" not in log
    for _ in range(25):
        ApiCall.objects.create(subscription=sub, key_id=sub.key_id, operation="/api/v1/hazards", method="GET", path="/api/v1/hazards", status=200)
    page2 = login(users["owner"]).get(sub.get_absolute_url(), {"page": 2})
    assert page2.context["page"].number == 2 and len(page2.context["page"]) == 8


def test_the_menu_leads_there(users, login, staff, county_admins):
    link = f'href="{reverse("api:subscription_list")}"'
    for user in (users["owner"], users["jinshui"], users["city"], county_admins["erqi"], users["sysadmin"]):
        assert link in login(user).get(reverse("api:subscription_list")).content.decode(), user
    page = login(users["jinshui"]).get(reverse("api:subscription_list")).content.decode()
    assert "系统管理" not in page and reverse("core:user_list") not in page  # a plain regulator: the item on its own
    assert link not in login(staff).get(reverse("archive:workbench")).content.decode()


def test_the_page_points_to_the_api_documentation(users, login, enterprise):
    sub, _ = approved(enterprise)
    page = login(users["owner"]).get(sub.get_absolute_url()).content.decode()
    assert 'href="/api/v1/docs"' in page and "docs/api.md" in page
    assert login(users["owner"]).get("/api/v1/docs").status_code == 200


def test_the_demo_has_a_connected_enterprise_and_an_application_to_decide(settings):
    """`worksafe demo`: the 金水 demo enterprise connected with the documented key id and secret (printed with the
    accounts), a few logged calls; the 二七 demo enterprise's application waiting for `erqi` / `zhengzhou`."""
    from io import StringIO

    from django.core.management import call_command

    from worksafe.api.fake import DEMO_KEY_ID, DEMO_SECRET

    settings.DEBUG = not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")  # the demo refuses production
    out = StringIO()
    call_command("demo", "--enterprises", "4", stdout=out)
    assert DEMO_KEY_ID in out.getvalue() and DEMO_SECRET in out.getvalue()
    live = ApiSubscription.objects.get(key_id=DEMO_KEY_ID)
    assert (live.state, live.enterprise.region_id, live.applicant.username) == (S.APPROVED, JINSHUI, live.enterprise.uscc)
    assert live.calls.count() >= 5 and live.calls.filter(status__gte=400).exists()
    assert whoami(token(live, DEMO_SECRET)).json()["interfaces"] == ["risks", "checks", "hazards", "maps"]
    waiting = ApiSubscription.objects.get(state=S.PENDING)
    assert (waiting.enterprise.region_id, waiting.applicant.username) == (ERQI, waiting.enterprise.uscc)
    for username in ("erqi", "zhengzhou"):
        client = Client()
        client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
        page = client.get(waiting.get_absolute_url()).content.decode()
        assert 'data-action="approve"' in page, username
