"""接口订阅管理 in the top menu (core/menu.py): under 系统管理 for administrators; plain regulators review
subscriptions but manage no accounts, so theirs is a link of its own."""
from worksafe.core.menu import ADMIN, Entry, account_admin


def plain_regulator(user):
    return user.is_regulator and not account_admin(user)


ENTRIES = [
    Entry("接口订阅管理", "api:subscription_list", account_admin, 40, ADMIN),
    Entry("接口订阅管理", "api:subscription_list", plain_regulator, 90),
]
