from django.apps import AppConfig


class CodesConfig(AppConfig):
    name = "worksafe.codes"
    verbose_name = "一码"

    def ready(self):
        from . import batch, checks, targets  # noqa: F401  (the placard job kind, a system check, the enterprise and unit targets register themselves)
        from .sections import register_sections

        register_sections()
