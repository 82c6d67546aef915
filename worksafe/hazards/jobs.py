"""The hazards app's background jobs (core.jobs): a large guideline import (core.imports), and a reporting-duty change
(查报周期, 暂不上报, 恢复正常上报) over the whole filtered list of 企业查报状态管理. Imported by the app's ready(), so
every worker knows the kinds."""
import datetime

from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from worksafe.core import imports, jobs
from worksafe.core.models import Industry

from . import checklists, reporting
from .forms_reporting import BulkForm, duties
from .models import Checklist

IMPORT = "hazards.guideline"
DUTIES = "hazards.duties"
ORDER = ("region_id", "name", "pk")


@imports.job(IMPORT, "导入指引标准")
def guideline(file, user, progress, filename, name, industry, note, replace):
    if not checklists.can_import(user):
        raise PermissionDenied
    target = None
    if replace is not None:
        target = Checklist.objects.filter(enterprise__isnull=True, pk=replace).first()
        if target is None:
            raise jobs.JobFailed("要重新导入的指引标准已被删除，未导入任何数据。")
    result = checklists.import_guideline(file, user, name=name, industry=Industry.objects.filter(pk=industry).first(),
                                         note=note, replace=target, progress=progress)
    imports.check(result.errors)
    return jobs.Result(summary=result.message)


@jobs.kind(DUTIES, "批量修改查报设置")
def duty_change(progress, query, data, today):
    """The bulk form's change (`data`, as posted) on every enterprise the duty list shows its owner with the filters
    `query`: in one transaction (all or none), audited per enterprise as the ticked rows' change is."""
    user = progress.job.owner
    if not reporting.can_manage_duty(user):
        raise jobs.JobFailed("您已无权修改查报设置（权限已变更），未作任何修改。")
    form = BulkForm(data)
    if not form.is_valid():
        raise jobs.JobFailed(form.errors_text())
    day = datetime.date.fromisoformat(today)
    enterprises = duties(user, QueryDict(query), day).qs.order_by(*ORDER)
    total = enterprises.count()
    progress.progress(0, total, step=f"正在修改 {total} 家企业（全部完成后一并生效）", force=True)
    return jobs.Result(summary=form.apply(enterprises, user, day))
