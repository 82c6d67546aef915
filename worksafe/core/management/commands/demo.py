"""worksafe demo: demo organisations, accounts with documented passwords, and N random enterprises."""
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from worksafe.api.fake import DEMO_KEY_ID, DEMO_SECRET, make_subscriptions
from worksafe.api.models import ApiSubscription
from worksafe.archive.fake import make_enterprise
from worksafe.archive.models import Enterprise, KeySupervisionItem, SecondaryUnit
from worksafe.core.models import AccidentCategory, Industry, Organization, OrgLevel, Region, RegionLevel, Role, User
from worksafe.hazards.fake import make_guideline, make_hazards, make_plan, make_public_reports, make_reporting, settle_patrol_hazards
from worksafe.incidents.fake import make_ledgers, make_report
from worksafe.registrations.fake import make_registrations
from worksafe.risks.fake import make_patrols, make_risk_list, make_site_plan

DEMO_PASSWORD = "demo2026!"
# username, full name, role, organisation (name, level, region) or enterprise region
GOVERNMENT = [
    ("admin", "系统管理员", Role.SYSADMIN, None),
    ("henan", "省厅演示账号", Role.REGULATOR_ADMIN, ("河南省应急管理厅", OrgLevel.PROVINCE, "410000")),
    ("zhengzhou", "郑州市演示账号", Role.REGULATOR_ADMIN, ("郑州市应急管理局", OrgLevel.CITY, "410100")),
    ("jinshui", "金水区演示账号", Role.REGULATOR, ("金水区应急管理局", OrgLevel.COUNTY, "410105")),
    ("erqi", "二七区演示账号", Role.REGULATOR, ("二七区应急管理局", OrgLevel.COUNTY, "410103")),
]
ENTERPRISE_COUNTIES = ["410105", "410103"]  # one demo enterprise administrator in each county above


