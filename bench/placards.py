"""Benchmark of the batch placard PDF: N enterprises' QR placards in one job, against WeasyPrint's own floor.

A fresh SQLite database (bench/out/placards.sqlite3) is migrated (which loads the reference data) and filled with
N enterprises by bench/generate.py. In the same process, with DEBUG off, two things are timed for A4 and for A5,
alternately, `--repeat` times each:

- the baseline: WeasyPrint rendering N pages of a minimal HTML page (one line of text in the placard's CJK font
  and one QR picture of the same pixel size per page, a different one on each page, made beforehand) — no
  database, no template: the floor of what a PDF of N pages costs;
- the real path: GET /codes/placards/enterprises/?size=A4 (or A5) through Django's test Client as a province
  regulator, i.e. every enterprise of the province; the view queues a background job (codes.batch), which the
  real worker (`db_worker --batch`, in this process) runs, and the PDF is downloaded from the job's result: the
  three together are timed. The first A4 job also creates the N codes; later jobs reuse them.

Reported: every run's time, the median, the pages in the PDF (pdfinfo), its size, the SQL queries per run and
the ratio real / baseline (medians); target: under 30 s per 1,000 placards, for every run. One more, instrumented
A4 run splits the real path into its steps (queries and codes, QR pictures, template, layout, PDF writing).

    python -m bench.placards                          # 1,000 enterprises, 3 runs per size
    python -m bench.placards --enterprises 200 --repeat 1

Results go to bench/out/placards.md and bench/out/placards.json; the last PDF of each size is kept beside them.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.run import OUT, ROOT, child_env, logged_in, parse

TARGET_S_PER_1000 = 30
SIZES = ("A4", "A5")


# ---------------------------------------------------------------------------------------------------- parent


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.placards", description="二维码牌批量打印性能基准：批量 PDF 与 WeasyPrint 基线")
    p.add_argument("--enterprises", type=int, default=1000, help="生成的企业数，即每个 PDF 的页数（默认 1000）")
    p.add_argument("--repeat", type=int, default=3, help="每种纸张的重复次数（默认 3；第一次生成二维码，之后复用）")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    return parse(p, argv, tiny={"enterprises": 5, "repeat": 1})


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "placards.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    result = OUT / "placards.json"
    result.unlink(missing_ok=True)
    env = child_env("sqlite", f"sqlite:///{db}")
    # The view refuses batches over CODE_PLACARD_BATCH_MAX (default 2,000): let bigger runs through.
    env["WORKSAFE_CODE_PLACARD_BATCH_MAX"] = str(max(args.enterprises, 2000))
    cmd = [sys.executable, "-m", "bench.placards", "--child", "--result", str(result),
           "--enterprises", str(args.enterprises), "--repeat", str(args.repeat), "--seed", str(args.seed)]
    subprocess.run(cmd, env=env, cwd=ROOT, check=True)
    report = json.loads(result.read_text())
    text = markdown(report)
    (OUT / "placards.md").write_text(text, encoding="utf-8")
    print()
    print(text)
    return 0


def markdown(report):
    meta, n = report["meta"], report["meta"]["enterprises"]
    target = TARGET_S_PER_1000 * n / 1000
    lines = [
        f"### 二维码牌批量 PDF · {n:,} 家企业",
        "",
        f"SQLite {meta['sqlite']}；生成 {meta['generate_s']:.1f} s；重复 {meta['repeat']} 次；{meta['machine']}；"
        f"结束时负载 {meta['load']}",
        "",
        "| 纸张 | 场景 | 各次 s | 中位数 s | 页数 | 大小 MB | 查询数 | 倍数 | 目标 |",
        "|---|---|---|--:|--:|--:|--:|--:|:-:|",
    ]
    for r in report["results"]:
        runs = " / ".join(f"{t:.1f}" for t in r["times"])
        ratio = f"{r['ratio']:.2f}×" if r.get("ratio") else "—"
        queries = " / ".join(str(q) for q in r["queries"]) if r.get("queries") else "—"
        verdict = {True: "✓", False: "✗", None: ""}[r.get("ok")]
        lines.append(f"| {r['size']} | {r['scenario']} | {runs} | {r['median']:.1f} | {r['pages']:,} | "
                     f"{r['bytes'] / 1e6:.1f} | {queries} | {ratio} | {verdict} |")
    lines.append("")
    for note in report["notes"]:
        lines.append(f"- {note}")
    lines.append("")
    digits = 0 if target >= 10 else 2  # a tiny run (--tiny: 5 placards) has a target under a second
    lines.append(f"目标：{n:,} 张二维码牌每次 < {target:,.{digits}f} s（每 1,000 张 {TARGET_S_PER_1000} s），含首次生成二维码的那次。"
                 "倍数 = 真实路径中位数 / 基线中位数（同一纸张）。")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------- child


def log(*parts):
    print(*parts, flush=True)


def count_pages(pdf, path):
    """Pages of the PDF: pdfinfo when installed (poppler-utils), else its page objects counted."""
    path.write_bytes(pdf)
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


BASELINE_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: {size}; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; margin: 0; }}
section {{ page-break-after: always; text-align: center; }}
section:last-child {{ page-break-after: auto; }}
img {{ width: {side}; height: {side}; image-rendering: pixelated; display: block; margin: 0 auto; }}
</style></head><body>{pages}</body></html>"""


