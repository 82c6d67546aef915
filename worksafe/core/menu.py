"""The top menu as a registry: each app adds its entries from its AppConfig.ready(), so a new module never edits base.html.

An entry says its label, its URL name (with `args` from the user, e.g. `own_enterprise`), who sees it (`sees`, a
predicate on the user), its place (`order`) and, inside a dropdown, its `group`. Top-level links and dropdowns share one
order; a dropdown with no entry the user sees is left out. The enterprise side and the government side see different
entries under the same dropdowns (风险分级管控 ...), so a dropdown is declared once and shared. base.html renders
`for_user(user)` through the `main_menu` tag (templatetags/menu.py).
"""
from collections.abc import Callable
from typing import NamedTuple

from django.urls import reverse

from . import organizations, permissions


class Group(NamedTuple):
    """A dropdown of the top menu."""

    label: str
    order: int


class Entry(NamedTuple):
    label: str
    url: str  # URL name
    sees: Callable  # user -> bool
    order: int  # among the top-level items, or within its group
    group: Group | None = None
    args: Callable | None = None  # user -> the URL's arguments
    divider: bool = False  # a line above it in its dropdown, unless it comes first


class Link(NamedTuple):
    label: str
    href: str
    divider: bool = False


class Item(NamedTuple):
    """What base.html draws: a link (`links` empty) or a dropdown of `links`."""

    label: str
    href: str
    links: list


_entries = []


def add(*entries):
    _entries.extend(entries)


def for_user(user):
    """[Item] of the entries `user` sees, in order."""
    top, groups = [], {}
    for entry in sorted((e for e in _entries if e.sees(user)), key=lambda e: e.order):
        href = reverse(entry.url, args=entry.args(user) if entry.args else None)
        if entry.group is None:
            top.append((entry.order, Item(entry.label, href, [])))
        else:
            links = groups.setdefault(entry.group, [])
            links.append(Link(entry.label, href, entry.divider and bool(links)))
    top += [(group.order, Item(group.label, "#", links)) for group, links in groups.items()]
    return [item for _, item in sorted(top, key=lambda pair: pair[0])]


# Who sees what: the two sides of the system see different menus.
def enterprise_side(user):
    return user.is_enterprise_user


def government_side(user):
    """Regulators and system administrators (an enterprise account stays on its side whatever its flags)."""
    return not user.is_enterprise_user and (user.is_regulator or user.is_sysadmin)


def account_admin(user):
    """Whoever manages accounts (security, regulator and enterprise administrators)."""
    return permissions.can_manage_users(user)


def government_admin(user):
    """Whoever reads the login and operation logs (regulator and audit administrators)."""
    return permissions.can_view_logs(user)


def configurer(user):
    return permissions.has(user, permissions.CONFIGURE)


def own_enterprise(user):
    return [user.enterprise_id]


# The dropdowns several apps add to, and core's own entries (registered by CoreConfig.ready).
ADMIN = Group("系统管理", 90)

ENTRIES = [
    Entry("用户管理", "core:user_list", account_admin, 10, ADMIN),
    Entry("角色管理", "core:role_list", permissions.can_manage_roles, 15, ADMIN),
    Entry("登录日志", "core:login_log_list", government_admin, 20, ADMIN),
    Entry("操作日志", "core:operation_log_list", government_admin, 30, ADMIN),
    Entry("监管单位", "core:organization_list", organizations.may_manage, 12, ADMIN),
    Entry("系统状态", "core:system_status", configurer, 40, ADMIN),
    Entry("参考数据", "core:refdata_list", configurer, 13, ADMIN),
    Entry("流程设置", "core:workflow_setting_list", configurer, 45, ADMIN),
]
