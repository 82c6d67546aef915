"""风险分级管控 in the top menu (core/menu.py): the enterprise's own register, the regulators' lists."""
from worksafe.core.menu import Entry, Group, enterprise_side, government_side, own_enterprise

RISKS = Group("风险分级管控", 50)

ENTRIES = [
    Entry("安全风险辨识清单", "risks:register", enterprise_side, 10, RISKS, own_enterprise),
    Entry("表3 风险辨识分级管控登记表", "risks:table3", enterprise_side, 20, RISKS, own_enterprise),
    Entry("风险四色图", "risks:map", enterprise_side, 30, RISKS, own_enterprise),
    Entry("巡检任务", "risks:patrol_due", enterprise_side, 40, RISKS, own_enterprise),
    Entry("巡检记录", "risks:patrol_list", enterprise_side, 50, RISKS, own_enterprise),

    Entry("风险分析对象", "risks:objects", government_side, 10, RISKS),
    Entry("风险分析单元", "risks:units", government_side, 20, RISKS),
    Entry("风险事件", "risks:events", government_side, 30, RISKS),
    Entry("管控措施", "risks:measures", government_side, 40, RISKS),
    Entry("巡检记录", "risks:patrol_records", government_side, 50, RISKS),
    Entry("风险四色图", "risks:map_list", government_side, 60, RISKS),
    Entry("风险统计", "risks:stats", government_side, 70, RISKS, divider=True),
]
