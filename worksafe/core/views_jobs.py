"""The owner's background jobs (core.jobs): the list in the user menu, a job's page with its moving progress bar, and
its result. Every job is its owner's alone: anyone else's id answers 404, whoever asks."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import jobs
from .listing import paginate
from .models import Job
from .responses import file_response


def _own(request, pk):
    return get_object_or_404(Job.objects.filter(owner=request.user), pk=pk)


@login_required
def job_list(request):
    return render(request, "core/job_list.html", {"page": paginate(request, Job.objects.filter(owner=request.user))})


@login_required
def job_detail(request, pk):
    job = _own(request, pk)
    if not job.finished:
        jobs.sweep(Job.objects.filter(pk=job.pk))  # a dead worker shows as a failed job, not a bar stuck for ever
        job.refresh_from_db()
    template = "core/includes/job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job})


@require_GET
@login_required
def job_result(request, pk):
    job = _own(request, pk)
    if not job.has_result:
        return render(request, "core/job_detail.html", {"job": job, "gone": True}, status=410)
    data = jobs.take_result(job, request.user) if job.result_secret else jobs.read_result(job)
    if data is None:  # taken by a concurrent request
        return HttpResponse("结果已被下载并删除。", status=410, content_type="text/plain; charset=utf-8")
    return file_response(data, job.result_name, job.result_type)
