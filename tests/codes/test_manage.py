"""Managing codes: scoped pages and downloads, regeneration, secondary units' codes, the one-active-code rule,
deletion and the configuration check."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.urls import reverse

from tests.codes.helpers import decode_png, element_text, path_of, scan_page, write
from tests.factories import TOWNSHIP, create_enterprise, create_unit, messages_of
from worksafe.archive.models import Enterprise, SecondaryUnit
from worksafe.codes import checks
from worksafe.codes.models import Code, Scan, new_token
from worksafe.core.models import AuditAction, ChangeRecord

pytestmark = pytest.mark.django_db


def url(name, key, pk, *extra):
    return reverse(f"codes:{name}", args=[key, pk, *extra])


def state(obj):
    """The codes of `obj` and the audit trail, to prove that a refused request changed nothing."""
    ct = ContentType.objects.get_for_model(obj)
    return (
        list(Code.objects.filter(content_type=ct, object_id=obj.pk).order_by("id").values()),
        ChangeRecord.objects.count(),
    )


# Scoped pages and downloads -------------------------------------------------------------------------------

PAGES = {
    "detail": lambda key, pk: url("code_detail", key, pk),
    "png": lambda key, pk: url("code_image", key, pk, "png"),
    "svg": lambda key, pk: url("code_image", key, pk, "svg"),
    "placard": lambda key, pk: url("code_placard", key, pk) + "?size=A5",
}


@pytest.fixture
def unit(enterprise):
    return create_unit(enterprise, name="一号车间")


def _object(key, enterprise, unit):
    return enterprise if key == "enterprise" else unit


@pytest.mark.parametrize("key", ["enterprise", "unit"])
@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
@pytest.mark.parametrize("who", ["erqi", "outsider", "chem"])
def test_code_pages_are_hidden_out_of_scope(login, users, enterprise, unit, key, page, who):
    obj = _object(key, enterprise, unit)
    response = login(users[who]).get(page(key, obj.pk))
    assert response.status_code == 404
    assert enterprise.name not in response.content.decode()
    # An outsider's request does not even mint a code.
    assert not Code.objects.exists()


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_code_pages_need_a_login(client, enterprise, page):
    response = client.get(page("enterprise", enterprise.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
    assert not Code.objects.exists()


@pytest.mark.parametrize("key", ["enterprise", "unit"])
@pytest.mark.parametrize("page,content_type", [("detail", "text/html; charset=utf-8"), ("png", "image/png"), ("svg", "image/svg+xml")])
@pytest.mark.parametrize("who", ["owner", "staff", "jinshui", "city", "sysadmin"])
def test_code_pages_in_scope(login, users, staff, enterprise, unit, key, page, content_type, who):
    obj = _object(key, enterprise, unit)
    user = staff if who == "staff" else users[who]
    response = login(user).get(PAGES[page](key, obj.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    if page != "detail":
        assert response["Content-Disposition"].startswith("attachment")
        assert "二维码" in response["Content-Disposition"] or "%E4%BA%8C%E7%BB%B4%E7%A0%81" in response["Content-Disposition"]
    assert Code.objects.filter(object_id=obj.pk, revoked_at=None).count() == 1


def test_the_code_page_shows_the_url_of_the_active_code(login, users, enterprise):
    response = login(users["jinshui"]).get(url("code_detail", "enterprise", enterprise.pk))
    assert element_text(response.content.decode(), "scan-url") == Code.active(enterprise).url


def test_unknown_kinds_and_missing_objects_are_404(login, users, enterprise):
    client = login(users["sysadmin"])
    assert client.get(url("code_detail", "risk", enterprise.pk)).status_code == 404
    assert client.get(url("code_image", "risk", enterprise.pk, "png")).status_code == 404
    assert client.get(url("code_detail", "enterprise", enterprise.pk + 1000)).status_code == 404
    assert client.post(url("code_regenerate", "risk", enterprise.pk)).status_code == 404


# Regeneration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "jinshui", "city"])
def test_regeneration_revokes_the_old_code(login, users, enterprise, tmp_path, who):
    old = Code.active(enterprise)
    client = login(users[who])
    response = client.post(url("code_regenerate", "enterprise", enterprise.pk), {"reason": "  二维码牌遗失  "}, follow=True)
    assert response.redirect_chain[0] == (url("code_detail", "enterprise", enterprise.pk), 302)
    assert any("已生成新二维码" in m for m in messages_of(response))

    old.refresh_from_db()
    new = Code.active(enterprise)
    assert new.pk != old.pk and new.token != old.token and new.url != old.url
    assert old.revoked_at is not None and old.revoked_by == users[who] and old.revoke_reason == "二维码牌遗失"
    assert Code.objects.filter(object_id=enterprise.pk).count() == 2

    record = ChangeRecord.objects.get(action=AuditAction.REVOKE_CODE)
    assert record.enterprise_id == enterprise.pk and record.region_code == enterprise.region_id
    assert record.user == users[who]
    assert "二维码牌遗失" in record.message

    # The downloads now carry the new code; scanning the old one says it is revoked.
    png = client.get(url("code_image", "enterprise", enterprise.pk, "png")).content
    assert decode_png(write(tmp_path, "new.png", png)) == [new.url]
    anonymous = Client()
    revoked = anonymous.get(path_of(old.url))
    assert revoked.status_code == 410 and 'data-testid="scan-revoked"' in revoked.content.decode()
    assert scan_page(anonymous.get(path_of(new.url))).title == enterprise.name


def test_regeneration_shows_in_the_enterprise_history_and_the_code_page(login, users, enterprise):
    login(users["owner"]).post(url("code_regenerate", "enterprise", enterprise.pk), {"reason": "被人涂改"})
    client = login(users["jinshui"])
    html = client.get(enterprise.get_absolute_url()).content.decode()
    assert "二维码作废" in html and "被人涂改" in html
    code_page = client.get(url("code_detail", "enterprise", enterprise.pk)).content.decode()
    assert "被人涂改" in code_page and str(users["owner"]) in code_page
    # In 金水区's change list, not in 二七区's.
    assert "被人涂改" in client.get(reverse("archive:change_list")).content.decode()
    assert "被人涂改" not in login(users["erqi"]).get(reverse("archive:change_list")).content.decode()


def test_a_township_regulator_regenerates_its_townships_codes(login, township_user):
    inside = create_enterprise(TOWNSHIP, name="经八路测试商贸有限公司")
    old = Code.active(inside)
    response = login(township_user).post(url("code_regenerate", "enterprise", inside.pk))
    assert response.status_code == 302
    assert Code.active(inside).pk != old.pk


@pytest.mark.parametrize("who,status", [("erqi", 404), ("outsider", 404), ("chem", 404), ("staff", 403), (None, 302)])
def test_regeneration_is_refused_to_others(client, login, users, staff, enterprise, who, status):
    code = Code.active(enterprise)
    before = state(enterprise)
    if who:
        login(staff if who == "staff" else users[who])
    response = client.post(url("code_regenerate", "enterprise", enterprise.pk), {"reason": "冒用"})
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("core:login"))
    assert state(enterprise) == before
    assert Client().get(path_of(code.url)).status_code == 200


def test_staff_see_no_regenerate_form(login, users, staff, enterprise):
    action = url("code_regenerate", "enterprise", enterprise.pk)
    assert action not in login(staff).get(url("code_detail", "enterprise", enterprise.pk)).content.decode()
    assert action in login(users["owner"]).get(url("code_detail", "enterprise", enterprise.pk)).content.decode()
    assert action in login(users["jinshui"]).get(url("code_detail", "enterprise", enterprise.pk)).content.decode()


def test_regeneration_only_by_post(login, users, enterprise):
    code = Code.active(enterprise)
    assert login(users["owner"]).get(url("code_regenerate", "enterprise", enterprise.pk)).status_code == 405
    assert Code.active(enterprise) == code


def test_regeneration_returns_to_next_on_this_site_only(login, users, enterprise):
    client = login(users["jinshui"])
    target = url("code_regenerate", "enterprise", enterprise.pk)
    response = client.post(target, {"next": enterprise.get_absolute_url()})
    assert response["Location"] == enterprise.get_absolute_url()
    response = client.post(target, {"next": "https://evil.example.com/"})
    assert response["Location"] == url("code_detail", "enterprise", enterprise.pk)


def test_a_long_reason_is_cut_to_fit(login, users, enterprise):
    old = Code.active(enterprise)
    response = login(users["owner"]).post(url("code_regenerate", "enterprise", enterprise.pk), {"reason": "遗" * 500})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.revoke_reason == "遗" * 200


def test_a_stale_code_cannot_be_revoked_twice(users, enterprise):
    code = Code.active(enterprise)
    code.regenerate(users["jinshui"])
    with pytest.raises(IntegrityError):
        code.regenerate(users["jinshui"])
    assert Code.objects.filter(object_id=enterprise.pk, revoked_at=None).count() == 1


# Secondary units ------------------------------------------------------------------------------------------


def test_a_units_code_is_its_own(client, login, users, enterprise, unit, tmp_path):
    owner = login(users["owner"])
    unit_url = decode_png(write(tmp_path, "unit.png", owner.get(url("code_image", "unit", unit.pk, "png")).content))[0]
    enterprise_url = decode_png(write(tmp_path, "e.png", owner.get(url("code_image", "enterprise", enterprise.pk, "png")).content))[0]
    assert unit_url == Code.active(unit).url != enterprise_url == Code.active(enterprise).url
    assert str(unit.pk) not in path_of(unit_url).split("/")

    # Anonymous: the unit's public card, naming its enterprise; the address falls back to the enterprise's.
    anonymous = Client()
    response = anonymous.get(path_of(unit_url))
    page = scan_page(response)
    html = response.content.decode()
    assert page.tier == "public" and page.title == unit.name
    assert f"所属企业：{enterprise.name}" in html
    assert page.values["address"] == enterprise.address
    assert enterprise.legal_representative_mobile not in html and enterprise.uscc not in html
    # The enterprise's own user: its actions; a regulator in scope: the archive's units; others: public.
    assert scan_page(owner.get(path_of(unit_url))).tier == "enterprise"
    response = login(users["jinshui"]).get(path_of(unit_url))
    assert response.status_code == 302
    assert response["Location"] == reverse("archive:enterprise_detail", args=[enterprise.pk]) + "#units"
    assert scan_page(login(users["erqi"]).get(path_of(unit_url))).tier == "public"
    assert list(Scan.objects.filter(code__object_id=unit.pk).order_by("id").values_list("tier", flat=True)) == [
        "public", "enterprise", "regulator", "public"
    ]


def test_a_unit_with_its_own_address_shows_it(client, enterprise):
    unit = create_unit(enterprise, name="二号车间", address="郑州市金水区某某路8号院内")
    page = scan_page(client.get(path_of(Code.active(unit).url)))
    assert page.values["address"] == "郑州市金水区某某路8号院内"


def test_regenerating_a_units_code(login, users, enterprise, unit):
    unit_code, enterprise_code = Code.active(unit), Code.active(enterprise)
    response = login(users["owner"]).post(url("code_regenerate", "unit", unit.pk), {"reason": "损坏"})
    assert response.status_code == 302
    assert Code.active(unit) != unit_code
    assert Code.active(enterprise) == enterprise_code  # the enterprise's code is untouched
    record = ChangeRecord.objects.get(action=AuditAction.REVOKE_CODE)
    assert record.enterprise_id == enterprise.pk and "一号车间" in record.message
    assert Client().get(path_of(unit_code.url)).status_code == 410
    assert login(users["erqi"]).post(url("code_regenerate", "unit", unit.pk)).status_code == 404


# One active code per object -------------------------------------------------------------------------------


def test_active_for_returns_the_same_code(enterprise, other_enterprise):
    first = Code.active_for([enterprise])
    again = Code.active_for([enterprise])
    assert first[enterprise.pk] == again[enterprise.pk]
    assert Code.active(enterprise) == first[enterprise.pk]
    both = Code.active_for([enterprise, other_enterprise])
    assert set(both) == {enterprise.pk, other_enterprise.pk}
    assert both[enterprise.pk] == first[enterprise.pk]
    assert Code.objects.count() == 2
    assert Code.active_for([]) == {}


def test_enterprise_and_unit_with_the_same_id_have_different_codes(enterprise):
    unit = create_unit(enterprise)
    SecondaryUnit.objects.filter(pk=unit.pk).update(id=enterprise.pk)
    unit = SecondaryUnit.objects.get(pk=enterprise.pk)
    assert Code.active(unit) != Code.active(enterprise)


def test_the_database_refuses_a_second_active_code(users, enterprise):
    code = Code.active(enterprise)
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(token=new_token(), content_type=code.content_type, object_id=enterprise.pk)
    # A revoked one beside the active one is fine: that is what regeneration leaves.
    new = code.regenerate(users["jinshui"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(token=new_token(), content_type=code.content_type, object_id=enterprise.pk)
    assert list(Code.objects.filter(object_id=enterprise.pk, revoked_at=None)) == [new]


def test_tokens_are_unique(enterprise, other_enterprise):
    code = Code.active(enterprise)
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(token=code.token, content_type=code.content_type, object_id=other_enterprise.pk)


# Deletion -------------------------------------------------------------------------------------------------


def test_deleting_an_enterprise_deletes_its_and_its_units_codes(users, enterprise, other_enterprise, unit):
    old = Code.active(enterprise)
    old.regenerate(users["jinshui"])
    unit_code = Code.active(unit)
    kept = Code.active(other_enterprise)
    Client().get(path_of(Code.active(enterprise).url))
    Client().get(path_of(kept.url))
    assert Scan.objects.count() == 2

    enterprise.delete()
    assert list(Code.objects.all()) == [kept]
    assert list(Scan.objects.values_list("code_id", flat=True)) == [kept.pk]
    response = Client().get(path_of(unit_code.url))
    assert response.status_code == 404 and 'data-testid="scan-invalid"' in response.content.decode()


def test_deleting_through_the_pages_deletes_the_codes(login, users, enterprise, unit):
    Code.active(unit).regenerate(users["owner"])
    enterprise_code = Code.active(enterprise)
    response = login(users["owner"]).post(reverse("archive:child_delete", args=["unit", unit.pk]))
    assert response.status_code == 302
    assert list(Code.objects.all()) == [enterprise_code]
    response = login(users["city"]).post(reverse("archive:enterprise_delete", args=[enterprise.pk]))
    assert response.status_code == 302
    assert not Code.objects.exists()


def test_deleting_a_queryset_deletes_the_codes(enterprise, other_enterprise):
    Code.active_for([enterprise, other_enterprise])
    Enterprise.objects.filter(pk=enterprise.pk).delete()
    assert list(Code.objects.values_list("object_id", flat=True)) == [other_enterprise.pk]


# Configuration check --------------------------------------------------------------------------------------


def test_the_default_configuration_passes_the_check():
    assert checks.public_fields_check(None) == []


@pytest.mark.parametrize("field", ["legal_representative_mobile", "safety_head_mobile", "legal_representative", "longitude", "adress"])
def test_a_field_outside_the_allowed_set_is_an_error(field):
    with override_settings(CODE_PUBLIC_FIELDS=["name", field]):
        errors = checks.public_fields_check(None)
    assert [e.id for e in errors] == ["worksafe.codes.E001"]
    assert errors[0].is_serious()
    assert field in errors[0].msg


def test_the_check_stops_management_commands():
    with override_settings(CODE_PUBLIC_FIELDS=["name", "legal_representative_mobile"]):
        with pytest.raises(SystemCheckError, match="worksafe.codes.E001"):
            call_command("check")
    call_command("check")
