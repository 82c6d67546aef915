from django.core.management.base import BaseCommand, CommandError

from worksafe.core.reference import load_regions


class Command(BaseCommand):
    help = "从 CSV 文件（列：code,name,level,parent，上级在前）载入或更新行政区划，例如新增一个省。"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        try:
            n = load_regions(path)
        except (OSError, ValueError) as e:
            raise CommandError(f"无法载入 {path}：{e}") from e
        self.stdout.write(f"已载入 {n} 个行政区划。")
