"""Benchmarks of 隐患排查治理 at province scale: the regulators' 未整改隐患 list, the hazard statistics and the
reporting rate, SQLite and PostgreSQL, each page against the bare SQL of the same rows and aggregates.

Data: the enterprises of bench/generate.py (the same ones as bench.run for the same seed), each with 0–30 hazards
(skewed: a gamma distribution with mean --hazards-per-enterprise, default 10, more in the risky industries) found
over the last three years, counted from the moment of the run:

- about 3% 重大隐患, held mostly by enterprises of the risky industries; a few general hazards were reported as major
  and returned by the regulator (review 打回为一般隐患, with the reason);
- states as they end up: old hazards almost all 已销号 (deadline, completion, acceptance, 审核人 and 销号时间 in order,
  a few completed late), recent ones mostly open — 已上报 / 整改中 / 待验收 — with deadlines so that about a sixth
  of the open ones are overdue, a fifth fall due within 10 days and the rest later (deadlines may have been
  extended); an open major hazard waits for review while 已上报, and is confirmed (notice number, the enterprise's
  rectification plan, for some 挂牌督办 by the county or city 应急管理局) once it is being rectified;
- every required field of Hazard (表4, 辅助表1) filled from per-category templates; hazards that were submitted for
  acceptance or closed carry the rectification record the workflow demands (measures taken, completion date, and,
  since no photo files are generated, the reason for the missing after-photo);
- the yearly summaries the app keeps (HazardYear: general, major, closed per enterprise and year of found_on, as
  hazards.summary.refresh counts them), checked afterwards against COUNT queries (per year, the number of
  enterprise-years, and a sample enterprise by enterprise);
- ReportingDuty rows for about 30% of the enterprises (no row means 月报 and reporting normally): cycles 月报 50%,
  季报 30%, 半年报 10%, 年报 10%; about 10% paused today (some open-ended), 5% with a pause that has ended; of
  those due today about 70% have last_period set — mostly this period's key (reported), some the previous period's.

Not generated: HazardStep rows (the closed loop's history: no page measured here reads them), photos, checklists,
plans and check records, public reports, periodic HazardReport rows (the rate reads ReportingDuty.last_period).

Rows go in per batch of 10,000 enterprises, in the enterprises' transaction (bench.generate's `extra` hook), with
explicit ids (executemany on SQLite, COPY on PostgreSQL) through bench.generate's Loader; the hazard tables'
secondary indexes (and on PostgreSQL their foreign keys and unique constraints) are dropped for the load and rebuilt
after it (bench.pages.deferred_indexes).

Measured, per backend, by bench.pages as bench.run measures pages (Django's test Client, DEBUG off, alternating with
the baseline the same number of times after a warm-up; fewer times, at least 3, when a page would take over --budget
seconds):

- 未整改隐患管理 (hazards:open_list) as the province, a city (郑州), a county (金水区) and a park regulator (a park
  without a region code of its own on 金水区, about 60 member enterprises: bench.run.regulators), page 1 unfiltered;
  the province ?due=overdue and ?level=major; the province's deep page (the middle page, or the last one offered
  when the list caps its count);
- 隐患统计 (hazards:hazard_stats) as the province, the city, the county and the park;
- 填报情况/上报率 (hazards:reporting_stats) as the province, the city and the park.

The park's pages measure the membership join (core.scoping: `enterprise_id IN (SELECT enterprise_id FROM
archive_parkmember WHERE park_id = ?)` beside the region range); their checks count with the same condition.

The baseline (裸 SQL) is the page's own data: the statements the view sends that read enterprises or hazard tables,
recorded once per path and re-run raw, fetching every row; left out is what every page costs (session, user,
organisation, the region and industry lists). Each page is checked once against numbers counted here by hand: the
open list's total (or its cap) and the hazard of its first row, the statistics' open / overdue / this year's general
and major counts, the reporting rate's due and reported enterprises. Each statement is also timed alone; the
slowest one of the two slowest scenarios is EXPLAINed (PostgreSQL: EXPLAIN ANALYZE, BUFFERS; SQLite: EXPLAIN QUERY
PLAN), and every data statement of the park's open list (the membership join's plan). A page whose URL name does
not exist yet, or that answers with an error, is skipped with a note; a failed check is noted (核对 ✗) and the run
goes on.

    python -m bench.hazards                                        # 300,000 enterprises × 10 hazards, both databases
    python -m bench.hazards --enterprises 2000 --backends sqlite --repeat 3
    python -m bench.hazards --reuse                                # keep bench/out/hazards.sqlite3 between runs

Every backend runs in its own child process (bench.pages.main, through bench.run.run_backend); results go to
bench/out/hazards.md and bench/out/hazards.json.
"""
import datetime
import re
import sys
import time
from decimal import Decimal

from bench import pages
from bench.pages import Scenario, count_limit, scope_sql, shown
from bench.run import Bench, log, parse, regulators

PER_PAGE = 20
# Tables whose statements are the page's data (the rest: session, user, organisation, filter choices).
DATA_TABLES = re.compile(r'\b"?(archive_enterprise|hazards_\w+)"?\b')

