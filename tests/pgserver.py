"""A throwaway PostgreSQL server for one test run (initdb + pg_ctl; as the postgres user when we are root)."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile


def _bin(name):
    found = shutil.which(name) if not os.path.exists("/usr/lib/postgresql") else None
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    path = candidates[0] if candidates else found
    if not path:
        raise RuntimeError(f"找不到 PostgreSQL 程序 {name}：请安装 postgresql（make system-packages）。")
    return path


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="worksafe-pg-")
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *cmd):
        if self.as_postgres:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self):
        data = os.path.join(self.dir, "data")
        self._run(_bin("initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        self._run(_bin("pg_ctl"), "-D", data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start")
        return self

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/worksafe"

    def settings(self):
        return {"ENGINE": "django.db.backends.postgresql", "NAME": "worksafe", "USER": "postgres", "HOST": "127.0.0.1", "PORT": str(self.port)}

    def stop(self):
        try:
            self._run(_bin("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
