"""HazardYear: an enterprise's hazards per year (general, major, closed), recounted on every change the statistics
depend on: a new hazard, a closing step, a level change, a found date moved to another year, a deletion."""
import datetime

import pytest

from tests.factories import create_hazard
from worksafe.hazards.models import HazardYear

pytestmark = pytest.mark.django_db


def years(enterprise):
    return {y.year: (y.general, y.major, y.closed, y.region_id, y.industry_id)
            for y in HazardYear.objects.filter(enterprise=enterprise)}


def test_the_yearly_rows_follow_every_change(enterprise):
    place = (enterprise.region_id, enterprise.industry_id)
    hazard = create_hazard(enterprise, found_on=datetime.date(2025, 6, 1))
    create_hazard(enterprise, name="重大隐患", level="major", found_on=datetime.date(2025, 7, 1))
    assert years(enterprise) == {2025: (1, 1, 0, *place)}

    hazard.state = "closed"
    hazard.save()
    assert years(enterprise) == {2025: (1, 1, 1, *place)}

    hazard.found_on = datetime.date(2026, 1, 5)  # a corrected date moves it to the other year
    hazard.save()
    assert years(enterprise) == {2025: (0, 1, 0, *place), 2026: (1, 0, 1, *place)}

    hazard.delete()
    assert years(enterprise) == {2025: (0, 1, 0, *place)}
