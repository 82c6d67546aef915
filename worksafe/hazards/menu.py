"""隐患排查治理 in the top menu (core/menu.py): the enterprise's ledger and checks, the regulators' lists and statistics."""
from worksafe.core.menu import Entry, Group, enterprise_side, government_side, own_enterprise

HAZARDS = Group("隐患排查治理", 60)

ENTRIES = [
    Entry("隐患台账", "hazards:list", enterprise_side, 10, HAZARDS, own_enterprise),
    Entry("登记隐患", "hazards:add", enterprise_side, 20, HAZARDS, own_enterprise),
    Entry("排查记录", "hazards:checks", enterprise_side, 30, HAZARDS, own_enterprise),
    Entry("排查计划", "hazards:plans", enterprise_side, 40, HAZARDS, own_enterprise),
    Entry("排查标准", "hazards:checklists", enterprise_side, 50, HAZARDS),
    Entry("隐患排查上报", "hazards:report", enterprise_side, 60, HAZARDS, own_enterprise, divider=True),
    Entry("表4 重大隐患排查治理统计表", "hazards:table4", enterprise_side, 70, HAZARDS, own_enterprise),
    Entry("隐患增删改记录", "hazards:changes", enterprise_side, 80, HAZARDS),

    Entry("未整改隐患管理", "hazards:open_list", government_side, 10, HAZARDS),
    Entry("重大隐患管理", "hazards:major_list", government_side, 20, HAZARDS),
    Entry("隐患清单", "hazards:all_list", government_side, 30, HAZARDS),
    Entry("随手拍举报核实", "hazards:public_queue", government_side, 40, HAZARDS),
    Entry("填报情况查询", "hazards:filing", government_side, 50, HAZARDS, divider=True),
    Entry("企业查报状态管理", "hazards:duty_list", government_side, 60, HAZARDS),
    Entry("自查标准维护", "hazards:checklists", government_side, 70, HAZARDS),
    Entry("自定义标准管理", "hazards:custom_checklists", government_side, 80, HAZARDS),
    Entry("隐患增删改记录查询", "hazards:changes", government_side, 90, HAZARDS),
    Entry("隐患统计", "hazards:stats", government_side, 100, HAZARDS, divider=True),
    Entry("上报率统计", "hazards:reporting_stats", government_side, 110, HAZARDS),
]
