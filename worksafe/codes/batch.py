"""Batch placards as a background job: the enterprise list's filtered or ticked rows, one PDF, one page each.

The view (views.enterprise_placards) checks the request as before (regulators only, the list's scope and filters,
the ticked rows, settings.CODE_PLACARD_BATCH_MAX), records the export, and starts this job with the enterprises' ids
in the list's order. The job lays the placards out CHUNK at a time, reporting progress (and beating the heartbeat)
after each, and writes the parts' pages as one PDF (core.pdf.join: one embedded font subset, the size of a single
layout), out of any request.

Each chunk re-reads its enterprises by id through the owner's scope (Enterprise.objects.for_user: one region-prefix
condition more on a primary-key lookup, so it costs nothing): an enterprise deleted meanwhile, or no longer in the
owner's jurisdiction, is left out and counted in the summary. Missing codes are created as the single placard does
(Code.active_for, idempotent), so running the job twice (the sweep re-queues it after a dead worker) does no harm.
"""
from django.utils import timezone

from worksafe.archive.models import Enterprise
from worksafe.core import jobs
from worksafe.core.pdf import join
from worksafe.core.responses import PDF

from . import render as draw
from . import targets
from .models import Code

CHUNK = 50  # placards laid out between two progress reports (about a second of work)
KIND = "codes.placards"


def label(n, size):
    return f"二维码牌（{n} 家企业，{size}）"


@jobs.kind(KIND, "批量打印二维码牌", idempotent=True)
def placards(job, ids, size):
    owner = job.job.owner
    documents, printed = [], 0
    job.progress(0, len(ids), step="正在排版二维码牌")
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found = Enterprise.objects.for_user(owner).select_related("region__parent__parent").in_bulk(chunk)
        enterprises = [found[pk] for pk in chunk if pk in found]  # the list's order
        if enterprises:
            codes = Code.active_for(enterprises)
            documents.append(draw.placards_document([(targets.ENTERPRISE, e, codes[e.pk]) for e in enterprises], size))
            printed += len(enterprises)
        job.progress(start + len(chunk), len(ids))
    if not documents:
        raise jobs.JobFailed("所选企业均已删除或已不在您的管辖范围内，没有可打印的二维码牌。")
    job.step("正在生成 PDF 文件")
    pdf = join(documents)
    skipped = len(ids) - printed
    summary = f"共 {printed} 家企业的二维码牌（{size}），每家一页。"
    if skipped:
        summary += f"另有 {skipped} 家企业在任务开始后已删除或不在您的管辖范围内，未打印。"
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
    return jobs.Result(pdf, f"二维码牌_{printed}家_{size}_{stamp}.pdf", PDF, summary=summary)
