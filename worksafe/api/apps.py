from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "worksafe.api"
    label = "dataapi"  # "api" is too generic a label for the tables a city system's DBA will see
    verbose_name = "数据对接"

    def ready(self):
        from worksafe.core import audit, demo, menu, todo

        from . import announce, workflow  # noqa: F401  (announce: decisions told through core.notify; workflow: merging)
        from . import todo as todo_sources
        from .menu import ENTRIES
        from .models import ApiSubscription

        audit.register(ApiSubscription, enterprise=lambda s: s.enterprise, exclude={"secret_hash", "updated_at"},
                       label=lambda s: f"接口订阅 {s.system_name}")
        menu.add(*ENTRIES)
        todo.add(*todo_sources.SOURCES)
        demo.add(80, "worksafe.api.fake.demo_subscriptions")
        demo.add_note("worksafe.api.fake.demo_note")
