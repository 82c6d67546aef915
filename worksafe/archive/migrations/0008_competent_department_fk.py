"""主管部门 becomes a foreign key to core.CompetentDepartment keeping its column and its codes (core 0014 inserted the
fixed list's values; a value outside it, should a row hold one, is kept as an inactive department named by its code)."""

import django.db.models.deletion
from django.db import migrations, models


def keep_unknown_values(apps, schema_editor):
    CompetentDepartment = apps.get_model("core", "CompetentDepartment")
    known = set(CompetentDepartment.objects.values_list("code", flat=True))
    held = set()
    for name in ("Enterprise", "SecondaryUnit"):
        held |= set(apps.get_model("archive", name).objects.values_list("competent_department", flat=True).distinct())
    for code in sorted(held - known):
        CompetentDepartment.objects.create(code=code, name=code or "（空）", sort=999, is_active=False)


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0007_parks_supervision'),
        ('core', '0016_reference_tables'),
    ]

    operations = [
        migrations.RunPython(keep_unknown_values, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='enterprise',
            name='competent_department',
            field=models.ForeignKey(db_column='competent_department', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.competentdepartment', verbose_name='主管部门'),
        ),
        migrations.AlterField(
            model_name='secondaryunit',
            name='competent_department',
            field=models.ForeignKey(db_column='competent_department', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.competentdepartment', verbose_name='主管部门'),
        ),
    ]
