"""`Model.objects.for_user(user)` on every enterprise-owned model: a county sees its own rows, never the sibling
county's; an enterprise its own; the city above both. The rows come from the access test's world (one of each kind
in 金水区 and in 二七区), and a model with a scoped manager but no row here fails the test, so a new one is covered."""
import pytest
from django.apps import apps

from tests.access_world import World
from worksafe.core.scoping import ScopedQuerySet

# model label → the row of that model in a county's world
ROWS = {
    "archive.Enterprise": lambda w, c: w.enterprise(c),
    "archive.ArchiveReview": lambda w, c: _review(w.enterprise(c)),
    "archive.SecondaryUnit": lambda w, c: w.get("unit", c),
    "archive.KeySupervisionItem": lambda w, c: w.get("item", c),
    "archive.ParkMember": lambda w, c: _park_member(w.enterprise(c)),
    "archive.SupervisionChange": lambda w, c: _supervision_change(w.enterprise(c)),
    "risks.RiskObject": lambda w, c: w.get("risk_object", c),
    "risks.RiskUnit": lambda w, c: w.get("risk_unit", c),
    "risks.HazardSource": lambda w, c: w.get("risk_source", c),
    "risks.RiskEvent": lambda w, c: w.get("risk_event", c),
    "risks.ControlMeasure": lambda w, c: w.get("risk_measure", c),
    "risks.FourColourMap": lambda w, c: w.get("map", c).four_colour_map,
    "risks.Patrol": lambda w, c: w.get("patrol", c),
    "risks.PatrolYear": lambda w, c: _patrol_year(w.get("patrol", c)),
    "risks.PatrolItem": lambda w, c: w.get("patrol", c).items.first(),
    "hazards.Hazard": lambda w, c: w.get("hazard", c),
    "hazards.HazardStep": lambda w, c: w.get("confirmed_hazard", c).steps.first(),
    "hazards.HazardPhoto": lambda w, c: w.get("hazard_photo", c),
    "hazards.HazardYear": lambda w, c: _hazard_year(w.get("hazard", c)),
    "hazards.Checklist": lambda w, c: w.get("checklist", c),
    "hazards.ChecklistItem": lambda w, c: w.get("checklist", c).items.first(),
    "hazards.CheckPlan": lambda w, c: w.get("plan", c),
    "hazards.HazardCheck": lambda w, c: w.get("check", c),
    "hazards.HazardCheckItem": lambda w, c: w.get("check", c).items.first(),
    "hazards.ReportingDuty": lambda w, c: _duty(w.enterprise(c)),
    "hazards.HazardReport": lambda w, c: _hazard_report(w.enterprise(c)),
    "incidents.Accident": lambda w, c: w.get("accident", c),
    "incidents.Investigation": lambda w, c: w.get("investigation", c).investigation,
    "incidents.Penalty": lambda w, c: w.get("penalty", c),
    "incidents.AccidentReport": lambda w, c: w.get("report", c),
    "incidents.FollowUp": lambda w, c: _follow_up(w.get("report", c)),
    "registrations.Registration": lambda w, c: w.get("registration", c).registrations.first(),
    "dataapi.ApiSubscription": lambda w, c: w.get("subscription", c),
}


def _review(enterprise):
    from worksafe.archive.models import ArchiveReview

    return ArchiveReview.objects.create(enterprise=enterprise, source="draft", target="submitted", actor_name="张三")


def _park_member(enterprise):
    from tests.factories import create_org
    from worksafe.archive.models import ParkMember

    park = create_org(f"{enterprise.region.name}化工园区", "county", enterprise.region_id, kind="park")
    return ParkMember.objects.create(park=park, enterprise=enterprise)


def _supervision_change(enterprise):
    from worksafe.archive.models import SupervisionChange

    return SupervisionChange.objects.create(enterprise=enterprise, from_level="county", to_level="city", reason="重点企业",
                                            requester_name="张三", requester_level="county")


def _patrol_year(patrol):
    from worksafe.risks.models import PatrolYear

    return PatrolYear.objects.get(enterprise_id=patrol.enterprise_id)


def _hazard_year(hazard):
    from worksafe.hazards.models import HazardYear

    return HazardYear.objects.get(enterprise_id=hazard.enterprise_id)


def _duty(enterprise):
    from worksafe.hazards import reporting

    duty = reporting.duty_of(enterprise)
    duty.save()
    return duty


def _hazard_report(enterprise):
    from django.utils import timezone

    from worksafe.hazards.models import HazardReport

    today = timezone.localdate()
    return HazardReport.objects.create(enterprise=enterprise, cycle="month", period=f"{today:%Y-%m}", starts_on=today, ends_on=today)


def _follow_up(report):
    from worksafe.incidents.models import FollowUp

    return FollowUp.objects.create(report=report, content="人员已送医", reporter_name="张三", reporter_unit="测试企业")


def scoped_models():
    return sorted(m._meta.label for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet))


@pytest.fixture
def world(users, orgs):
    return World(users, orgs)


def test_it_covers_every_model_with_a_scoped_manager():
    assert scoped_models() == sorted(ROWS)


@pytest.mark.parametrize("label", sorted(ROWS))
def test_it_keeps_each_county_to_its_own_rows(world, users, label):
    model = apps.get_model(label)
    own, other = ROWS[label](world, "jinshui"), ROWS[label](world, "erqi")
    assert isinstance(own, model) and isinstance(other, model)

    def seen(user):
        return set(model.objects.for_user(user).filter(pk__in=[own.pk, other.pk]).values_list("pk", flat=True))

    assert seen(users["jinshui"]) == {own.pk}
    assert seen(users["owner"]) == {own.pk}
    assert seen(users["erqi"]) == {other.pk}
    assert seen(users["outsider"]) == {other.pk}
    assert seen(users["city"]) == {own.pk, other.pk}
    assert seen(users["sysadmin"]) == {own.pk, other.pk}


def test_it_keeps_the_guidelines_out_of_the_checklists_for_user(world, users):
    from worksafe.hazards.models import Checklist

    guideline = world.get("guideline", "jinshui")
    assert not Checklist.objects.for_user(users["sysadmin"]).filter(pk=guideline.pk).exists()


def test_it_shows_a_regulator_the_organisation_subscriptions_of_its_region(world, users):
    from worksafe.api.models import ApiSubscription

    own, other = world.get("org_subscription", "jinshui"), world.get("org_subscription", "erqi")
    assert set(ApiSubscription.objects.for_user(users["jinshui"]).filter(pk__in=[own.pk, other.pk])) == {own}
    assert not ApiSubscription.objects.for_user(users["owner"]).filter(pk__in=[own.pk, other.pk]).exists()
