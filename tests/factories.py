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


def create_enterprise(region=JINSHUI, industry="07", **fields):
    e = make_enterprise(_rng, Region.objects.select_related("parent").get(code=region), Industry.objects.get(code=industry), set())
    e.name = fields.pop("name", f"测试企业{next(_counter)}")
    for k, v in fields.items():
        setattr(e, k, v)
    e.review_state = fields.get("review_state", "draft")
    e.save()
    return e


def create_org(name, level, region, industries=()):
    org = Organization.objects.create(name=name, level=level, region_id=region)
    if industries:
        org.industries.set(Industry.objects.filter(code__in=industries))
    return org


def create_user(username, role, organization=None, enterprise=None, **fields):
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