# ---------------------------------------------------------------------------------------------------- parent


def hazard_args(name, title, argv=None):
    """The arguments of a bench on this module's data (bench.home reuses it): bench.pages' and the hazards per
    enterprise."""
    p = pages.parser(name, title)
    p.add_argument("--hazards-per-enterprise", type=int, default=10, help="每家企业的平均隐患数（默认 10，0–30 偏态分布）")
    return parse(p, argv, tiny={**pages.TINY, "hazards_per_enterprise": 3})


def run_pages(args, name, legend):
    """bench.pages' run of the bench `name` on this module's data."""
    return pages.main(args, name, ["--hazards-per-enterprise", str(args.hazards_per_enterprise)],
                      "{backend} · {enterprises:,} 家企业 · {hazards:,} 条隐患", legend)


def parse_args(argv=None):
    return hazard_args("hazards", "省级规模性能基准：未整改隐患、隐患统计、上报率", argv)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    return run_pages(args, "hazards", pages.legend("隐患表", "总数、首行、统计合计、应报和已报"))


# ---------------------------------------------------------------------------------------------------- data

# General hazards: (name, place, content, category, kind, possible consequence, main dangerous substance, method).
GENERAL = [
    ("配电箱警示标识缺失", "一车间配电室", "配电箱未张贴“当心触电”警示标识，箱门未上锁", "electricity", "condition", "触电", "",
     "张贴警示标识，箱门加锁并指定专人管理"),
    ("临时用电线路私拉乱接", "二车间", "临时电缆沿地面敷设未穿管保护，接头裸露", "electricity", "condition", "触电、火灾", "",
     "按临时用电规范重新敷设，穿管保护，拆除私接线路"),
    ("灭火器压力不足", "仓库", "仓库东侧2具干粉灭火器压力指针处于红区", "fire", "condition", "火灾扩大", "",
     "更换灭火器并建立月度检查记录"),
    ("安全出口堆放杂物", "厂房北侧", "安全出口及疏散通道堆放纸箱，通道宽度不足1米", "fire", "condition", "人员疏散受阻", "",
     "清理杂物，划定禁止占用标线"),
    ("消防通道被占用", "厂区东侧", "消防车通道停放货车", "fire", "management", "火灾时消防车无法通行", "",
     "清理车辆，设置禁停标志并纳入日常巡查"),
    ("防护罩缺失", "机加工车间", "车床传动皮带防护罩拆除后未恢复", "equipment", "condition", "机械伤害", "",
     "恢复防护罩，检修后执行复位确认"),
    ("急停按钮失效", "冲压生产线", "3号冲床急停按钮按下后设备未停止", "equipment", "condition", "机械伤害", "",
     "更换急停按钮，全线急停装置逐台测试"),
    ("作业人员未佩戴劳动防护用品", "焊接工位", "焊工作业未佩戴防护面罩和绝缘手套", "behaviour", "behaviour", "灼烫、触电", "",
     "配发并督促正确佩戴劳动防护用品，开展班前教育"),
    ("违章操作起重设备", "装卸区", "行车操作人员无证上岗，吊物下方有人员通行", "behaviour", "behaviour", "起重伤害", "",
     "停止无证操作，安排持证人员，设置吊装警戒区"),
    ("气瓶未固定", "维修间", "氧气瓶、乙炔瓶混放且未设置防倾倒措施", "place", "condition", "爆炸、火灾", "氧气、乙炔",
     "分区存放并加装防倾倒链条，间距不小于5米"),
    ("有限空间未设置警示标志", "污水处理站", "污水池入口未设置有限空间安全警示标志", "confined_space", "condition",
     "中毒、窒息", "硫化氢", "设置警示标志，完善有限空间台账"),
    ("有限空间作业未检测", "地下泵房", "进入泵房作业前未进行气体检测，无作业审批", "confined_space", "behaviour", "中毒、窒息",
     "硫化氢", "执行先通风、再检测、后作业，落实审批和监护"),
    ("安全生产责任制未更新", "安全管理部", "机构调整后未修订全员安全生产责任制", "responsibility", "management", "责任不落实", "",
     "修订责任制并组织全员签订"),
    ("三级安全教育记录不全", "人力资源部", "新入职员工三级安全教育记录缺少车间级、班组级签字", "training", "management",
     "违章作业", "", "补充培训并完善档案"),
    ("应急预案未演练", "安全管理部", "本年度未组织综合应急预案演练", "emergency", "management", "事故扩大", "",
     "制定演练计划并组织演练，评估后修订预案"),
    ("特种作业人员证书过期", "设备部", "2名电工特种作业操作证已过期", "qualification", "management", "触电", "",
     "停止作业，安排复审取证"),
    ("安全投入台账缺失", "财务部", "未建立安全生产费用提取和使用台账", "investment", "management", "安全投入不足", "",
     "建立台账，按规定提取和使用安全生产费用"),
    ("相关方作业未签订安全协议", "基建项目部", "外包施工单位进场未签订安全管理协议", "contractor_mgmt", "management",
     "事故责任不清", "", "补签协议，明确双方安全职责"),
    ("叉车带病运行", "物流仓库", "叉车制动不灵，未按期检验", "special_equipment", "condition", "车辆伤害", "",
     "停用维修，检验合格后方可使用"),
    ("压力表超期未校验", "锅炉房", "蒸汽管道压力表超过校验有效期", "special_equipment_mgmt", "management", "超压爆炸", "蒸汽",
     "更换校验合格的压力表，建立校验台账"),
    ("粉尘清扫不及时", "打磨车间", "打磨工位地面、设备表面积尘明显", "occupational", "environment", "粉尘爆炸、尘肺", "金属粉尘",
     "落实每班清扫制度，检查除尘设施"),
    ("噪声岗位未设警示", "空压机房", "空压机房噪声超过85分贝，未设置警示标识和护耳器", "occupational_mgmt", "environment",
     "噪声聋", "", "设置警示标识，配发护耳器，开展职业健康检查"),
    ("厂区照明不足", "装卸台", "夜间装卸作业区照明灯损坏", "place", "environment", "车辆伤害、物体打击", "",
     "修复照明，纳入日常巡检"),
    ("空压机储气罐安全阀未校验", "空压机房", "储气罐安全阀铅封缺失，校验记录超期", "auxiliary", "condition", "容器爆炸", "压缩空气",
     "校验安全阀并加铅封"),
]
# Major hazards (重大事故隐患判定标准): the same fields.
MAJOR = [
    ("液氨储罐区未设置泄漏报警装置", "液氨储罐区", "液氨储罐区未设置氨气泄漏检测报警装置，无紧急切断", "equipment", "condition",
     "中毒、爆炸", "液氨", "增设泄漏检测报警和紧急切断装置，与DCS联锁"),
    ("粉尘涉爆除尘系统未采用防爆设计", "抛光车间", "干式除尘系统未设置泄爆、隔爆装置，风管积尘", "equipment", "condition",
     "粉尘爆炸", "铝镁粉尘", "改造除尘系统，增设泄爆隔爆装置，落实清扫制度"),
    ("重点监管危险化工工艺未实现自动化控制", "反应釜区", "硝化工艺反应釜未设置温度、压力自动控制和紧急停车系统",
     "equipment", "condition", "爆炸、火灾", "硝酸、苯", "实施自动化改造，设置SIS紧急停车系统"),
    ("有限空间作业未落实审批和监护", "地下污水池", "有限空间作业未审批、未检测、无专人监护，作业人员无防护装备",
     "confined_space", "behaviour", "中毒、窒息", "硫化氢", "停止作业，建立审批制度，配备检测仪器和防护装备"),
    ("危险化学品仓库超量储存", "危险化学品仓库", "甲类仓库储存量超过设计能力，禁忌物料混存", "place", "condition",
     "爆炸、火灾", "甲醇、过氧化物", "清理超量物料，按禁忌要求分区分库储存"),
    ("燃气管道穿越人员密集场所", "职工食堂", "天然气管道穿越食堂操作间，未设置燃气泄漏报警", "place", "condition",
     "爆炸", "天然气", "改线敷设管道，增设泄漏报警和自动切断阀"),
    ("主要负责人未依法取得安全资格证", "企业负责人", "危险化学品企业主要负责人未经考核合格", "qualification", "management",
     "管理失控", "", "限期参加培训考核取证"),
    ("煤气区域未设置固定式一氧化碳检测报警", "高炉煤气区域", "煤气区域一氧化碳检测报警装置缺失或失效", "equipment",
     "condition", "中毒", "一氧化碳", "增设固定式一氧化碳检测报警并定期标定"),
]
SOURCES = [("self_check", 0.70), ("patrol", 0.15), ("inspection", 0.12), ("public", 0.03)]
PRECAUTIONS = ["设置警戒区域，安排专人看护，落实临时管控措施", "停用相关设备，张贴警示标识", "加强巡查频次，配备应急器材",
               "制定专项应急处置方案并组织交底"]
