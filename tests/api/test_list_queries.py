"""What the subscription list costs: a fixed number of queries, the same for a page of subscriptions as for one, for
the enterprise's administrator, its regulator and the city's administrator (who also sees the organisations')."""
import pytest
from django.urls import reverse

from tests.api.helpers import approved
from tests.api.test_subscriptions import pending

pytestmark = pytest.mark.django_db


def subscriptions(users, enterprise, orgs, n):
    for i in range(n):
        pending(enterprise, applicant=users["owner"], system_name=f"自建系统{i}")
        approved(enterprise, decided_by=users["jinshui"])
        approved(organization=orgs["jinshui"], decided_by=users["city"], applicant=users["city"])


# Measured with one subscription of each kind: the page, the 待审核 count and the user's organisation and scope.
PINS = {"owner": 6, "jinshui": 8, "city": 8}


@pytest.mark.parametrize("who", list(PINS))
def test_the_subscription_list_reads_a_fixed_number_of_queries_however_many_rows(login, users, enterprise, orgs, who,
                                                                                 django_assert_max_num_queries):
    subscriptions(users, enterprise, orgs, 1)
    client = login(users[who])
    url = reverse("api:subscription_list")
    client.get(url)
    with django_assert_max_num_queries(PINS[who]) as few:
        assert client.get(url).status_code == 200
    few = len(few)  # now: the next request clears the log it reads
    subscriptions(users, enterprise, orgs, 10)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["page"]) > 10