def baseline_html(size, pictures):
    side = "84mm" if size == "A5" else "130mm"
    pages = "".join(f'<section><h1>安全生产 · 一企一档一码</h1><img src="{p}" alt=""></section>' for p in pictures)
    return BASELINE_HTML.format(size=size, side=side, pages=pages)


def qr_pictures(n):
    """N different QR pictures as the placards carry them (1 px per module, same URL length), without a database."""
    import segno
    from django.conf import settings
    from django.urls import reverse

    from worksafe.codes.models import SIGNER, new_token

    return [segno.make(settings.SITE_URL + reverse("scan", args=[SIGNER.sign(new_token())]), error="m", micro=False)
            .png_data_uri(scale=1, border=4) for _ in range(n)]


class QueryCounter:
    """Counts the SQL statements run on `connection` (an execute wrapper: no query log, next to no overhead)."""

    def __init__(self, connection):
        self.connection, self.n = connection, 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self.n = 0
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)


def province_regulator():
    from worksafe.core.models import Organization, OrgLevel, Role, User

    org = Organization.objects.create(name="河南省应急管理厅", level=OrgLevel.PROVINCE, region_id="410000")
    return User.objects.create(username="bench-placards", role=Role.REGULATOR, organization=org, full_name="省级监管员")


def breakdown(user, n):
    """One A4 batch by hand, step by step, as the view and its job do it (in one piece): where the time goes."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from weasyprint import HTML

    from worksafe.archive.listing import filtered_enterprises
    from worksafe.codes import render as draw
    from worksafe.codes import targets
    from worksafe.codes.models import Code

    request = RequestFactory().get("/codes/placards/enterprises/", {"size": "A4"})
    request.user = user
    steps = []
    with QueryCounter(connection) as q:
        t0 = time.perf_counter()
        enterprises = list(filtered_enterprises(request)[1])
        codes = Code.active_for(enterprises)
        steps.append(("企业和二维码查询", time.perf_counter() - t0, q.n))
        q.n = 0
        t0 = time.perf_counter()
        pages = draw.placard_pages([(targets.ENTERPRISE, e, codes[e.pk]) for e in enterprises])
        steps.append(("每页内容（二维码图片、地区名）", time.perf_counter() - t0, q.n))
    t0 = time.perf_counter()
    html = render_to_string("codes/placard.html", {"pages": pages, "size": "A4"})
    steps.append(("模板", time.perf_counter() - t0, 0))
    t0 = time.perf_counter()
    document = HTML(string=html).render()
    steps.append(("WeasyPrint 排版", time.perf_counter() - t0, 0))
    t0 = time.perf_counter()
    pdf = document.write_pdf()
    steps.append(("WeasyPrint 写 PDF", time.perf_counter() - t0, 0))
    assert len(document.pages) == n, f"分解：{len(document.pages)} 页，应为 {n} 页"
    total = sum(s for _, s, _ in steps)
    return ("分解（A4，另跑一次，二维码已存在）：" + "；".join(
        f"{name} {s:.2f} s" + (f"（{k} 次查询）" if k else "") for name, s, k in steps)
        + f"；合计 {total:.1f} s；HTML {len(html) / 1e6:.1f} MB，PDF {len(pdf) / 1e6:.1f} MB")


def batch(client, url, size):
    """The batch as a regulator gets it: the view answers with its job's page, the worker runs the job, the PDF is
    the job's result."""
    from django.core.management import call_command
    from django.urls import resolve, reverse

    response = client.get(url, {"size": size})
    if response.status_code != 302 or resolve(response["Location"]).view_name != "core:job_detail":
        raise RuntimeError(f"{url}?size={size} → HTTP {response.status_code}，不是后台任务页面")
    job = resolve(response["Location"]).kwargs["pk"]
    call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
    response = client.get(reverse("core:job_result", args=[job]))
    if response.status_code != 200 or response["Content-Type"] != "application/pdf":
        raise RuntimeError(f"任务 {job} 的结果 → HTTP {response.status_code} {response['Content-Type']}")
    return response


