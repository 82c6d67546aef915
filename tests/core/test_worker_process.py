"""A worker process killed with kill -9 in the middle of a job: the sweep notices the silent heartbeat and queues the
(idempotent) placard batch again, and a new worker process finishes it. Real processes on PostgreSQL."""
import random
import signal
import time

import pypdfium2
import pytest

from tests.factories import create_org, create_user
from worksafe.archive.fake import make_enterprise
from worksafe.archive.models import Enterprise
from worksafe.codes import batch
from worksafe.core import jobs
from worksafe.core.models import Industry, Job, JobState, OrgLevel, Region, Role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # reference data back for later tests

N = 150


def wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_job_whose_worker_is_killed_is_swept_and_finished_by_another(worker_processes, settings):
    regulator = create_user("jinshui", Role.REGULATOR, create_org("金水区应急管理局", OrgLevel.COUNTY, "410105"))
    region, industry = Region.objects.get(code="410105"), Industry.objects.filter(children__isnull=True).first()
    rng, seen = random.Random(3), set()
    Enterprise.objects.bulk_create([make_enterprise(rng, region, industry, seen) for _ in range(N)])
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    job = jobs.start(regulator, batch.KIND, batch.label(N, "A4"), total=N, ids=ids, size="A4")

    first = worker_processes.start()
    assert wait_for(lambda: Job.objects.get(pk=job.pk).done > 0), "the worker never reported progress"
    first.send_signal(signal.SIGKILL)
    first.wait()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.done < N  # killed mid-job: nobody will finish it

    settings.JOB_HEARTBEAT_TIMEOUT = 1
    time.sleep(1.5)
    assert jobs.sweep() == (0, 1, 0)  # idempotent: queued again
    worker_processes.start()
    assert wait_for(lambda: Job.objects.get(pk=job.pk).finished), "the second worker did not finish the job"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    with job.result.open("rb") as f:
        assert len(pypdfium2.PdfDocument(f.read())) == N
