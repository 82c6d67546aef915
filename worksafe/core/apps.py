from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "worksafe.core"
    verbose_name = "系统基础"

    def ready(self):
        from . import audit
        from .models import Organization, User

        audit.register(User, enterprise=lambda u: u.enterprise, exclude={"password", "last_login", "date_joined", "is_superuser", "is_staff", "first_name", "last_name"})
        audit.register(Organization)
