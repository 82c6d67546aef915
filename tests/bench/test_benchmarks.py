"""Benchmarks never rot: every bench module runs end to end at tiny scale (--tiny) inside the suite.

Each runs as `make bench` and people run it: `python -m bench.<name>` in a subprocess, with its child process per
backend, its databases and reports in a temporary directory (WORKSAFE_BENCH_OUT) so bench/out keeps the real
results. All on SQLite, and bench.api on PostgreSQL, its own backend, on a throwaway server it starts itself
(tests/pgserver.py). These commands do not depend on the suite's database, so they run in the SQLite pass of
`make test` only: the PostgreSQL pass would run the very same commands again. Together about 50 s.

A report must hold its table, a row for every scenario the bench measures at scale (a bench skips a page that
answers with an error, or whose URL name went away, with a note and carries on: here that fails), and every check
the bench makes against its own counts passed. The timings and their targets mean nothing at this scale.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# module, --backends (None: the bench has no choice), report name, its table's header, rows per backend (key → count)
BENCHES = [
    ("run", "sqlite", "results", "| 数据库 | 场景 | 中位数 ms | P95 ms |", {"results": 19}),
    ("risks", "sqlite", "risks", "| 数据库 | 场景 | 中位数 ms | P90 ms |", {"results": 14}),
    ("hazards", "sqlite", "hazards", "| 数据库 | 场景 | 中位数 ms | P90 ms |", {"results": 14}),
    ("home", "sqlite", "home", "| 数据库 | 场景 | 中位数 ms | P90 ms |", {"results": 3}),
    ("registrations", "sqlite", "registrations", "| 数据库 | 导出 | 企业行 |", {"exports": 6, "results": 1}),
    ("api", "postgres", "api", "| 数据库 | 阶段 | 记录/s |", {"results": 3}),
    ("placards", None, "placards", "| 纸张 | 场景 | 各次 s |", {"results": 4}),
]
# Notes a bench writes when it measured less than it should have.
TROUBLE = ("跳过", "核对失败", "有误")

sqlite_pass_only = pytest.mark.skipif(
    os.environ.get("WORKSAFE_TEST_DB") == "postgres",
    reason="基准在 SQLite 那一轮运行（各自在子进程中建库，bench.api 自带 PostgreSQL），PostgreSQL 那一轮不必重复")


def run_bench(module, backends, out):
    options = ["--tiny", *(["--backends", backends] if backends else [])]
    env = {**os.environ, "WORKSAFE_BENCH_OUT": str(out)}
    result = subprocess.run([sys.executable, "-m", f"bench.{module}", *options], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"bench.{module} 退出码 {result.returncode}：\n{(result.stdout + result.stderr)[-4000:]}"


@sqlite_pass_only
@pytest.mark.parametrize(("module", "backends", "name", "header", "rows"), BENCHES, ids=[b[0] for b in BENCHES])
def test_it_runs_every_bench_end_to_end_at_tiny_scale(tmp_path, module, backends, name, header, rows):
    run_bench(module, backends, tmp_path)

    text = (tmp_path / f"{name}.md").read_text(encoding="utf-8")
    report = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
    reports = report if isinstance(report, list) else [report]  # bench.placards: one report, SQLite
    assert header in text
    assert [one["meta"].get("backend") for one in reports] == (backends.split(",") if backends else [None])
    for one in reports:
        assert {key: len(one[key]) for key in rows} == rows, one.get("notes")
        for key in rows:
            for row in one[key]:
                label = row.get("scenario") or row["phase"]
                assert f" {label} |" in text, f"报告中没有场景 {label} 的行"
                assert row.get("checked") is not False, row.get("check") or one.get("notes")
        trouble = [note for note in one.get("notes", []) if any(word in note for word in TROUBLE)]
        assert not trouble


@pytest.mark.django_db
def test_it_stops_a_bench_whose_regulator_the_account_gate_would_redirect():
    from bench.run import logged_in, regulators
    from worksafe.core.models import User

    users = regulators()
    for user in users.values():  # demo accounts, outside production: no second factor to set up
        logged_in(user)

    User.objects.filter(pk=users["county"].pk).update(is_demo=False)
    with pytest.raises(SystemExit, match="is_demo"):
        logged_in(User.objects.get(pk=users["county"].pk))
