"""Issue 17: the REPORT step of a hazard accepted from a 随手拍 report read "群众举报（随手拍）回执 <receipt>", and the
enterprise reads its hazards' steps (the hazard page's history, the API's read-back). The receipt is the reporter's key
to the report, so it is dropped from the steps already stored, as public.accept no longer writes it. Regulators still
find it on the hazard's origin line. Not reversible: the receipts are not kept anywhere else on the step."""
from django.db import migrations

# Exactly what hazards.public.receipt_comment wrote: the prefix and a 12-character receipt (models.new_receipt).
OLD_COMMENT = r"^群众举报（随手拍）回执 [2-9A-HJ-NP-Z]{12}$"


def forwards(apps, schema_editor):
    HazardStep = apps.get_model("hazards", "HazardStep")
    HazardStep.objects.filter(action="report", comment__regex=OLD_COMMENT).update(comment="群众举报（随手拍）")


class Migration(migrations.Migration):
    dependencies = [("hazards", "0003_external_ids")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
