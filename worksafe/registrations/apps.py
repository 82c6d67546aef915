from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "worksafe.registrations"
    verbose_name = "行业登记表"

    def ready(self):
        from worksafe.archive import review, sections
        from worksafe.core import audit, demo

        from . import views
        from .models import Registration

        audit.register(Registration, enterprise=lambda r: r.enterprise, exclude={"updated_at"}, label=lambda r: r.table_title)
        review.track(Registration, hidden={"enterprise_id", "table"})
        sections.add(sections.ARCHIVE, "registrations/card.html", views.archive_card)
        sections.add(sections.WORKBENCH, "registrations/workbench_card.html", views.workbench_card)
        sections.add_actions(views.actions)
        sections.add_list_action("registrations/list_action.html", views.list_action)
        sections.add_next_step(views.next_step)
        demo.add(90, "worksafe.registrations.fake.demo_registrations")
