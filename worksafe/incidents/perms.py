"""The incidents module's permissions (core.permissions.register), and the checks that ask for them: the role grants
P and the enterprise is the account's own or in its jurisdiction (core.permissions.may)."""
from worksafe.core import permissions
from worksafe.core.permissions import ENTERPRISE, GOVERNMENT, register

GROUP = "事故与处罚"
LEDGER = register("incidents.ledger", "事故（件）、调查处理和处罚惩戒台账录入", GROUP, GOVERNMENT + ENTERPRISE)
REPORT = register("incidents.report", "事故快报报送（快报、续报、关联调查结案）", GROUP, GOVERNMENT + ENTERPRISE)


def can_edit_ledger(user, enterprise):
    return permissions.may(user, LEDGER, enterprise)


def can_report(user, enterprise):
    return permissions.may(user, REPORT, enterprise)
