"""The code module's permissions (core.permissions.register)."""
from worksafe.core.models import Role
from worksafe.core.permissions import register

# An enterprise's own placard (lost or damaged); regulators regenerate through archive.manage.
REGENERATE = register("codes.regenerate", "重新生成本企业二维码", "一企一码", [Role.ENTERPRISE_ADMIN])
# Placards for a regulator's filtered or ticked enterprises, as one PDF (batch.placards).
PLACARDS = register("codes.placards", "批量打印二维码牌", "一企一码", [Role.REGULATOR_ADMIN, Role.REGULATOR])