STATUSES = {"reported": "已上报，待制定整改方案", "rectifying": "正在落实整改措施", "accepting": "整改完成，申请验收",
            "closed": "已完成整改并销号"}
NO_PHOTO = ["整改内容为制度文件修订，无现场照片", "整改内容为培训记录补充，附件已归档", "现场照片已随纸质台账存档"]
DOWNGRADE_REASONS = ["经现场核查，不符合重大事故隐患判定标准，按一般隐患管理", "储存量未达到临界量，不构成重大隐患"]
PAUSE_REASONS = ["季节性停产", "停产整顿", "设备技改停产", "冬季停产", "搬迁停产"]
OPEN_STATES = [("reported", 0.25), ("rectifying", 0.55), ("accepting", 0.2)]
CYCLES = [("month", 0.5), ("quarter", 0.3), ("half", 0.1), ("year", 0.1)]
HAZARD_DEFAULTS = {
    "precautions": "", "requirements": "", "kind": "", "substance": "", "possible_loss": None, "possible_casualties": None,
    "possible_consequence": "", "surroundings": "", "method": "", "deadline": None, "planned_completion": None,
    "current_status": "", "planned_funds": None, "actual_funds": None, "completed_on": None, "evaluation": "",
    "responsible": "", "filled_by": "", "filled_on": None, "reviewed_by": "", "reviewed_on": None, "measures_taken": "",
    "no_photo_reason": "", "closed_at": None, "review": "", "review_reason": "", "supervision": "", "supervisor_id": None,
    "notice_number": "", "notice_on": None, "plan_leader": "", "plan_measures": "", "plan_funds": None, "plan_person": "",
    "plan_deadline": None, "plan_emergency": "", "check_item_id": None, "patrol_item_id": None, "created_by_id": None,
}
MAJOR_SHARE = {True: 0.06, False: 0.02}  # per hazard, risky industries or not: about 3% overall
SCALE = {True: 1.3, False: 0.9}  # hazards per enterprise, relative to the mean


