"""Demo data as a registry: each app registers its steps in its AppConfig.ready() and `worksafe demo` runs them in
order, so the command imports no app and a new module adds its demo data without editing it.

A step is a function `step(demo)` taking the Demo below, registered by its dotted path with an explicit order:
`add(20, "worksafe.archive.fake.demo_enterprises")`. Paths, not functions, so the generators (and Pillow's drawing)
load only when the demo runs, not in every process. A step that fills in one enterprise, `step(demo, enterprise)`, is
registered with `add_each(order, path)`: archive's step runs those, in order, for each of the first EACH enterprises.

The same seed gives the same data: the steps drawing from the shared `demo.rng` keep their order (each draw shifts
every later value); a newer generator takes a stream of its own, `demo.stream(n)`, so it changes nothing before it.
What the steps share beyond that (the demo enterprises, hazards' guideline ...) they leave as attributes of `demo`.

The order today: 10 government accounts (core), 20 enterprises (archive), 30 the checklist guideline (hazards), 40 the
first enterprises filled in, each by 10 key items (archive), 20 risks and patrols (risks), 30 hazards (hazards),
40 secondary units (archive); 50 enterprise accounts (archive), 60 check plans and 随手拍 (hazards), 70 reporting
(hazards), 80 API subscriptions, 90 registration tables, 100 ledgers (incidents), 110 patrol hazards settled (hazards),
120 and 121 a few unread notifications (archive, then hazards; both once the demo commits).
"""
import random
from functools import cached_property

from django.utils.module_loading import import_string

from . import fake
from .models import Industry, Organization, OrgKind, OrgLevel, Role, User

DEMO_PASSWORD = "demo2026!"
# username, full name, role, organisation (name, level, region) or enterprise region
GOVERNMENT = [
    # 三员分立: three administrators, none of them a superuser and none seeing enterprise data.
    ("sysadmin", "系统管理员", Role.SYSADMIN, None),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN, None),
    ("auditor", "审计管理员", Role.AUDIT_ADMIN, None),
    ("henan", "省厅演示账号", Role.REGULATOR_ADMIN, ("河南省应急管理厅", OrgLevel.PROVINCE, "410000")),
    ("zhengzhou", "郑州市演示账号", Role.REGULATOR_ADMIN, ("郑州市应急管理局", OrgLevel.CITY, "410100")),
    ("jinshui", "金水区演示账号", Role.REGULATOR, ("金水区应急管理局", OrgLevel.COUNTY, "410105")),
    ("erqi", "二七区演示账号", Role.REGULATOR, ("二七区应急管理局", OrgLevel.COUNTY, "410103")),
]
ENTERPRISE_COUNTIES = ["410105", "410103"]  # one demo enterprise administrator in each county above
EACH = 60  # the enterprises given risks, hazards, ledgers ... (the rest keep their archive only)

_steps = []  # (order, dotted path)
_each = []
_notes = []


def add(order, path):
    _steps.append((order, path))


def add_each(order, path):
    _each.append((order, path))


def add_note(path):
    """`note()` returns (heading, [lines]) printed under the demo accounts, or None."""
    _notes.append(path)


class Demo:
    """What the steps share."""

    def __init__(self, enterprises, seed):
        self.enterprises = enterprises  # how many random enterprises were asked for
        self.seed = seed
        self.rng = random.Random(seed)
        self.orgs = {}  # region code -> the demo's government organisation there
        self.showcase = []  # the demo counties' enterprises (ENTERPRISE_COUNTIES), with administrator accounts

    def stream(self, n):
        return random.Random(self.seed + n)

    @cached_property
    def reviewers(self):
        """{region code: the government account of that region} (departments of one industry left out)."""
        return {u.organization.region_id: u for u in User.objects.filter(organization__isnull=False, organization__industries=None)}

    def reviewer_for(self, region_code):
        """Who reviews an enterprise's major hazards and reports: its county's account, else its city's, else the province's."""
        reviewers = self.reviewers
        return reviewers.get(region_code[:6]) or reviewers.get(region_code[:4] + "00") or reviewers["410000"]


def _ordered(steps):
    return [import_string(path) for _, path in sorted(steps, key=lambda step: step[0])]


def run(demo):
    for step in _ordered(_steps):
        step(demo)


def fill(demo, enterprise):
    """The per-enterprise steps, in order, for `enterprise`."""
    for step in _ordered(_each):
        step(demo, enterprise)


def notes():
    return [note for note in (import_string(path)() for path in _notes) if note]


def government(demo):
    """The demo's organisations and government accounts (documented password), and an industry department."""
    phones = demo.stream(21)  # the regulators' mobiles (通讯录), from a stream of their own
    for username, full_name, role, org in GOVERNMENT:
        user = User(username=username, full_name=full_name, role=role, is_demo=True)
        if org:
            user.mobile = fake.mobile(phones)
            name, level, region = org
            parent = demo.orgs.get({"city": "410000", "county": "410100"}.get(level))
            demo.orgs[region] = user.organization = Organization.objects.create(name=name, level=level, region_id=region, parent=parent)
        user.set_password(DEMO_PASSWORD)
        user.save()
    # An industry department: the province's hazardous-chemicals division sees only chemical enterprises.
    dept = Organization.objects.create(name="河南省应急管理厅危化处", kind=OrgKind.DEPARTMENT, level=OrgLevel.PROVINCE,
                                       region_id="410000", parent=demo.orgs["410000"])
    dept.industries.set(Industry.objects.filter(code="03"))


def week_ago_tiles(demo):
    """Home page snapshots dated a week ago (a few per cent below today's figures), so the demo's tiles show their
    change against 7 days earlier at once; a real site has them from the nightly `worksafe snapshot_tiles`."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from . import home
    from .models import TileSnapshot

    rng, week_ago = demo.stream(7), timezone.localdate() - timedelta(days=home.WEEK)
    for organization in home.organizations():
        home.snapshot(organization, week_ago)
    rows = list(TileSnapshot.objects.filter(date=week_ago))
    for row in rows:
        row.value = (row.value * Decimal(1 - rng.uniform(0, 0.08))).quantize(Decimal("1" if row.value == row.value.to_integral() else "0.01"))
    TileSnapshot.objects.bulk_update(rows, ["value"], batch_size=500)
