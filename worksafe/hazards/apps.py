from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "worksafe.hazards"
    verbose_name = "隐患排查治理"

    def ready(self):
        from worksafe.core import audit, demo, home, menu, refdata, todo

        # announce: rejections, 随手拍, patrol hazards told (core.notify); jobs: background job kinds; signals: yearly
        # counts, patrol hazards
        from . import announce, jobs, signals  # noqa: F401
        from . import todo as todo_sources
        from .menu import ENTRIES
        from .models import (
            Category,
            Checklist,
            ChecklistItem,
            CheckPlan,
            Hazard,
            HazardCheck,
            HazardCheckItem,
            HazardPhoto,
            HazardReport,
            PublicReport,
            ReportingDuty,
        )
        from .sections import register_sections

        # The change log keeps a hazard's level with its name (隐患增删改记录查询, seed 001 2.9).
        audit.register(Hazard, enterprise=lambda h: h.enterprise, exclude={"updated_at"}, label=Hazard.audit_label)
        audit.register(HazardPhoto, enterprise=lambda p: p.hazard.enterprise)
        for model in (CheckPlan, HazardCheck, HazardReport, ReportingDuty):
            audit.register(model, enterprise=lambda obj: obj.enterprise, exclude={"updated_at"})
        audit.register(HazardCheckItem, enterprise=lambda i: i.check_record.enterprise)
        audit.register(Checklist, enterprise=lambda c: c.enterprise, exclude={"updated_at"})
        audit.register(ChecklistItem, enterprise=lambda i: i.checklist.enterprise)
        # A report is the reporter's word to the regulator: kept out of the enterprise's history (which its own users
        # read), and the reporter's contact and client key out of the audit trail altogether.
        audit.register(PublicReport, exclude={"client", "contact"})
        register_sections()
        refdata.register(refdata.Table(
            "hazard-categories", Category, "隐患类别", ["code", "name", "sort"], order=50,
            note="隐患登记、隐患排查标准条目和数据对接上传的“隐患类别”从这里选择（基础管理类 / 现场管理类）。"))
        menu.add(*ENTRIES)
        todo.add(*todo_sources.SOURCES)
        home.add(*todo_sources.PANELS)
        demo.add(30, "worksafe.hazards.fake.demo_guideline")
        demo.add_each(30, "worksafe.hazards.fake.demo_hazards")
        demo.add(60, "worksafe.hazards.fake.demo_plans")
        demo.add(70, "worksafe.hazards.fake.demo_reporting")
        demo.add(110, "worksafe.hazards.fake.demo_settle")
        demo.add(121, "worksafe.hazards.fake.demo_notifications")
