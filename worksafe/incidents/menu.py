"""事故与处罚 in the top menu (core/menu.py): the enterprise's ledgers; 事故快报 for both sides."""
from worksafe.core.menu import Entry, Group, enterprise_side, government_side, own_enterprise

INCIDENTS = Group("事故与处罚", 70)

ENTRIES = [
    Entry("生产安全事故（件）台账", "incidents:accident_list", enterprise_side, 10, INCIDENTS, own_enterprise),
    Entry("登记事故（件）", "incidents:accident_add", enterprise_side, 20, INCIDENTS, own_enterprise),
    Entry("处罚和惩戒信息台账", "incidents:penalty_list", enterprise_side, 30, INCIDENTS, own_enterprise),
    Entry("事故快报", "incidents:report_list", enterprise_side, 40, INCIDENTS),
    Entry("事故快报", "incidents:report_list", government_side, 40),
]
