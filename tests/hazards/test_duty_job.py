"""A reporting-duty change over the whole filtered list of 企业查报状态管理 runs as a background job: all or nothing,
audited per enterprise, on exactly the enterprises the list shows its owner."""
import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from tests.factories import JINSHUI, messages_of
from tests.hazards.duty_world import make_county, records_of, today
from worksafe.core import jobs
from worksafe.core.models import ChangeRecord, Job, JobState
from worksafe.hazards import reporting
from worksafe.hazards.models import ReportingDuty

pytestmark = pytest.mark.django_db
BULK = reverse("hazards:duty_bulk")


@pytest.fixture
def county(users, enterprise):
    return make_county(enterprise)


def started(response):
    assert response.status_code == 302 and response.url.startswith("/jobs/")
    return Job.objects.get(pk=response.url.split("/")[2])


def test_a_pause_over_the_whole_filtered_list_is_a_job_that_writes_and_audits(county, users, login, other_enterprise,
                                                                                run_jobs):
    client = login(users["jinshui"])
    url = BULK + "?cycle=month"  # the list's filters come with the form's action
    start, until = today(), today() + datetime.timedelta(days=90)
    job = started(client.post(url, {"action": "pause", "all_filtered": "1", "paused_from": start, "paused_until": until,
                                    "pause_reason": "冬季停产"}))
    assert (job.owner, job.total, job.state) == (users["jinshui"], 3, JobState.QUEUED)
    assert not ReportingDuty.objects.filter(pause_reason="冬季停产").exists()  # nothing yet: the worker does it
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.summary == "已将 3 家企业设置为暂不上报。"
    assert "已将 3 家企业设置为暂不上报" in client.get(job.get_absolute_url()).content.decode()
    names = set(ReportingDuty.objects.filter(pause_reason="冬季停产").values_list("enterprise__name", flat=True))
    assert names == {"金水测试机械有限公司", "金水停产企业", "金水未报企业"}  # not the quarterly one, nor 二七's
    record = records_of(county["silent"]).get()
    assert record.action == "create" and record.after["paused_until"] == str(until) and "冬季停产" in record.message
    assert (record.user, record.region_code) == (users["jinshui"], JINSHUI)
    assert reporting.EnterpriseStatus(county["silent"]).status == "paused"
    assert not records_of(other_enterprise).exists()

    # The ticked rows are still changed at once.
    resume = client.post(BULK, {"action": "resume", "pk": [county["silent"].pk]}, follow=True)
    assert "已恢复 1 家企业正常上报" in messages_of(resume)[0]
    d = ReportingDuty.objects.get(pk=county["silent"].pk)
    assert (d.paused_from, d.paused_until, d.pause_reason) == (None, None, "")
    assert records_of(county["silent"]).last().before["pause_reason"] == "冬季停产"


def test_an_invalid_change_starts_no_job(county, users, login):
    missing = login(users["jinshui"]).post(BULK + "?cycle=month", {"action": "pause", "all_filtered": "1"}, follow=True)
    assert "暂不上报原因" in messages_of(missing)[0]
    assert not Job.objects.exists()


def test_a_cycle_change_that_fails_half_way_writes_nothing(county, users, login, run_jobs, monkeypatch):
    monkeypatch.setattr(reporting, "BATCH", 1)  # one enterprise per batch: the second batch fails
    calls = []
    bulk_create = ChangeRecord.objects.bulk_create

    def failing(records, *args, **kwargs):
        calls.append(len(records))
        if len(calls) == 2:
            raise IntegrityError("lost the connection")
        return bulk_create(records, *args, **kwargs)

    monkeypatch.setattr(ChangeRecord.objects, "bulk_create", failing)
    before = set(ReportingDuty.objects.values_list("enterprise_id", "cycle"))
    job = started(login(users["jinshui"]).post(BULK, {"action": "cycle", "cycle": "year", "all_filtered": "1"}))
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == jobs.GENERIC_ERROR
    assert len(calls) == 2
    assert set(ReportingDuty.objects.values_list("enterprise_id", "cycle")) == before
    assert not ReportingDuty.objects.filter(cycle="year").exists() and not records_of(county["silent"]).exists()


def test_the_job_changes_only_what_its_owner_may_see(county, users, login, other_enterprise, run_jobs):
    job = started(login(users["erqi"]).post(BULK, {"action": "cycle", "cycle": "year", "all_filtered": "1"}))
    assert job.total == 1
    run_jobs()
    assert list(ReportingDuty.objects.filter(cycle="year").values_list("enterprise_id", flat=True)) == [other_enterprise.pk]
    assert login(users["jinshui"]).get(job.get_absolute_url()).status_code == 404  # another's job


def test_an_owner_who_lost_the_right_meanwhile_changes_nothing(county, users, login, run_jobs):
    job = started(login(users["jinshui"]).post(BULK, {"action": "cycle", "cycle": "year", "all_filtered": "1"}))
    users["jinshui"].enterprise, users["jinshui"].organization = county["silent"], None
    users["jinshui"].role = "enterprise_admin"
    users["jinshui"].save()
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "无权" in job.error
    assert not ReportingDuty.objects.filter(cycle="year").exists()
