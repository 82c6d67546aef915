"""Fixtures of the data connection API tests: the owner's enterprise subscribed to every interface, its token; the
clock of the rate-limit counters."""
import pytest

from tests.api.helpers import approved, token_for
from worksafe.core import counters


@pytest.fixture
def clock(monkeypatch):
    """The rate-limit counters' clock (core.counters), held still in the middle of a minute and an hour (a window's
    edge would split what a test counts) and moved on by `clock.advance(seconds)`."""

    class Clock:
        now = 1_800_000_030.0  # 30 s into a minute, into an hour

        def advance(self, seconds):
            self.now += seconds

    c = Clock()
    monkeypatch.setattr(counters, "clock", lambda: c.now)
    return c


@pytest.fixture
def owner_sub(enterprise):
    """(subscription, secret): the owner's enterprise's own system, approved for every interface."""
    return approved(enterprise, system_name="金水测试机械双预防系统")


@pytest.fixture
def token(client, owner_sub):
    """A valid bearer token of `owner_sub`."""
    return token_for(client, *owner_sub)


@pytest.fixture
def other_sub(other_enterprise):
    """(subscription, secret) of the 二七区 enterprise's own system."""
    return approved(other_enterprise, system_name="二七测试化工安全平台")


@pytest.fixture
def other_token(client, other_sub):
    return token_for(client, *other_sub)


@pytest.fixture
def park_sub(orgs, enterprise, other_enterprise):
    """(subscription, secret) of a system of 金水区应急管理局 (an organisation), covering the enterprises of 410105."""
    return approved(organization=orgs["jinshui"], system_name="金水区双重预防信息平台")


@pytest.fixture
def park_token(client, park_sub):
    return token_for(client, *park_sub)
