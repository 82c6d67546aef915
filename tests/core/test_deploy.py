"""The deployment as files (deploy/): the env template read as systemd reads it boots the production settings and
passes `check --deploy`; production refuses to start without what it needs; the systemd units, the nginx site,
worksafe-admin and docs/deploy.md agree on paths, timeouts and headers; every timer runs a command that exists."""
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import get_commands

from worksafe.core.envfile import load
from worksafe.hazards.forms import MAX_PHOTOS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "worksafe.env.template"
GUIDE = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
ENV_FILE = "/etc/worksafe/worksafe.env"
WORKSAFE = "/srv/worksafe/venv/bin/worksafe"


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def services():
    return sorted(p.name for p in DEPLOY.glob("*.service"))


def nginx():
    return (DEPLOY / "nginx" / "worksafe.conf").read_text(encoding="utf-8")


def filled(tmp_path, **overrides):
    """The template's variables with the placeholders filled as docs/deploy.md says (the password, the secret key
    file); the data directory is a scratch one."""
    key = tmp_path / "secret_key"
    key.write_text("k3y-" + "x7Qz!" * 12 + "\n")
    values = load(TEMPLATE)
    values["WORKSAFE_DATABASE_URL"] = values["WORKSAFE_DATABASE_URL"].replace("CHANGE-ME", "pw-from-section-2")
    values.update({"WORKSAFE_SECRET_KEY_FILE": str(key), "WORKSAFE_DATA_DIR": str(tmp_path / "data"), **overrides})
    return {k: v for k, v in values.items() if v is not None}


def run(args, env):
    # As a deployment runs it: none of the test run's own settings (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE,
    # which check --deploy rightly refuses).
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("WORKSAFE_") and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(args, env={**base, **env}, cwd=ROOT, capture_output=True, text=True)


def worksafe(*args, env):
    return run([sys.executable, "-m", "worksafe.cli", *args], env)


def test_the_env_template_has_no_inline_comments_and_every_production_variable():
    values = load(TEMPLATE)
    for key, value in values.items():
        assert " #" not in value and "\t#" not in value, f"{key}: an inline comment would become part of the value"
        assert value == value.strip() and value, key
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        assert not line.strip() or line.startswith("#") or re.fullmatch(r"WORKSAFE_[A-Z0-9_]+=\S+", line), line
    assert values["WORKSAFE_ENV"] == "production"
    assert values["WORKSAFE_HTTPS"] == "true"
    assert values["WORKSAFE_CLIENT_IP_HEADER"] == "HTTP_X_REAL_IP"
    assert values["WORKSAFE_SECRET_KEY_FILE"] == "/etc/worksafe/secret_key"
    assert values["WORKSAFE_DATA_DIR"] == "/srv/worksafe/data"
    assert values["WORKSAFE_DATABASE_URL"].startswith("postgres://")
    for key in ("WORKSAFE_ALLOWED_HOSTS", "WORKSAFE_CSRF_TRUSTED_ORIGINS", "WORKSAFE_SITE_URL"):
        assert "aq.example.gov.cn" in values[key]  # the placeholder the guide tells the operator to replace


SHOW = """
import json, django
django.setup()
from django.conf import settings as s
names = ["PRODUCTION", "DEBUG", "HTTPS", "CLIENT_IP_HEADER", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT",
         "SESSION_COOKIE_SECURE", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "SECRET_KEY"]
db = s.DATABASES["default"]
shown = {name: getattr(s, name) for name in names}
shown.update(STATIC_ROOT=str(s.STATIC_ROOT), DB=[db[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")])
print(json.dumps(shown))
"""


