"""worksafe settings, configured from WORKSAFE_* environment variables.

Without any, the site runs on an embedded SQLite database under WORKSAFE_DATA_DIR (./data).
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env(name, default=None):
    """Read WORKSAFE_<name>, or the file named by WORKSAFE_<name>_FILE (for secrets)."""
    key = f"WORKSAFE_{name}"
    if f"{key}_FILE" in os.environ:
        return Path(os.environ[f"{key}_FILE"]).read_text().strip()
    return os.environ.get(key, default)


def env_bool(name, default=False):
    return str(env(name, str(default))).lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [x.strip() for x in env(name, default).split(",") if x.strip()]


DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env("DATA_DIR", BASE_DIR.parent / "data"))
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    # No shipped default: a random key per data directory, kept beside the database.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
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
    "axes",
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

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "worksafe.core.middleware.RequestContextMiddleware",
    "worksafe.core.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
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
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(env("SESSION_AGE", 8 * 3600))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)

# Repeated failed logins lock the account (username) for a while.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(env("LOGIN_LOCK_HOURS", 0.5))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Serve straight from the app folders when collectstatic has not run (demo, tests).
WHITENOISE_USE_FINDERS = True

FILTERS_EMPTY_CHOICE_LABEL = "全部"

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


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# The issue asks for lock-out by account (username); an IP-wide lock would lock whole government intranets
# that share one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# 数据对接 (worksafe/api): token lifetime in seconds; calls one subscriber may make per window (count/seconds, as
# above); token requests per key id; the largest request body and batch.
API_TOKEN_TTL = int(env("API_TOKEN_TTL", 7200))
API_RATE_LIMITS = _limits("API_RATE_LIMITS", "120/60,5000/3600")
API_TOKEN_LIMITS = _limits("API_TOKEN_LIMITS", "10/60")
API_MAX_BATCH = int(env("API_MAX_BATCH", 1000))
API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", 8 * 1024 * 1024))
