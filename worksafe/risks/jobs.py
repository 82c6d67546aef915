"""The risk list's import as a background job (core.imports), for files of more than settings.IMPORT_JOB_ROWS rows.
Imported by the app's ready(), so every worker knows the kind."""
from django.core.exceptions import PermissionDenied

from worksafe.archive.models import Enterprise
from worksafe.core import imports, jobs

from . import io

IMPORT = "risks.list"


@imports.job(IMPORT, "导入安全风险分级管控清单")
def risk_list(file, user, progress, filename, enterprise, replace):
    target = Enterprise.objects.for_user(user).filter(pk=enterprise).first()
    if target is None:
        raise PermissionDenied
    result = io.import_list(file, target, user, replace=replace, progress=progress)
    imports.check(result.errors)
    return jobs.Result(summary=result.summary(filename))
