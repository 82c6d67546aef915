"""接口订阅管理 in the top menu (core/menu.py), for whoever holds a permission of the data API (perms.py): under
系统管理 for account administrators; plain regulators review subscriptions but manage no accounts, so theirs is a
link of its own. The 三员 administrators hold none and do not see it."""
from worksafe.core import permissions
from worksafe.core.menu import ADMIN, Entry, account_admin

from .perms import EVERY


def subscriber(user):
    return any(permissions.has(user, code) for code in EVERY)


def administrator(user):
    return subscriber(user) and account_admin(user)


def plain_regulator(user):
    return subscriber(user) and not account_admin(user)


ENTRIES = [
    Entry("接口订阅管理", "api:subscription_list", administrator, 40, ADMIN),
    Entry("接口订阅管理", "api:subscription_list", plain_regulator, 90),
]