def test_the_production_settings_boot_from_exactly_the_template(tmp_path):
    env = filled(tmp_path)
    done = run([sys.executable, "-c", SHOW], {**env, "DJANGO_SETTINGS_MODULE": "worksafe.settings"})
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["PRODUCTION"] is True and got["DEBUG"] is False
    assert got["HTTPS"] is True and got["SECURE_SSL_REDIRECT"] is True and got["SESSION_COOKIE_SECURE"] is True
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["CLIENT_IP_HEADER"] == "HTTP_X_REAL_IP"
    assert got["ALLOWED_HOSTS"] == ["aq.example.gov.cn"]
    assert got["CSRF_TRUSTED_ORIGINS"] == ["https://aq.example.gov.cn"]
    assert got["SITE_URL"] == "https://aq.example.gov.cn"
    assert got["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert got["STATIC_ROOT"] == str(tmp_path / "data" / "static")
    assert got["DB"] == ["django.db.backends.postgresql", "worksafe", "worksafe", "pw-from-section-2", "127.0.0.1",
                         5432]


def test_check_deploy_with_the_template_reports_nothing(tmp_path):
    env_file = tmp_path / "worksafe.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in filled(tmp_path).items()), encoding="utf-8")
    done = worksafe("check", "--deploy", "--fail-level", "WARNING", env={"WORKSAFE_ENV_FILE": str(env_file)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr and "worksafe." not in done.stdout + done.stderr


@pytest.mark.parametrize("missing", ["WORKSAFE_DATABASE_URL", "WORKSAFE_SECRET_KEY_FILE", "WORKSAFE_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_what_it_needs(tmp_path, missing):
    env = filled(tmp_path, **{missing: None})
    done = worksafe("migrate", env=env)
    assert done.returncode == 1
    assert "WORKSAFE_ENV=production 时必须明确设置" in done.stderr
    assert missing.removesuffix("_FILE") in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # no SQLite file, no generated key: nothing was written


def test_production_names_every_missing_variable_at_once(tmp_path):
    done = worksafe("check", env={"WORKSAFE_ENV": "production", "WORKSAFE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 1
    for name in ("WORKSAFE_DATABASE_URL", "WORKSAFE_SECRET_KEY", "WORKSAFE_ALLOWED_HOSTS"):
        assert name in done.stderr
    assert not any(tmp_path.iterdir())


def test_an_unreadable_secret_key_file_names_the_owner_and_mode_it_needs(monkeypatch):
    from worksafe import settings as worksafe_settings

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setenv("WORKSAFE_SECRET_KEY_FILE", "/etc/worksafe/secret_key")
    monkeypatch.setattr(Path, "read_text", refused)
    with pytest.raises(Exception) as refusal:
        worksafe_settings.env("SECRET_KEY")
    message = str(refusal.value)
    assert type(refusal.value).__name__ == "ImproperlyConfigured"
    assert "无法读取 WORKSAFE_SECRET_KEY_FILE 指定的文件 /etc/worksafe/secret_key（权限不足）" in message
    assert "属主 root、属组 worksafe、权限 0640" in message


def test_every_service_runs_as_worksafe_with_the_env_file_and_hardening():
    data_dir = load(TEMPLATE)["WORKSAFE_DATA_DIR"]
    assert {"worksafe.service", "worksafe-import-staging.service", "worksafe-prune-api-log.service",
            "worksafe-prune-sessions.service", "worksafe-snapshot-tiles.service"} <= set(services())
    for name in services():
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == ENV_FILE, name
        assert service["User"] == service["Group"] == "worksafe", name
        assert service["WorkingDirectory"] == "/srv/worksafe/app", name
        assert service["ExecStart"].startswith("/srv/worksafe/venv/bin/"), name
        assert service["NoNewPrivileges"] == "true" and service["PrivateTmp"] == "true", name
        assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"], name
    assert unit("worksafe.service")["Service"]["ReadWritePaths"] == data_dir  # uploads, nothing else


def test_the_web_service_reloads_gracefully_and_times_out_before_nginx():
    service = unit("worksafe.service")["Service"]
    assert service["ExecReload"] == "/bin/kill -s HUP $MAINPID"
    gunicorn = service["ExecStart"].split()
    assert gunicorn[0] == "/srv/worksafe/venv/bin/gunicorn" and gunicorn[1] == "worksafe.wsgi"
    timeout = int(gunicorn[gunicorn.index("--timeout") + 1])
    bind = gunicorn[gunicorn.index("--bind") + 1]
    read_timeout = re.search(r"^\s*proxy_read_timeout (\d+)s;", nginx(), re.M)
    assert read_timeout and timeout < int(read_timeout.group(1))
    assert re.search(rf"^\s*proxy_pass http://{re.escape(bind)};", nginx(), re.M)


def test_each_timer_starts_a_oneshot_service_running_an_existing_command():
    commands = get_commands()
    scheduled = set()
    for path in sorted(DEPLOY.glob("*.timer")):
        timer = unit(path.name)
        assert timer["Timer"].get("OnCalendar") and timer["Install"]["WantedBy"] == "timers.target", path.name
        service = unit(timer["Timer"].get("Unit", path.stem + ".service"))["Service"]
        assert service["Type"] == "oneshot", path.name
        program, command, *_ = service["ExecStart"].split()
        assert program == WORKSAFE and command in commands, path.name
        scheduled.add(command)
    assert {"import_staging", "prune_api_log", "prune_sessions", "sweep_jobs", "snapshot_tiles"} <= scheduled
    assert unit("worksafe-import-staging.timer")["Timer"]["OnCalendar"] == "*:0/5"


def test_the_job_workers_run_db_worker_as_a_template_unit_that_restarts():
    service = unit("worksafe-worker@.service")["Service"]
    program, command, *args = service["ExecStart"].split()
    assert (program, command) == (WORKSAFE, "db_worker") and command in get_commands()
    assert "--worker-id" in args and service["Restart"] == "always"
    assert "worksafe-worker@1.service worksafe-worker@2.service" in GUIDE


def test_the_timers_commands_run_in_a_fresh_process(tmp_path):
    """As a timer starts them: a new process, nothing imported beforehand (an in-process test would not notice a
    module that only a request imports)."""
    env = {"WORKSAFE_DATA_DIR": str(tmp_path)}
    assert worksafe("migrate", "--noinput", env=env).returncode == 0
    for command, says in (("import_staging", "中间表导入"), ("prune_api_log", "已清理"), ("prune_sessions", "过期会话 0 个"),
                         ("snapshot_tiles", "监管单位 0 个")):
        done = worksafe(command, env=env)
        assert done.returncode == 0 and says in done.stdout, done.stderr


def size(value):
    number, unit_ = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[unit_]


def test_the_nginx_site_matches_the_settings():
    site, values = nginx(), load(TEMPLATE)
    assert "proxy_set_header X-Real-IP $remote_addr;" in site
    assert values["WORKSAFE_CLIENT_IP_HEADER"] == "HTTP_" + "X-Real-IP".upper().replace("-", "_")
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site  # what SECURE_PROXY_SSL_HEADER trusts
    assert re.search(r"^\s*alias " + re.escape(values["WORKSAFE_DATA_DIR"] + "/static/") + ";", site, re.M)
    assert "media" not in re.findall(r"location\s+(\S+)", site) and "/media/" not in site
    assert "return 301 https://$host$request_uri;" in site
    assert set(re.findall(r"server_name (\S+);", site)) == {values["WORKSAFE_ALLOWED_HOSTS"]}
    body = size(re.search(r"client_max_body_size (\w+);", site).group(1))
    assert body > MAX_PHOTOS * django_settings.UPLOAD_MAX_BYTES  # a hazard's photos in one request
    assert body > django_settings.IMPORT_MAX_BYTES and body > django_settings.API_MAX_BODY_BYTES


def test_worksafe_admin_uses_the_units_paths_and_refuses_without_root():
    script = (DEPLOY / "worksafe-admin").read_text(encoding="utf-8")
    assert f"ENV_FILE={ENV_FILE}\n" in script and f"WORKSAFE={WORKSAFE}\n" in script
    assert 'runuser -u "$USER_NAME"' in script and "USER_NAME=worksafe\n" in script
    assert os.access(DEPLOY / "worksafe-admin", os.X_OK)
    for shell in ("sh", "bash"):
        assert subprocess.run([shell, "-n", str(DEPLOY / "worksafe-admin")]).returncode == 0
    # As a user other than root (nobody, when the tests run as root); the script comes on stdin, so nobody needs
    # no access to the checkout.
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    if prefix and not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is missing")
    done = subprocess.run([*prefix, "sh", "-s", "--", "check"], input=script, capture_output=True, text=True, cwd="/")
    assert done.returncode == 1 and "请以 root 身份运行" in done.stderr


def test_the_guide_installs_every_deployment_file_at_the_units_paths():
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            assert str(path.relative_to(ROOT)) in GUIDE, f"docs/deploy.md does not install {path.relative_to(ROOT)}"
    for needed in (ENV_FILE, "/etc/worksafe/secret_key", WORKSAFE, "/srv/worksafe/app", "/srv/worksafe/data",
                   "/usr/local/bin/worksafe-admin", "systemctl reload worksafe"):
        assert needed in GUIDE, needed
    for timer in DEPLOY.glob("*.timer"):
        assert "systemctl enable --now" in GUIDE and timer.name in GUIDE
