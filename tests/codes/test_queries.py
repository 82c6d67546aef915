"""What the code pages cost: the code's page and its card (on the archive page and the workbench) and the scan page
read a fixed number of queries, the same after many scans and regenerations (revoked codes listed with who revoked
them) as after none, for an enterprise's code and a secondary unit's."""
import pytest
from django.test import Client
from django.urls import reverse

from tests.codes.helpers import path_of
from tests.factories import create_unit
from worksafe.codes.models import Code, Scan

pytestmark = pytest.mark.django_db


def history(obj, users, times=5):
    """`times` rounds of a public and an enterprise scan, then a regeneration (by the enterprise or the regulator)."""
    for i in range(times):
        code = Code.active(obj)
        Scan.objects.create(code=code, tier="public")
        Scan.objects.create(code=code, tier="enterprise", user=users["owner"])
        code.regenerate(users["jinshui"] if i % 2 else users["owner"], f"二维码牌遗失（第{i + 1}次）")


def target(enterprise, key):
    return enterprise if key == "enterprise" else create_unit(enterprise, name="一号车间")


# Measured before any scan; the regulator's pages read its organisation and check the enterprise in scope, the scan
# page also counts the scan (once per scanner and hour: a mark in the scans cache).
PAGE_PINS = {("detail", "owner"): 7, ("detail", "jinshui"): 10, ("scan", "owner"): 11, ("scan", "anonymous"): 9}


@pytest.mark.parametrize("key", ["enterprise", "unit"])
@pytest.mark.parametrize("page, who", list(PAGE_PINS))
def test_the_code_page_and_the_scan_page_read_a_fixed_number_of_queries(login, users, enterprise, key, page, who,
                                                                         django_assert_max_num_queries):
    obj = target(enterprise, key)
    client = Client() if who == "anonymous" else login(users[who])

    def url():
        return reverse("codes:code_detail", args=[key, obj.pk]) if page == "detail" else path_of(Code.active(obj).url)

    path = url()
    client.get(path)  # the first scan is counted; what follows reads the same either way
    with django_assert_max_num_queries(PAGE_PINS[page, who]) as few:
        assert client.get(path).status_code == 200
    few = len(few)  # now: the log it reads is cleared by the next request
    history(obj, users)
    path = url()  # the scan page of the code now valid
    client.get(path)
    with django_assert_max_num_queries(few):
        response = client.get(path)
    assert response.status_code == 200
    if page == "detail":  # every revoked code is listed, with who revoked it
        assert len(response.context["revoked"]) == 5


# The workbench: 35 with its 待办 on top and the 流程设置 values (core/todo.py: one COUNT per source the enterprise sees, 7). Both name the
# 主管部门 in the recent changes they list (a reference table since issue 22: display.fetch_related_names, one query).
# The regulator's archive page also reads the 流程设置 values (one query per request) and its 分级负责 line: a pending
# change of supervision and the parks the enterprise is in (two).
@pytest.mark.parametrize("page, who, pin", [("archive", "jinshui", 33), ("workbench", "owner", 35)])
def test_the_code_card_costs_the_same_after_many_scans_and_regenerations(login, users, enterprise, page, who, pin,
                                                                         django_assert_max_num_queries):
    client = login(users[who])
    url = reverse("archive:enterprise_detail", args=[enterprise.pk]) if page == "archive" else reverse("archive:workbench")
    client.get(url)
    with django_assert_max_num_queries(pin) as few:
        assert client.get(url).status_code == 200
    few = len(few)
    history(enterprise, users)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200 and 'data-testid="scan-stats"' in response.content.decode()
