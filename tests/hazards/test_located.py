"""Hazards and their yearly rows carry copies of the enterprise's region and industry (the regulators' lists test the
jurisdiction on their own indexes): the copies follow the enterprise when it moves, by a save or by an import."""
import pytest
from django.urls import reverse

from tests.archive.test_import_export import edit, upload
from tests.factories import ERQI, create_hazard
from worksafe.archive.models import Enterprise
from worksafe.hazards.models import Hazard, HazardYear

pytestmark = pytest.mark.django_db


def copies(enterprise):
    return (set(Hazard.objects.filter(enterprise=enterprise).values_list("region_id", "industry_id"))
            | set(HazardYear.objects.filter(enterprise=enterprise).values_list("region_id", "industry_id")))


def test_a_hazard_takes_its_enterprises_region_and_industry(enterprise):
    create_hazard(enterprise)
    assert copies(enterprise) == {(enterprise.region_id, enterprise.industry_id)}


def test_moving_the_enterprise_moves_its_hazards_into_the_new_jurisdiction(users, login, enterprise):
    hazard = create_hazard(enterprise, name="搬迁前登记的隐患")
    open_list = reverse("hazards:open_list")
    assert "搬迁前登记的隐患" in login(users["jinshui"]).get(open_list).content.decode()
    enterprise.region_id = ERQI  # 属地调整
    enterprise.save()
    assert copies(enterprise) == {(ERQI, enterprise.industry_id)}
    assert "搬迁前登记的隐患" not in login(users["jinshui"]).get(open_list).content.decode()
    assert login(users["jinshui"]).get(hazard.get_absolute_url()).status_code == 404
    assert "搬迁前登记的隐患" in login(users["erqi"]).get(open_list).content.decode()


def test_an_import_changing_the_industry_moves_the_copies_too(users, login, enterprise):
    create_hazard(enterprise)
    client = login(users["jinshui"])
    data = b"".join(client.get(reverse("archive:enterprise_export")).streaming_content)
    upload(client, edit(data, {(2, "行业分类"): "0301"}))  # an industry code is accepted as well as its name
    assert Enterprise.objects.get(pk=enterprise.pk).industry_id == "0301"
    assert copies(enterprise) == {(enterprise.region_id, "0301")}
