from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "worksafe.archive"
    verbose_name = "一企一档"

    def ready(self):
        from worksafe.core import audit, demo, home, menu, todo

        from . import announce, jobs, parks, review, supervision  # noqa: F401  (receivers: notify, merging; jobs: job kinds)
        from . import todo as todo_sources
        from .menu import ENTRIES
        from .models import RISK_SUMMARY_FIELDS, Enterprise, KeySupervisionItem, ParkMember, SecondaryUnit, SupervisionChange

        audit.register(Enterprise, enterprise=lambda e: e, exclude={"updated_at", *RISK_SUMMARY_FIELDS})
        audit.register(SecondaryUnit, enterprise=lambda u: u.enterprise)
        audit.register(KeySupervisionItem, enterprise=lambda i: i.enterprise)
        audit.register(ParkMember, enterprise=lambda m: m.enterprise)
        audit.register(SupervisionChange, enterprise=lambda c: c.enterprise)
        # The archive's review compares these (and the registration tables) with the last approval.
        review.track(Enterprise, "企业基本信息", single=True,
                     hidden={"review_state", "review_reason", "supervision_level", "supervising_department_id"})
        review.track(SecondaryUnit, hidden={"enterprise_id"})
        review.track(KeySupervisionItem, hidden={"enterprise_id"})
        menu.add(*ENTRIES)
        todo.add(*todo_sources.SOURCES)
        home.add(*todo_sources.PANELS)
        demo.add(20, "worksafe.archive.fake.demo_enterprises")
        demo.add(40, "worksafe.archive.fake.demo_fill")
        demo.add_each(10, "worksafe.archive.fake.demo_key_items")
        demo.add_each(40, "worksafe.archive.fake.demo_unit")
        demo.add(50, "worksafe.archive.fake.demo_accounts")
        demo.add(55, "worksafe.archive.fake.demo_parks")
        demo.add_note("worksafe.archive.fake.demo_park_note")
        demo.add(120, "worksafe.archive.fake.demo_reviews")
        demo.add(120, "worksafe.archive.fake.demo_notifications")
