"""worksafe settings, configured from WORKSAFE_* environment variables.

Without any, the site runs on an embedded SQLite database under WORKSAFE_DATA_DIR (./data).
"""
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from worksafe.core import envfile

BASE_DIR = Path(__file__).resolve().parent


def env(name, default=None):
    """Read WORKSAFE_<name>, or the file named by WORKSAFE_<name>_FILE (for secrets)."""
    key = f"WORKSAFE_{name}"
    if f"{key}_FILE" in os.environ:
        path = os.environ[f"{key}_FILE"]
        try:
            return Path(path).read_text().strip()
        except OSError as e:
            raise ImproperlyConfigured(
                f"无法读取 {key}_FILE 指定的文件 {path}（{envfile.why(e)}）。该文件应{envfile.ownership(path)}，"
                "由 worksafe 用户读取（服务由 systemd 以该用户运行；管理命令请用 worksafe-admin）。") from None
    return os.environ.get(key, default)


def env_bool(name, default=False):
    return str(env(name, str(default))).lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [x.strip() for x in env(name, default).split(",") if x.strip()]


# "production" (set by the deployment's env template) makes the 等保 controls mandatory: demo accounts lose their
# exemptions (password change, second factor) and the checks below refuse unsafe settings.
ENV = env("ENV", "development").strip().lower()
PRODUCTION = ENV == "production"
# Production never falls back to the demo's defaults (a new SQLite file in the app folder, a generated key, localhost):
# each of these must be given, or nothing starts, `worksafe migrate` included.
_REQUIRED = {"DATABASE_URL": "数据库地址", "SECRET_KEY": "密钥，或用 WORKSAFE_SECRET_KEY_FILE 指向密钥文件",
             "ALLOWED_HOSTS": "站点域名"}
_missing = [f"WORKSAFE_{n}（{label}）" for n, label in _REQUIRED.items() if PRODUCTION and not (env(n) or "").strip(" ,")]
if _missing:
    raise ImproperlyConfigured(
        "WORKSAFE_ENV=production 时必须明确设置 " + "、".join(_missing) + "。生产环境的配置在 /etc/worksafe/worksafe.env"
        "（由 deploy/worksafe.env.template 创建，见 docs/deploy.md 第 3 节）；管理命令请用 worksafe-admin 运行，它读取该文件。")
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env("DATA_DIR", BASE_DIR.parent / "data"))
SECRET_KEY = env("SECRET_KEY")
# True when this process generated the key below, so nothing has been signed with it yet (worksafe restore may put
# the backup's key in its place).
SECRET_KEY_GENERATED = False
if not SECRET_KEY:
    # No shipped default: a random key per data directory, kept beside the database.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
        SECRET_KEY_GENERATED = True
    SECRET_KEY = key_file.read_text().strip()

# Old keys still accepted for signatures (QR codes on printed placards survive a key rotation).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Base URL of the public site, used in QR codes and e-mails.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# What anyone scanning an enterprise's QR code sees (allowed keys: worksafe/codes/targets.py PUBLIC_FIELDS).
CODE_PUBLIC_FIELDS = env_list("CODE_PUBLIC_FIELDS", "name,address,industry,risk_level,safety_office_phone")
# Most placards one batch PDF may hold (about 30 s per 1,000 on two cores: bench/placards.py).
CODE_PLACARD_BATCH_MAX = int(env("CODE_PLACARD_BATCH_MAX", 2000))
# A scanner (account, or client address when anonymous) counts once per code within this many seconds.
CODE_SCAN_WINDOW = int(env("CODE_SCAN_WINDOW", 3600))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "worksafe.core",
    "worksafe.archive",
    "worksafe.codes",
    "worksafe.risks",
    "worksafe.hazards",
    "worksafe.registrations",
    "worksafe.incidents",
    "worksafe.api",
    "ninja",
]

