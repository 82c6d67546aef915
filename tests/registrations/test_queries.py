"""What a registration table's pages cost: the table's page (the form, with its repeated blocks), its xlsx and its
PDF read a fixed number of queries, the same with five blocks of each kind as with one, for the enterprise and for its
regulator."""
import random

import pytest
from django.urls import reverse

from tests.factories import JINSHUI, create_enterprise, create_user
from worksafe.core.models import Role
from worksafe.registrations import fake, schema
from worksafe.registrations.models import Registration

pytestmark = pytest.mark.django_db
TABLE = schema.get("underground_mine")  # the table with the most kinds of repeated blocks


@pytest.fixture
def mine(users):
    """A 金水 underground mine with its administrator, its table filled in with one block of each kind."""
    e = create_enterprise(JINSHUI, industry="0201", name="金水地下矿有限公司")
    create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e)
    Registration.objects.create(enterprise=e, table=TABLE.key, data=blocks(1))
    return e


def blocks(n):
    data = fake.example(TABLE, random.Random(1))
    return {**data, **{g.key: (g.rows(data) * n)[:n] for g in TABLE.groups}}


# Measured with one block of each kind; the regulator's pages read its organisation and check the enterprise in scope.
PINS = {("table_edit", "admin"): 5, ("table_edit", "jinshui"): 7, ("table_xlsx", "admin"): 4, ("table_xlsx", "jinshui"): 7,
        ("table_pdf", "admin"): 4, ("table_pdf", "jinshui"): 7}


@pytest.mark.parametrize("page, who", list(PINS))
def test_the_tables_pages_read_a_fixed_number_of_queries_however_many_blocks(client, users, mine, page, who,
                                                                              django_assert_max_num_queries):
    user = users["jinshui"] if who == "jinshui" else mine.users.get()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse(f"registrations:{page}", args=[mine.pk, TABLE.key])
    client.get(url)
    with django_assert_max_num_queries(PINS[page, who]) as few:
        assert client.get(url).status_code == 200
    few = len(few)  # now: the next request clears the log it reads
    Registration.objects.filter(enterprise=mine).update(data=blocks(5))
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    if page == "table_edit":  # five blocks of each kind on the form
        assert all(response.context["form"].formsets[g.key].total_form_count() >= 5 for g in TABLE.groups)
