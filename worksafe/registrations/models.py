"""行业登记表: one registration table per enterprise and table kind, its values stored as the schema declares them."""
from django.db import models

from worksafe.core.scoping import ScopedQuerySet

from . import schema


class Registration(models.Model):
    # The unique (enterprise, table) index serves every lookup by enterprise (the card, the export's join, cascades).
    enterprise = models.ForeignKey(
        "archive.Enterprise", models.CASCADE, related_name="registrations", verbose_name="企业", db_index=False
    )
    table = models.CharField("登记表", max_length=32)
    data = models.JSONField("登记内容", default=dict)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "行业登记表"
        constraints = [models.UniqueConstraint(fields=["enterprise", "table"], name="registration_enterprise_table")]

    def __str__(self):
        return f"{self.enterprise} · {self.table_title}"

    @property
    def schema(self):
        return schema.get(self.table)

    @property
    def table_title(self):
        table = self.schema
        return table.title if table else self.table

    @classmethod
    def describe_changes(cls, change):
        """The audit trail names the changed fields of the table, not "登记内容" as one blob (ChangeRecord.changed_fields).
        The change's label is the table's title (apps.py), which finds its schema without a query."""
        before, after = change.before or {}, change.after or {}
        table = next((t for t in schema.tables() if t.title == change.object_repr), None)
        if table is None or ("data" not in before and "data" not in after):
            return None
        return table.describe_changes(before.get("data") or {}, after.get("data") or {})
