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


@pytest.mark.django_db  # the warning days are a workflow setting, read from the database once
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


# ---- the warning days are a workflow setting (流程设置) ----------------------------------------------------------


def _set_warn_days(login, days):
    from tests.factories import create_user
    from worksafe.core.models import Role

    admin = login(create_user(f"sysconf{days}", Role.SYSADMIN))
    response = admin.post(reverse("core:workflow_setting_edit", args=["hazards.warn_days"]), {"value": str(days)})
    assert response.status_code == 302


@pytest.mark.django_db
def test_editing_the_warning_days_changes_the_deadline_colours(login, users, enterprise):
    """A hazard 8 days from its deadline is orange at 10 warning days and green at 5: in the ledger's colours, its
    filter, the regulator's open list and its counts, and due_q."""
    hazard = create_hazard(enterprise, name="八天后到期", deadline=timezone.localdate() + 8 * D)
    ledger = reverse("hazards:hazard_list", args=[enterprise.pk])
    open_list = reverse("hazards:open_list")

    def seen():
        owner = login(users["owner"])
        colour = _rendered_due(owner.get(ledger).content.decode())[hazard.pk]
        filtered = {status: hazard.pk in _rendered_due(owner.get(ledger, {"due": status}).content.decode())
                    for status in (Due.SOON, Due.LATER)}
        regulator = login(users["jinshui"])
        listed = regulator.get(open_list, {"due": Due.SOON})
        counts = {c["status"]: c["count"] for c in listed.context["due_counts"]}
        in_q = {status: Hazard.objects.filter(due_q(status), pk=hazard.pk).exists() for status in (Due.SOON, Due.LATER)}
        return colour, filtered, hazard in listed.context["page"].object_list, counts[Due.SOON], in_q, listed.content.decode()

    colour, filtered, listed, soon, in_q, html = seen()
    assert (colour, filtered, listed, soon, in_q) == (Due.SOON, {Due.SOON: True, Due.LATER: False}, True, 1,
                                                      {Due.SOON: True, Due.LATER: False})
    assert "10天内到期" in html and "距期限 10 天以内" in html

    _set_warn_days(login, 5)
    colour, filtered, listed, soon, in_q, html = seen()
    assert (colour, filtered, listed, soon, in_q) == (Due.LATER, {Due.SOON: False, Due.LATER: True}, False, 0,
                                                      {Due.SOON: False, Due.LATER: True})
    assert "5天内到期" in html and "距期限 5 天以内" in html and "10天内到期" not in html
    assert due_status(DAY + 5 * D, DAY) == Due.SOON and due_status(DAY + 6 * D, DAY) == Due.LATER
