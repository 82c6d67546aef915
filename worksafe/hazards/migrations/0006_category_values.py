"""The values of the fixed list 隐患类别 was (hazards.models.Category, TextChoices), with their labels and order; a
value some row holds outside it is kept as an inactive category named by its code. A checklist item without a
category holds NULL from now on (it held "")."""
from django.db import migrations

CATEGORIES = [
    ("qualification", "基础管理-资质证照"),
    ("organization", "基础管理-安全生产管理机构及人员"),
    ("responsibility", "基础管理-安全生产责任制"),
    ("rules", "基础管理-安全生产管理制度"),
    ("procedures", "基础管理-安全操作规程"),
    ("training", "基础管理-教育培训"),
    ("records", "基础管理-安全生产管理档案"),
    ("investment", "基础管理-安全生产投入"),
    ("emergency", "基础管理-应急管理"),
    ("special_equipment_mgmt", "基础管理-特种设备基础管理"),
    ("occupational_mgmt", "基础管理-职业卫生基础管理"),
    ("contractor_mgmt", "基础管理-相关方基础管理"),
    ("other_mgmt", "基础管理-其他"),
    ("special_equipment", "现场管理-特种设备现场管理"),
    ("equipment", "现场管理-生产设备设施及工艺"),
    ("place", "现场管理-场所环境"),
    ("behaviour", "现场管理-从业人员操作行为"),
    ("fire", "现场管理-消防安全"),
    ("electricity", "现场管理-用电安全"),
    ("occupational", "现场管理-职业卫生现场安全"),
    ("confined_space", "现场管理-有限空间现场安全"),
    ("auxiliary", "现场管理-辅助动力系统"),
    ("contractor", "现场管理-相关方现场管理"),
    ("other_site", "现场管理-其他"),
]


def forward(apps, schema_editor):
    Category = apps.get_model("hazards", "Category")
    Hazard, ChecklistItem = apps.get_model("hazards", "Hazard"), apps.get_model("hazards", "ChecklistItem")
    for sort, (code, name) in enumerate(CATEGORIES, 1):
        Category.objects.update_or_create(code=code, defaults={"name": name, "sort": sort * 10})
    ChecklistItem.objects.filter(category="").update(category=None)
    held = set(Hazard.objects.values_list("category", flat=True).distinct())
    held |= set(ChecklistItem.objects.exclude(category=None).values_list("category", flat=True).distinct())
    for code in sorted(held - {code for code, _ in CATEGORIES}):
        Category.objects.create(code=code, name=code or "（空）", sort=999, is_active=False)


def backward(apps, schema_editor):
    apps.get_model("hazards", "ChecklistItem").objects.filter(category=None).update(category="")


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0005_category_table'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
