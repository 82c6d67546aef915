"""风险分级管控 in the top menu (core/menu.py): the enterprise's own register, the regulators' lists."""
from worksafe.core.menu import Entry, Group, enterprise_side, government_side, own_enterprise

RISKS = Group("风险分级管控", 50)

ENTRIES = [
    Entry("安全风险辨识清单", "risks:register_detail", enterprise_side, 10, RISKS, own_enterprise),
    Entry("表3 风险辨识分级管控登记表", "risks:table3_detail", enterprise_side, 20, RISKS, own_enterprise),
    Entry("风险四色图", "risks:map_detail", enterprise_side, 30, RISKS, own_enterprise),
    Entry("巡检任务", "risks:patrol_due", enterprise_side, 40, RISKS, own_enterprise),
    Entry("巡检记录", "risks:patrol_list", enterprise_side, 50, RISKS, own_enterprise),

    Entry("风险分析对象", "risks:object_list", government_side, 10, RISKS),
    Entry("风险分析单元", "risks:unit_list", government_side, 20, RISKS),
    Entry("风险事件", "risks:event_list", government_side, 30, RISKS),
    Entry("管控措施", "risks:measure_list", government_side, 40, RISKS),
    Entry("巡检记录", "risks:patrol_record_list", government_side, 50, RISKS),
    Entry("风险四色图", "risks:map_list", government_side, 60, RISKS),
    Entry("风险统计", "risks:risk_stats", government_side, 70, RISKS, divider=True),
]
