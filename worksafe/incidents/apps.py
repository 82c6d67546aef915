from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "worksafe.incidents"
    verbose_name = "事故与处罚"

    def ready(self):
        from worksafe.archive import sections
        from worksafe.core import audit, demo, home, menu

        from . import todo as todo_sources
        from . import views
        from .menu import ENTRIES
        from .models import Accident, AccidentReport, FollowUp, Investigation, Penalty, sanctioned

        audit.register(Accident, enterprise=lambda a: a.enterprise)
        audit.register(Investigation, enterprise=lambda i: i.accident.enterprise)
        audit.register(Penalty, enterprise=lambda p: p.enterprise)
        audit.register(AccidentReport, enterprise=lambda r: r.enterprise)
        audit.register(FollowUp, enterprise=lambda f: f.report.enterprise)
        sections.add(sections.ARCHIVE, "incidents/card.html", views.archive_card)
        sections.add(sections.WORKBENCH, "incidents/card.html", views.archive_card)
        sections.add(sections.WORKBENCH, "incidents/charts.html", views.charts_card)
        sections.add(sections.ARCHIVE, "incidents/charts.html", views.charts_card)
        sections.add_badge(sanctioned, "incidents/sanctioned_badge.html")
        menu.add(*ENTRIES)
        home.add(*todo_sources.PANELS)
        demo.add(100, "worksafe.incidents.fake.demo_ledgers")