class Command(BaseCommand):
    help = "生成演示数据：监管单位、演示账号（固定密码）和随机企业档案。"

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=300, help="随机企业数量（默认 300）")
        parser.add_argument("--seed", type=int, default=2020, help="随机种子（相同种子生成相同数据）")

    @transaction.atomic
    def handle(self, enterprises, seed, **options):
        if settings.PRODUCTION:
            raise CommandError("WORKSAFE_ENV=production：生产环境不能生成演示数据（演示账号的密码是公开的）。")
        if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.DEBUG:
            raise CommandError("演示数据含公开密码，只能写入嵌入式 SQLite 演示库（或 WORKSAFE_DEBUG=1 的开发库）。")
        if User.objects.filter(username="henan").exists():
            self.stdout.write("演示数据已存在，跳过生成。")
            self.flag_demo_accounts()
            return self.print_accounts()
        rng = random.Random(seed)
        orgs = {}
        for username, full_name, role, org in GOVERNMENT:
            user = User(username=username, full_name=full_name, role=role, is_demo=True)
            if org:
                name, level, region = org
                parent = orgs.get({"city": "410000", "county": "410100"}.get(level))
                orgs[region] = user.organization = Organization.objects.create(name=name, level=level, region_id=region, parent=parent)
            user.is_staff = user.is_superuser = role == Role.SYSADMIN
            user.set_password(DEMO_PASSWORD)
            user.save()
        # An industry department: the province's hazardous-chemicals division sees only chemical enterprises.
        dept = Organization.objects.create(name="河南省应急管理厅危化处", level=OrgLevel.PROVINCE, region_id="410000", parent=orgs["410000"])
        dept.industries.set(Industry.objects.filter(code="03"))

        counties = list(Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="41").select_related("parent"))
        zhengzhou = [r for r in counties if r.code.startswith("4101")]
        industries = list(Industry.objects.filter(children__isnull=True))
        seen = set(Enterprise.objects.values_list("uscc", flat=True))
        rows = []
        for i in range(enterprises):
            # Half of the demo enterprises in 郑州 so the city and county accounts have plenty to see.
            region = rng.choice(zhengzhou if i % 2 else counties)
            if i < len(ENTERPRISE_COUNTIES):
                region = next(r for r in counties if r.code == ENTERPRISE_COUNTIES[i])
            rows.append(make_enterprise(rng, region, rng.choice(industries), seen))
        Enterprise.objects.bulk_create(rows, batch_size=500)
        categories = list(AccidentCategory.objects.all())
        guideline = make_guideline(owner=orgs["410000"])
        # Who reviews an enterprise's major hazards in the demo: its county's account, else its city's, else the province's.
        reviewers = {u.organization.region_id: u for u in User.objects.filter(organization__isnull=False, organization__industries=None)}
        for e in Enterprise.objects.order_by("pk")[: min(enterprises, 60)]:
            for n in range(rng.randrange(1, 4)):
                KeySupervisionItem.objects.create(
                    enterprise=e, seq=n + 1, name=rng.choice(["液氨储罐区", "反应釜", "粉尘涉爆车间", "有限空间作业", "动火作业", "配电室"]),
                    area=rng.choice(["一车间", "二车间", "罐区", "仓库"]), accident_category=rng.choice(categories),
                    procedure=rng.choice(["", "加氢工艺", "聚合工艺"]), location="东侧", department="应急局",
                    is_major_hazard_source=rng.random() < 0.2, has_emergency_plan=rng.random() < 0.8,
                    monitoring="可燃气体报警、视频监控", reviewer="安全部长", responsible_contact="安环部 0371-66668888",
                )
            make_risk_list(rng, e)
            make_site_plan(rng, e)
            make_patrols(rng, e)
            region = e.region_id
            make_hazards(rng, e, regulator=reviewers.get(region[:6]) or reviewers.get(region[:4] + "00") or reviewers["410000"])
            if rng.random() < 0.3:
                SecondaryUnit.objects.create(enterprise=e, name=f"{e.name[:6]}运输部", industry=e.industry,
                                             competent_department=e.competent_department)
        # The first enterprises generated are the demo counties' (fewer when fewer enterprises were asked for).
        for row in rows[: len(ENTERPRISE_COUNTIES)]:
            e = Enterprise.objects.get(uscc=row.uscc)
            user = User(username=e.uscc, full_name=e.name, role=Role.ENTERPRISE_ADMIN, enterprise=e, is_demo=True)
            user.set_password(DEMO_PASSWORD)
            user.save()
            make_plan(rng, e, guideline)
            make_public_reports(rng, e)
        make_reporting(rng, Enterprise.objects.order_by("pk"))
        # 接口订阅: the 金水 demo enterprise connected (the documented key id and secret), the 二七 one waiting for review.
        demo = [Enterprise.objects.get(uscc=row.uscc) for row in rows[: len(ENTERPRISE_COUNTIES)]]
        if demo:
            make_subscriptions(random.Random(seed + 8), demo[0], demo[1] if len(demo) > 1 else None,
                               reviewer=reviewers.get(demo[0].region_id))
        # Industry registration tables (尾矿库, 地下矿山 ...) and the accident and penalty ledgers, from generators of
        # their own: the data above stays as it was. The third demo enterprise is under an active 联合惩戒.
        make_registrations(random.Random(seed + 6), Enterprise.objects.order_by("pk")[: min(enterprises, 300)].select_related("industry"))
        ledgers = random.Random(seed + 7)
        for n, e in enumerate(Enterprise.objects.order_by("pk").select_related("region")[: min(enterprises, 60)]):
            make_ledgers(ledgers, e, sanction=n == 2)
            if n < 4:  # 事故快报 filed by the county (金水, 二七 ...), one of them closed
                region = e.region_id
                make_report(ledgers, e, reviewers.get(region[:6]) or reviewers.get(region[:4] + "00") or reviewers["410000"], closed=n == 0)
        # Patrols raise their hazards once committed (risks.signals.measure_not_in_place): settle them after that.
        transaction.on_commit(lambda: settle_patrol_hazards(rng))
        self.print_accounts()

    def flag_demo_accounts(self):
        """A demo database made before accounts carried the demo flag: flag those still on the published password."""
        usernames = [g[0] for g in GOVERNMENT] + list(self.enterprise_accounts().values_list("username", flat=True))
        for user in User.objects.filter(is_demo=False, username__in=usernames):
            if user.check_password(DEMO_PASSWORD):
                User.objects.filter(pk=user.pk).update(is_demo=True)

    def enterprise_accounts(self):
        return (User.objects.filter(role=Role.ENTERPRISE_ADMIN, enterprise__region_id__in=ENTERPRISE_COUNTIES, password__isnull=False)
                .select_related("enterprise__region").order_by("enterprise__region_id", "pk")[:2])

    def print_accounts(self):
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {DEMO_PASSWORD}，仅限演示数据）："))
        for u in User.objects.filter(username__in=[g[0] for g in GOVERNMENT]).select_related("organization"):
            self.stdout.write(f"  {u.username:<20} {u.get_role_display():<8} {u.organization or ''}")
        for u in self.enterprise_accounts():
            self.stdout.write(f"  {u.username:<20} 企业管理员 {u.enterprise.name}（{u.enterprise.region.name}）")
        sub = ApiSubscription.objects.filter(key_id=DEMO_KEY_ID).select_related("enterprise").first()
        if sub:
            self.stdout.write(self.style.SUCCESS(f"数据对接演示（{sub.enterprise.name}，仅限演示数据）："))
            self.stdout.write(f"  企业标识 {DEMO_KEY_ID}  授权KEY {DEMO_SECRET}  接口文档 /api/v1/docs")
