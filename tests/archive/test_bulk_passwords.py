"""批量重置密码: new one-time passwords for the enterprise administrators of the filtered enterprise list (or its ticked
rows), issued by a background job whose result (企业名称, 账号, 一次性密码) its starter downloads once. Administrators
only, within their scope; each account's reset audited as the single reset is."""
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ERQI, JINSHUI, create_enterprise, create_user, messages_of
from worksafe.core.models import AuditAction, ChangeRecord, Job, JobState, Role, User

pytestmark = pytest.mark.django_db

URL = reverse("archive:enterprise_bulk_reset_password")


def started(response):
    assert response.status_code == 302 and response.url.startswith("/jobs/")
    return Job.objects.get(pk=response.url.split("/")[2])


def password_rows(response):
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("企业名称", "账号", "一次性密码")
    return {username: (name, password) for name, username, password in rows[1:]}


@pytest.fixture
def jinshui_admin(orgs):
    return create_user("jinshui_admin", Role.REGULATOR_ADMIN, orgs["jinshui"])


def test_the_filtered_list_gets_new_passwords_downloadable_once_and_audited(users, login, enterprise, other_enterprise,
                                                                             run_jobs):
    without_account = create_enterprise(JINSHUI, name="金水无账号企业")
    users["owner"].set_password("Old-password-1")
    users["owner"].save()
    client = login(users["city"])
    page = client.get(URL, {"region": JINSHUI})
    assert page.status_code == 200 and page.context["count"] == 2
    assert "只能下载一次" in page.content.decode() and "属地：金水区" in page.content.decode()
    assert not Job.objects.exists()  # the page only asks

    job = started(client.post(f"{URL}?region={JINSHUI}", {"confirm": "1"}))
    assert (job.owner, job.total, job.label) == (users["city"], 2, "批量重置企业管理员密码（2 家企业）")
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result_secret and "已为 2 家企业" in job.summary
    download = client.get(reverse("core:job_result", args=[job.pk]))
    accounts = password_rows(download)
    assert client.get(reverse("core:job_result", args=[job.pk])).status_code == 410  # once only
    taken = ChangeRecord.objects.get(action=AuditAction.TAKE_RESULT)
    assert taken.user == users["city"]

    assert set(accounts) == {enterprise.uscc, without_account.uscc}  # not 二七's
    owner = User.objects.get(pk=users["owner"].pk)
    assert accounts[owner.username][0] == enterprise.name
    assert owner.must_change_password and owner.check_password(accounts[owner.username][1])
    assert not owner.check_password("Old-password-1")
    created = User.objects.get(username=without_account.uscc)
    assert (created.role, created.enterprise) == (Role.ENTERPRISE_ADMIN, without_account)
    assert not User.objects.get(pk=users["outsider"].pk).must_change_password
    resets = ChangeRecord.objects.filter(action=AuditAction.RESET_PASSWORD)
    assert {(r.object_id, r.user, r.message) for r in resets} == {
        (str(owner.pk), users["city"], "签发一次性密码"), (str(created.pk), users["city"], "签发一次性密码")}
    assert resets.get(object_id=str(owner.pk)).enterprise_id == enterprise.pk

    # The new password works: the enterprise logs in and must change it first.
    response = Client().post(reverse("core:login"), {"username": owner.username, "password": accounts[owner.username][1]},
                             follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:password_change")


def test_ticked_rows_out_of_scope_are_left_out(users, login, jinshui_admin, enterprise, other_enterprise, run_jobs):
    client = login(jinshui_admin)
    page = client.post(URL, {"selected": "1", "pk": [enterprise.pk, other_enterprise.pk]})
    assert page.status_code == 200 and page.context["count"] == 1 and page.context["ids"] == sorted([enterprise.pk, other_enterprise.pk])
    job = started(client.post(URL, {"selected": "1", "pk": [enterprise.pk, other_enterprise.pk], "confirm": "1"}))
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE and "已为 1 家企业" in job.summary
    assert User.objects.get(pk=users["owner"].pk).must_change_password
    assert not User.objects.get(pk=users["outsider"].pk).must_change_password
    assert not ChangeRecord.objects.filter(action=AuditAction.RESET_PASSWORD, enterprise_id=other_enterprise.pk).exists()


def test_nothing_ticked_goes_back_to_the_list(users, login, jinshui_admin):
    response = login(jinshui_admin).post(URL, {"selected": "1"}, follow=True)
    assert "请先勾选企业" in messages_of(response)[0] and not Job.objects.exists()


def test_a_code_taken_by_another_account_is_skipped_and_said(users, login, jinshui_admin, run_jobs):
    taken = create_enterprise(ERQI, name="二七被占用企业")
    create_user(taken.uscc, Role.REGULATOR, None)
    client = login(users["sysadmin"])
    job = started(client.post(f"{URL}?region={ERQI}", {"confirm": "1"}))
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE and "1 家企业未签发" in job.summary and "二七被占用企业" in job.summary


@pytest.mark.parametrize("who", ["jinshui", "owner"])
def test_only_administrators_may_reset_in_bulk(users, login, who, enterprise):
    client = login(users[who])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"confirm": "1"}).status_code == 403
    assert not Job.objects.exists()
    assert 'data-testid="bulk-password"' not in login(users["jinshui"]).get(reverse("archive:enterprise_list")).content.decode()
