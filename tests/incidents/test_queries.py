"""What the ledgers' and the accident reports' pages cost: a fixed number of queries, the same for one row as for a
year of them (accidents with their investigations and GB categories, penalties and active sanctions, reports and
their follow-ups), for the enterprise and for its regulator."""
import datetime

import pytest
from django.urls import reverse

from tests.incidents.test_ledgers import create_accident, create_investigation, create_penalty
from tests.incidents.test_reports import create_report
from worksafe.incidents.models import FollowUp, PenaltyKind, PenaltyState

pytestmark = pytest.mark.django_db
Y = datetime.date.today().year - 1  # a whole past year
D = datetime.date


@pytest.fixture
def one_of_each(enterprise):
    """One accident (with its investigation), one penalty, one report."""
    accident = create_accident(enterprise, D(Y, 3, 5), "叉车撞伤员工")
    create_investigation(accident)
    create_penalty(enterprise, D(Y, 3, 9))
    return {"accident": accident, "report": create_report(enterprise, title="仓库货架倒塌")}


def more_rows(enterprise, report, users, n=8):
    """A year's worth more: accidents in other months (some investigated, with a GB category), fines and active
    sanctions, reports, and follow-ups of `report` by a regulator's account."""
    for i in range(n):
        accident = create_accident(enterprise, D(Y, 1 + i, 7), f"事故{i}", gb_category_id="02")
        if i % 2:
            create_investigation(accident)
        sanction = i % 2 == 1
        create_penalty(enterprise, D(Y, 2 + i, 1), PenaltyKind.SANCTION if sanction else PenaltyKind.FINE,
                       PenaltyState.ACTIVE if sanction else PenaltyState.DONE, reason=f"处罚{i}")
        create_report(enterprise, title=f"快报{i}")
        FollowUp.objects.create(report=report, content=f"续报{i}", reporter=users["jinshui"], reporter_name="李监管",
                                reporter_unit="金水区应急管理局")


def pages(enterprise, rows):
    return {
        "accidents": reverse("incidents:accident_list", args=[enterprise.pk]) + f"?year={Y}",
        "accident_detail": reverse("incidents:accident_detail", args=[rows["accident"].pk]),
        "penalties": reverse("incidents:penalty_list", args=[enterprise.pk]) + f"?year={Y}",
        "reports": reverse("incidents:report_list"),
        "report_detail": reverse("incidents:report_detail", args=[rows["report"].pk]),
    }


# Measured with one row of each; a regulator's pages read its organisation and check the enterprise in scope.
PINS = {
    "owner": {"accidents": 6, "accident_detail": 6, "penalties": 7, "reports": 8, "report_detail": 6},
    "jinshui": {"accidents": 8, "accident_detail": 8, "penalties": 9, "reports": 10, "report_detail": 9},
}


@pytest.mark.parametrize("who", ["owner", "jinshui"])
@pytest.mark.parametrize("page", ["accidents", "accident_detail", "penalties", "reports", "report_detail"])
def test_each_page_reads_a_fixed_number_of_queries_however_many_rows(login, users, enterprise, one_of_each, who, page,
                                                                      django_assert_max_num_queries):
    client = login(users[who])
    url = pages(enterprise, one_of_each)[page]
    client.get(url)  # the session's first request reads what later ones find cached
    with django_assert_max_num_queries(PINS[who][page]) as few:
        assert client.get(url).status_code == 200
    few = len(few)  # now: the next request clears the log it reads
    more_rows(enterprise, one_of_each["report"], users)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    shown = {"accidents": "事故7", "accident_detail": "叉车撞伤员工", "penalties": "处罚7", "reports": "快报7", "report_detail": "续报7"}
    assert shown[page] in response.content.decode()
