"""Shared fixtures: organisations, users and enterprises in two sibling counties."""
import itertools
import random

import pytest

from worksafe.archive.fake import make_enterprise
from worksafe.core.models import Industry, Organization, OrgLevel, Region, Role, User

PASSWORD = "Test-pass-2026"
JINSHUI, ERQI, ZHENGZHOU, HENAN, LUOYANG = "410105", "410103", "410100", "410000", "410300"
_rng = random.Random(7)
_counter = itertools.count()


def codes(fields, *names):
    """`fields` with reference-table codes given by name (competent_department="coal") set as the key (…_id)."""
    return {f"{k}_id" if k in names and isinstance(v, str) else k: v for k, v in fields.items()}


def create_enterprise(region=JINSHUI, industry="07", **fields):
    fields = codes(fields, "competent_department")
    e = make_enterprise(_rng, Region.objects.select_related("parent").get(code=region), Industry.objects.get(code=industry), set())
    e.name = fields.pop("name", f"测试企业{next(_counter)}")
    for k, v in fields.items():
        setattr(e, k, v)
    e.review_state = fields.get("review_state", "draft")
    e.save()
    return e


def create_org(name, level, region, industries=(), **fields):
    fields.setdefault("kind", "department" if industries else "bureau")
    org = Organization.objects.create(name=name, level=level, region_id=region, **fields)
    if industries:
        org.industries.set(Industry.objects.filter(code__in=industries))
    return org


