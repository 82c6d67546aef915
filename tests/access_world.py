"""The objects the access table test (tests/test_access.py) points its URLs at: one of each kind in each of the two
sibling counties (金水区: the owner's enterprise; 二七区: the outsider's), built on first use and kept for the test.

Each builder reuses the helpers the app's own tests use, so an object here is what those tests call a hazard, a
check record, a penalty … A builder takes the world and the county ("jinshui" or "erqi") and returns the object
whose id goes into the URL (`World.get`); a few kinds are per account (`World.own`: a user's own second session, a
notification to them).
"""
import datetime
import io

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.factories import create_hazard, create_item, create_patrol, create_risk_list, create_unit, create_user
from worksafe.core.models import Role

COUNTIES = ("jinshui", "erqi")
OTHER = {"jinshui": "erqi", "erqi": "jinshui"}
# The registration table both enterprises fill in: the world moves 金水's enterprise into 危险化学品 (0301), the
# industry of 二七's, so the registration pages exist for both.
TABLE = "hazardous_chemicals"


def make(users, orgs, county_admins, accounts=None):
    """The world of the access table: the test accounts, 金水's regulator administrator and enterprise staff member,
    and `accounts` ({name: role}: accounts without a jurisdiction, e.g. the 三员)."""
    from worksafe.archive.models import Enterprise

    users = {**users, "jinshui_admin": county_admins["jinshui"]}
    Enterprise.objects.filter(pk=users["owner"].enterprise_id).update(industry_id="0301")  # see TABLE
    users["owner"].enterprise.refresh_from_db()
    users["staff"] = create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=users["owner"].enterprise)
    for name, role in (accounts or {}).items():
        users[name] = create_user(f"three_{name}", role)
    return World(users, orgs)


def png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return ContentFile(out.getvalue(), name="photo.png")


class World:
    """`get(kind, county)` builds the county's object of `kind` once; `own(kind, user)` an object of `user`'s own (a
    second session, a background job, a notification)."""

    def __init__(self, users, orgs):
        self.users, self.orgs = users, orgs
        self.enterprises = {"jinshui": users["owner"].enterprise, "erqi": users["outsider"].enterprise}
        self._made = {}

    def get(self, kind, county):
        if (kind, county) not in self._made:
            self._made[kind, county] = BUILDERS[kind](self, county)
        return self._made[kind, county]

    def enterprise(self, county):
        return self.enterprises[county]

    def own(self, kind, user):
        """`user`'s own object of `kind` (a route scoped to the account: ACCOUNT in tests/test_access.py)."""
        return getattr(self, kind)(user)

    def session(self, user):
        """Another logged-in session of `user` (as from another browser): the row of their session list."""
        from worksafe.core.models import UserSession

        Client().force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return UserSession.objects.filter(user=user).order_by("-pk").first()

    def job(self, user):
        """A finished background job of `user`, with a result to download."""
        from django.core.files.base import ContentFile
        from django.utils import timezone

        from worksafe.core.models import Job, JobState

        job = Job(owner=user, kind="test", label="导出", state=JobState.DONE, finished_at=timezone.now(),
                  result_name="导出.xlsx", result_type="application/octet-stream")
        job.result.save("导出.xlsx", ContentFile(b"x"), save=False)
        job.save()
        return job

    def notification(self, user):
        """A notification to `user`, pointing at their home page."""
        from worksafe.core import notify

        notify.kind("test.access", "测试通知")
        return notify.notify(user, "test.access", "测试通知", link="/")[0]


def _today():
    return timezone.localdate()


def _risks(w, county):
    if ("risk_list", county) not in w._made:
        w._made["risk_list", county] = create_risk_list(w.enterprise(county), prefix=county)
    return w._made["risk_list", county]


def _map(w, county):
    from worksafe.risks.models import FourColourMap

    e = w.enterprise(county)
    fcm = FourColourMap(enterprise=e, plan_width=40, plan_height=30, ready_map_type="image/png")
    fcm.plan.save("plan.png", png(), save=False)
    fcm.ready_map.save("ready.png", png(), save=False)
    fcm.save()
    return e


