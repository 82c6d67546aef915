"""The data API's permissions (core.permissions.register): 接口订阅管理's checks in workflow.py are "the role grants P"
and the rule that was there before (the subscriber's own enterprise or organisation, a regulator in scope above
township level, the level that decided), which stays as code."""
from worksafe.core.models import Role
from worksafe.core.permissions import GOVERNMENT, register

GROUP = "数据接口"
APPLY = register("api.apply", "申请和管理本企业的接口订阅（申请、修改、注销、获取授权KEY）", GROUP, [Role.ENTERPRISE_ADMIN])
REVIEW = register("api.review", "审批接口订阅（审核通过、驳回）", GROUP, GOVERNMENT,
                  help="乡镇（街道）单位的账号不审批订阅，与角色无关")
REVOKE = register("api.revoke", "吊销接口订阅", GROUP, GOVERNMENT, help="只有作出决定的层级或其上级可以吊销")
GRANT = register("api.grant", "授予园区/市县系统接口订阅，管理其授权KEY", GROUP, [Role.REGULATOR_ADMIN])
EVERY = (APPLY, REVIEW, REVOKE, GRANT)
