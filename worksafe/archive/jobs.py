"""The archive's background jobs (core.jobs): a large or account-creating enterprise import, and new one-time
passwords for a filtered list of enterprises. Both hand the passwords out only as the job's secret result: an xlsx
(企业名称, 账号, 一次性密码), encrypted at rest, downloadable once by whoever started the job, deleted after
settings.JOB_SECRET_RESULT_HOURS. Imported by the app's ready(), so every worker knows the kinds."""
from django.db import transaction
from django.http import QueryDict

from worksafe.core import imports, jobs, passwords, permissions
from worksafe.core.models import Role, User

from .io import import_enterprises
from .listing import enterprise_filter

IMPORT = "archive.enterprises"
PASSWORDS = "archive.passwords"
CHUNK = 1000


@imports.job(IMPORT, "导入生产经营单位")
def enterprises(file, user, progress, filename):
    result = import_enterprises(file, user, progress)
    imports.check(result.errors)
    summary = f"已导入 {filename}：新增 {result.created} 家，更新 {result.updated} 家" + (
        f"，{result.unchanged} 家无变化" if result.unchanged else "") + "。"
    if not result.accounts:
        return jobs.Result(summary=summary)
    summary += f"\n已为新增的 {len(result.accounts)} 家企业创建企业管理员账号，一次性密码见结果文件。"
    return passwords.job_result([(name, username, password) for username, name, password in result.account_rows], summary)


@jobs.kind(PASSWORDS, "批量重置企业管理员密码")
def issue_passwords(progress, query, ids=None):
    """A new one-time password for the enterprise administrator of every enterprise the list shows its owner with the
    filters `query` (or of the ticked `ids` among them), all or none, each audited as the single reset is."""
    user = progress.job.owner
    if not permissions.can_reset_passwords_in_bulk(user):
        raise jobs.JobFailed("您已无权批量重置密码（权限已变更），未签发任何密码。")
    qs = enterprise_filter(user, QueryDict(query)).qs
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    enterprises = list(qs.select_related(None).order_by("region_id", "name", "pk").only("pk", "name", "uscc", "region_id"))
    progress.progress(0, len(enterprises), step="正在签发一次性密码")
    hasher = passwords.bulk_hasher()
    rows, refused = [], []
    with transaction.atomic():
        for start in range(0, len(enterprises), CHUNK):
            chunk = enterprises[start:start + CHUNK]
            admins = {}
            for account in User.objects.filter(enterprise__in=chunk, role=Role.ENTERPRISE_ADMIN).order_by("-pk"):
                admins[account.enterprise_id] = account  # the first one, as the single reset takes
            for done, enterprise in enumerate(chunk, start + 1):
                account = admins.get(enterprise.pk)
                if account is None:  # as the single reset does: the account the import would have made
                    account, _ = User.objects.get_or_create(username=enterprise.uscc, defaults={
                        "role": Role.ENTERPRISE_ADMIN, "enterprise": enterprise, "full_name": enterprise.name})
                    if account.enterprise_id != enterprise.pk:
                        refused.append(enterprise.name)
                        continue
                rows.append((enterprise.name, account.username, passwords.issue_one_time_password(account, hasher=hasher)))
                progress.progress(done)
    summary = f"已为 {len(rows)} 家企业的企业管理员签发新的一次性密码，原密码已失效；首次登录须修改密码。"
    if refused:
        summary += (f"\n{len(refused)} 家企业未签发：其统一社会信用代码已被其他账号用作用户名（"
                    + "、".join(refused[:20]) + ("等" if len(refused) > 20 else "") + "）。")
    if not rows:
        return jobs.Result(summary=summary)
    return passwords.job_result(rows, summary)
