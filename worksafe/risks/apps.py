from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "worksafe.risks"
    verbose_name = "风险分级管控"

    def ready(self):
        from worksafe.core import audit, demo, menu, todo

        from . import checks, jobs, signals  # noqa: F401  (the bands check; the import job; derived data: the enterprise's risk summary, patrol deadlines)
        from . import todo as todo_sources
        from .menu import ENTRIES
        from .models import ControlMeasure, FourColourMap, HazardSource, Patrol, PatrolItem, RiskEvent, RiskObject, RiskUnit
        from .sections import register_sections

        for model in (RiskObject, RiskUnit, HazardSource, RiskEvent, ControlMeasure, FourColourMap, Patrol):
            audit.register(model, enterprise=lambda obj: obj.enterprise, exclude={"next_due_at", "last_checked_at", "updated_at"})
        audit.register(PatrolItem, enterprise=lambda item: item.patrol.enterprise)
        register_sections()
        menu.add(*ENTRIES)
        todo.add(*todo_sources.SOURCES)
        demo.add_each(20, "worksafe.risks.fake.demo_risks")
