"""The feature modules' permissions (issue 21): who holds each by default, what a composed role without 导出 may
export, and that no composed role widens anyone's scope.

The built-in roles keep today's behaviour: each permission a module registers is held by exactly the built-in roles
that could take the action before roles were composed (the table below, read against the checks it replaced), and
the modules' own suites pass unchanged. A composed role grants its permissions and nothing else; what an account
sees stays in core.scoping.
"""
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import test_access
from tests.factories import create_hazard, create_user
from tests.test_access import ROUTES, target, url_of
from worksafe.core import permissions, roles
from worksafe.core.models import Role, Side

pytestmark = pytest.mark.django_db
world = test_access.world  # the access table's two counties, its accounts and the objects of each kind

GOV = {Role.REGULATOR_ADMIN, Role.REGULATOR}
ENT = {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF}

# Each permission of the feature modules and the built-in roles that took its action before roles were composed
# (the check it replaced, in brackets).
DEFAULT_HOLDERS = {
    # hazards.workflow: can_report / can_edit / can_delete (the enterprise's own users; regulators in scope report)
    "hazards.report": GOV | ENT,
    # _may_start / _may_submit / can_plan / views.may_rectify (the enterprise; regulators in scope, general hazards)
    "hazards.rectify": GOV | ENT,
    # _may_accept (the enterprise, general hazards; regulators above township)
    "hazards.accept": GOV | ENT,
    # _may_review, views_major.major_review (is_regulator_of: any regulator above township)
    "hazards.confirm_major": GOV,
    # can_supervise, forms_major.may_reissue (is_regulator_of)
    "hazards.supervise": GOV,
    # public.may_decide (is_regulator, above township)
    "hazards.decide_public": GOV,
    # checks.can_check (is_enterprise_user)
    "hazards.check": ENT,
    # checklists.can_import / can_manage_guideline (is_regulator, above township / the publishing organisation)
    "hazards.guidelines": GOV,
    # checklists.can_derive / can_edit_custom / can_submit (is_enterprise_user)
    "hazards.custom_checklists": ENT,
    # checklists.can_review (is_regulator, above township, in scope)
    "hazards.review_checklists": GOV,
    # duty views and jobs.duty_change (permissions.can_manage_enterprise: regulators)
    "hazards.duties": GOV,
    # reporting.submit (is_enterprise_user of the enterprise)
    "hazards.file": ENT,
    # api.workflow: is_enterprise_admin (role == enterprise_admin)
    "api.apply": {Role.ENTERPRISE_ADMIN},
    # is_reviewer (is_regulator, above township, in scope)
    "api.review": GOV,
    # may_revoke (is_reviewer narrowed by the deciding level)
    "api.revoke": GOV,
    # can_grant, holds_secret (role == regulator_admin)
    "api.grant": {Role.REGULATOR_ADMIN},
    # incidents' ledgers and 事故快报 (permissions.can_edit_archive: both sides, in scope)
    "incidents.ledger": GOV | ENT,
    "incidents.report": GOV | ENT,
    # registration tables (permissions.can_edit_archive)
    "registrations.edit": GOV | ENT,
    # risks: the list, import, plan and map; patrols (permissions.can_edit_risks: the enterprise's own users)
    "risks.edit": ENT,
    "risks.patrol": ENT,
    # codes: an enterprise's own placard (role == enterprise_admin); batch placards (regulator_only)
    "codes.regenerate": {Role.ENTERPRISE_ADMIN},
    "codes.placards": GOV,
}
MODULES = ("hazards.", "api.", "incidents.", "registrations.", "risks.", "codes.")


def test_each_feature_permission_is_held_by_exactly_the_roles_that_took_its_action_before():
    registered = {code for code in permissions.REGISTRY if code.startswith(MODULES)}
    assert registered == set(DEFAULT_HOLDERS), "a permission of a feature module needs a row here (and vice versa)"
    for code, holders in DEFAULT_HOLDERS.items():
        assert permissions.REGISTRY[code].roles == holders, code
        for role in roles.BUILTIN.values():
            assert (code in role.granted) == (role.code in holders), (code, role.code)