# /healthz is answered first, before the https redirect, the host check, sessions or the user (core.health). A view
# whose database query fails answers 503 through DatabaseUnavailableMiddleware (last: asked first); a middleware
# whose query fails, through handler500 (core.views_errors.server_error).
MIDDLEWARE = [
    "worksafe.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "worksafe.core.middleware.RequestContextMiddleware",
    "worksafe.core.break_glass.BreakGlassMiddleware",
    "worksafe.core.sessions.SessionSecurityMiddleware",
    "worksafe.core.middleware.AccountGateMiddleware",
    "worksafe.core.middleware.DutyGateMiddleware",
    # 快速登录企业端: after the session and account checks of the real user (core.impersonation).
    "worksafe.core.impersonation.ImpersonationMiddleware",
    "axes.middleware.AxesMiddleware",
    "worksafe.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "worksafe.urls"
WSGI_APPLICATION = "worksafe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'worksafe.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
elif not DATABASES["default"].get("NAME"):
    raise ImproperlyConfigured("WORKSAFE_DATABASE_URL 缺少数据库名，例如 postgres://user:pass@host/worksafe")
else:
    # A database host that does not answer fails a request within seconds with the 503 page (core.views_errors)
    # instead of holding the worker until gunicorn kills it; ?connect_timeout=N in the URL overrides.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "worksafe.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "worksafe.core.passwords.CharacterClassesValidator"},
    {"NAME": "worksafe.core.passwords.HistoryValidator"},
]
# Passwords (core.passwords): character classes of four (upper, lower, digits, symbols) a password needs; days a
# password lasts (0: forever); earlier passwords a new one may not repeat; hours a one-time password stays usable.
PASSWORD_MIN_CLASSES = int(env("PASSWORD_MIN_CLASSES", 3))
PASSWORD_MAX_AGE_DAYS = int(env("PASSWORD_MAX_AGE_DAYS", 90))
PASSWORD_HISTORY = int(env("PASSWORD_HISTORY", 5))
ONE_TIME_PASSWORD_HOURS = int(env("ONE_TIME_PASSWORD_HOURS", 72))
# The second factor (core.second_factor): how an authenticator app names the account's entry.
OTP_TOTP_ISSUER = "安全生产综合监管平台"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "core:login"
# A login lasts at most SESSION_AGE seconds, and ends after SESSION_IDLE seconds without a request (core.sessions).
SESSION_COOKIE_AGE = int(env("SESSION_AGE", 8 * 3600))
SESSION_IDLE_TIMEOUT = int(env("SESSION_IDLE", 30 * 60))
SESSION_COOKIE_HTTPONLY = True
# 快速登录企业端 (core.impersonation): a regulator's read-only view of an enterprise's side ends by itself after this.
IMPERSONATION_MINUTES = int(env("IMPERSONATION_MINUTES", 30))
# Behind TLS (nginx terminates it and sets X-Forwarded-Proto: docs/deploy.md) WORKSAFE_HTTPS=true redirects plain
# http to https, sends HSTS and marks the cookies secure. The proxy header is trusted only then: without a proxy that
# overwrites it, any client could claim https.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", 31536000)) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS or env_bool("SECURE_COOKIES", False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts only from our own static files, never inline, no eval: templates
# use data-* attributes handled by static/actions.js, and tests/core/test_security_headers.py refuses inline
# scripts and on…= handlers. Inline styles stay allowed for now (issue 17). data: is the favicon placeholder and
# Tabler's CSS icons. The map page embeds a PDF map in an <object> (risks.views_map: a per-view override).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

# Failed logins (core.login_guard): LOGIN_FAILURE_LIMIT failures of one account from one client (address + device
# cookie) lock that pair for LOGIN_LOCK_HOURS; an address's failures across accounts beyond
# LOGIN_ADDRESS_FREE_FAILURES within an hour make it wait, doubling from 1 s up to LOGIN_ADDRESS_DELAY_MAX seconds.
# An address alone never locks anybody: whole bureaus share one NAT address.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", 5))
LOGIN_LOCK_SECONDS = int(float(env("LOGIN_LOCK_HOURS", 0.5)) * 3600)
LOGIN_ADDRESS_FREE_FAILURES = int(env("LOGIN_ADDRESS_FREE_FAILURES", 10))
LOGIN_ADDRESS_DELAY_MAX = int(env("LOGIN_ADDRESS_DELAY_MAX", 300))
# django-axes keeps the login and login-failure logs; the locking above is ours.
AXES_LOCK_OUT_AT_FAILURE = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "worksafe.core.login_guard.axes_address"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]