def _patrol(w, county):
    _risks(w, county)
    return create_patrol(w.enterprise(county), timezone.now() - datetime.timedelta(hours=1), [True, False])


def _patrol_photo(w, county):
    item = w.get("patrol", county).items.order_by("pk").first()
    item.photo.save("photo.png", png())
    return item


def _hazard_photo(w, county):
    from worksafe.hazards.models import HazardPhoto

    photo = HazardPhoto(hazard=w.get("hazard", county), stage=HazardPhoto.Stage.BEFORE, uploaded_by=w.users["sysadmin"])
    photo.file.save("photo.png", png())
    return photo


def _major(w, county):
    return create_hazard(w.enterprise(county), name="液氨储罐区安全阀失效", level="major", review="pending")


def _confirmed(w, county):
    from worksafe.hazards import workflow

    hazard = create_hazard(w.enterprise(county), name="液化气罐区泄漏报警失效", level="major", review="pending")
    return workflow.perform(hazard, workflow.A.CONFIRM, w.users["sysadmin"])


def _supervised(w, county):
    from worksafe.hazards import workflow
    from worksafe.hazards.models import Supervision

    return workflow.supervise(_confirmed(w, county), w.users["sysadmin"], Supervision.COUNTY, f"{county}督〔2026〕1号")


def _guideline(w, county):
    from tests.hazards.test_checklists import make_guideline

    return make_guideline(w.orgs[county], name=f"{county}危化行业隐患排查指引", industry="0301")


def _checklist(w, county):
    """The enterprise's own checklist (自定义标准), approved, derived from its county's guideline."""
    from worksafe.hazards.models import Checklist, ChecklistItem

    c = Checklist.objects.create(name="本企业排查标准", industry_id="0301", enterprise=w.enterprise(county),
                                 based_on=w.get("guideline", county), state="approved")
    ChecklistItem.objects.create(checklist=c, order=1, section="消防安全", content="灭火器按规定配置，压力正常", category_id="fire")
    return c


def _plan(w, county):
    from worksafe.hazards.models import CheckPlan

    return CheckPlan.objects.create(enterprise=w.enterprise(county), name="月度综合排查", kind="comprehensive",
                                    checklist=w.get("checklist", county), person="张三", frequency_unit="month",
                                    starts_on=_today() - datetime.timedelta(days=70))


def _check(w, county):
    from worksafe.hazards.models import HazardCheck, HazardCheckItem

    check = HazardCheck.objects.create(enterprise=w.enterprise(county), kind="daily", checked_on=_today(), checker_name="王五")
    HazardCheckItem.objects.create(check_record=check, text="灭火器压力正常", result=HazardCheckItem.Result.PASS)
    return check


def _check_photo(w, county):
    item = w.get("check", county).items.first()
    item.photo.save("photo.png", png())
    return item


def _accident(w, county):
    from tests.incidents.test_ledgers import create_accident

    return create_accident(w.enterprise(county), _today() - datetime.timedelta(days=10), f"{county}叉车撞伤员工")


def _investigation(w, county):
    """An accident with its investigation (the PDF's URL takes the accident's id)."""
    from tests.incidents.test_ledgers import create_accident, create_investigation

    accident = create_accident(w.enterprise(county), _today() - datetime.timedelta(days=20), f"{county}已调查事故")
    create_investigation(accident)
    return accident


def _penalty(w, county):
    from tests.incidents.test_ledgers import create_penalty

    return create_penalty(w.enterprise(county), _today() - datetime.timedelta(days=5), reason=f"{county}未开展隐患排查")


def _report(w, county):
    from tests.incidents.test_reports import create_report

    return create_report(w.enterprise(county), title=f"{county}仓库货架倒塌")


def _subscription(w, county):
    from tests.api.test_subscriptions import pending

    return pending(w.enterprise(county), system_name=f"{county}自建双预防系统", applicant=w.users["owner" if county == "jinshui" else "outsider"])


