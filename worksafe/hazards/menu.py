"""隐患排查治理 in the top menu (core/menu.py): the enterprise's ledger and checks, the regulators' lists and statistics."""
from worksafe.core.menu import Entry, Group, enterprise_side, government_side, own_enterprise

HAZARDS = Group("隐患排查治理", 60)

ENTRIES = [
    Entry("隐患台账", "hazards:hazard_list", enterprise_side, 10, HAZARDS, own_enterprise),
    Entry("登记隐患", "hazards:hazard_add", enterprise_side, 20, HAZARDS, own_enterprise),
    Entry("排查记录", "hazards:check_list", enterprise_side, 30, HAZARDS, own_enterprise),
    Entry("排查计划", "hazards:plan_list", enterprise_side, 40, HAZARDS, own_enterprise),
    Entry("排查标准", "hazards:checklist_list", enterprise_side, 50, HAZARDS),
    Entry("隐患排查上报", "hazards:report_edit", enterprise_side, 60, HAZARDS, own_enterprise, divider=True),
    Entry("表4 重大隐患排查治理统计表", "hazards:table4_detail", enterprise_side, 70, HAZARDS, own_enterprise),
    Entry("隐患增删改记录", "hazards:change_list", enterprise_side, 80, HAZARDS),

    Entry("未整改隐患管理", "hazards:open_list", government_side, 10, HAZARDS),
    Entry("重大隐患管理", "hazards:major_list", government_side, 20, HAZARDS),
    Entry("隐患清单", "hazards:all_list", government_side, 30, HAZARDS),
    Entry("随手拍举报核实", "hazards:public_list", government_side, 40, HAZARDS),
    Entry("填报情况查询", "hazards:filing_list", government_side, 50, HAZARDS, divider=True),
    Entry("企业查报状态管理", "hazards:duty_list", government_side, 60, HAZARDS),
    Entry("自查标准维护", "hazards:checklist_list", government_side, 70, HAZARDS),
    Entry("自定义标准管理", "hazards:checklist_custom_list", government_side, 80, HAZARDS),
    Entry("隐患增删改记录查询", "hazards:change_list", government_side, 90, HAZARDS),
    Entry("隐患统计", "hazards:hazard_stats", government_side, 100, HAZARDS, divider=True),
    Entry("上报率统计", "hazards:reporting_stats", government_side, 110, HAZARDS),
]
