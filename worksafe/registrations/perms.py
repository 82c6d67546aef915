"""The registration tables' permissions (core.permissions.register), and the check that asks for it: the role grants
P and the enterprise is the account's own or in its jurisdiction (core.permissions.may)."""
from worksafe.core import permissions
from worksafe.core.permissions import ENTERPRISE, GOVERNMENT, register

EDIT = register("registrations.edit", "填报行业登记表", "一企一档", GOVERNMENT + ENTERPRISE,
                help="登记表属于企业档案：保存后已审核的档案退回待审核")


def can_edit(user, enterprise):
    return permissions.may(user, EDIT, enterprise)