def local_key(cycle, day):
    """periods.key, for as long as worksafe/hazards/periods.py does not exist: 2026-11, 2026Q4, 2026H2, 2026."""
    return {"month": f"{day.year}-{day.month:02d}", "quarter": f"{day.year}Q{(day.month - 1) // 3 + 1}",
            "half": f"{day.year}H{1 if day.month <= 6 else 2}", "year": f"{day.year}"}[cycle]


def period_key():
    """(periods.key, whether it is the app's)."""
    try:
        from worksafe.hazards.periods import key
    except ImportError:
        return local_key, False
    return key, True


def previous_day(cycle, day):
    """A day of the period before the one holding `day`."""
    first_month = {"month": day.month, "quarter": (day.month - 1) // 3 * 3 + 1, "half": 1 if day.month <= 6 else 7,
                   "year": 1}[cycle]
    return datetime.date(day.year, first_month, 1) - datetime.timedelta(days=1)


def pick(rng, weighted):
    u, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if u < total:
            return value
    return weighted[-1][0]


class HazardData:
    """bench.generate's `extra`: each batch's hazards, their yearly summaries and the reporting duties."""

    def __init__(self, seed, per_enterprise):
        import random
        from zoneinfo import ZoneInfo

        from django.conf import settings
        from django.utils import timezone

        from worksafe.core.fake import person
        from worksafe.hazards.models import Hazard, HazardYear, ReportingDuty

        self.rng = random.Random(seed * 7919 + 5)  # not generate()'s: the enterprises stay those of bench.run
        self.per_enterprise = per_enterprise
        self.person = person
        self.now = timezone.now().replace(microsecond=0)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localdate()
        self.key, self.app_key = period_key()
        self.keys = {c: self.key(c, self.today) for c, _ in CYCLES}
        self.previous = {c: self.key(c, previous_day(c, self.today)) for c, _ in CYCLES}
        self.models = (Hazard, HazardYear, ReportingDuty)
        self.orgs = {}
        self.totals = dict.fromkeys(("hazards", "major", "downgraded", "closed", "reported", "rectifying", "accepting",
                                     "overdue", "soon", "later", "supervised", "years", "duties", "paused", "current",
                                     "previous"), 0)
        self.seconds = 0.0

    def create_orgs(self):
        """The 应急管理局 of every county and city, which supervise (挂牌督办) major hazards. Created before the load:
        Organization is audited, and a change record written through the ORM mid-load would take an id the loader
        has handed out."""
        from worksafe.core.models import Organization, OrgLevel, Region, RegionLevel

        for region in Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.CITY]):
            level = OrgLevel.COUNTY if region.level == RegionLevel.COUNTY else OrgLevel.CITY
            self.orgs[region.pk] = Organization.objects.get_or_create(
                name=f"{region.name}应急管理局", level=level, region_id=region.pk)[0].pk

    def org(self, region, level):
        return self.orgs[region.pk]

    def at(self, day, rng):
        """An office-hours moment of `day`, not after now."""
        moment = datetime.datetime(day.year, day.month, day.day, rng.randrange(8, 18), rng.randrange(60), tzinfo=self.zone)
        return min(moment, self.now)

    def __call__(self, loader, enterprises, rows):
        from bench.generate import RISKY

        started = time.perf_counter()
        rng = self.rng
        random, randrange, today, days = rng.random, rng.randrange, self.today, datetime.timedelta
        hazards, years, duties = [], [], []
        t = self.totals
        for e in enterprises:
            risky = e.industry_id[:2] in RISKY
            n = min(30, int(rng.gammavariate(1.5, self.per_enterprise / 1.5 * SCALE[risky]) + 0.5))
            p_major = 2 * MAJOR_SHARE[risky] if random() < 0.5 else 0.0  # half the enterprises never have one
            staff = [self.person(rng) for _ in range(3)]
            counts = {}
            for _ in range(n):
                found = today - days(days=randrange(0, 1096))
                age = (today - found).days
                major = random() < p_major
                name, place, content, category, kind, consequence, substance, method = rng.choice(MAJOR if major else GENERAL)
                window = randrange(30, 181, 15) if major else rng.choice((7, 10, 15, 15, 30, 30, 30, 60))
                h = HAZARD_DEFAULTS.copy()
                created = self.at(found, rng)
                h.update(enterprise_id=e.pk, region_id=e.region_id, industry_id=e.industry_id, found_on=found, name=name,
                         place=place, content=content, category_id=category, kind=kind, possible_consequence=consequence,
                         substance=substance, method=method,
                         level="major" if major else "general", source=pick(rng, SOURCES), responsible=staff[0],
                         filled_by=staff[1], filled_on=found, precautions=rng.choice(PRECAUTIONS),
                         requirements=f"{window}日内完成整改，整改期间落实临时管控措施", created_at=created)
                # Closed: almost all old ones, fewer of the recent ones (major ones take longer).
                p_closed = 0.99 if age > 180 else 0.92 if age > 60 else 0.55 if age > 20 else 0.1
                if major and age <= 180:
                    p_closed *= 0.7
                if random() < p_closed:
                    state = "closed"
                    deadline = found + days(days=window)
                    late = random() >= 0.93  # completed after the deadline
                    done = min(today, found + days(days=window + randrange(1, 30) if late else randrange(1, window + 1)))
                    closed_on = min(today, done + days(days=randrange(0, 6)))
                    closed_at = max(created, self.at(closed_on, rng))
                    h.update(completed_on=done, closed_at=closed_at, reviewed_by=staff[2], reviewed_on=closed_on,
                             measures_taken=method, evaluation="整改完成，经验收合格，隐患消除",
                             no_photo_reason=rng.choice(NO_PHOTO) if random() < 0.3 else "现场照片已随纸质台账存档",
                             updated_at=closed_at)
                else:
                    state = "reported" if age <= 2 else pick(rng, OPEN_STATES)
                    due = pick(rng, (("overdue", 0.16), ("soon", 0.2), ("later", 0.64)))
                    if due == "overdue" and age >= 2:
                        deadline = today - days(days=randrange(1, min(age, 90)))
                    elif due == "soon":
                        deadline = today + days(days=randrange(0, 11))
                    else:
                        due, deadline = "later", today + days(days=randrange(11, 121))
                    t[due] += 1
                    h["updated_at"] = created
                    if state == "accepting":
                        done = min(today, found + days(days=randrange(1, max(2, age))))
                        h.update(completed_on=done, measures_taken=method, no_photo_reason=rng.choice(NO_PHOTO))
                h.update(state=state, deadline=deadline, planned_completion=deadline,
                         current_status=STATUSES[state])
                t[state] += 1
                if major:
                    h.update(possible_loss=Decimal(randrange(50, 5000)), possible_casualties=randrange(1, 10),
                             surroundings="厂区周边500米内有居民区和道路", planned_funds=Decimal(randrange(5, 500)))
                    if state == "reported":
                        h["review"] = "pending"
                    else:
                        notice_on = min(today, found + days(days=randrange(1, 8)))
                        h.update(review="confirmed", notice_number=f"豫应急隐改〔{notice_on.year}〕{randrange(1, 400)}号",
                                 notice_on=notice_on, plan_leader=e.legal_representative, plan_measures=method,
                                 plan_funds=h["planned_funds"], plan_person=staff[0], plan_deadline=deadline,
                                 plan_emergency="已制定专项应急预案，配备应急物资，明确应急处置程序")
                        if state == "closed":
                            h["actual_funds"] = h["planned_funds"]
                        u = random()
                        if u < 0.4:
                            city = e.region.parent if e.region.parent and e.region.parent.level == "city" else None
                            level, region = ("city", city) if u < 0.1 and city else ("county", e.region)
                            h.update(supervision=level, supervisor_id=self.org(region, level))
                            t["supervised"] += 1
                elif random() < 0.01:  # reported as major, returned by the regulator
                    h.update(review="downgraded", review_reason=rng.choice(DOWNGRADE_REASONS))
                    t["downgraded"] += 1
                hazards.append(h)
                # The yearly summary the app keeps (hazards.summary.refresh).
                year = counts.setdefault(found.year, [0, 0, 0])
                year[1 if major else 0] += 1
                year[2] += state == "closed"
                t["major"] += major
            years.extend({"enterprise_id": e.pk, "region_id": e.region_id, "industry_id": e.industry_id, "year": y,
                          "general": g, "major": m, "closed": c}
                         for y, (g, m, c) in counts.items())
            # The reporting duty of about 30% of the enterprises (no row: 月报, reporting normally).
            if random() < 0.3:
                cycle = pick(rng, CYCLES)
                d = {"id": e.pk, "enterprise_id": e.pk, "cycle": cycle, "paused_from": None, "paused_until": None,
                     "pause_reason": "", "last_period": ""}  # "id": Loader writes the primary key (enterprise) too
                u = random()
                if u < 0.1:  # paused today, open-ended or until a day ahead
                    d.update(paused_from=today - days(days=randrange(0, 200)), pause_reason=rng.choice(PAUSE_REASONS),
                             paused_until=None if random() < 0.4 else today + days(days=randrange(1, 120)))
                    if random() < 0.5:
                        d["last_period"] = self.key(cycle, previous_day(cycle, d["paused_from"]))
                    t["paused"] += 1
                else:
                    if u < 0.15:  # a pause that has ended: due again
                        until = today - days(days=randrange(1, 60))
                        d.update(paused_from=until - days(days=randrange(10, 120)), paused_until=until,
                                 pause_reason=rng.choice(PAUSE_REASONS))
                    if random() < 0.7:
                        current = random() < 0.85
                        d["last_period"] = (self.keys if current else self.previous)[cycle]
                        t["current" if current else "previous"] += 1
                duties.append(d)
        for model, model_rows in ((self.models[0], hazards), (self.models[1], years)):
            for pk, r in zip(loader.ids(model, len(model_rows)), model_rows, strict=False):
                r["id"] = pk
        t["hazards"] += len(hazards)
        t["years"] += len(years)
        t["duties"] += len(duties)
        self.seconds += time.perf_counter() - started
        return [(self.models[0], hazards), (self.models[1], years), (self.models[2], duties)]

    def describe(self):
        t = self.totals
        n = t["hazards"] or 1
        open_ = t["reported"] + t["rectifying"] + t["accepting"] or 1
        return (f"隐患 {t['hazards']:,}（重大 {t['major'] / n:.1%}，打回为一般 {t['downgraded']:,}，挂牌督办 {t['supervised']:,}；"
                f"已销号 {t['closed'] / n:.1%}，已上报 {t['reported']:,}，整改中 {t['rectifying']:,}，待验收 {t['accepting']:,}；"
                f"未整改中已超期 {t['overdue'] / open_:.0%}、10天内到期 {t['soon'] / open_:.0%}、10天以上 {t['later'] / open_:.0%}），"
                f"年度隐患汇总 {t['years']:,}，查报设置 {t['duties']:,}（暂不上报 {t['paused']:,}，本期已上报 {t['current']:,}，"
                f"仅上期已上报 {t['previous']:,}；周期键"
                + ("取自 hazards.periods.key" if self.app_key else "按 bench 内的 local_key，hazards.periods 尚不存在")
                + f"）；其中 Python 造行 {self.seconds:.0f} s")


