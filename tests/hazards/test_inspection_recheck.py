"""Hazards a regulator's inspection registered (来源 监管检查) are accepted by the regulators (复查), not by the
enterprise (issue 23): the enterprise rectifies and submits; the inspecting organisation is told and rechecks."""
import pytest
from django.urls import reverse

from tests.factories import create_hazard
from worksafe.core import todo
from worksafe.core.models import Notification
from worksafe.hazards import workflow
from worksafe.hazards.models import Hazard

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def rectified(enterprise, source, created_by=None, state="accepting"):
    return create_hazard(enterprise, source=source, state=state, measures_taken="已张贴警示标识", completed_on=enterprise.created_at.date(),
                         no_photo_reason="现场已核实", created_by=created_by)


def step(client, hazard, action, comment=""):
    return client.post(reverse("hazards:hazard_step", args=[hazard.pk, action]), {"comment": comment})


def counts(user):
    return {item.key: item.count for item in todo.for_user(user)}


def test_the_enterprise_cannot_accept_what_an_inspection_registered(login, users, enterprise):
    hazard = rectified(enterprise, "inspection")
    assert not workflow.FLOW.can(users["owner"], hazard, "accept")
    assert step(login(users["owner"]), hazard, "accept").status_code == 403
    assert Hazard.objects.get(pk=hazard.pk).state == "accepting"
    page = login(users["owner"]).get(hazard.get_absolute_url()).content.decode()
    assert "验收通过" not in page


def test_its_own_findings_the_enterprise_still_accepts(login, users, enterprise):
    hazard = rectified(enterprise, "self_check")
    assert step(login(users["owner"]), hazard, "accept").status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).state == "closed"


def test_the_regulator_rechecks_and_closes_or_sends_it_back(login, users, enterprise, other_enterprise):
    passed, failed = rectified(enterprise, "inspection"), rectified(enterprise, "inspection")
    client = login(users["jinshui"])
    assert step(client, passed, "accept").status_code == 302
    assert Hazard.objects.get(pk=passed.pk).state == "closed"
    assert step(client, failed, "reject", "警示标识未覆盖二车间").status_code == 302
    assert Hazard.objects.get(pk=failed.pk).state == "rectifying"
    other = rectified(other_enterprise, "inspection")
    assert step(client, other, "accept").status_code == 404  # another county's


def test_the_todo_puts_the_recheck_with_the_regulators_not_the_enterprise(users, enterprise, other_enterprise):
    rectified(enterprise, "inspection"), rectified(enterprise, "inspection"), rectified(enterprise, "self_check")
    rectified(other_enterprise, "inspection")
    rectified(enterprise, "inspection", state="rectifying")  # not submitted yet
    assert counts(users["jinshui"])["hazards.inspection_accept"] == 2
    assert counts(users["city"])["hazards.inspection_accept"] == 3
    assert counts(users["owner"])["hazards.to_accept"] == 1  # its own finding only
    item = {i.key: i for i in todo.for_user(users["jinshui"])}["hazards.inspection_accept"]
    assert item.href == "/hazards/open/?state=accepting&source=inspection"


def test_submitting_tells_the_organisation_that_inspected(login, users, enterprise, committed):
    hazard = rectified(enterprise, "inspection", created_by=users["jinshui"], state="rectifying")
    with committed():
        assert step(login(users["owner"]), hazard, "submit").status_code == 302
    told = {n.recipient.username: n for n in Notification.objects.filter(kind="hazard.to_recheck")}
    assert set(told) == {"jinshui"}  # the inspecting county: not the city above, not the enterprise
    assert "请复查" in told["jinshui"].text and told["jinshui"].link == hazard.get_absolute_url()
    own = rectified(enterprise, "self_check", state="rectifying")
    with committed():
        step(login(users["owner"]), own, "submit")
    assert Notification.objects.filter(kind="hazard.to_recheck").count() == 1  # its own finding: nobody to tell
