from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules


def _create_cache_table(sender, using, **kwargs):
    """The database cache (settings.CACHES) needs its table; `migrate` makes it, as it makes every other one."""
    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "worksafe.core"
    verbose_name = "系统基础"

    def ready(self):
        from . import audit, break_glass, checks, demo, exports, menu, sessions, workflow_settings  # noqa: F401  (checks, sessions, break_glass and the export job kind register themselves)
        from .models import Organization, Role, User, WorkflowSetting

        audit.register(User, enterprise=lambda u: u.enterprise, exclude={
            "password", "password_changed_at", "last_login", "date_joined", "is_superuser", "is_staff", "first_name", "last_name",
            "unread_notifications",
        })
        audit.register(Organization)
        audit.register(Role)
        audit.register(WorkflowSetting, label=workflow_settings.label)
        workflow_settings.connect()
        menu.add(*menu.ENTRIES)
        from . import refdata  # core's reference tables; each app registers its own in its ready()

        refdata.register_core()
        # Each app's permissions (its perms.py) are registered before any request checks one.
        autodiscover_modules("perms")
        demo.add(10, "worksafe.core.demo.government")
        demo.add(200, "worksafe.core.demo.week_ago_tiles")
        post_migrate.connect(_create_cache_table, sender=self)