def verify_summary(sample=500):
    """HazardYear agrees with the hazards: per year, the number of enterprise-years, and a sample enterprise by
    enterprise (the ORM's year extraction: the same on both databases)."""
    from django.db.models import Count, Q
    from django.db.models.functions import ExtractYear

    from worksafe.hazards.models import Hazard, HazardYear

    counted = {r["y"]: (r["general"], r["major"], r["closed"]) for r in Hazard.objects.annotate(y=ExtractYear("found_on"))
               .values("y").order_by("y").annotate(general=Count("id", filter=Q(level="general")),
                                                   major=Count("id", filter=Q(level="major")),
                                                   closed=Count("id", filter=Q(state="closed")))}
    from django.db.models import Sum

    stored = {r["year"]: (r["g"], r["m"], r["c"]) for r in HazardYear.objects.values("year").order_by("year")
              .annotate(g=Sum("general"), m=Sum("major"), c=Sum("closed"))}
    if counted != stored:
        raise AssertionError(f"年度隐患汇总 {stored} 与按隐患计数 {counted} 不符")
    # Counted in Python from one streamed read: PostgreSQL's DISTINCT over 3 million (enterprise, EXTRACT(YEAR))
    # pairs took over 12 minutes on the bench machine, the read takes seconds.
    groups = len({(e, day.year) for e, day in Hazard.objects.values_list("enterprise_id", "found_on").order_by()
                  .iterator(chunk_size=50_000)})
    rows = HazardYear.objects.count()
    if groups != rows:
        raise AssertionError(f"年度隐患汇总 {rows:,} 行，按隐患应有 {groups:,} 个企业年度")
    top = HazardYear.objects.order_by("-enterprise_id").values_list("enterprise_id", flat=True).first() or 0
    step = max(1, top // sample)
    picked = list(HazardYear.objects.filter(enterprise_id__in=range(step, top + 1, step)).values_list(
        "enterprise_id", "year", "general", "major", "closed"))
    ids = sorted({r[0] for r in picked})
    want = {(r["enterprise_id"], r["y"]): (r["g"], r["m"], r["c"]) for r in Hazard.objects.filter(enterprise_id__in=ids)
            .annotate(y=ExtractYear("found_on")).values("enterprise_id", "y").order_by()
            .annotate(g=Count("id", filter=Q(level="general")), m=Count("id", filter=Q(level="major")),
                      c=Count("id", filter=Q(state="closed")))}
    have = {(pk, y): (g, m, c) for pk, y, g, m, c in picked}
    if want != have:
        wrong = sorted(set(want.items()) ^ set(have.items()))[:3]
        raise AssertionError(f"年度隐患汇总与隐患不符（抽查）：{wrong}")
    total = sum(sum(v) - v[2] for v in counted.values())
    return (f"年度隐患汇总已核对：各年度一般、重大、已销号之和与 COUNT 一致（{total:,} 条隐患），{rows:,} 个企业年度，"
            f"抽查 {len(ids)} 家企业逐年一致")


# ---------------------------------------------------------------------------------------------------- checks


def count_open(prefix, due=None, level=None, offset=None, park=None):
    """How many open hazards the regulator of `prefix` (the park `park`: its members) sees (overdue / of `level`),
    or, with `offset`, the id and name of the list's row there (ORDER BY deadline, id): written by hand, for the
    checks."""
    from django.db import connection
    from django.utils import timezone

    where, params = scope_sql(prefix, park)
    where += " AND h.state <> 'closed'"
    if due == "overdue":
        where, params = f"{where} AND h.deadline < %s", [*params, timezone.localdate()]
    if level:
        where, params = f"{where} AND h.level = %s", [*params, level]
    base = f"FROM hazards_hazard h JOIN archive_enterprise e ON e.id = h.enterprise_id WHERE {where}"
    with connection.cursor() as cursor:
        if offset is None:
            cursor.execute(f"SELECT COUNT(*) {base}", params)
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT h.id, h.name {base} ORDER BY h.deadline, h.id LIMIT 1 OFFSET %s", [*params, offset])
        return cursor.fetchone()


def first_row_check(label, total, visible, row):
    """The page shows the total (or the cap) and, as its first hazard, `row` (id, name): the first link to a hazard's
    page when the rows link there, else its name."""
    from django.urls import NoReverseMatch, reverse

    try:
        detail = re.escape(reverse("hazards:hazard_detail", args=[987654321])).replace("987654321", r"(\d+)")
    except NoReverseMatch:
        detail = None

    def check(html):
        if not shown(html, visible):
            raise AssertionError(f"{label}：页面上没有总数 {visible}（实有 {total}）")
        if row is None:
            return
        first = re.search(rf'href="{detail}"', html) if detail else None
        if first and int(first.group(1)) != row[0]:
            raise AssertionError(f"{label}：第一行是隐患 {first.group(1)}，按 ORDER BY deadline, id 应为 {row[0]}（{row[1]}）")
        if not first and row[1] not in html:
            raise AssertionError(f"{label}：页面上没有第一行的隐患 {row[0]}（{row[1]}）")

    return check


def stats_check(prefix, park=None):
    """The statistics show the jurisdiction's (`park`: its members') open and overdue hazards and this year's general
    and major ones."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    year = datetime.date(today.year, 1, 1), datetime.date(today.year + 1, 1, 1)
    where, params = scope_sql(prefix, park)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN h.state <> 'closed' THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN h.state <> 'closed' AND h.deadline < %s THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN h.found_on >= %s AND h.found_on < %s AND h.level = 'general' THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN h.found_on >= %s AND h.found_on < %s AND h.level = 'major' THEN 1 ELSE 0 END), 0)"
            f" FROM hazards_hazard h JOIN archive_enterprise e ON e.id = h.enterprise_id WHERE {where}",
            [today, *year, *year, *params])
        wanted = dict(zip(("未整改", "已超期", f"{today.year}年一般隐患", f"{today.year}年重大隐患"), cursor.fetchone(), strict=False))

    def check(html):
        missing = {k: n for k, n in wanted.items() if n and not shown(html, n)}
        if missing:
            raise AssertionError(f"隐患统计 {prefix}：页面上没有 {missing}（按隐患计 {wanted}）")

    return check


def reporting_check(prefix, park=None):
    """The reporting rate's due enterprises (in scope, not paused today) and those reported this period."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    key, _ = period_key()
    where, params = scope_sql(prefix, park)
    paused = "(d.paused_from IS NOT NULL AND d.paused_from <= %s AND (d.paused_until IS NULL OR d.paused_until >= %s))"
    current = " OR ".join("(d.cycle = %s AND d.last_period = %s)" for _ in CYCLES)
    current_params = [v for c, _ in CYCLES for v in (c, key(c, today))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) - COALESCE(SUM(CASE WHEN {paused} THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN NOT {paused} AND ({current}) THEN 1 ELSE 0 END), 0)"
            f" FROM archive_enterprise e LEFT JOIN hazards_reportingduty d ON d.enterprise_id = e.id WHERE {where}",
            [today, today, today, today, *current_params, *params])
        due, reported = cursor.fetchone()

    def check(html):
        missing = [n for n in (due, reported) if n and not shown(html, n)]
        if missing:
            raise AssertionError(f"上报率 {prefix}：页面上没有 {missing}（应报 {due}，本期已上报 {reported}）")

    return check