def upload_storage():
    """STORAGES["default"], where uploads (photos, site plans, four-colour maps) go: WORKSAFE_STORAGE=file keeps them
    under DATA_DIR/media on this machine; s3 puts them in a bucket of an S3-compatible object store (MinIO, 华为云 OBS,
    阿里云 OSS, Ceph RGW) that several application machines share (docs/deploy.md). Either way they stay private:
    the scoped views read and stream them (core.uploads.serve), no public or signed URL is ever handed out, so objects
    get the bucket's private default ACL (none sent: stores without ACLs refuse one) and no name is reused.
    A function, so that tests build the storage exactly as a deployment does."""
    kind = (env("STORAGE") or "file").strip().lower()
    if kind == "file":
        return {"BACKEND": "worksafe.core.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}}
    if kind != "s3":
        raise ImproperlyConfigured(f"WORKSAFE_STORAGE 应为 file（本机文件系统，默认）或 s3（S3 兼容对象存储），不能是“{kind}”")
    bucket = (env("S3_BUCKET") or "").strip()
    if not bucket:
        raise ImproperlyConfigured("WORKSAFE_STORAGE=s3 须设置 WORKSAFE_S3_BUCKET（存放上传文件的存储桶名称）")
    endpoint = (env("S3_ENDPOINT_URL") or "").strip() or None
    # Path style (https://host/bucket/key) suits MinIO and Ceph RGW on an intranet address; 阿里云 OSS wants virtual.
    style = (env("S3_ADDRESSING_STYLE") or ("path" if endpoint else "virtual")).strip().lower()
    if style not in ("path", "virtual"):
        raise ImproperlyConfigured(f"WORKSAFE_S3_ADDRESSING_STYLE 应为 path 或 virtual，不能是“{style}”")
    key_id, secret = env("S3_ACCESS_KEY_ID") or None, env("S3_SECRET_ACCESS_KEY") or None
    if bool(key_id) != bool(secret):
        raise ImproperlyConfigured("WORKSAFE_S3_ACCESS_KEY_ID 和 WORKSAFE_S3_SECRET_ACCESS_KEY 须同时设置"
                                   "（都不设置时使用 AWS_ACCESS_KEY_ID 等环境变量或主机角色的凭据）")
    return {"BACKEND": "worksafe.core.storage_s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket, "endpoint_url": endpoint, "region_name": (env("S3_REGION") or "").strip() or None,
        "access_key": key_id, "secret_key": secret, "addressing_style": style,
        "default_acl": None, "querystring_auth": True, "file_overwrite": False,
    }}


STORAGES = {
    "default": upload_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Serve straight from the app folders when collectstatic has not run (demo, tests).
WHITENOISE_USE_FINDERS = True

FILTERS_EMPTY_CHOICE_LABEL = "全部"

# Shared by every process (several gunicorn workers, several machines): rate-limit and once-per-hour counters live
# in the database's cache table (created by `worksafe migrate`, core.apps), not in one process's memory.
# Django's default of 300 entries would cull live counters (and so reset limits) within minutes; expired entries
# are culled first. QR scan marks (anyone can make many) have a table of their own, so a flood of scans can never
# cull the rate-limit windows.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "worksafe_cache",
                "OPTIONS": {"MAX_ENTRIES": int(env("CACHE_MAX_ENTRIES", 100_000))}},
    "scans": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "worksafe_cache_scans",
              "OPTIONS": {"MAX_ENTRIES": int(env("CACHE_MAX_ENTRIES", 100_000))}},
}

# Background jobs (core.jobs): Django's tasks API, queued in the database and run by `worksafe db_worker` processes
# (several on several machines share one PostgreSQL queue; one beside an SQLite file). Tests run them at once.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"), "QUEUES": ["default"]}}
# A running job whose worker has not reported for this many seconds is taken for dead (killed, machine lost): the
# sweep fails it, or queues it again when its kind is idempotent.
JOB_HEARTBEAT_TIMEOUT = int(env("JOB_HEARTBEAT_TIMEOUT", 300))
# /healthz fails when a queued job has waited longer than this many seconds (no worker, or too few).
JOB_QUEUE_MAX_WAIT = int(env("JOB_QUEUE_MAX_WAIT", 600))
# Results (PDFs, exports, reports) are kept this many hours, then deleted with their job.
JOB_RESULT_HOURS = int(env("JOB_RESULT_HOURS", 72))
# One-time passwords from an account-creating import are downloadable once, and at most this many hours.
JOB_SECRET_RESULT_HOURS = int(env("JOB_SECRET_RESULT_HOURS", 24))
# Lists with more rows than this are exported by a background job; imports with more data rows than this are run
# by one (account-creating imports always are).
EXPORT_JOB_ROWS = int(env("EXPORT_JOB_ROWS", 2000))
IMPORT_JOB_ROWS = int(env("IMPORT_JOB_ROWS", 500))

# Notifications beyond the in-app centre (core.notify), off by default (intranets): e-mail through Django's mail
# settings (WORKSAFE_EMAIL_HOST …), and SMS/WeChat through one HTTP gateway that receives a JSON POST.
NOTIFY_EMAIL = env_bool("NOTIFY_EMAIL", False)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", 25))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "worksafe@localhost")
NOTIFY_GATEWAY_URL = env("NOTIFY_GATEWAY_URL", "")
NOTIFY_GATEWAY_AUTH = env("NOTIFY_GATEWAY_AUTH", "")  # the Authorization header's value, e.g. "Bearer …"
NOTIFY_GATEWAY_TIMEOUT = float(env("NOTIFY_GATEWAY_TIMEOUT", 5))
NOTIFY_GATEWAY_ATTEMPTS = int(env("NOTIFY_GATEWAY_ATTEMPTS", 5))

