"""Following a view that answers with a background job's page (core.jobs) to the job's result, as its owner does."""
from django.urls import resolve, reverse

from worksafe.core.models import Job, JobState


def started_job(response):
    """The Job a view redirected to (its page), checked to be the redirect's target."""
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.view_name == "core:job_detail", response["Location"]
    return Job.objects.get(pk=match.kwargs["pk"])


def job_result(client, response, run_jobs):
    """(job, the result's download) after running the queued jobs with the real worker; the job must be done."""
    job = started_job(response)
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE, (job.state, job.error)
    download = client.get(reverse("core:job_result", args=[job.pk]))
    assert download.status_code == 200, download.status_code
    return job, download
