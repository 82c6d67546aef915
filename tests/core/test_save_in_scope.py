"""Every create and edit view re-checks after saving that the row is still in the user's scope (core.access.save_in_scope):
a save that leaves it out of reach answers 404 (or, on the enterprise form, the form again with the reason) and writes
nothing — not the row, not its audit record, not what the view writes after it.

The move out of scope is simulated the way a concurrent one would land: the row's save goes through, then the user's
`for_user` no longer sees it (the enterprise moved to the sibling county meanwhile). The real paths (an enterprise
moved or retyped beyond the regulator's reach) are tested in tests/archive/test_scope.py.
"""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.test_subscriptions import application
from tests.factories import create_unit, form_data
from tests.incidents.test_ledgers import accident_post
from worksafe.core.models import ChangeRecord
from worksafe.core.scoping import ScopedQuerySet


@pytest.fixture
def moved_on_save(monkeypatch):
    """moved_on_save(Model): once a row of Model is saved, no user sees any scoped row any more."""

    def arm(model):
        save = model.save

        def save_then_move(self, *args, **kwargs):
            save(self, *args, **kwargs)
            monkeypatch.setattr(ScopedQuerySet, "for_user", lambda qs, user: qs.none())

        monkeypatch.setattr(model, "save", save_then_move)

    return arm


def nothing_written(model, before):
    return model.objects.count() == before[0] and ChangeRecord.objects.count() == before[1]


def counts(model):
    return model.objects.count(), ChangeRecord.objects.count()


def test_it_refuses_a_secondary_unit_saved_out_of_scope(login, users, enterprise, moved_on_save):
    from worksafe.archive.models import Enterprise, SecondaryUnit

    unit = create_unit(enterprise, name="运输部")
    before, state = counts(SecondaryUnit), Enterprise.objects.get(pk=enterprise.pk).review_state
    moved_on_save(SecondaryUnit)
    client = login(users["owner"])
    add = client.post(reverse("archive:unit_add", args=[enterprise.pk]), {"name": "机修车间", "industry": "07", "competent_department": "emergency"})
    edit = client.post(reverse("archive:unit_edit", args=[unit.pk]), {"name": "运输一部", "industry": "07", "competent_department": "emergency"})
    assert add.status_code == edit.status_code == 404
    assert nothing_written(SecondaryUnit, before)
    unit.refresh_from_db()
    assert unit.name == "运输部" and Enterprise.objects.get(pk=enterprise.pk).review_state == state  # no 待审核 mark either


def test_it_shows_the_enterprise_form_again_when_the_edit_leaves_the_scope(login, users, enterprise, moved_on_save):
    from worksafe.archive.models import Enterprise

    before = counts(Enterprise)
    moved_on_save(Enterprise)
    data = form_data(enterprise, name="金水测试机械股份有限公司")
    response = login(users["jinshui"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), data)
    assert response.status_code == 200 and "修改后的企业将超出您的管辖范围，未保存。" in response.content.decode()
    assert nothing_written(Enterprise, before) and Enterprise.objects.get(pk=enterprise.pk).name == enterprise.name


def test_it_refuses_a_risk_object_saved_out_of_scope(login, users, enterprise, moved_on_save):
    from worksafe.risks.models import RiskObject

    before = counts(RiskObject)
    moved_on_save(RiskObject)
    response = login(users["owner"]).post(reverse("risks:node_add", args=["object", enterprise.pk]),
                                          {"name": "甲醇罐区", "kind": "place", "department": "安环部", "person": "张三"})
    assert response.status_code == 404 and nothing_written(RiskObject, before)


def test_it_refuses_a_hazard_saved_out_of_scope(login, users, enterprise, moved_on_save):
    from worksafe.hazards.models import Hazard, HazardStep

    today = timezone.localdate()
    data = {"name": "消防通道堆放杂物", "found_on": today.isoformat(), "place": "二号仓库", "category": "fire",
            "level": "general", "source": "self_check", "content": "消防通道被堆放的货物阻塞",
            "deadline": (today + datetime.timedelta(days=7)).isoformat(), "filled_by": "王五", "filled_on": today.isoformat()}
    before = counts(Hazard)
    moved_on_save(Hazard)
    response = login(users["owner"]).post(reverse("hazards:hazard_add", args=[enterprise.pk]), data)
    assert response.status_code == 404 and nothing_written(Hazard, before) and not HazardStep.objects.exists()


def test_it_refuses_an_accident_saved_out_of_scope(login, users, enterprise, moved_on_save):
    from worksafe.incidents.models import Accident

    before = counts(Accident)
    moved_on_save(Accident)
    response = login(users["owner"]).post(reverse("incidents:accident_add", args=[enterprise.pk]), accident_post())
    assert response.status_code == 404 and nothing_written(Accident, before)


def test_it_refuses_a_registration_table_saved_out_of_scope(login, filler_table, moved_on_save):
    from worksafe.registrations.forms import as_post
    from worksafe.registrations.models import Registration

    e, client, table = filler_table
    before = counts(Registration)
    moved_on_save(Registration)
    response = client.post(reverse("registrations:table_edit", args=[e.pk, table.key]), as_post(table, _example(table)))
    assert response.status_code == 404 and nothing_written(Registration, before)


def test_it_refuses_an_api_application_saved_out_of_scope(login, users, moved_on_save):
    from worksafe.api.models import ApiSubscription

    before = counts(ApiSubscription)
    moved_on_save(ApiSubscription)
    response = login(users["owner"]).post(reverse("api:subscription_add"), application())
    assert response.status_code == 404 and nothing_written(ApiSubscription, before)


def test_it_saves_as_before_while_the_row_stays_in_scope(login, users, enterprise):
    from worksafe.incidents.models import Accident

    response = login(users["owner"]).post(reverse("incidents:accident_add", args=[enterprise.pk]), accident_post())
    assert response.status_code == 302 and Accident.objects.filter(enterprise=enterprise).count() == 1


def _example(table):
    from worksafe.registrations import fake

    return fake.example(table)


@pytest.fixture
def filler_table(db, login):
    from tests.factories import JINSHUI, create_enterprise, create_user
    from worksafe.core.models import Role
    from worksafe.registrations import schema

    table = schema.get("hazardous_chemicals")
    e = create_enterprise(JINSHUI, industry=table.industries[0], name="金水危化测试公司")
    return e, login(create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e)), table
