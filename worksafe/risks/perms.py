"""The risk module's permissions (core.permissions.register), and the patrol check that asks for its own."""
from worksafe.core import permissions
from worksafe.core.permissions import ENTERPRISE, register

EDIT = register("risks.edit", "风险分级管控录入（风险清单、导入、平面图和四色图）", "风险分级管控", ENTERPRISE)
PATROL = register("risks.patrol", "风险巡检记录", "风险分级管控", ENTERPRISE)


def can_patrol(user, enterprise):
    """Patrols are the enterprise's own work on site; regulators see the records."""
    return user.is_enterprise_user and permissions.may(user, PATROL, enterprise)
