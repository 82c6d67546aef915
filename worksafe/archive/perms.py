"""The archive's permissions (core.permissions.register); core.permissions' archive checks ask for them by code."""
from worksafe.core.models import Role
from worksafe.core.permissions import ENTERPRISE, GOVERNMENT, register

GROUP = "一企一档"
EDIT = register("archive.edit", "编辑企业档案", GROUP, GOVERNMENT + ENTERPRISE)
SUBMIT = register("archive.submit", "提交档案审核", GROUP, [Role.ENTERPRISE_ADMIN])
REVIEW = register("archive.review", "审核档案", GROUP, GOVERNMENT, help="乡镇（街道）单位的账号不审核档案，与角色无关")
MANAGE = register("archive.manage", "企业管理（新增、导入、属地调整、类型设置、重置企业密码）", GROUP, GOVERNMENT)
BULK_RESET = register("archive.bulk_reset_passwords", "批量重置企业密码", GROUP, [Role.REGULATOR_ADMIN])
DELETE = register("archive.delete", "删除企业", GROUP, [Role.REGULATOR_ADMIN])
PARK_MEMBERS = register("archive.park_members", "维护园区企业名单", GROUP, [Role.REGULATOR_ADMIN],
                        help="没有独立区划代码的园区按名单管辖，由园区上级（县、市）维护")
REQUEST_SUPERVISION = register("archive.request_supervision", "申请调整负责监管层级（分级负责）", GROUP, GOVERNMENT)
APPROVE_SUPERVISION = register("archive.approve_supervision", "审批负责监管层级调整", GROUP, [Role.REGULATOR_ADMIN],
                               help="由调整涉及的较高层级审批，申请人本人不能审批")
