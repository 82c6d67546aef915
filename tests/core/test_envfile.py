"""Env files read as systemd's EnvironmentFile= reads them (worksafe/core/envfile.py), and `worksafe` loading one
named by WORKSAFE_ENV_FILE. Expected values follow systemd.exec(5) and env-file.c of systemd 252 (Debian 12)."""
import os
import subprocess
import sys

import pytest

from worksafe.core.envfile import EnvFileError, load, parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("text, expected", [
    ("A=x # not a comment\n", {"A": "x # not a comment"}),  # the bug of the first deployment
    ("# comment\n; comment too\n   # indented comment\nA=1\n", {"A": "1"}),
    ("  A  =   spaced value \t\n", {"A": "spaced value"}),  # around the key, leading and trailing of the value
    ("A=interior   spaces kept\n", {"A": "interior   spaces kept"}),
    ("A='single # quoted  '\n", {"A": "single # quoted  "}),
    ("A='no \\escapes \\n'\n", {"A": "no \\escapes \\n"}),
    ("A='spans\nlines'\n", {"A": "spans\nlines"}),
    ('A="dq \\" \\\\ \\` \\$ kept: \\n \\a"\n', {"A": 'dq " \\ ` $ kept: \\n \\a'}),
    ('A="continued \\\nhere"\n', {"A": "continued here"}),
    ("A=continued \\\n   line\n", {"A": "continued    line"}),
    ("A=\\ escaped leading space\n", {"A": " escaped leading space"}),
    ("A=escaped trailing space\\ \n", {"A": "escaped trailing space "}),
    ("A=back\\\\slash\n", {"A": "back\\slash"}),
    ("A=\"quoted\" then plain\n", {"A": "quotedthen plain"}),  # parts after one another are joined
    ("A=it's \"inner\" quotes\n", {"A": "it's \"inner\" quotes"}),  # quotes after the first character are kept
    ("A=\n", {"A": ""}),
    ("A=1\nA=2\n", {"A": "2"}),  # the last assignment wins
    ("NO_EQUALS\n1ABC=x\nA-B=x\nA.B=x\nOK_1=y\n", {"OK_1": "y"}),  # invalid names are ignored
    ("A=$HOME/x\n", {"A": "$HOME/x"}),  # no expansion
    ("A=crlf\r\nB=2\r\n", {"A": "crlf", "B": "2"}),
    ("A=last line without newline", {"A": "last line without newline"}),
    ("# a comment \\ with a backslash inside\nA=1\n", {"A": "1"}),
])
def test_it_reads_values_as_systemd_does(text, expected):
    assert parse(text) == expected


def test_it_refuses_a_comment_ending_in_a_backslash_that_systemd_versions_disagree_on():
    with pytest.raises(EnvFileError, match="第 1 行：注释行以反斜杠结尾"):
        parse("# continued? \\\nA=1\n")


def test_it_refuses_invalid_utf8_as_systemd_refuses_the_whole_file(tmp_path):
    path = tmp_path / "bad.env"
    path.write_bytes("A=ok\nB=\xff\xfe\n".encode("latin-1"))
    with pytest.raises(EnvFileError, match="第 2 行：不是有效的 UTF-8"):
        load(path)
    path.write_bytes(b"# \xff in a comment is fine\nA=\xe4\xb8\xad\n")
    assert load(path) == {"A": "中"}


def worksafe(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("WORKSAFE_") and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run([sys.executable, "-m", "worksafe.cli", *args], env={**base, **env}, cwd=ROOT,
                          capture_output=True, text=True)


SHOW = ["shell", "-v", "0", "-c",
        "from django.conf import settings; print(settings.SITE_URL, settings.CODE_SCAN_WINDOW, sep='|')"]


def test_worksafe_loads_the_env_file_and_the_real_environment_wins(tmp_path):
    path = tmp_path / "worksafe.env"
    path.write_text("WORKSAFE_SITE_URL=https://aq.example.gov.cn # kept, as systemd would\n"
                    "WORKSAFE_CODE_SCAN_WINDOW=60\n", encoding="utf-8")
    data = {"WORKSAFE_DATA_DIR": str(tmp_path / "data"), "WORKSAFE_ENV_FILE": str(path)}
    done = worksafe(*SHOW, env=data)
    assert done.stdout.strip() == "https://aq.example.gov.cn # kept, as systemd would|60", done.stderr
    done = worksafe(*SHOW, env={**data, "WORKSAFE_CODE_SCAN_WINDOW": "120"})
    assert done.stdout.strip().endswith("|120"), done.stderr


def test_worksafe_refuses_a_missing_or_unreadable_env_file_naming_it_and_its_mode(tmp_path):
    missing = tmp_path / "missing.env"
    done = worksafe("check", env={"WORKSAFE_ENV_FILE": str(missing)})
    assert done.returncode == 1 and f"找不到 WORKSAFE_ENV_FILE 指定的环境文件 {missing}" in done.stderr
    done = worksafe("check", env={"WORKSAFE_ENV_FILE": str(tmp_path)})  # a directory: unreadable as a file
    assert done.returncode == 1 and f"无法读取环境文件 {tmp_path}" in done.stderr
    assert "属主 root、属组 worksafe、权限 0640" in done.stderr
