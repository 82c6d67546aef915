"""Fixtures for the QR code tests."""
import pytest

from tests.codes.helpers import PRIVATE
from tests.factories import create_user
from worksafe.core.models import Role


@pytest.fixture
def coded(enterprise):
    """The 金水区 enterprise with known private values (names, mobiles, exact coordinates)."""
    for field, value in PRIVATE.items():
        setattr(enterprise, field, value)
    enterprise.save()
    return enterprise


@pytest.fixture
def staff(enterprise):
    """A non-administrator user of the 金水区 enterprise."""
    return create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=enterprise, full_name="普通员工")
