"""The `worksafe` console command: Django's management commands with our settings.

WORKSAFE_ENV_FILE=/etc/worksafe/worksafe.env (set by deploy/worksafe-admin) loads the service's env file first, read
with systemd's rules (core.envfile), so a management command sees what the service sees. A variable already in the
environment wins over the file: `WORKSAFE_LOG_LEVEL=INFO worksafe-admin …` changes that one variable for one run.
"""
import os
import sys


def main(argv=None):
    load_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worksafe.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - imports the settings, which refuse an unusable configuration
    except ImproperlyConfigured as e:
        sys.exit(f"worksafe：配置错误：{e}")
    execute_from_command_line(["worksafe", *(sys.argv[1:] if argv is None else argv)])


def load_env_file():
    path = os.environ.get("WORKSAFE_ENV_FILE")
    if not path:
        return
    from worksafe.core import envfile

    try:
        values = envfile.load(path)
    except FileNotFoundError:
        sys.exit(f"worksafe：找不到 WORKSAFE_ENV_FILE 指定的环境文件 {path}。"
                 "请按 docs/deploy.md 第 3 节由 deploy/worksafe.env.template 创建它。")
    except OSError as e:
        sys.exit(f"worksafe：无法读取环境文件 {path}（{envfile.why(e)}）。该文件应{envfile.ownership(path)}，"
                 "并以 worksafe 用户读取：请用 worksafe-admin 运行管理命令。")
    except envfile.EnvFileError as e:
        sys.exit(f"worksafe：{e}")
    for key, value in values.items():
        os.environ.setdefault(key, value)


if __name__ == "__main__":
    main()
