import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from worksafe.core.scoping import code_range, enterprises_for

pytestmark = pytest.mark.django_db


def test_code_range_covers_exactly_the_subtree():
    low, high = code_range("4101")
    inside = ["410100", "410105", "410105001", "410171"]
    outside = ["410200", "410099", "4102", "41"]
    assert all(low <= c < high for c in inside)
    assert not any(low <= c < high for c in outside)
    assert code_range("4109") == ("4109", "4110")


def test_it_scopes_regulators_to_their_region_subtree(users, enterprise, other_enterprise):
    assert set(enterprises_for(users["jinshui"])) == {enterprise}
    assert set(enterprises_for(users["erqi"])) == {other_enterprise}
    assert set(enterprises_for(users["city"])) == {enterprise, other_enterprise}
    assert set(enterprises_for(users["province"])) == {enterprise, other_enterprise}


def test_it_narrows_industry_departments_to_their_industries(users, enterprise, other_enterprise):
    # The chemicals division sees 危险化学品生产 (a child of 危险化学品), not machinery.
    assert set(enterprises_for(users["chem"])) == {other_enterprise}


def test_enterprise_users_see_only_their_own(users, enterprise):
    assert list(enterprises_for(users["owner"])) == [enterprise]


def test_inactive_and_roleless_users_see_nothing(users, django_user_model):
    users["jinshui"].is_active = False
    assert not enterprises_for(users["jinshui"]).exists()
    nobody = django_user_model.objects.create(username="nobody", role="regulator")
    assert not enterprises_for(nobody).exists()


def test_an_in_scope_mark_holds_only_for_that_user_and_place(users, enterprise, other_enterprise, django_assert_num_queries):
    from worksafe.core.permissions import in_scope, mark_in_scope

    mark_in_scope(users["jinshui"], enterprise)
    with django_assert_num_queries(0):
        assert in_scope(users["jinshui"], enterprise)
    assert not in_scope(users["erqi"], enterprise)  # another user: the database answers
    enterprise.region_id = other_enterprise.region_id  # moved in memory: the mark no longer applies
    with CaptureQueriesContext(connection) as ctx:
        in_scope(users["jinshui"], enterprise)
    assert ctx.captured_queries, "a moved enterprise must be checked against the database again"
