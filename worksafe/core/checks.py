"""Start-up checks of a production deployment (WORKSAFE_ENV=production): settings that would quietly undo the 等保
controls are refused, or flagged, before the site serves anyone. `worksafe check --deploy` prints them too."""
from django.conf import settings
from django.core.checks import Error, Warning, register


@register("worksafe")
def production_settings(app_configs, **kwargs):
    if not settings.PRODUCTION:
        return []
    problems = []
    if settings.DEBUG:
        problems.append(Error("WORKSAFE_ENV=production 时不能开启 WORKSAFE_DEBUG（调试页面会泄露配置和数据）。",
                              hint="删除 WORKSAFE_DEBUG 或设为 false。", id="worksafe.E001"))
    if not settings.HTTPS:
        problems.append(Warning("WORKSAFE_ENV=production 而未设置 WORKSAFE_HTTPS=true：登录口令和会话以明文传输，且不发送 HSTS。",
                                hint="在 nginx 上启用 TLS（docs/deploy.md），并设置 WORKSAFE_HTTPS=true。", id="worksafe.W001"))
    if not settings.CLIENT_IP_HEADER:
        problems.append(Warning("WORKSAFE_ENV=production 而未设置 WORKSAFE_CLIENT_IP_HEADER：在 nginx 之后所有请求的来源地址相同，"
                                "登录失败延迟、随手拍和接口限流会由全省共用。",
                                hint="按 docs/deploy.md 设置 WORKSAFE_CLIENT_IP_HEADER=HTTP_X_REAL_IP。", id="worksafe.W002"))
    return problems
