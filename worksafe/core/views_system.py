"""系统状态: the system administrator's page (三员: configuration and reference data, no enterprise data) — the health
checks /healthz runs, the job queue, the reference data loaded and the configuration in force (never a secret)."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.shortcuts import render

from . import health, permissions
from .access import require
from .models import Industry, Job, JobState, Organization, Region, User

# /healthz's keys and answers as the page names them (an unknown key, from a check added later, is shown as it is).
NAMES = {"database": "数据库", "queue": "任务队列", "queue_wait_seconds": "最早排队任务已等待（秒）"}
ANSWERS = {"ok": "正常", "error": "异常"}


@login_required
def system_status(request):
    require(permissions.has(request.user, permissions.CONFIGURE))
    healthy, results = health.run()
    return render(request, "core/system_status.html", {
        "healthy": healthy,
        "results": [(NAMES.get(key, key), ANSWERS.get(value, value)) for key, value in results.items()],
        "jobs": [(JobState(state).label, n) for state, n in
                 Job.objects.order_by().values("state").annotate(n=Count("pk")).values_list("state", "n")],
        "reference": [("行政区划", Region.objects.count()), ("行业", Industry.objects.count()),
                      ("监管单位", Organization.objects.count()), ("账号", User.objects.count())],
        "config": [
            ("运行环境", "生产" if settings.PRODUCTION else "开发/演示"),
            ("数据库", connection.vendor),
            ("站点地址", settings.SITE_URL),
            ("上传文件存储", settings.STORAGES["default"]["BACKEND"].rsplit(".", 1)[-1]),
            ("邮件通知", "开启" if settings.NOTIFY_EMAIL else "关闭"),
            ("短信/微信网关", "已配置" if settings.NOTIFY_GATEWAY_URL else "未配置"),
            ("登录失败锁定", f"{settings.LOGIN_LOCK_SECONDS} 秒"),
            ("一次性密码有效期", f"{settings.ONE_TIME_PASSWORD_HOURS} 小时"),
        ],
    })
