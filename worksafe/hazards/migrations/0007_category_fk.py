"""A hazard's and a checklist item's 隐患类别 become foreign keys to hazards.Category, keeping their column and codes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0006_category_values'),
    ]

    operations = [
        migrations.AlterField(
            model_name='checklistitem',
            name='category',
            field=models.ForeignKey(blank=True, db_column='category', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='hazards.category', verbose_name='隐患类别'),
        ),
        migrations.AlterField(
            model_name='hazard',
            name='category',
            field=models.ForeignKey(db_column='category', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='hazards.category', verbose_name='隐患类别'),
        ),
    ]
