"""隐患类别 becomes a reference table (core.refdata, issue 22), in three steps so that on PostgreSQL no table is altered in
the transaction that updated its rows: this one creates the table and lets a checklist item's category be NULL,
0006 inserts the fixed list's values and turns the items' "" into NULL, 0007 makes both columns foreign keys (keeping
their names and codes)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0004_report_steps_without_receipt'),
    ]

    operations = [
        migrations.CreateModel(
            name='Category',
            fields=[
                ('code', models.CharField(max_length=24, primary_key=True, serialize=False, verbose_name='代码')),
                ('name', models.CharField(max_length=64, unique=True, verbose_name='名称')),
                ('sort', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
            ],
            options={
                'verbose_name': '隐患类别',
                'verbose_name_plural': '隐患类别',
                'ordering': ['sort', 'code'],
            },
        ),
        migrations.AlterField(
            model_name='checklistitem',
            name='category',
            field=models.CharField(blank=True, db_column='category', max_length=24, null=True, verbose_name='隐患类别'),
        ),
    ]