# Largest xlsx accepted by imports.
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", 10 * 1024 * 1024))
IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", 20000))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000
# Largest photo, site plan or map file accepted (checked by content: worksafe.core.uploads).
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
# 风险分级管控: a patrol shift (班) in hours; the band limits of LEC and LS (worksafe/risks/grading.py).
RISK_SHIFT_HOURS = int(env("RISK_SHIFT_HOURS", 8))
RISK_LEC_BANDS = env_list("RISK_LEC_BANDS", "320,160,70")  # lower bounds of D for 重大, 较大, 一般
RISK_LS_BANDS = env_list("RISK_LS_BANDS", "20,15,9")  # lower bounds of R for 重大, 较大, 一般


def _limits(name, default):
    """"5/3600,20/86400" → ((3600, 5), (86400, 20)): at most 5 per hour and 20 per day."""
    try:
        pairs = [item.split("/") for item in env_list(name, default)]
        return tuple((int(seconds), int(count)) for count, seconds in pairs)
    except ValueError:
        raise ImproperlyConfigured(f"WORKSAFE_{name} 应形如 5/3600,20/86400（次数/秒数，逗号分隔）") from None


# 随手拍: reports one client may send per window (count/seconds, several windows); the client's address is
# REMOTE_ADDR, or behind a proxy the request header it sets (e.g. HTTP_X_REAL_IP for nginx's X-Real-IP).
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", "")
PUBLIC_REPORT_LIMITS = _limits("PUBLIC_REPORT_LIMITS", "5/3600,20/86400")


# Log lines (worksafe.core.logs), on stderr (journald under systemd): time, level, logger, request id, user id and
# path on each; WORKSAFE_LOG_FORMAT=json writes one JSON object per line instead (tracebacks inside it).
LOG_FORMAT = (env("LOG_FORMAT") or "text").strip().lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"WORKSAFE_LOG_FORMAT 应为 text（默认，一行一条）或 json（每行一个 JSON 对象），不能是“{LOG_FORMAT}”")
# A refused request (403, a body over the limit) logs one line, not a traceback; server errors keep theirs
# (worksafe.core.logs). Logger filters do not reach child loggers, so each logger that logs 4xx is named: the
# requests' one, and one per SuspiciousOperation Django answers with 400 (django.security.<exception class>).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": f"worksafe.core.logs.{'Json' if LOG_FORMAT == 'json' else 'Text'}Formatter"}},
    "filters": {"one_line_4xx": {"()": "worksafe.core.logs.OneLineClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's default gives "django" a console handler of its own (under DEBUG): its lines would come twice.
        "django": {"handlers": [], "level": "INFO"},
        **{name: {"filters": ["one_line_4xx"]}
           for name in ("django.request", *(f"django.security.{e}" for e in (
               "RequestDataTooBig", "TooManyFieldsSent", "TooManyFilesSent", "DisallowedHost", "DisallowedRedirect",
               "SuspiciousMultipartForm", "SuspiciousFileOperation", "SuspiciousSession", "InvalidSessionKey")))},
    },
}
# Django's own pages for these are English or bare (worksafe.core.views_errors; handler400 in worksafe/urls.py).
CSRF_FAILURE_VIEW = "worksafe.core.views_errors.csrf_failure"

# axes only logs (AXES_LOCK_OUT_AT_FAILURE = False): its lockout-parameter warning does not apply.
# HSTS for subdomains (W005) is the operator's choice (WORKSAFE_HSTS_INCLUDE_SUBDOMAINS, off by default): the site
# often runs at a bureau's own domain, whose subdomains are other systems, some plain http on the intranet, which
# browsers would then refuse for a year. Preloading (W021) commits the whole domain to the browsers' built-in list,
# which an intranet or gov.cn site cannot ask for on its own. `check --deploy` stays silent about both.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W005", "security.W021"]

# 数据对接 (worksafe/api): token lifetime in seconds; calls one subscriber may make per window (count/seconds, as
# above); failed token requests per client, and per key id from all clients (which slows only clients that failed
# for it: api/guard.py); log rows per client for calls without a valid subscription; the largest body and batch.
API_TOKEN_TTL = int(env("API_TOKEN_TTL", 7200))
API_RATE_LIMITS = _limits("API_RATE_LIMITS", "120/60,5000/3600")
API_TOKEN_LIMITS = _limits("API_TOKEN_LIMITS", "10/60,100/3600")
API_TOKEN_KEY_LIMITS = _limits("API_TOKEN_KEY_LIMITS", "30/60")
API_UNAUTH_LOG_LIMITS = _limits("API_UNAUTH_LOG_LIMITS", "20/60")
API_MAX_BATCH = int(env("API_MAX_BATCH", 1000))
API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", 8 * 1024 * 1024))