def _org_subscription(w, county):
    from tests.api.helpers import approved

    sub, _ = approved(organization=w.orgs[county], system_name=f"{county}区双重预防信息平台")
    return sub


def _public_report(w, county):
    from tests.hazards.test_public import make_report

    e = w.enterprise(county)
    return make_report(region=e.region_id, enterprise=e, photos=1)


def _public_photo(w, county):
    return w.get("public_report", county).photos.first()


def _code(w, county):
    from worksafe.codes.models import Code

    return Code.active(w.enterprise(county))


def _registration(w, county):
    from worksafe.registrations import fake, schema
    from worksafe.registrations.models import Registration

    e = w.enterprise(county)
    Registration.objects.create(enterprise=e, table=TABLE, data=fake.example(schema.get(TABLE)))
    return e


def _account(w, county):
    """An account another administrator manages: a staff member of the county's enterprise."""
    e = w.enterprise(county)
    return create_user(f"{county}_clerk", Role.ENTERPRISE_STAFF, enterprise=e)


def _organization(w, county):
    """A township office under the county's bureau (which the county's regulator administrator manages)."""
    from tests.factories import create_org
    from worksafe.core.models import OrgLevel

    township = {"jinshui": "410105001", "erqi": "410103001"}[county]
    org = create_org(f"{county}街道安监站", OrgLevel.TOWNSHIP, township)
    org.parent = w.orgs[county]
    org.save()
    return org


def _park(w, county):
    """A park without a region code of its own under the county's bureau, holding the county's enterprise."""
    from tests.factories import create_org
    from worksafe.archive.models import ParkMember
    from worksafe.core.models import OrgLevel

    park = create_org(f"{county}化工园区", OrgLevel.COUNTY, w.orgs[county].region_id, kind="park")
    park.parent = w.orgs[county]
    park.save()
    ParkMember.objects.create(park=park, enterprise=w.enterprise(county))
    return park


def _supervision_change(w, county):
    """A pending request to hand the county's enterprise down to its township (the county approves it)."""
    from worksafe.archive.models import SupervisionChange

    return SupervisionChange.objects.create(enterprise=w.enterprise(county), from_level="county", to_level="township",
                                            reason="属地乡镇负责", requester_name="张三", requester_level="county")


def _role(w, county):
    """A composed role (of no county: routes taking it are GLOBAL in tests/test_access.py)."""
    from worksafe.core.models import Side

    return Role.objects.get_or_create(code="inspector", defaults={
        "name": "检查员", "side": Side.GOVERNMENT, "permissions": ["archive.edit", "core.export"]})[0]


BUILDERS = {
    "enterprise": lambda w, c: w.enterprise(c),
    "unit": lambda w, c: create_unit(w.enterprise(c)),
    "item": lambda w, c: create_item(w.enterprise(c)),
    "risk_object": lambda w, c: _risks(w, c)["object"],
    "risk_unit": lambda w, c: _risks(w, c)["unit"],
    "risk_source": lambda w, c: _risks(w, c)["source"],
    "risk_event": lambda w, c: _risks(w, c)["event"],
    "risk_measure": lambda w, c: _risks(w, c)["measures"][0],
    "map": _map,
    "patrol": _patrol,
    "patrol_photo": _patrol_photo,
    "hazard": lambda w, c: create_hazard(w.enterprise(c)),
    "hazard_photo": _hazard_photo,
    "major_hazard": _major,
    "confirmed_hazard": _confirmed,
    "supervised_hazard": _supervised,
    "guideline": _guideline,
    "checklist": _checklist,
    "plan": _plan,
    "check": _check,
    "check_photo": _check_photo,
    "accident": _accident,
    "investigation": _investigation,
    "penalty": _penalty,
    "report": _report,
    "subscription": _subscription,
    "org_subscription": _org_subscription,
    "public_report": _public_report,
    "public_photo": _public_photo,
    "code": _code,
    "registration": _registration,
    "account": _account,
    "role": _role,
    "organization": _organization,
    "park": _park,
    "park_member": lambda w, c: w.get("park", c).park_members.get(),
    "supervision_change": _supervision_change,
}
