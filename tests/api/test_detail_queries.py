"""What a subscription's page costs (its steps, its call log): a fixed number of queries, the same for a page of
calls as for one, for the enterprise's administrator, its regulator and, for an organisation's subscription, the
granting city's administrator."""
import pytest

from tests.api.helpers import approved
from tests.api.test_subscriptions import pending
from worksafe.api.models import ApiCall

pytestmark = pytest.mark.django_db


def calls(sub, n):
    for i in range(n):
        ApiCall.objects.create(subscription=sub, key_id=sub.key_id or "", operation="/api/v1/hazards", method="POST",
                               path="/api/v1/hazards", status=200 if i % 3 else 422, records=i + 1,
                               summary={"created": i, "updated": 1, "rejected": i % 2}, message="" if i % 3 else "第2条：发现日期不能晚于今天")


def subscription(kind, users, enterprise, orgs):
    if kind == "pending":
        return pending(enterprise, applicant=users["owner"])
    if kind == "approved":
        sub, _ = approved(enterprise, decided_by=users["jinshui"])
        return sub
    sub, _ = approved(organization=orgs["jinshui"], decided_by=users["city"], applicant=users["city"])
    return sub


# Measured with one call: a regulator's page also checks its scope for the steps it may take (and the organisation
# subscription's, the enterprises it covers and the level that granted it).
PINS = {("pending", "owner"): 6, ("pending", "jinshui"): 10, ("approved", "owner"): 6, ("approved", "jinshui"): 9,
        ("organisation", "city"): 12, ("organisation", "jinshui"): 11}


@pytest.mark.parametrize("kind, who", list(PINS))
def test_a_subscriptions_page_reads_a_fixed_number_of_queries_however_many_calls(login, users, enterprise, orgs, kind, who,
                                                                                 django_assert_max_num_queries):
    sub = subscription(kind, users, enterprise, orgs)
    calls(sub, 1)
    client = login(users[who])
    url = sub.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(PINS[kind, who]) as few:
        assert client.get(url).status_code == 200
    few = len(few)  # now: the next request clears the log it reads
    calls(sub, 30)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["page"]) > 10
