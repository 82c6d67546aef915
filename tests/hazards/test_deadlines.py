"""Deadline colours (seed 001, 2.2): red overdue, orange within 10 days, green beyond, none once closed; the same
rule in deadlines.due_status, the list filter (due_q) and the rendered ledger."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import create_hazard
from worksafe.hazards.deadlines import Due, due_q, due_status
from worksafe.hazards.models import Hazard

D = datetime.timedelta(days=1)
DAY = datetime.date(2026, 3, 15)
BOUNDARIES = [(-30, Due.OVERDUE), (-1, Due.OVERDUE), (0, Due.SOON), (1, Due.SOON), (10, Due.SOON), (11, Due.LATER),
              (400, Due.LATER)]


@pytest.mark.parametrize("offset, expected", BOUNDARIES)
def test_it_colours_a_deadline_by_days_left(offset, expected):
    assert due_status(DAY + offset * D, DAY) == expected


def test_it_does_not_colour_a_closed_hazard_or_a_missing_deadline():
    assert due_status(DAY - D, DAY, is_open=False) is None
    assert due_status(DAY + 20 * D, DAY, is_open=False) is None
    assert due_status(None, DAY) is None


@pytest.fixture
def by_offset(enterprise):
    """One open hazard per boundary offset from today, and a closed one long overdue."""
    today = timezone.localdate()
    hazards = {offset: create_hazard(enterprise, name=f"期限{offset}", deadline=today + offset * D,
                                     found_on=today - 40 * D) for offset, _ in BOUNDARIES}
    hazards["closed"] = create_hazard(enterprise, name="已销号", state="closed", deadline=today - 5 * D,
                                      found_on=today - 40 * D)
    return hazards


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Due.OVERDUE, Due.SOON, Due.LATER])
def test_the_filter_selects_the_same_hazards_as_the_colour(by_offset, status):
    expected = {by_offset[offset].pk for offset, colour in BOUNDARIES if colour == status}
    assert set(Hazard.objects.filter(due_q(status)).values_list("pk", flat=True)) == expected


def _rendered_due(html):
    """{hazard pk: data-due of its row's deadline badge, or None}."""
    rows = re.findall(r'<tr data-testid="hazard-row" data-hazard="(\d+)">(.*?)</tr>', html, re.S)
    return {int(pk): (m[1] if (m := re.search(r'data-due="(\w+)"', row)) else None) for pk, row in rows}


@pytest.mark.django_db
def test_the_ledger_shows_the_colours_at_the_boundaries(login, users, enterprise, by_offset):
    html = login(users["owner"]).get(reverse("hazards:hazard_list", args=[enterprise.pk]), {"per_page": 50}).content.decode()
    shown = _rendered_due(html)
    for offset, colour in BOUNDARIES:
        assert shown[by_offset[offset].pk] == colour, offset
    assert shown[by_offset["closed"].pk] is None
    assert 'class="badge bg-red-lt" data-due="overdue"' in html
    assert 'class="badge bg-orange-lt" data-due="soon"' in html
    assert 'class="badge bg-green-lt" data-due="later"' in html


@pytest.mark.django_db
def test_the_ledger_filters_by_deadline_status_and_counts_them(login, users, enterprise, by_offset):
    client = login(users["jinshui"])
    url = reverse("hazards:hazard_list", args=[enterprise.pk])
    html = client.get(url, {"due": "soon"}).content.decode()
    assert set(_rendered_due(html)) == {by_offset[0].pk, by_offset[1].pk, by_offset[10].pk}
    html = client.get(url, {"due": "overdue"}).content.decode()
    assert set(_rendered_due(html)) == {by_offset[-30].pk, by_offset[-1].pk}  # not the closed one
    counts = client.get(url).context["counts"]
    assert (counts["overdue"], counts["soon"]) == (2, 3)
