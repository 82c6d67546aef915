"""快速登录企业端 (core.impersonation): a regulator in scope looks at the enterprise side as the enterprise sees it,
read-only, under a banner naming both, every page view in the audit trail with both names; never able to act."""
import datetime

import pytest
from django.urls import reverse

from tests import access_world
from tests.factories import create_hazard, create_risk_list, create_unit, create_user, messages_of
from tests.test_access import ENTERPRISE, ROUTES, allowed, ask, target, url_of
from worksafe.codes.models import Code
from worksafe.core import impersonation
from worksafe.core.models import AuditAction, ChangeRecord, Job, Role, Side

pytestmark = pytest.mark.django_db

BANNER = 'data-testid="impersonation-banner"'


@pytest.fixture
def regulator(users, orgs):
    user = users["jinshui"]
    user.full_name = "张三"
    user.save()
    return user


@pytest.fixture
def viewing(client, regulator, users):
    """The regulator's client, looking at the 金水 enterprise's side."""
    client.force_login(regulator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(start_url(users["owner"].enterprise))
    assert response.status_code == 302 and response["Location"] == reverse("archive:workbench")
    return client


def start_url(enterprise):
    return reverse("archive:enterprise_impersonate", args=[enterprise.pk])


def views_of(enterprise):
    return ChangeRecord.objects.filter(action=AuditAction.VIEW_AS, enterprise=enterprise).order_by("id")


# ---- starting it -------------------------------------------------------------------------------------------------


def test_it_offers_the_button_to_regulators_in_scope_only(login, users, regulator):
    e = users["owner"].enterprise
    assert "快速登录企业端" in login(regulator).get(e.get_absolute_url()).content.decode()
    assert "快速登录企业端" not in login(users["owner"]).get(e.get_absolute_url()).content.decode()


def test_it_starts_for_a_regulator_in_scope_and_opens_the_workbench_with_the_banner(viewing, regulator, users):
    e = users["owner"].enterprise
    page = viewing.get(reverse("archive:workbench")).content.decode()
    assert BANNER in page
    assert "监管人员 <strong>张三</strong>（金水区应急管理局）" in page and f"<strong>{e.name}</strong> 的企业端" in page
    assert 'data-testid="bell"' not in page  # the stand-in has no notifications of its own
    start = views_of(e).first()
    assert start.user == regulator and "开始只读查看企业端" in start.message


def test_it_is_not_found_for_an_enterprise_out_of_scope(login, regulator, users):
    client = login(regulator)
    assert client.post(start_url(users["outsider"].enterprise)).status_code == 404
    assert impersonation.KEY not in client.session and not ChangeRecord.objects.filter(action=AuditAction.VIEW_AS).exists()


def test_it_is_refused_to_a_role_without_the_permission(login, orgs, users):
    from worksafe.core.models import Role as RoleRow

    RoleRow.objects.create(code="inspector", name="检查员", side=Side.GOVERNMENT, permissions=["core.export"])
    inspector = create_user("inspector", "inspector", orgs["jinshui"])
    client = login(inspector)
    assert "快速登录企业端" not in client.get(users["owner"].enterprise.get_absolute_url()).content.decode()
    assert client.post(start_url(users["owner"].enterprise)).status_code == 403
    assert impersonation.KEY not in client.session


def test_enterprise_users_cannot_start_it(login, users):
    client = login(users["owner"])
    assert client.post(start_url(users["owner"].enterprise)).status_code == 403
    assert client.post(start_url(users["outsider"].enterprise)).status_code == 404
    assert impersonation.KEY not in client.session


def test_it_starts_only_by_post(login, regulator, users):
    assert login(regulator).get(start_url(users["owner"].enterprise)).status_code == 405


# ---- what the regulator sees -------------------------------------------------------------------------------------


def test_the_enterprise_pages_render_as_the_enterprises_own_without_a_button_to_act(viewing, login, users):
    e = users["owner"].enterprise
    create_unit(e)
    create_risk_list(e)
    create_hazard(e)
    pages = {
        reverse("archive:workbench"): "我的工作台",
        e.get_absolute_url(): e.uscc,
        reverse("risks:register_detail", args=[e.pk]): "风险",
        reverse("hazards:hazard_list", args=[e.pk]): "配电箱警示标识缺失",
    }
    # The archive's and the risk register's actions check the roles' permissions, which the stand-in has none of.
    # (Other modules' buttons follow as their checks move to the registry; their POSTs are refused below anyway.)
    edit_links = [reverse("archive:enterprise_edit", args=[e.pk]), reverse("archive:unit_add", args=[e.pk]),
                  reverse("archive:item_add", args=[e.pk]), reverse("archive:enterprise_review", args=[e.pk, "submit"]),
                  reverse("risks:node_add", args=["object", e.pk])]
    for url, text in pages.items():
        response = viewing.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and BANNER in page and text in page, url
        assert response.context["user"].enterprise_id == e.pk and response.context["user"].pk is None
        assert not [link for link in edit_links if link in page], url
        assert "快速登录企业端" not in page and reverse("core:logout") not in page, url
    # the enterprise's own administrator sees those buttons on the same pages
    owner = login(users["owner"])
    assert reverse("archive:enterprise_edit", args=[e.pk]) in owner.get(e.get_absolute_url()).content.decode()
    assert reverse("risks:node_add", args=["object", e.pk]) in owner.get(reverse("risks:register_detail", args=[e.pk])).content.decode()


def test_the_home_page_is_the_enterprises_workbench(viewing):
    assert viewing.get("/")["Location"] == reverse("archive:workbench")


def test_each_page_view_is_audited_with_both_names_and_the_path(viewing, regulator, users):
    e = users["owner"].enterprise
    before = views_of(e).count()
    viewing.get(e.get_absolute_url() + "?page=2")
    viewing.get(reverse("hazards:hazard_list", args=[e.pk]))
    records = list(views_of(e)[before:])
    assert len(records) == 2
    first = records[0]
    assert first.user == regulator and first.user_name == regulator.username
    assert first.object_repr and first.enterprise == e and first.region_code == e.region_id
    assert "监管人员 张三（金水区应急管理局）" in first.message and e.name in first.message
    assert f"GET {e.get_absolute_url()}?page=2" in first.message


def test_the_views_are_not_recent_changes_of_the_workbench(viewing, users):
    page = viewing.get(reverse("archive:workbench"))
    assert all(c.action != AuditAction.VIEW_AS for c in page.context["recent"])


def test_the_views_are_not_changes_a_reviewer_is_shown(login, regulator, users, monkeypatch):
    from worksafe.archive import review
    from worksafe.archive.models import ArchiveReview, ReviewState

    e = users["owner"].enterprise
    ArchiveReview.objects.create(enterprise=e, source=ReviewState.SUBMITTED, target=ReviewState.APPROVED, actor_name="审核人")
    client = login(regulator)
    client.post(start_url(e))
    client.get(reverse("archive:workbench"))
    assert views_of(e).count() == 2
    monkeypatch.setattr(review, "CHANGES_LIMIT", 1)  # page views would fill the reviewer's capped list of changes
    diff = review.changes_since_approval(e)
    assert diff.groups == [] and not diff.truncated


# ---- never able to act -------------------------------------------------------------------------------------------


@pytest.fixture
def world(users, orgs, county_admins):
    return access_world.make(users, orgs, county_admins)


def enterprise_side(method):
    """(route, row) of the access table that the enterprise's own accounts may ask with `method`."""
    for route, entry in ROUTES.items():
        for case in entry if isinstance(entry, list) else [entry]:
            if method in case.methods and any(allowed(case, who, method) for who in ENTERPRISE):
                yield route, case


POST_ROUTES = [r for r, _ in enterprise_side("POST") if r not in ("accounts/impersonation/stop/", "accounts/logout/")]


def test_the_table_has_enterprise_side_post_routes():
    assert len(POST_ROUTES) > 30


def test_every_post_of_the_enterprise_side_is_refused_with_nothing_written(world, viewing):
    for route, case in enterprise_side("POST"):
        if route in ("accounts/impersonation/stop/", "accounts/logout/"):
            continue
        obj = target(world, case, "jinshui", "owner")
        if case.scope == "account":
            obj = world.own(case.obj, world.users["jinshui"])
        path = url_of(route, case, obj)
        response, unchanged = ask(viewing, "POST", path, case.data, watch=(obj, getattr(obj, "enterprise", None)),
                                  headers=case.headers)
        assert response.status_code == 403, f"POST {route}: {response.status_code}"
        assert "只读查看" in response.content.decode(), route
        assert unchanged, f"POST {route} changed the database"
    assert impersonation.KEY in viewing.session  # refusals do not end the view


def test_every_get_of_the_enterprise_side_answers_without_an_error(world, viewing):
    for route, case in enterprise_side("GET"):
        obj = target(world, case, "jinshui", "owner")
        if case.scope == "account":
            continue  # the regulator's own pages: refused below
        response, _ = ask(viewing, "GET", url_of(route, case, obj), headers=case.headers)
        assert response.status_code < 500, f"GET {route}: {response.status_code}"


@pytest.mark.parametrize("url", ["/accounts/profile/", "/accounts/password/", "/notifications/", "/jobs/",
                                 "/system/users/", "/admin/"])
def test_the_regulators_own_pages_are_refused_while_viewing(viewing, url):
    response = viewing.get(url)
    assert response.status_code == 403 and "不能打开本人账号" in response.content.decode()


def test_gets_that_would_start_a_job_or_export_are_refused(viewing, users):
    e = users["owner"].enterprise
    create_hazard(e)
    for url in (reverse("codes:placard_batch"), reverse("hazards:ledger_all_xlsx", args=[e.pk]),
                reverse("risks:register_export", args=[e.pk]), reverse("archive:enterprise_export")):
        assert viewing.get(url).status_code == 403, url
    assert not Job.objects.exists() and not ChangeRecord.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_get_that_would_write_leaves_nothing(viewing, users):
    unit = create_unit(users["owner"].enterprise)
    assert not Code.objects.filter(object_id=unit.pk).exists()
    assert viewing.get(reverse("codes:code_detail", args=["unit", unit.pk])).status_code == 200
    assert not Code.objects.filter(object_id=unit.pk).exists()  # the code made on first sight was rolled back


# ---- ending it ---------------------------------------------------------------------------------------------------


def test_the_banners_stop_ends_it_back_on_the_archive_page(viewing, regulator, users):
    e = users["owner"].enterprise
    response = viewing.post(reverse("core:impersonation_stop"))
    assert response.status_code == 302 and response["Location"] == e.get_absolute_url()
    assert impersonation.KEY not in viewing.session
    assert views_of(e).last().message.endswith("退出只读查看企业端")
    assert viewing.get(reverse("archive:workbench"))["Location"] == reverse("home")  # the regulator again
    page = viewing.get(e.get_absolute_url()).content.decode()
    assert BANNER not in page and "快速登录企业端" in page


def test_it_ends_by_itself_after_the_time_limit(viewing, settings, users):
    settings.IMPERSONATION_MINUTES = 30
    e = users["owner"].enterprise
    session = viewing.session
    state = session[impersonation.KEY]
    state["since"] -= 29 * 60
    session[impersonation.KEY] = state
    session.save()
    assert BANNER in viewing.get(reverse("archive:workbench")).content.decode()
    state["since"] -= 2 * 60
    session[impersonation.KEY] = state
    session.save()
    response = viewing.get(reverse("archive:workbench"), follow=True)
    assert response.redirect_chain[0][0] == e.get_absolute_url()
    assert "只读查看企业端已满 30 分钟，已自动退出。" in messages_of(response)
    assert BANNER not in response.content.decode() and impersonation.KEY not in viewing.session
    assert "自动结束只读查看企业端" in views_of(e).last().message


def test_a_post_after_the_time_limit_is_not_run_as_the_regulator(viewing, users):
    e = users["owner"].enterprise
    session = viewing.session
    state = session[impersonation.KEY]
    state["since"] -= datetime.timedelta(days=1).total_seconds()
    session[impersonation.KEY] = state
    session.save()
    response = viewing.post(reverse("archive:enterprise_reset_password", args=[e.pk]))
    assert response.status_code == 302 and response["Location"] == e.get_absolute_url()
    assert not ChangeRecord.objects.filter(action=AuditAction.RESET_PASSWORD).exists()


def test_it_ends_when_the_regulator_leaves_the_jurisdiction(viewing, regulator, orgs):
    regulator.organization = orgs["erqi"]
    regulator.save()
    response = viewing.get(reverse("archive:workbench"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert impersonation.KEY not in viewing.session


def test_logging_out_ends_it(viewing, users):
    e = users["owner"].enterprise
    assert viewing.post(reverse("core:logout")).status_code == 302
    assert "退出登录" in views_of(e).last().message
    assert viewing.get(reverse("archive:workbench"))["Location"].startswith(reverse("core:login"))


def test_the_viewer_role_is_no_ones_to_give(login, users):
    from worksafe.core import roles

    assert roles.of(Role.ENTERPRISE_VIEWER).granted == frozenset()
    assert roles.of(Role.ENTERPRISE_VIEWER).side == Side.ENTERPRISE
    assert Role.ENTERPRISE_VIEWER not in {r.code for r in roles.every()}
    assert Role.ENTERPRISE_VIEWER not in {r.code for r in roles.assignable(users["sysadmin"])}
