"""Reference data kept on the site (core.refdata, issue 22): regions, industries and accident categories can be
deactivated, accident categories name their edition, and 主管部门 becomes a table holding the values of the fixed
list it was (archive 0007 turns the enterprises' column into a foreign key to it, keeping the codes)."""

from django.db import migrations, models


# The fixed list as it was (core.models.CompetentDepartment, TextChoices), in its order: code, label.
DEPARTMENTS = [("emergency", "应急局"), ("coal", "煤炭局"), ("industry", "工信局"), ("other", "其他")]


def insert_departments(apps, schema_editor):
    CompetentDepartment = apps.get_model("core", "CompetentDepartment")
    for sort, (code, name) in enumerate(DEPARTMENTS, 1):
        CompetentDepartment.objects.update_or_create(code=code, defaults={"name": name, "sort": sort * 10})


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0015_workflow_setting'),
    ]

    operations = [
        migrations.CreateModel(
            name='CompetentDepartment',
            fields=[
                ('code', models.CharField(max_length=16, primary_key=True, serialize=False, verbose_name='代码')),
                ('name', models.CharField(max_length=32, unique=True, verbose_name='名称')),
                ('sort', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
            ],
            options={
                'verbose_name': '主管部门',
                'verbose_name_plural': '主管部门',
                'ordering': ['sort', 'code'],
            },
        ),
        migrations.AddField(
            model_name='accidentcategory',
            name='edition',
            field=models.CharField(default='GB 6441-1986', max_length=32, verbose_name='标准版本'),
        ),
        migrations.AddField(
            model_name='accidentcategory',
            name='is_active',
            field=models.BooleanField(default=True, verbose_name='启用'),
        ),
        migrations.AddField(
            model_name='industry',
            name='is_active',
            field=models.BooleanField(default=True, verbose_name='启用'),
        ),
        migrations.AddField(
            model_name='region',
            name='is_active',
            field=models.BooleanField(default=True, verbose_name='启用'),
        ),
        migrations.RunPython(insert_departments, migrations.RunPython.noop),
    ]
