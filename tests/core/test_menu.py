"""The top menu: each app registers its entries (core/menu.py) and every role sees what base.html showed before."""
import re

import pytest
from django.urls import reverse

from tests.factories import create_user
from worksafe.core import menu
from worksafe.core.models import Role

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<div class="collapse navbar-collapse" id="navbar-menu">\s*<ul class="navbar-nav">(.*?)</ul>', re.S)
LINK = re.compile(r'<a class="(nav-link dropdown-toggle|nav-link|dropdown-item)" href="([^"]*)"[^>]*>([^<]*)</a>|<div class="dropdown-divider">')
DIVIDER = ("—", "")


def navbar(html):
    """[(dropdown or "", label, href)] of the top menu, dividers as (dropdown, "—", "")."""
    out, group = [], ""
    for m in LINK.finditer(NAV.search(html).group(1)):
        kind, href, label = m.groups()
        if kind is None:
            out.append((group, *DIVIDER))
        elif kind == "nav-link dropdown-toggle":
            group = label
        else:
            group = "" if kind == "nav-link" else group
            out.append((group, label, href))
    return out


RISKS_E = [("安全风险辨识清单", "/risks/enterprises/{e}/"), ("表3 风险辨识分级管控登记表", "/risks/enterprises/{e}/table3/"),
           ("风险四色图", "/risks/enterprises/{e}/map/"), ("巡检任务", "/risks/enterprises/{e}/patrols/due/"),
           ("巡检记录", "/risks/enterprises/{e}/patrols/")]
HAZARDS_E = [("隐患台账", "/hazards/enterprises/{e}/"), ("登记隐患", "/hazards/enterprises/{e}/add/"),
             ("排查记录", "/hazards/enterprises/{e}/checks/"), ("排查计划", "/hazards/enterprises/{e}/plans/"),
             ("排查标准", "/hazards/checklists/"), DIVIDER, ("隐患排查上报", "/hazards/enterprises/{e}/report/"),
             ("表4 重大隐患排查治理统计表", "/hazards/enterprises/{e}/table4/"), ("隐患增删改记录", "/hazards/changes/")]
INCIDENTS_E = [("生产安全事故（件）台账", "/incidents/enterprises/{e}/accidents/"), ("登记事故（件）", "/incidents/enterprises/{e}/accidents/add/"),
               ("处罚和惩戒信息台账", "/incidents/enterprises/{e}/penalties/"), ("事故快报", "/incidents/reports/")]
GOVERNMENT = [("生产经营单位", "/archive/enterprises/"), ("变更信息", "/archive/changes/"), ("企业统计", "/archive/enterprises/stats/"),
              ("事故快报", "/incidents/reports/")]
RISKS_G = [("风险分析对象", "/risks/objects/"), ("风险分析单元", "/risks/units/"), ("风险事件", "/risks/events/"),
           ("管控措施", "/risks/measures/"), ("巡检记录", "/risks/patrol-records/"), ("风险四色图", "/risks/maps/"), DIVIDER,
           ("风险统计", "/risks/stats/")]
HAZARDS_G = [("未整改隐患管理", "/hazards/open/"), ("重大隐患管理", "/hazards/major/"), ("隐患清单", "/hazards/all/"),
             ("随手拍举报核实", "/hazards/public/"), DIVIDER, ("填报情况查询", "/hazards/filing/"),
             ("企业查报状态管理", "/hazards/duties/"), ("自查标准维护", "/hazards/checklists/"),
             ("自定义标准管理", "/hazards/checklists/custom/"), ("隐患增删改记录查询", "/hazards/changes/"), DIVIDER,
             ("隐患统计", "/hazards/stats/"), ("上报率统计", "/hazards/stats/reporting/")]
ADMIN_ALL = [("用户管理", "/system/users/"), ("监管单位", "/system/organizations/"), ("登录日志", "/system/login-log/"),
             ("操作日志", "/system/operations/"), ("接口订阅管理", "/connect/")]


def under(group, links):
    return [(group, label, href) for label, href in links]


