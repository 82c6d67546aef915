"""Who reviews archives is a 流程设置 choice read in one place (review.approver_rule): 县级及以上 (the default: the
rule of permissions.can_review_archive, unchanged) or 分级负责 (only the supervising level, through the hook
review.reviews_at_owner_level)."""
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
    assert review.approver_rule() == review.COUNTY_UP
    assert review.REVIEW.can(users["jinshui"], submitted, "approve")
    assert review.REVIEW.can(users["city"], submitted, "return")
    assert not review.REVIEW.can(township, submitted, "approve")
    assert not review.REVIEW.can(users["erqi"], submitted, "approve")  # out of scope


def test_the_owner_level_choice_asks_the_owning_level_hook(users, submitted, monkeypatch):
    workflow_settings.change(review.REVIEWER, review.OWNER_LEVEL, create_user("sysconf", Role.SYSADMIN))
    assert review.approver_rule() == review.OWNER_LEVEL
    monkeypatch.setattr(review, "reviews_at_owner_level", lambda user, e: user.organization.level == OrgLevel.CITY)
    assert not review.REVIEW.can(users["jinshui"], submitted, "approve")
    assert review.REVIEW.can(users["city"], submitted, "approve")
    assert not review.REVIEW.can(users["erqi"], submitted, "approve")  # the hook never widens the jurisdiction