def create_user(username, role, organization=None, enterprise=None, **fields):
    # Flagged as the demo's accounts are, so the second factor and password expiry stay out of tests about other
    # things; the tests of those controls (tests/core/test_accounts_*.py) create unflagged accounts.
    fields.setdefault("is_demo", True)
    user = User(username=username, role=role, organization=organization, enterprise=enterprise, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def orgs(db):
    return {
        "province": create_org("河南省应急管理厅", OrgLevel.PROVINCE, HENAN),
        "city": create_org("郑州市应急管理局", OrgLevel.CITY, ZHENGZHOU),
        "jinshui": create_org("金水区应急管理局", OrgLevel.COUNTY, JINSHUI),
        "erqi": create_org("二七区应急管理局", OrgLevel.COUNTY, ERQI),
        "chem": create_org("河南省应急管理厅危化处", OrgLevel.PROVINCE, HENAN, industries=["03"]),
    }


@pytest.fixture
def enterprise(db):
    """The owner's enterprise, in 金水区."""
    return create_enterprise(JINSHUI, name="金水测试机械有限公司")


@pytest.fixture
def other_enterprise(db):
    """The outsider's enterprise, in the sibling county 二七区."""
    return create_enterprise(ERQI, name="二七测试化工有限公司", industry="0301")


@pytest.fixture
def users(orgs, enterprise, other_enterprise):
    return {
        "province": create_user("province", Role.REGULATOR_ADMIN, orgs["province"]),
        "city": create_user("city", Role.REGULATOR_ADMIN, orgs["city"]),
        "jinshui": create_user("jinshui", Role.REGULATOR, orgs["jinshui"]),
        "erqi": create_user("erqi", Role.REGULATOR, orgs["erqi"]),
        "chem": create_user("chem", Role.REGULATOR, orgs["chem"]),
        "owner": create_user(enterprise.uscc, Role.ENTERPRISE_ADMIN, enterprise=enterprise),
        "outsider": create_user(other_enterprise.uscc, Role.ENTERPRISE_ADMIN, enterprise=other_enterprise),
        "sysadmin": create_user("sysadmin", Role.SYSADMIN, is_superuser=True, is_staff=True),
    }


@pytest.fixture
def login(client):
    """login(user) → the test client logged in as `user`."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


# ---- helpers for the archive and core page tests ----

TOWNSHIP = "410105001"  # 经八路街道, a township of 金水区


def form_data(instance, **overrides):
    """POST data reproducing `instance` as a ModelForm would receive it (unchecked boxes left out)."""
    from django.forms.models import model_to_dict

    data = {}
    for key, value in {**model_to_dict(instance), **overrides}.items():
        if value is None:
            data[key] = ""
        elif value is False:
            continue
        elif value is True:
            data[key] = "on"
        else:
            data[key] = str(value)
    return data


def create_unit(enterprise, name="一号矿井", **fields):
    from worksafe.archive.models import SecondaryUnit

    fields = codes({"industry_id": enterprise.industry_id, "competent_department": "emergency", **fields}, "competent_department")
    return SecondaryUnit.objects.create(enterprise=enterprise, name=name, **fields)


def create_item(enterprise, name="液氨储罐区", **fields):
    from worksafe.archive.models import KeySupervisionItem

    fields = {"area": "罐区", "accident_category_id": "09", **fields}
    return KeySupervisionItem.objects.create(enterprise=enterprise, name=name, **fields)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def county_admins(orgs):
    """Regulator administrators of the two sibling counties."""
    return {
        "jinshui": create_user("jinshui_admin", Role.REGULATOR_ADMIN, orgs["jinshui"]),
        "erqi": create_user("erqi_admin", Role.REGULATOR_ADMIN, orgs["erqi"]),
    }


@pytest.fixture
def township_user(orgs):
    """A regulator of a township (街道) in 金水区: sees its township's enterprises, does not review."""
    org = create_org("经八路街道安监站", OrgLevel.TOWNSHIP, TOWNSHIP)
    return create_user("jingba", Role.REGULATOR, org)


def log_in(client, username, password):
    """Log in through the login form (axes sees the attempt); returns the response."""
    from django.urls import reverse

    return client.post(reverse("core:login"), {"username": username, "password": password})


def can_log_in(client, username, password):
    client.logout()
    response = log_in(client, username, password)
    ok = response.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    return ok


# ---- risk lists (风险分级管控) ----


def create_risk_list(enterprise, prefix=""):
    """A small known risk list: {"object", "unit", "source", "event" (LEC 3×6×40 = 720, 重大), "measures" (2),
    "unit2", "event2" (LEC 1×3×15 = 45, 低风险)}; names start with `prefix`."""
    from decimal import Decimal

    from worksafe.risks.models import ControlMeasure, HazardSource, RiskEvent, RiskObject, RiskUnit

    def event(source, name, l_value, e_value, c_value, **fields):
        ev = RiskEvent(source=source, enterprise=enterprise, name=name, method="lec",
                       lec_l=Decimal(l_value), lec_e=Decimal(e_value), lec_c=Decimal(c_value), **fields)
        ev.full_clean(exclude=["enterprise", "source"])
        ev.save()
        return ev

    obj = RiskObject.objects.create(enterprise=enterprise, name=f"{prefix}甲醇罐区", department="安环部", person="张三")
    unit = RiskUnit.objects.create(object=obj, name=f"{prefix}甲醇罐区微单元")
    source = HazardSource.objects.create(unit=unit, name=f"{prefix}甲醇储罐")
    ev = event(source, f"{prefix}泄漏造成火灾", 3, 6, 40, consequence="爆炸、火灾", accident_category_id="08", key_control=True)
    measures = [
        ControlMeasure.objects.create(event=ev, enterprise=enterprise, category="engineering", content=f"{prefix}对液位进行巡检",
                                      tier="company", post="操作工", person="李四", frequency_value=1, frequency_unit="day"),
        ControlMeasure.objects.create(event=ev, enterprise=enterprise, category="ppe", content=f"{prefix}佩戴防毒口罩",
                                      tier="post", post="操作工", person="李四", frequency_value=1, frequency_unit="shift"),
    ]
    unit2 = RiskUnit.objects.create(object=obj, name=f"{prefix}检修平台")
    source2 = HazardSource.objects.create(unit=unit2, name=f"{prefix}检修作业")
    ev2 = event(source2, f"{prefix}检修作业高空坠落", 1, 3, 15, consequence="高处坠落", accident_category_id="09")
    return {"object": obj, "unit": unit, "source": source, "event": ev, "measures": measures, "unit2": unit2, "event2": ev2}


def add_risk_event(enterprise, object_name, level, kind="facility", consequence="", **fields):
    """One more object → unit → source → event (directly judged at `level`)."""
    from worksafe.risks.models import HazardSource, RiskEvent, RiskObject, RiskUnit

    obj = RiskObject.objects.create(enterprise=enterprise, name=object_name, kind=kind)
    unit = RiskUnit.objects.create(object=obj, name=f"{object_name}单元", **fields)
    source = HazardSource.objects.create(unit=unit, name=f"{object_name}危险源")
    return RiskEvent.objects.create(source=source, enterprise=enterprise, name=f"{object_name}风险", method="direct",
                                    level=level, reason="测试", consequence=consequence)


def create_patrol(enterprise, when, results, name="王五"):
    """A patrol recorded at `when` checking the enterprise's first measures: results is [in_place, ...]."""
    from worksafe.risks.models import ControlMeasure
    from worksafe.risks.patrols import Check, record_patrol

    measures = list(ControlMeasure.objects.filter(enterprise=enterprise).order_by("pk"))
    checks = [Check(measures[i % len(measures)], ok, "" if ok else "未落实") for i, ok in enumerate(results)]
    return record_patrol(enterprise, None, when, name, checks)


# ---- helpers for the hazard tests ----

def create_hazard(enterprise, name="配电箱警示标识缺失", level="general", state="reported", deadline=None, **fields):
    """A hazard recorded directly (no workflow steps): found today, deadline in 30 days unless given."""
    import datetime

    from django.utils import timezone

    from worksafe.hazards.models import Hazard

    today = timezone.localdate()
    fields.setdefault("found_on", today)
    fields.setdefault("place", "一车间")
    fields.setdefault("content", "配电箱未张贴警示标识，可能导致触电")
    fields.setdefault("category", "electricity")
    fields = codes(fields, "category")
    return Hazard.objects.create(enterprise=enterprise, name=name, level=level, state=state,
                                 deadline=deadline or today + datetime.timedelta(days=30), **fields)