ENTERPRISE = (under("", [("我的工作台", "/workbench/"), ("企业档案", "/archive/enterprises/{e}/")]) + under("风险分级管控", RISKS_E)
              + under("隐患排查治理", HAZARDS_E) + under("事故与处罚", INCIDENTS_E))
GOVERNMENT_SIDE = under("", GOVERNMENT) + under("风险分级管控", RISKS_G) + under("隐患排查治理", HAZARDS_G)
# As base.html drew the menu before it became a registry (captured from the template, one list per demo role).
EXPECTED = {
    "enterprise_admin": ENTERPRISE + under("系统管理", [("用户管理", "/system/users/"), ("接口订阅管理", "/connect/")]),
    "enterprise_staff": ENTERPRISE,
    "regulator": GOVERNMENT_SIDE + [("", "接口订阅管理", "/connect/")],
    "regulator_admin": GOVERNMENT_SIDE + under("系统管理", ADMIN_ALL),
    # Break-glass (a superuser): everything, the 三员's pages included.
    "sysadmin": GOVERNMENT_SIDE + under("系统管理", [*ADMIN_ALL[0:2], ("参考数据", "/system/reference/"), ("角色管理", "/system/roles/"),
                                                  *ADMIN_ALL[2:4], ("系统状态", "/system/status/"), ADMIN_ALL[4],
                                                  ("流程设置", "/system/workflow/")]),
    # 三员分立: each administrator sees its duty's pages only, and no enterprise data.
    "security_admin": under("系统管理", [("用户管理", "/system/users/"), ("角色管理", "/system/roles/")]),
    "audit_admin": under("系统管理", [("登录日志", "/system/login-log/"), ("操作日志", "/system/operations/")]),
    "system_admin": under("系统管理", [("监管单位", "/system/organizations/"), ("参考数据", "/system/reference/"),
                                   ("系统状态", "/system/status/"), ("流程设置", "/system/workflow/")]),
}


@pytest.fixture
def roles(users, enterprise):
    return {"enterprise_admin": users["owner"], "enterprise_staff": create_user("staff", Role.ENTERPRISE_STAFF, enterprise=enterprise),
            "regulator": users["jinshui"], "regulator_admin": users["city"], "sysadmin": users["sysadmin"],
            "security_admin": create_user("sec", Role.SECURITY_ADMIN), "audit_admin": create_user("aud", Role.AUDIT_ADMIN),
            "system_admin": create_user("sys", Role.SYSADMIN)}


@pytest.mark.parametrize("role", EXPECTED)
def test_it_shows_each_role_the_menu_it_always_had(login, roles, enterprise, role):
    html = login(roles[role]).get(reverse("core:profile")).content.decode()
    expected = [(group, label, href.format(e=enterprise.pk)) for group, label, href in EXPECTED[role]]
    assert navbar(html) == expected


def test_it_shows_a_registered_module_in_its_place_to_those_who_see_it(login, roles, monkeypatch):
    """A new module adds a dropdown without touching base.html; a divider never opens a dropdown."""
    knowledge = menu.Group("知识库", 80)
    monkeypatch.setattr(menu, "_entries", [*menu._entries,
                                          menu.Entry("法规标准", "home", menu.government_side, 20, knowledge, divider=True),
                                          menu.Entry("事故案例", "core:profile", menu.government_admin, 30, knowledge, divider=True)])
    items = navbar(login(roles["regulator_admin"]).get(reverse("core:profile")).content.decode())
    groups = list(dict.fromkeys(group for group, _, _ in items if group))
    assert groups == ["风险分级管控", "隐患排查治理", "知识库", "系统管理"]
    assert [i for i in items if i[0] == "知识库"] == [("知识库", "法规标准", "/"), ("知识库", *DIVIDER),
                                                   ("知识库", "事故案例", reverse("core:profile"))]
    items = navbar(login(roles["regulator"]).get(reverse("core:profile")).content.decode())
    assert [i for i in items if i[0] == "知识库"] == [("知识库", "法规标准", "/")]
    assert not any(i[0] == "知识库" for i in navbar(login(roles["enterprise_admin"]).get(reverse("core:profile")).content.decode()))
