"""The core list view (core.lists): a list's columns give the page and the export the same cells, the count stops at
the cap and says so, the export holds exactly what the filters keep, and a regulators' list refuses enterprise users.

Driven through a list declared here over hazards (its own filters, order and columns) and through the hazard lists
that use it."""
import io
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import create_hazard
from worksafe.core import listing, lists
from worksafe.core.lists import Column, Export, List, Table
from worksafe.core.scoping import enterprise_q
from worksafe.hazards.filters import HazardFilter
from worksafe.hazards.models import Hazard

pytestmark = pytest.mark.django_db

COLUMNS = [
    Column("企业名称", "enterprise", format=lambda h: h.enterprise.name, label="企业",
           cell="<a href=\"/e/{{ row.enterprise_id }}/\">{{ value }}</a>"),
    Column("隐患名称", "name"),
    Column("隐患级别", "level", format=lambda h: h.get_level_display(), css="text-nowrap"),
    Column("整改责任人", "responsible", cell="{{ value|dash }}"),
]


def hazards(request):
    return Hazard.objects.filter(enterprise_q(request.user, "enterprise", located=True)).select_related("enterprise__region")


HAZARDS = List("隐患", "hazards/scope_all.html", hazards, HazardFilter, Table(COLUMNS, title="隐患"),
               {"name": ("name", "id"), "-name": ("-name", "-id")}, model=Hazard,
               export=Export("隐患", "hazards", "隐患", "hazards:all_export", "hazards:all_list"))


def sheet(response):
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def get(user, **params):
    request = RequestFactory().get("/", params)
    request.user, request.session = user, {}
    request._messages = SimpleNamespace(add=lambda *a, **k: None)
    return request


@pytest.fixture
def world(enterprise, other_enterprise):
    return [create_hazard(enterprise, "甲", responsible="张三"), create_hazard(enterprise, "乙", level="major"),
            create_hazard(other_enterprise, "丙", responsible="=SUM(A1)")]


def test_it_gives_the_page_and_the_export_the_same_cells(users, world):
    request = get(users["city"])
    context = HAZARDS.context(request)
    page = [[html for _, html in row["cells"]] for row in context["rows"]]
    exported = sheet(HAZARDS.xlsx(request))
    assert exported[0] == ["企业名称", "隐患名称", "隐患级别", "整改责任人"]
    assert [h for _, h in context["heads"]] == ["企业", "隐患名称", "隐患级别", "整改责任人"]
    assert len(page) == len(exported) - 1 == 3
    for cells, values in zip(page, exported[1:], strict=True):
        e_cell, name, level, person = cells
        assert e_cell.startswith('<a href="/e/') and e_cell.endswith(f">{values[0]}</a>")  # the link's text is the value
        assert [name, level] == values[1:3]
        assert person == (values[3] or "—")  # blank: a dash on the page, an empty cell in the file
    assert "=SUM(A1)" in [row[3] for row in exported]  # written as text, never a formula


def test_it_renders_the_declared_columns_as_the_page_table(login, users, world):
    html = login(users["city"]).get(reverse("hazards:all_list")).content.decode()
    assert html.count('data-testid="scope-row"') == 3
    assert '<td class="text-nowrap"><span class="badge bg-red-lt" data-level="major">重大隐患</span></td>' in html
    assert "<th>整改期限</th>" in html  # the page label, where the file says the field's name


def test_it_orders_by_the_requested_key_and_falls_back_to_the_first(users, world):
    names = [[h.name for h in HAZARDS.context(get(users["city"], sort=key))["page"]] for key in ("name", "-name", "junk")]
    assert names[1] == list(reversed(names[0])) and names[2] == names[0]


def test_it_counts_up_to_the_cap_and_says_there_are_more(login, users, world, monkeypatch):
    monkeypatch.setattr(listing.CappedPaginator, "limit", 2)
    context = HAZARDS.context(get(users["city"]))
    assert (context["page"].paginator.count, context["page"].paginator.more) == (2, True)
    html = login(users["city"]).get(reverse("hazards:all_list")).content.decode()
    assert "超过 2 条，只列出前 2 条，请用筛选条件缩小范围" in html
    monkeypatch.setattr(listing.CappedPaginator, "limit", 3)
    assert "共 3 条" in login(users["city"]).get(reverse("hazards:all_list")).content.decode()


def test_it_exports_exactly_what_the_filters_keep(login, users, world):
    assert [r[1] for r in sheet(HAZARDS.xlsx(get(users["city"], level="major")))[1:]] == ["乙"]
    assert {r[1] for r in sheet(HAZARDS.xlsx(get(users["jinshui"])))[1:]} == {"甲", "乙"}  # only the jurisdiction
    client = login(users["city"])
    page = [h.name for h in client.get(reverse("hazards:all_list") + "?" + urlencode({"q": "金水"})).context["page"]]
    exported = [r[3] for r in sheet(client.get(reverse("hazards:all_export") + "?" + urlencode({"q": "金水"})))[1:]]
    assert exported == page and set(page) == {"甲", "乙"}


def test_it_sends_a_too_large_export_back_to_the_list_with_the_filters(login, users, world, monkeypatch):
    monkeypatch.setattr(lists, "EXPORT_LIMIT", 2)
    response = login(users["city"]).get(reverse("hazards:all_export") + "?level=")
    assert response.status_code == 302 and response.url == reverse("hazards:all_list") + "?level="
    messages = [str(m) for m in login(users["city"]).get(response.url).context["messages"]]
    assert messages == ["符合条件的隐患超过 2 条，无法一次导出，请用属地、行业、日期等条件缩小范围后再导出。"]


def test_a_regulator_list_refuses_enterprise_users(login, users, world):
    for view in (HAZARDS.page_view(), HAZARDS.export_view()):
        with pytest.raises(PermissionDenied):
            view(get(users["owner"]))
    client = login(users["owner"])
    for name in ("hazards:all_list", "hazards:all_export", "risks:object_list"):
        assert client.get(reverse(name)).status_code == 403


def test_a_list_for_everyone_in_reach_serves_enterprise_users_their_own(users, world):
    mine = List("隐患", "hazards/scope_all.html", hazards, HazardFilter, Table(COLUMNS), {"name": ("name",)},
                audience=lambda request: None, capped=False)
    assert {h.name for h in mine.context(get(users["owner"]))["page"]} == {"甲", "乙"}
