"""The audit trail: who, when, which fields, before and after, for every registered model."""
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import create_enterprise, create_unit, form_data
from worksafe.archive.models import Enterprise
from worksafe.core import audit
from worksafe.core.models import ChangeRecord, Organization, OrgLevel, User

pytestmark = pytest.mark.django_db


def changes_of(obj):
    return ChangeRecord.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name).order_by("id")


def test_it_records_creation_with_every_field(users):
    with audit.acting_as(users["jinshui"]):
        e = create_enterprise(name="新企业")
    change = changes_of(e).get()
    assert change.action == "create" and change.user == users["jinshui"] and change.user_name == "jinshui"
    assert change.before is None
    assert change.after["name"] == "新企业" and change.after["uscc"] == e.uscc and change.after["region_id"] == "410105"
    assert "updated_at" not in change.after and "id" in change.after
    assert change.enterprise_id == e.pk and change.region_code == "410105" and change.object_repr == "新企业"


def test_it_records_only_the_fields_that_changed(users, enterprise):
    e = Enterprise.objects.get(pk=enterprise.pk)
    old = e.staff_count
    with audit.acting_as(users["owner"]):
        e.staff_count = old + 1
        e.fixed_assets = Decimal(str(e.fixed_assets))  # same value, maybe fewer decimals
        e.save()
    change = changes_of(e).last()
    assert change.action == "update" and change.user == users["owner"]
    assert change.before == {"staff_count": old} and change.after == {"staff_count": old + 1}
    assert change.changed_fields == [("职工总数", old, old + 1)]


def test_it_loads_deferred_fields_without_recursion_and_records_what_was_loaded(users, enterprise):
    e = Enterprise.objects.only("name", "staff_count").get(pk=enterprise.pk)  # post_init must not read deferred fields
    with audit.acting_as(users["owner"]):
        e.staff_count += 1
        e.save()
    change = changes_of(e).last()
    assert change.action == "update" and change.after == {"staff_count": e.staff_count}


def test_saving_unchanged_records_nothing(users, enterprise):
    e = Enterprise.objects.get(pk=enterprise.pk)
    count = ChangeRecord.objects.count()
    e.save()
    e.save()
    assert ChangeRecord.objects.count() == count


def test_saving_twice_records_twice(users, enterprise):
    e = Enterprise.objects.get(pk=enterprise.pk)
    e.staff_count = 1
    e.save()
    e.staff_count = 2
    e.save()
    assert [c.after for c in changes_of(e)][-2:] == [{"staff_count": 1}, {"staff_count": 2}]


def test_decimals_compare_as_stored(enterprise):
    e = Enterprise.objects.get(pk=enterprise.pk)
    e.fixed_assets, e.longitude = Decimal("100.5"), Decimal("113.6")
    e.save()
    e = Enterprise.objects.get(pk=enterprise.pk)
    e.fixed_assets, e.longitude = Decimal("100.50"), Decimal("113.600000")
    e.save()
    assert changes_of(e).last().after == {"fixed_assets": "100.50", "longitude": "113.600000"}


def test_readable_values_in_changed_fields(enterprise):
    e = Enterprise.objects.get(pk=enterprise.pk)
    e.industry_id, e.competent_department_id, e.has_major_hazard_source, e.major_hazard_filed = "0301", "emergency", True, "yes"
    e.save()
    rows = {label: (old, new) for label, old, new in changes_of(e).last().changed_fields}
    assert rows["行业分类"] == ("机械", "危险化学品生产")
    assert rows["主管部门"] == ("工信局", "应急局")
    assert rows["是否有危化品重大危险源"][1] == "是"
    assert rows["危化品重大危险源是否备案"][1] == "是"


def test_deleting_keeps_the_last_values(users, enterprise):
    unit = create_unit(enterprise, name="运输部")
    with audit.acting_as(users["jinshui"]):
        unit.delete()
    change = ChangeRecord.objects.get(action="delete")
    assert change.before["name"] == "运输部" and change.after is None
    assert change.enterprise_id == enterprise.pk and change.user_name == "jinshui"


def test_passwords_never_reach_the_trail(users):
    user = users["jinshui"]
    user.set_password("Another-pass-2026")
    user.full_name = "张三"
    user.save()
    change = changes_of(user).last()
    assert change.after == {"full_name": "张三"}
    assert all("password" not in (c.before or {}) and "password" not in (c.after or {}) for c in ChangeRecord.objects.all())


def test_organisations_are_audited(users):
    with audit.acting_as(users["sysadmin"]):
        org = Organization.objects.create(name="开封市应急管理局", level=OrgLevel.CITY, region_id="410200")
    assert changes_of(org).get().user_name == "sysadmin"


def test_changes_outside_a_request_are_by_the_system(enterprise):
    change = changes_of(enterprise).first()
    assert change.user is None and change.user_name == "系统"


def test_a_request_attributes_its_changes_and_ties_them_together(login, users, enterprise):
    staff = (enterprise.staff_count or 0) + 7  # a change, whatever the random enterprise had
    response = login(users["owner"]).post(reverse("archive:enterprise_edit", args=[enterprise.pk]), form_data(enterprise, staff_count=staff))
    change = changes_of(enterprise).last()
    assert change.user == users["owner"]
    assert change.request_id and change.request_id == response["X-Request-ID"]


def test_the_author_of_a_change_may_be_deleted(users, enterprise):
    with audit.acting_as(users["erqi"]):
        create_unit(enterprise)
    users["erqi"].delete()
    change = ChangeRecord.objects.filter(content_type__model="secondaryunit").get()
    assert change.user is None and change.user_name == "erqi"


def test_user_changes_belong_to_their_enterprise(users, enterprise):
    staff = User.objects.create(username="staff9", enterprise=enterprise)
    assert changes_of(staff).get().enterprise_id == enterprise.pk
