"""Scans are counted once per scanner, code and hour (issue 17: anonymous scans wrote one row each without limit).

The scanner is the account when logged in, else the client's address, remembered only as a keyed hash in the
shared cache: neither the Scan table nor the cache holds the address.
"""
import base64
import datetime
import pickle

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.codes.helpers import path_of
from worksafe.codes.models import Code, Scan

pytestmark = pytest.mark.django_db

ADDRESS, OTHER_ADDRESS = "203.0.113.45", "198.51.100.23"


@pytest.fixture
def scan_path(enterprise):
    return path_of(Code.active(enterprise).url)


def scan(path, address=ADDRESS, user=None, **headers):
    client = Client(REMOTE_ADDR=address, **headers)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(path)
    return response


def an_hour_later():
    """The window is over for every mark made so far: their expiry moves into the past (the database cache, shared
    by all processes, keeps each mark's expiry in its table and treats an expired mark as absent)."""
    past = connection.ops.adapt_datetimefield_value(timezone.now() - datetime.timedelta(seconds=1))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE worksafe_cache_scans SET expires = %s", [past])


def test_it_counts_ten_anonymous_scans_from_one_address_once(scan_path):
    for _ in range(10):
        response = scan(scan_path)
        assert response.status_code == 200  # the page itself shows every time
        assert 'data-testid="scan-card"' in response.content.decode()
    assert Scan.objects.count() == 1


def test_it_counts_a_second_address_separately(scan_path):
    for _ in range(5):
        scan(scan_path)
        scan(scan_path, OTHER_ADDRESS)
    assert Scan.objects.count() == 2


def test_it_counts_the_same_address_again_after_the_window(scan_path):
    for _ in range(3):
        scan(scan_path)
    an_hour_later()
    for _ in range(3):
        scan(scan_path)
    assert Scan.objects.count() == 2


def test_each_code_counts_on_its_own(enterprise, other_enterprise, scan_path):
    scan(scan_path)
    scan(path_of(Code.active(other_enterprise).url))
    assert Scan.objects.count() == 2


def test_behind_a_proxy_the_configured_header_is_the_client(scan_path, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for _ in range(3):
        scan(scan_path, "127.0.0.1", HTTP_X_REAL_IP=ADDRESS)
        scan(scan_path, "127.0.0.1", HTTP_X_REAL_IP=OTHER_ADDRESS)
    assert Scan.objects.count() == 2  # nginx's own address alone would have made it 1


def test_a_logged_in_scanner_counts_once_per_hour_whatever_the_address(users, scan_path):
    for address in (ADDRESS, OTHER_ADDRESS, ADDRESS):
        assert scan(scan_path, address, user=users["owner"]).status_code == 200
    scan(scan_path, ADDRESS, user=users["outsider"])
    assert sorted(Scan.objects.values_list("user__username", flat=True)) == sorted(
        [users["owner"].username, users["outsider"].username])
    an_hour_later()
    scan(scan_path, ADDRESS, user=users["owner"])
    assert Scan.objects.filter(user=users["owner"]).count() == 2


def test_regulators_are_still_sent_to_the_archive_on_every_scan(users, scan_path, enterprise):
    for _ in range(2):
        response = scan(scan_path, user=users["jinshui"])
        assert response.status_code == 302 and response["Location"] == enterprise.get_absolute_url()
    assert Scan.objects.count() == 1


def test_no_address_is_kept_in_the_scan_table_or_the_cache(scan_path):
    scan(scan_path)
    scan(scan_path, OTHER_ADDRESS)
    rows = list(Scan.objects.values())
    assert len(rows) == 2
    assert set(rows[0]) == {"id", "code_id", "time", "tier", "user_id"}
    assert ADDRESS not in repr(rows) and OTHER_ADDRESS not in repr(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM worksafe_cache_scans")
        cached = cursor.fetchall()
    marks = [key for key, _ in cached if "codes.scan." in key]
    assert len(marks) == 2, cached
    for key, value in cached:
        stored = repr(pickle.loads(base64.b64decode(value)))  # how the database cache stores values
        assert ADDRESS not in key and OTHER_ADDRESS not in key
        assert ADDRESS not in stored and OTHER_ADDRESS not in stored