def test_the_system_administrators_hold_no_feature_permission():
    for code in (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert not {c for c in roles.BUILTIN[code].granted if c.startswith(MODULES)}, code


def composed(code, side, granted):
    assert not roles.check(side, granted), roles.check(side, granted)
    return Role.objects.create(code=code, name=code, side=side, permissions=sorted(granted))


def login(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# ---- 导出 --------------------------------------------------------------------------------------------------------

EXPORT_ROUTE = re.compile(r"export/$|xlsx|table3/pdf/$")
# The logs' exports are their readers' (core.view_logs, core.audit_logs), not 导出's.
EXPORT_ROUTES = [route for route in ROUTES if EXPORT_ROUTE.search(route) and not route.startswith("system/")]


def export_cases():
    for route in EXPORT_ROUTES:
        entry = ROUTES[route]
        for i, case in enumerate(entry if isinstance(entry, list) else [entry]):
            yield pytest.param(route, case, id=f"{route}#{i}")


@pytest.fixture
def no_export(world):
    """监管人员 without 导出, at 金水区 (the access table's regulator's organisation)."""
    role = composed("no_export", Side.GOVERNMENT, roles.BUILTIN[Role.REGULATOR].granted - {permissions.EXPORT})
    return create_user("no_export", role.code, world.users["jinshui"].organization)


def test_the_access_table_has_the_export_routes():
    assert len(EXPORT_ROUTES) >= 15
    for route in ("risks/enterprises/<int:pk>/list/export/", "incidents/enterprises/<int:pk>/accidents/xlsx/",
                  "hazards/checklists/<int:pk>/export/", "registrations/enterprises/<int:pk>/<slug:table>/xlsx/",
                  "hazards/open/export/", "archive/enterprises/export/"):
        assert route in EXPORT_ROUTES


@pytest.mark.parametrize("route, case", list(export_cases()))
def test_a_role_without_export_gets_403_on_every_export_url(world, no_export, route, case):
    path = url_of(route, case, target(world, case, "jinshui"))
    assert login(no_export).get(path).status_code == 403, path
    # 监管人员 itself (the same permissions and 导出) may (the row's own test holds every account to the table).
    assert login(world.users["jinshui"]).get(path).status_code not in (403, 404), path


def test_a_role_without_export_sees_no_export_button(world, no_export):
    e = world.enterprise("jinshui")
    hazard = create_hazard(e, name="配电箱门未关")
    guideline = world.get("guideline", "jinshui")
    pages = {
        reverse("archive:enterprise_list"): [reverse("archive:enterprise_export")],
        reverse("hazards:open_list"): [reverse("hazards:open_export")],
        reverse("hazards:major_list"): [reverse("hazards:major_export")],
        reverse("hazards:all_list"): [reverse("hazards:all_export")],
        reverse("hazards:filing_list"): [reverse("hazards:filing_export")],
        reverse("hazards:checklist_list"): [reverse("hazards:checklist_export", args=[guideline.pk])],
        reverse("hazards:checklist_detail", args=[guideline.pk]): [reverse("hazards:checklist_export", args=[guideline.pk])],
        reverse("hazards:hazard_list", args=[e.pk]): [reverse("hazards:ledger_all_xlsx", args=[e.pk])],
        reverse("hazards:table4_detail", args=[e.pk]): [reverse("hazards:table4_xlsx", args=[e.pk]),
                                                        reverse("hazards:ledger_all_xlsx", args=[e.pk])],
        reverse("hazards:ledger_detail", args=[hazard.pk]): [reverse("hazards:ledger_xlsx", args=[hazard.pk])],
        reverse("risks:register_detail", args=[e.pk]): [reverse("risks:register_export", args=[e.pk])],
        reverse("risks:table3_detail", args=[e.pk]): [reverse("risks:table3_xlsx", args=[e.pk]),
                                                      reverse("risks:table3_pdf", args=[e.pk])],
        reverse("incidents:accident_list", args=[e.pk]): [reverse("incidents:accident_export", args=[e.pk])],
        reverse("incidents:penalty_list", args=[e.pk]): [reverse("incidents:penalty_export", args=[e.pk])],
    }
    without, regulator = login(no_export), login(world.users["jinshui"])
    for page, links in pages.items():
        mine, theirs = without.get(page), regulator.get(page)
        assert mine.status_code == theirs.status_code == 200, page
        for link in links:
            assert link in theirs.content.decode(), (page, link)
            assert link not in mine.content.decode(), (page, link)
        assert "导出" not in mine.content.decode(), page


# ---- a composed role never widens scope ------------------------------------------------------------------------


def every_permission(side):
    """Every permission a role of `side` may hold, and one 三员 duty's (the security administrator's)."""
    out = {p.code for p in permissions.REGISTRY.values() if side in p.sides and not p.duty}
    return out | {p.code for p in permissions.REGISTRY.values() if p.duty == "security"}


def test_a_county_regulator_with_every_permission_still_gets_404_for_the_sibling_county(world):
    role = composed("everything", Side.GOVERNMENT, every_permission(Side.GOVERNMENT))
    user = create_user("everything", role.code, world.users["jinshui"].organization)
    client = login(user)
    mine, theirs = world.enterprise("jinshui"), world.enterprise("erqi")
    hazard, other_hazard = create_hazard(mine, name="本区隐患"), create_hazard(theirs, name="二七隐患")
    assert client.get(reverse("archive:enterprise_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("hazards:hazard_detail", args=[hazard.pk])).status_code == 200
    for path in (reverse("archive:enterprise_detail", args=[theirs.pk]), reverse("hazards:hazard_detail", args=[other_hazard.pk]),
                 reverse("hazards:hazard_edit", args=[other_hazard.pk]), reverse("risks:register_export", args=[theirs.pk]),
                 reverse("incidents:accident_list", args=[theirs.pk])):
        assert client.get(path).status_code == 404, path
    response = client.post(reverse("hazards:hazard_step", args=[other_hazard.pk, "start"]))
    assert response.status_code == 404
    other_hazard.refresh_from_db()
    assert other_hazard.state == "reported"


def test_an_enterprise_role_with_every_permission_sees_only_its_enterprise(world):
    role = composed("ent_everything", Side.ENTERPRISE, {p.code for p in permissions.REGISTRY.values()
                                                        if Side.ENTERPRISE in p.sides and not p.duty})
    owner = world.users["owner"]
    user = create_user("ent_everything", role.code, enterprise=owner.enterprise)
    client = login(user)
    theirs = world.enterprise("erqi")
    other_hazard = create_hazard(theirs, name="二七隐患")
    assert client.get(reverse("archive:enterprise_detail", args=[owner.enterprise_id])).status_code == 200
    for path in (reverse("archive:enterprise_detail", args=[theirs.pk]), reverse("hazards:hazard_detail", args=[other_hazard.pk])):
        assert client.get(path).status_code == 404, path
    assert client.get(reverse("archive:enterprise_list")).status_code == 403


# ---- a composed role grants exactly its permissions ------------------------------------------------------------


def test_a_regulator_role_without_confirm_major_cannot_review_a_major_hazard(world):
    e = world.enterprise("jinshui")
    hazard = create_hazard(e, name="储罐区可燃气体报警器失效", level="major")
    role = composed("no_major", Side.GOVERNMENT,
                    roles.BUILTIN[Role.REGULATOR].granted - {"hazards.confirm_major"})
    user = create_user("no_major", role.code, world.users["jinshui"].organization)
    path = reverse("hazards:hazard_major_review", args=[hazard.pk])
    assert login(user).get(path).status_code == 403
    assert login(user).get(reverse("hazards:hazard_detail", args=[hazard.pk])).status_code == 200  # still sees it
    assert login(world.users["jinshui"]).get(path).status_code == 200


def test_an_enterprise_role_without_report_cannot_record_hazards(world):
    owner = world.users["owner"]
    role = composed("no_report", Side.ENTERPRISE,
                    roles.BUILTIN[Role.ENTERPRISE_STAFF].granted - {"hazards.report"})
    user = create_user("no_report", role.code, enterprise=owner.enterprise)
    path = reverse("hazards:hazard_add", args=[owner.enterprise_id])
    assert login(user).get(path).status_code == 403
    assert login(world.users["staff"]).get(path).status_code == 200


def test_the_subscription_menu_follows_the_api_permissions(world):
    from worksafe.api import menu

    security = create_user("security", Role.SECURITY_ADMIN)
    assert not menu.administrator(security) and not menu.plain_regulator(security)
    assert menu.plain_regulator(world.users["jinshui"])
    assert menu.administrator(world.users["jinshui_admin"]) and menu.administrator(world.users["owner"])
    assert not menu.administrator(world.users["staff"]) and not menu.plain_regulator(world.users["staff"])
    role = composed("no_api", Side.GOVERNMENT, roles.BUILTIN[Role.REGULATOR].granted - {"api.review", "api.revoke"})
    assert not menu.plain_regulator(create_user("no_api", role.code, world.users["jinshui"].organization))
