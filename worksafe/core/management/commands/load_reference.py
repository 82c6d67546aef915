from django.core.management.base import BaseCommand

from worksafe.core.reference import load_reference


class Command(BaseCommand):
    help = "载入（或更新）随系统发布的基础数据：行政区划、行业分类、事故类别。"

    def handle(self, **options):
        load_reference()
        self.stdout.write("基础数据已载入。")
