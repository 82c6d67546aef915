"""Who reviews archives is a 流程设置 choice read in one place (review.approver_rule): the owning level and those above
(the default: permissions.can_review_archive) or only the owning organisations (supervision.owns)."""
import pytest

from tests.factories import TOWNSHIP, create_org, create_user
from worksafe.archive import review
from worksafe.archive.models import Enterprise
from worksafe.core import workflow_settings
from worksafe.core.models import OrgLevel, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(review_state="submitted")
    return Enterprise.objects.get(pk=enterprise.pk)


def test_by_default_regulators_in_scope_above_township_review(users, orgs, submitted):
    township = create_user("town", Role.REGULATOR, create_org("经八路街道", OrgLevel.TOWNSHIP, TOWNSHIP))
    assert review.approver_rule() == review.OWNER_UP
    assert review.REVIEW.can(users["jinshui"], submitted, "approve")
    assert review.REVIEW.can(users["city"], submitted, "return")
    assert not review.REVIEW.can(township, submitted, "approve")
    assert not review.REVIEW.can(users["erqi"], submitted, "approve")  # out of scope


def test_the_owner_level_choice_leaves_review_to_the_owning_organisations(users, orgs, submitted):
    workflow_settings.change(review.REVIEWER, review.OWNER_LEVEL, create_user("sysconf", Role.SYSADMIN))
    assert review.approver_rule() == review.OWNER_LEVEL
    assert review.REVIEW.can(users["jinshui"], submitted, "approve")  # the county owns it by default
    assert not review.REVIEW.can(users["city"], submitted, "approve")  # above it: not under this choice
    Enterprise.objects.filter(pk=submitted.pk).update(supervision_level="city", supervising_department=orgs["chem"], industry_id="0301")
    submitted.refresh_from_db()
    assert not review.REVIEW.can(users["jinshui"], submitted, "approve")
    assert review.REVIEW.can(users["city"], submitted, "approve")
    assert review.REVIEW.can(users["chem"], submitted, "approve")  # the department named as supervisor
    assert not review.REVIEW.can(users["province"], submitted, "approve")
    assert not review.REVIEW.can(users["erqi"], submitted, "approve")  # never beyond the jurisdiction
