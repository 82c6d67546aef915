"""The hazards' workflow settings (流程设置) at work: the default deadline of raised hazards, how far back a check may be
recorded, and who accepts a major hazard's rectification (挂牌督办的监管部门 or, by default, any regulator above
township level in scope). The deadline colours are in test_deadlines.py."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import create_hazard, create_user
from worksafe.core import workflow_settings
from worksafe.core.models import Role
from worksafe.hazards import workflow
from worksafe.hazards.checks import BACKDATE
from worksafe.hazards.models import Checklist, ChecklistItem, Hazard, HazardStep
from worksafe.hazards.raise_from import RAISED_DEADLINE

pytestmark = pytest.mark.django_db
A = HazardStep.Action
D = datetime.timedelta(days=1)


@pytest.fixture
def system():
    return create_user("sysconf", Role.SYSADMIN)


@pytest.fixture
def checklist(enterprise):
    c = Checklist.objects.create(name="本企业排查标准", industry_id="07", enterprise=enterprise, state="approved")
    ChecklistItem.objects.create(checklist=c, order=1, section="用电安全", content="配电箱有警示标识", category_id="electricity")
    return c


def record_check(client, enterprise, checklist, day):
    item = checklist.items.get()
    return client.post(reverse("hazards:check_add", args=[enterprise.pk]) + f"?checklist={checklist.pk}", {
        "checked_on": day.isoformat(), "checker_name": "王五", "kind": "comprehensive", "note": "",
        f"i{item.pk}-result": "fail", f"i{item.pk}-note": "配电箱无警示标识"})


def test_a_failed_check_item_raises_a_hazard_due_after_the_set_days(login, users, enterprise, checklist, system):
    workflow_settings.change(RAISED_DEADLINE, "7", system)
    day = timezone.localdate() - 2 * D
    assert record_check(login(users["owner"]), enterprise, checklist, day).status_code == 302
    assert Hazard.objects.get().deadline == day + 7 * D


def test_how_far_back_a_check_may_be_recorded_follows_the_setting(login, users, enterprise, checklist, system):
    client = login(users["owner"])
    day = timezone.localdate() - 20 * D
    workflow_settings.change(BACKDATE, "10", system)
    response = record_check(client, enterprise, checklist, day)
    assert response.context["form"].errors["checked_on"] == ["排查日期不能早于 10 天前"]
    assert not Hazard.objects.exists()
    workflow_settings.reset(BACKDATE, system)
    assert record_check(client, enterprise, checklist, day).status_code == 302  # 30 days by default


# ---- who accepts a major hazard ------------------------------------------------------------------------------


@pytest.fixture
def city_supervised(enterprise, users):
    """A major hazard the city listed for supervision (市级挂牌督办), rectified and awaiting acceptance."""
    hazard = create_hazard(enterprise, name="液氨储罐区安全阀失效", level="major", review="pending")
    hazard = workflow.perform(hazard, A.CONFIRM, users["jinshui"])
    workflow.supervise(hazard, users["city"], "city", "郑应急隐督〔2026〕1号")
    Hazard.objects.filter(pk=hazard.pk).update(measures_taken="已更换安全阀", completed_on=timezone.localdate(),
                                               no_photo_reason="涉密区域")
    return workflow.perform(Hazard.objects.get(pk=hazard.pk), A.SUBMIT, users["owner"])


def test_by_default_any_regulator_above_township_in_scope_accepts(users, city_supervised):
    assert workflow.FLOW.can(users["jinshui"], city_supervised, A.ACCEPT)
    assert workflow.FLOW.can(users["city"], city_supervised, A.ACCEPT)


def test_when_the_supervisor_accepts_the_county_may_not(login, users, city_supervised, system):
    workflow_settings.change(workflow.MAJOR_ACCEPTOR, workflow.SUPERVISOR, system)
    hazard = Hazard.objects.get(pk=city_supervised.pk)
    assert not workflow.FLOW.can(users["jinshui"], hazard, A.ACCEPT)
    assert not workflow.FLOW.can(users["jinshui"], hazard, A.REJECT)
    with pytest.raises(PermissionDenied):
        workflow.perform(hazard, A.ACCEPT, users["jinshui"])
    assert workflow.FLOW.can(users["province"], hazard, A.ACCEPT)  # a level above the supervising city
    assert workflow.perform(hazard, A.ACCEPT, users["city"]).state == "closed"


def test_a_major_hazard_not_listed_for_supervision_keeps_the_regulators_in_scope(users, enterprise, system):
    workflow_settings.change(workflow.MAJOR_ACCEPTOR, workflow.SUPERVISOR, system)
    hazard = create_hazard(enterprise, name="未挂牌重大隐患", level="major", review="confirmed", state="accepting")
    assert workflow.FLOW.can(users["jinshui"], hazard, A.ACCEPT)
    assert not workflow.FLOW.can(users["owner"], hazard, A.ACCEPT)  # never the enterprise itself
