"""The archive's entries in the top menu (core/menu.py): the enterprise's own archive, the regulators' list."""
from worksafe.core.menu import Entry, enterprise_side, government_side, own_enterprise

from .parks import park_side

ENTRIES = [
    Entry("我的工作台", "archive:workbench", enterprise_side, 10),
    Entry("企业档案", "archive:enterprise_detail", enterprise_side, 20, args=own_enterprise),
    Entry("生产经营单位", "archive:enterprise_list", government_side, 10),
    Entry("变更信息", "archive:change_list", government_side, 20),
    Entry("企业统计", "archive:enterprise_stats", government_side, 30),
    Entry("园区企业", "archive:parkmember_list", park_side, 31, args=lambda user: [user.organization_id]),
]