def scenarios(park):
    """The pages to time, and why others are skipped (their URL name does not exist yet, or the URL configuration
    does not load while the app is being built). `park`: the pk of the park regulator's organisation (a park by
    membership on 金水区, bench.run.regulators), whose pages stand beside the county's."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    try:
        _ = get_resolver().url_patterns  # imports every urls module: a module that does not load raises here
    except Exception as error:  # noqa: BLE001 - whatever a half-written module raises
        return [], [f"URL 配置无法加载（{type(error).__name__}: {error}）：跳过全部页面"]

    def url(name):
        try:
            return reverse(name)
        except NoReverseMatch:
            return None

    result, skipped = [], []
    open_list, stats, reporting = url("hazards:open_list"), url("hazards:hazard_stats"), url("hazards:reporting_stats")
    if open_list:
        limit = count_limit("hazards")
        cases = [("省级 不筛选 第1页", "province", "41", {}), ("市级 不筛选 第1页", "city", "4101", {}),
                 ("县级 不筛选 第1页", "county", "410105", {}), ("园区 不筛选 第1页", "park", "410105", {}),
                 ("省级 已超期 第1页", "province", "41", {"due": "overdue"}),
                 ("省级 重大隐患 第1页", "province", "41", {"level": "major"})]
        for label, key, prefix, query in cases:
            member = park if key == "park" else None
            total = count_open(prefix, park=member, **query)
            visible = min(total, limit) if limit else total
            check = first_row_check(f"未整改隐患 {label}", total, visible, count_open(prefix, offset=0, park=member, **query))
            path = open_list + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
            result.append(Scenario(f"未整改隐患 {label}", key, path, check, explain=key == "park"))
        total = count_open("41")
        # The middle page; with a capped count, the last page offered.
        deep = max(1, min(total // PER_PAGE // 2, limit // PER_PAGE) if limit else total // PER_PAGE // 2)
        row = count_open("41", offset=(deep - 1) * PER_PAGE)
        check = first_row_check(f"未整改隐患 省级 第{deep}页", total, min(total, limit) if limit else total, row)
        result.append(Scenario(f"未整改隐患 省级 第{deep:,}页（深分页）", "province", f"{open_list}?page={deep}", check))
    else:
        skipped.append("hazards:open_list 尚不存在：跳过 未整改隐患管理 的 7 个场景")
    if stats:
        for label, key, prefix in (("省级", "province", "41"), ("市级", "city", "4101"), ("县级", "county", "410105"),
                                   ("园区", "park", "410105")):
            result.append(Scenario(f"隐患统计 {label}", key, stats, stats_check(prefix, park if key == "park" else None)))
    else:
        skipped.append("hazards:hazard_stats 尚不存在：跳过 隐患统计 的 4 个场景")
    if reporting:
        for label, key, prefix in (("省级", "province", "41"), ("市级", "city", "4101"), ("园区", "park", "410105")):
            result.append(Scenario(f"上报率 {label}", key, reporting, reporting_check(prefix, park if key == "park" else None)))
    else:
        skipped.append("hazards:reporting_stats 尚不存在：跳过 填报情况/上报率 的 3 个场景")
    return result, skipped


# ---------------------------------------------------------------------------------------------------- child


def prepare(args, backend, existing):
    """The data of a bench child (after pages.setup): the enterprises of bench/generate.py with about
    --hazards-per-enterprise hazards each (none: enterprises only), generated into an empty database, or checked when
    --reuse found them. (generate seconds, notes)."""
    from bench.generate import generate
    from worksafe.hazards.models import Hazard

    generate_s, notes = 0.0, []
    if existing == 0:
        log(f"== {backend}: 生成 {args.enterprises:,} 家企业，平均每家 {args.hazards_per_enterprise} 条隐患")
        if args.hazards_per_enterprise:
            data = HazardData(args.seed, args.hazards_per_enterprise)
            data.create_orgs()
            generate_s, rebuild_s = pages.load(args, data)
            notes.append(f"生成 {generate_s:.0f} s（{data.totals['hazards'] / generate_s:,.0f} 条隐患/s，含隐患表索引和约束事后重建 "
                         f"{rebuild_s:.0f} s）：" + data.describe())
        else:
            generate_s = generate(args.enterprises, args.seed, log=log)
            notes.append(f"生成 {generate_s:.0f} s：企业及其子表，无隐患")
        log("  " + notes[-1])
    elif existing != args.enterprises:
        raise SystemExit(f"数据库已有 {existing} 家企业，与 --enterprises {args.enterprises} 不符：去掉 --reuse 重新生成")
    else:
        log(f"== {backend}: 复用已有的 {existing:,} 家企业、{Hazard.objects.count():,} 条隐患")
    return generate_s, notes


def child(args):
    pages.setup(args)
    from django.db import connection

    from worksafe.archive.models import Enterprise
    from worksafe.hazards.models import Hazard

    backend, existing = args.child, Enterprise.objects.count()
    generate_s, notes = prepare(args, backend, existing)
    visible = pages.analyze(backend, verify_summary, notes)

    users = regulators()
    found, skipped = scenarios(users["park"].organization_id)
    for note in skipped:
        log("  " + note)
    log(f"== {backend}: 页面（每个场景 {args.repeat} 次）")
    bench = Bench(args)
    plans, page_notes = pages.bench_pages(bench, users, connection, found, DATA_TABLES, args.budget)
    notes += skipped + page_notes

    meta = {"enterprises": Enterprise.objects.count(), "hazards": Hazard.objects.count(), "generate_s": generate_s,
            "all_visible": visible}
    return pages.finish(args, meta, ("hazards.Hazard", "hazards.HazardYear", "hazards.ReportingDuty"), bench.results,
                        notes, plans)


if __name__ == "__main__":
    sys.exit(main())
