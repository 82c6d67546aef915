"""流程设置 (core.workflow_settings, /system/workflow/): the time limits and approvers the modules declare, edited by the
system administrator within their bounds, each change audited from → to, read through one cache that follows a save
and costs no query per use."""
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import create_user
from worksafe.archive import review
from worksafe.core import workflow, workflow_settings
from worksafe.core.models import AuditAction, ChangeRecord, Role, WorkflowSetting
from worksafe.hazards import deadlines

pytestmark = pytest.mark.django_db
WARN = deadlines.WARN
LIST = reverse("core:workflow_setting_list")


def edit_url(key):
    return reverse("core:workflow_setting_edit", args=[key])


@pytest.fixture
def configurer(login):
    """The system administrator (三员: core.configure), not a break-glass superuser."""
    return login(create_user("sysconf", Role.SYSADMIN))


def test_it_lists_the_declared_settings_by_module_with_default_and_current(configurer):
    html = configurer.get(LIST).content.decode()
    for group in ("隐患排查治理", "一企一档", "风险分级管控"):
        assert f"<th colspan=\"5\">{group}</th>" in html
    for label in ("整改期限预警天数", "发现隐患的默认整改期限", "排查记录补录期限", "巡检记录补录期限", "重大隐患验收销号",
                  "企业档案审核"):
        assert label in html
    assert "辖区内县级及以上监管部门" in html and "1～90天" in html
    assert "恢复默认" not in html  # nothing changed yet


@pytest.mark.parametrize("value, message", [
    ("0", "“整改期限预警天数”须在 1～90天 之间，不能为 0天。"),
    ("91", "“整改期限预警天数”须在 1～90天 之间，不能为 91天。"),
    ("十天", "“整改期限预警天数”须填写整数（天）。"),
    ("", "请填写“整改期限预警天数”。"),
])
def test_it_refuses_a_value_out_of_bounds_and_says_why(configurer, value, message):
    response = configurer.post(edit_url(WARN), {"value": value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkflowSetting.objects.exists()
    assert workflow.setting(WARN) == 10


def test_it_refuses_an_approver_that_is_not_offered(configurer):
    response = configurer.post(edit_url(review.REVIEWER), {"value": "anyone"})
    assert "“企业档案审核”请从给出的选项中选择。" in response.content.decode()
    assert review.approver_rule() == review.OWNER_UP


def test_an_unknown_setting_is_not_found(configurer):
    assert configurer.get(edit_url("hazards.nothing")).status_code == 404
    assert configurer.post(reverse("core:workflow_setting_reset", args=["hazards.nothing"])).status_code == 404


def test_a_change_and_its_reset_are_audited_from_and_to(configurer):
    response = configurer.post(edit_url(WARN), {"value": "5"})
    assert response.status_code == 302
    assert "已将“整改期限预警天数”设为 5天。" in [str(m) for m in get_messages(response.wsgi_request)]
    assert configurer.post(edit_url(WARN), {"value": "7"}).status_code == 302
    assert configurer.post(reverse("core:workflow_setting_reset", args=[WARN])).status_code == 302
    records = list(ChangeRecord.objects.filter(content_type__model="workflowsetting").order_by("time", "id"))
    assert [(r.action, r.user_name, r.object_repr, r.message) for r in records] == [
        (AuditAction.CREATE, "sysconf", "流程设置：整改期限预警天数", "整改期限预警天数：10天 → 5天"),
        (AuditAction.UPDATE, "sysconf", "流程设置：整改期限预警天数", "整改期限预警天数：5天 → 7天"),
        (AuditAction.DELETE, "sysconf", "流程设置：整改期限预警天数", "整改期限预警天数：7天 → 10天（恢复默认）"),
    ]
    assert (records[1].before, records[1].after) == ({"value": "5"}, {"value": "7"})
    assert not WorkflowSetting.objects.exists() and workflow.setting(WARN) == 10
    history = configurer.get(LIST).content.decode()
    assert "整改期限预警天数：7天 → 10天（恢复默认）" in history and "整改期限预警天数：10天 → 5天" in history


def test_the_page_marks_a_changed_value_and_offers_its_reset(configurer):
    configurer.post(edit_url(review.REVIEWER), {"value": review.OWNER_LEVEL})
    html = configurer.get(LIST).content.decode()
    row = html[html.index(f'data-setting="{review.REVIEWER}"'):]
    row = row[:row.index("</tr>")]
    assert "仅负责监管的层级（及指定的行业部门）" in row and "已修改" in row and "恢复默认" in row
    assert review.approver_rule() == review.OWNER_LEVEL


def test_setting_the_default_value_keeps_no_row(configurer):
    configurer.post(edit_url(WARN), {"value": "5"})
    configurer.post(edit_url(WARN), {"value": "10"})
    assert not WorkflowSetting.objects.exists()


@pytest.mark.parametrize("role", [Role.REGULATOR_ADMIN, Role.REGULATOR, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_only_the_system_administrator_may_see_or_change_them(login, orgs, role):
    """A province's regulator administrator included: the values hold for the whole deployment (三员: configuration)."""
    client = login(create_user("someone", role, orgs["province"] if role in (Role.REGULATOR_ADMIN, Role.REGULATOR) else None))
    assert client.get(LIST).status_code == 403
    assert client.post(edit_url(WARN), {"value": "5"}).status_code == 403
    assert client.post(reverse("core:workflow_setting_reset", args=[WARN])).status_code == 403
    assert not WorkflowSetting.objects.exists()


def test_the_cached_value_follows_a_save_and_costs_one_query(configurer, django_assert_num_queries):
    workflow_settings.forget()
    with django_assert_num_queries(1):
        assert [workflow.setting(WARN) for _ in range(100)] == [10] * 100
    workflow_settings.change(WARN, "6", create_user("sys2", Role.SYSADMIN))
    assert workflow.setting(WARN) == 6  # no stale value after the save
    workflow_settings.reset(WARN, None)
    assert workflow.setting(WARN) == 10


def test_each_request_reads_the_values_again(configurer):
    """Another process's change (a row written without this process's signals) is seen from the next request on."""
    assert workflow.setting(WARN) == 10
    WorkflowSetting.objects.bulk_create([WorkflowSetting(key=WARN, value="3")])
    assert workflow.setting(WARN) == 10  # this process's cache, until…
    configurer.get(LIST)  # …a request starts
    assert workflow.setting(WARN) == 3


def test_a_page_reads_the_settings_once_whatever_it_uses(configurer):
    configurer.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        configurer.get(LIST)
    assert sum("workflowsetting" in q["sql"].lower() for q in queries.captured_queries) == 1


def test_a_stored_value_the_code_no_longer_accepts_reads_as_the_default():
    WorkflowSetting.objects.create(key=WARN, value="500")
    WorkflowSetting.objects.create(key=review.REVIEWER, value="withdrawn")
    assert workflow.setting(WARN) == 10 and review.approver_rule() == review.OWNER_UP


def test_a_declaration_is_checked_when_the_module_loads():
    with pytest.raises(ValueError, match="declared twice"):
        workflow.declare(WARN, "重复", "隐患排查治理", workflow.DAYS, 10)
    with pytest.raises(ValidationError):
        workflow.declare("tests.out_of_bounds", "越界", "测试", workflow.DAYS, 0, minimum=1)
    with pytest.raises(ValueError, match="needs options"):
        workflow.declare("tests.no_options", "无选项", "测试", workflow.CHOICE, "a")
    assert "tests.out_of_bounds" not in workflow_settings.REGISTRY