def child(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worksafe.settings")
    import warnings

    import django

    # WhiteNoise: no collected static files under bench/out/data (the placards need none).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    django.setup()
    import pydyf
    import weasyprint
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from weasyprint import HTML

    from bench.generate import analyze, generate
    from worksafe.archive.models import Enterprise
    from worksafe.codes.models import Code

    assert not settings.DEBUG, "基准测试须关闭 DEBUG"
    n, repeat = args.enterprises, args.repeat
    log("== 迁移（含基础数据）")
    call_command("migrate", interactive=False, verbosity=0)
    log(f"== 生成 {n:,} 家企业")
    generate_s = generate(n, args.seed, log=log, accounts=False)
    analyze()
    user = province_regulator()
    client = logged_in(user)
    url = reverse("codes:placard_batch")
    assert Code.objects.count() == 0

    t0 = time.perf_counter()
    pictures = qr_pictures(n)
    notes = [f"基线的 {n:,} 张二维码图片预先生成（segno），用时 {time.perf_counter() - t0:.2f} s，不计入基线；"
             "真实路径每次都现场生成"]

    results = []
    for size in SIZES:
        html = baseline_html(size, pictures)
        base_t, real_t, queries, created = [], [], [], []
        base_pdf = real_pdf = None
        log(f"== {size}：基线与真实路径交替，各 {repeat} 次")
        for i in range(repeat):
            t0 = time.perf_counter()
            base_pdf = HTML(string=html).write_pdf()
            base_t.append(time.perf_counter() - t0)

            before = Code.objects.count()
            with QueryCounter(connection) as q:
                t0 = time.perf_counter()
                response = batch(client, url, size)
                real_t.append(time.perf_counter() - t0)
            queries.append(q.n)
            created.append(Code.objects.count() - before)
            real_pdf = response.content
            log(f"  第 {i + 1} 次  基线 {base_t[-1]:6.1f} s   真实路径 {real_t[-1]:6.1f} s  "
                f"{q.n} 次查询  新建二维码 {created[-1]:,}")
        base_pages = count_pages(base_pdf, OUT / f"placards-baseline-{size}.pdf")
        real_pages = count_pages(real_pdf, OUT / f"placards-{size}.pdf")
        if base_pages != n or real_pages != n:
            raise RuntimeError(f"{size}：基线 {base_pages} 页、真实路径 {real_pages} 页，应为 {n} 页")
        base_median, real_median = statistics.median(base_t), statistics.median(real_t)
        results.append({"size": size, "scenario": "基线：WeasyPrint 最小页面", "times": base_t, "median": base_median,
                        "pages": base_pages, "bytes": len(base_pdf), "queries": None, "ratio": None, "ok": None})
        scenario = "真实路径：批量二维码牌任务" + ("（第 1 次生成二维码）" if created[0] else "")
        results.append({"size": size, "scenario": scenario, "times": real_t, "median": real_median,
                        "pages": real_pages, "bytes": len(real_pdf), "queries": queries, "created": created,
                        "ratio": real_median / base_median, "ok": max(real_t) < TARGET_S_PER_1000 * n / 1000})
    assert Code.objects.filter(revoked_at__isnull=True).count() == n

    log("== 分解（A4，另跑一次）")
    notes.append(breakdown(user, n))
    log("  " + notes[-1])

    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()")
        sqlite = cursor.fetchone()[0]
    meta = {
        "enterprises": Enterprise.objects.count(), "repeat": repeat, "generate_s": generate_s, "sqlite": sqlite,
        "load": "，".join(f"{x:.1f}" for x in os.getloadavg()),
        "machine": f"Python {platform.python_version()}，Django {django.get_version()}，"
                   f"WeasyPrint {weasyprint.__version__}，pydyf {pydyf.__version__}，{os.cpu_count()} CPU",
    }
    Path(args.result).write_text(json.dumps({"meta": meta, "results": results, "notes": notes}, ensure_ascii=False,
                                            indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
