"""Plausible 隐患排查治理 data for the demo (and tests that want a populated enterprise), reproducible from a seed."""
import datetime
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from worksafe.archive.models import Enterprise
from worksafe.core.fake import person

from .models import (
    CheckKind,
    Checklist,
    ChecklistItem,
    ChecklistState,
    CheckPlan,
    Hazard,
    HazardPhoto,
    HazardStep,
    Level,
    PublicReport,
    PublicReportPhoto,
    Review,
    Source,
    State,
    Supervision,
)

# A guideline checklist (指引标准) of general items every industry shares: (检查项, 检查内容, 检查依据, 隐患类别).
GUIDELINE = [
    ("安全生产责任制", "是否建立健全全员安全生产责任制，明确各岗位的责任人员、责任范围和考核标准", "《安全生产法》第二十二条", "responsibility"),
    ("安全生产责任制", "主要负责人是否组织制定并实施本单位安全生产规章制度和操作规程", "《安全生产法》第二十一条", "rules"),
    ("安全管理机构", "是否按规定设置安全生产管理机构或者配备专职安全生产管理人员", "《安全生产法》第二十四条", "organization"),
    ("教育培训", "从业人员是否经安全生产教育和培训合格后上岗，培训记录是否完整", "《安全生产法》第二十八条", "training"),
    ("教育培训", "特种作业人员是否按照国家有关规定经专门的安全作业培训，取得相应资格", "《安全生产法》第三十条", "training"),
    ("安全投入", "是否按规定提取和使用安全生产费用，建立使用台账", "《企业安全生产费用提取和使用管理办法》", "investment"),
    ("应急管理", "是否制定生产安全事故应急救援预案并定期组织演练", "《生产安全事故应急条例》第五条、第八条", "emergency"),
    ("特种设备", "锅炉、压力容器、起重机械等特种设备是否定期检验，检验合格标志是否在有效期内", "《特种设备安全法》第四十条", "special_equipment"),
    ("特种设备", "叉车、电梯等特种设备作业人员是否持证上岗", "《特种设备安全法》第十四条", "special_equipment_mgmt"),
    ("设备设施", "设备传动部位的防护罩、防护栏等安全防护装置是否齐全有效", "GB/T 8196", "equipment"),
    ("设备设施", "安全阀、压力表、液位计等安全附件是否完好并在检定有效期内", "TSG 21", "equipment"),
    ("作业场所", "安全出口、疏散通道是否畅通，应急照明和疏散指示标志是否完好", "《消防法》第二十八条", "fire"),
    ("作业场所", "危险区域是否设置明显的安全警示标志", "《安全生产法》第三十五条", "place"),
    ("消防安全", "灭火器、消火栓等消防器材是否按规定配置并定期检查", "GB 50140", "fire"),
    ("用电安全", "配电箱（柜）是否完好，是否张贴警示标识，是否有私拉乱接电线现象", "GB 50194", "electricity"),
    ("用电安全", "移动式电气设备是否安装漏电保护器", "GB 13955", "electricity"),
    ("有限空间", "有限空间作业是否执行“先通风、再检测、后作业”，是否有专人监护", "《工贸企业有限空间作业安全规定》", "confined_space"),
    ("危险作业", "动火、高处、吊装等危险作业是否履行审批手续并落实现场安全措施", "GB 30871", "behaviour"),
    ("职业卫生", "是否为从业人员配备符合国家标准的劳动防护用品并督促正确佩戴", "《安全生产法》第四十五条", "occupational"),
    ("相关方管理", "是否与承包、承租单位签订安全生产管理协议，明确各自的安全生产管理职责", "《安全生产法》第四十九条", "contractor_mgmt"),
]

# Hazards: (name, place, content, category, kind, level)
HAZARDS = [
    ("配电箱警示标识缺失", "一车间配电室", "配电箱未张贴“有电危险”警示标识，箱门未上锁，可能导致触电", "electricity", "condition", "general"),
    ("消防通道堆放杂物", "成品仓库东侧", "消防通道堆放包装材料，宽度不足1米，影响人员疏散和消防救援", "fire", "behaviour", "general"),
    ("灭火器压力不足", "二车间", "3具干粉灭火器压力表指针处于红区，失效", "fire", "condition", "general"),
    ("传动皮带防护罩缺失", "机加工车间3号机床", "皮带传动部位无防护罩，可能造成卷入伤害", "equipment", "condition", "general"),
    ("特种作业人员证书过期", "设备部", "2名电工特种作业操作证已超过复审期限", "special_equipment_mgmt", "management", "general"),
    ("应急预案未按期演练", "安环部", "本年度未组织综合应急预案演练", "emergency", "management", "general"),
    ("员工未佩戴防护眼镜", "打磨工位", "打磨作业人员未佩戴护目镜，存在飞溅物伤眼风险", "behaviour", "behaviour", "general"),
    ("储罐区可燃气体报警器失效", "甲醇罐区", "2台可燃气体检测报警器未按期标定且无法报警，泄漏不能及时发现，可能引发火灾爆炸",
     "equipment", "condition", "major"),
    ("有限空间作业未检测", "污水池", "进入污水池清淤作业前未进行气体检测，未设专人监护，可能导致中毒窒息", "confined_space", "behaviour", "major"),
]


def photo_bytes(rng, text="", size=(640, 480)):
    """A small JPEG "site photo": coloured blocks and a caption, so the pages have something to show."""
    img = Image.new("RGB", size, (rng.randrange(120, 200), rng.randrange(120, 200), rng.randrange(120, 200)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.randrange(0, size[0] - 80), rng.randrange(0, size[1] - 80)
        draw.rectangle([x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 160)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw.text((12, size[1] - 24), text[:40].encode("ascii", "ignore").decode() or "photo", fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def make_guideline(industry=None, owner=None, name="工贸行业企业隐患排查指引标准（通用）"):
    checklist = Checklist.objects.create(name=name, industry=industry, owner=owner, state=ChecklistState.APPROVED,
                                         note="依据《安全生产法》及相关标准规范编制，供企业制定自查标准参考。")
    ChecklistItem.objects.bulk_create(
        ChecklistItem(checklist=checklist, order=i + 1, section=s, content=c, basis=b, category_id=cat or None)
        for i, (s, c, b, cat) in enumerate(GUIDELINE))
    return checklist


def make_hazards(rng, enterprise, regulator=None, count=None):
    """`count` hazards (default 4–9) of the enterprise over the last year, in every state of the closed loop; the
    major ones reviewed by `regulator` when given. Steps are recorded as the workflow would."""
    today = timezone.localdate()
    staff = person(rng)
    made = []
    for name, place, content, category, kind, level in rng.sample(HAZARDS, count or rng.randint(4, len(HAZARDS))):
        found = today - datetime.timedelta(days=rng.randrange(0, 300))
        deadline = found + datetime.timedelta(days=rng.choice((7, 15, 30, 60, 90)))
        state = rng.choices([State.REPORTED, State.RECTIFYING, State.ACCEPTING, State.CLOSED], [2, 3, 1, 5])[0]
        if level == Level.MAJOR and regulator is None:
            state = State.REPORTED
        hazard = Hazard(
            enterprise=enterprise, found_on=found, name=name, place=place, content=content, category_id=category, kind=kind,
            level=level, source=rng.choice([Source.SELF_CHECK, Source.SELF_CHECK, Source.PATROL, Source.INSPECTION]),
            precautions="设置警戒区域，安排专人巡查，落实临时防护措施；现场配备应急器材。",
            requirements=f"{(deadline - found).days}日内完成整改，整改完成后报安环部验收。",
            method="更换或修复设施，完善管理制度，对相关人员进行教育培训。", deadline=deadline,
            planned_completion=deadline, planned_funds=rng.choice([None, 0.5, 1.2, 3, 12]),
            possible_loss=rng.choice([None, 5, 20, 100]), possible_casualties=rng.choice([None, 1, 3]),
            responsible=person(rng), filled_by=staff, filled_on=found, substance="甲醇" if "罐区" in place else "",
        )
        if level == Level.MAJOR:
            hazard.review = Review.PENDING if state == State.REPORTED else Review.CONFIRMED
        if state in (State.ACCEPTING, State.CLOSED):
            hazard.measures_taken = "已完成整改：" + hazard.method
            hazard.completed_on = min(today, found + datetime.timedelta(days=rng.randrange(1, 40)))
            hazard.actual_funds = hazard.planned_funds
            hazard.current_status = "已整改"
            hazard.evaluation = "整改措施落实到位，隐患消除。"
        if state == State.CLOSED:
            by_regulator = level == Level.MAJOR or (hazard.source == Source.INSPECTION and regulator is not None)
            hazard.reviewed_by = regulator.full_name if by_regulator else person(rng)
            hazard.reviewed_on = hazard.completed_on
            hazard.closed_at = timezone.now()
        if level == Level.MAJOR and state != State.REPORTED and regulator is not None:
            hazard.supervision, hazard.supervisor = Supervision.COUNTY, regulator.organization
            hazard.notice_number, hazard.notice_on = f"应急隐督〔{found.year}〕{rng.randrange(1, 60)}号", found
            hazard.plan_leader, hazard.plan_person = person(rng), hazard.responsible
            hazard.plan_measures, hazard.plan_funds, hazard.plan_deadline = hazard.method, hazard.planned_funds, deadline
            hazard.plan_emergency = "执行《储罐区泄漏事故现场处置方案》，配备正压式空气呼吸器和堵漏工具。"
        hazard.state = state
        hazard.save()
        HazardPhoto.objects.create(hazard=hazard, stage=HazardPhoto.Stage.BEFORE,
                                   file=ContentFile(photo_bytes(rng, "before"), name="photo.jpg"))
        if state in (State.ACCEPTING, State.CLOSED):
            HazardPhoto.objects.create(hazard=hazard, stage=HazardPhoto.Stage.AFTER,
                                       file=ContentFile(photo_bytes(rng, "after"), name="photo.jpg"))
        _steps(hazard, staff, regulator)
        made.append(hazard)
    return made


def _steps(hazard, staff, regulator, report=True):
    """The step rows the workflow would have written to reach the hazard's state."""
    A = HazardStep.Action
    path = [(A.REPORT, "", State.REPORTED, staff, "")] if report else []
    reached = [State.RECTIFYING, State.ACCEPTING, State.CLOSED]
    if hazard.state in reached:
        if hazard.is_major:
            path.append((A.CONFIRM, State.REPORTED, State.RECTIFYING, regulator.full_name, ""))
            path.append((A.SUPERVISE, State.RECTIFYING, State.RECTIFYING, regulator.full_name, "县级挂牌督办"))
            path.append((A.PLAN, State.RECTIFYING, State.RECTIFYING, staff, ""))
        else:
            path.append((A.START, State.REPORTED, State.RECTIFYING, staff, ""))
    if hazard.state in reached[1:]:
        path.append((A.SUBMIT, State.RECTIFYING, State.ACCEPTING, staff, ""))
    if hazard.state == State.CLOSED:
        path.append((A.ACCEPT, State.ACCEPTING, State.CLOSED, hazard.reviewed_by, ""))
    HazardStep.objects.bulk_create(
        HazardStep(hazard=hazard, action=a, source=s, target=t, actor_name=who, comment=c) for a, s, t, who, c in path)


def make_plan(rng, enterprise, checklist):
    today = timezone.localdate()
    CheckPlan.objects.create(enterprise=enterprise, name="月度综合隐患排查", kind=CheckKind.COMPREHENSIVE, checklist=checklist,
                             department="安环部", person=person(rng), frequency_value=1, frequency_unit="month",
                             starts_on=today.replace(day=1) - datetime.timedelta(days=120))
    CheckPlan.objects.create(enterprise=enterprise, name="岗位日常排查（风险管控措施）", kind=CheckKind.DAILY,
                             use_measures=True, department="生产部", person=person(rng), frequency_value=1,
                             frequency_unit="week", starts_on=today - datetime.timedelta(days=60))


def make_public_reports(rng, enterprise, count=2):
    """Pending 随手拍 reports about `enterprise` waiting in its county's queue."""
    texts = ["厂区北门外堆放大量易燃包装物，旁边有人吸烟，存在火灾隐患。", "夜间看到车间内有人在无防护情况下进行电焊作业，火花四溅。",
             "仓库门口消防栓被货物挡住，无法正常使用。"]
    for text in rng.sample(texts, count):
        report = PublicReport.objects.create(enterprise=enterprise, region_id=enterprise.region_id, text=text,
                                             location=enterprise.address[:200], client="demo")
        PublicReportPhoto.objects.create(report=report, file=ContentFile(photo_bytes(rng, "report"), name="photo.jpg"))


def settle_patrol_hazards(rng, older_than_days=40):
    """Most hazards the demo's past patrols raised were rectified long ago: close them (a few still in hand), as
    the enterprise would have, so the demo does not look like a year of neglect."""
    today = timezone.localdate()
    old = Hazard.objects.filter(source=Source.PATROL, level=Level.GENERAL, state=State.REPORTED,
                                found_on__lt=today - datetime.timedelta(days=older_than_days))
    for hazard in old.select_related("enterprise"):
        hazard.state = State.CLOSED if rng.random() < 0.9 else State.RECTIFYING
        hazard.requirements = "立即整改，落实管控措施。"
        if hazard.state == State.CLOSED:
            hazard.measures_taken = "已重新落实管控措施并对责任人进行教育。"
            hazard.completed_on = hazard.found_on + datetime.timedelta(days=rng.randrange(1, 20))
            hazard.no_photo_reason = "现场整改，未留存照片"
            hazard.reviewed_by, hazard.reviewed_on = person(rng), hazard.completed_on
            hazard.closed_at = timezone.now()
        hazard.save()
        _steps(hazard, hazard.filled_by or "巡检员", None, report=False)  # the REPORT step is the patrol's own


PAUSE_REASONS = ["季节性生产，冬季停产", "停产整顿，复工前暂不上报", "设备大修停产"]


def make_reporting(rng, enterprises, today=None):
    """Reporting duties (mostly 月报, some 季报/半年报/年报, a few paused) and the reports of the last periods:
    about two thirds of the enterprises have reported this period."""
    from . import periods
    from .models import Cycle, HazardReport, ReportingDuty
    from .reporting import figures

    today = today or timezone.localdate()
    duties, reports = [], []
    for e in enterprises:
        cycle = rng.choices([Cycle.MONTH, Cycle.QUARTER, Cycle.HALF, Cycle.YEAR], [70, 20, 5, 5])[0]
        duty = ReportingDuty(enterprise=e, cycle=cycle)
        if rng.random() < 0.08:
            duty.paused_from = today - datetime.timedelta(days=rng.randrange(5, 60))
            duty.paused_until = today + datetime.timedelta(days=rng.randrange(10, 120))
            duty.pause_reason = rng.choice(PAUSE_REASONS)
        day, reported_now = today, rng.random() < 0.65 and not duty.paused_on(today)
        for back in range(3):  # this period and the two before it
            first, last = periods.bounds(cycle, day)
            if (reported_now if back == 0 else rng.random() < 0.85) and not (back == 0 and duty.paused_on(today)):
                reports.append(HazardReport(
                    enterprise=e, cycle=cycle, period=periods.key(cycle, day), starts_on=first, ends_on=last,
                    **figures(e.pk, first, min(last, today))))
                duty.last_period = duty.last_period or periods.key(cycle, day)
            day = first - datetime.timedelta(days=1)
        duties.append(duty)
    ReportingDuty.objects.bulk_create(duties)
    HazardReport.objects.bulk_create(reports)


# ---- `worksafe demo` steps (core/demo.py; registered in apps.py) ----


def demo_guideline(demo):
    """The province's checklist every demo enterprise's plans follow."""
    demo.guideline = make_guideline(owner=demo.orgs["410000"])


def demo_hazards(demo, e):
    make_hazards(demo.rng, e, regulator=demo.reviewer_for(e.region_id))


def demo_plans(demo):
    """The demo counties' enterprises: check plans, and 随手拍 reports waiting for their county."""
    for e in demo.showcase:
        make_plan(demo.rng, e, demo.guideline)
        make_public_reports(demo.rng, e)


def demo_reporting(demo):
    make_reporting(demo.rng, Enterprise.objects.order_by("pk"))


def demo_settle(demo):
    """Patrols raise their hazards once committed (risks.signals.measure_not_in_place): settle them after that."""
    transaction.on_commit(lambda: settle_patrol_hazards(demo.rng))


def demo_notifications(demo):
    """After the archive's (archive/fake.py demo_notifications, which clears what the past patrols announced): pending
    随手拍 reports to the regulators who decide on them, and each showcase enterprise's newest open patrol hazard to its
    accounts."""
    transaction.on_commit(lambda: _hazard_notifications(demo))


def _hazard_notifications(demo):
    from worksafe.core.demo import ENTERPRISE_COUNTIES

    from . import announce

    for county in ENTERPRISE_COUNTIES:  # the newest pending report of each demo county
        report = (PublicReport.objects.filter(status=PublicReport.Status.PENDING, region__code__startswith=county)
                  .select_related("region").order_by("-created_at", "-pk").first())
        if report is not None:
            announce.public_report_received(report)
    for e in demo.showcase:
        hazard = (Hazard.objects.filter(enterprise=e, source=Source.PATROL, state=State.REPORTED, patrol_item__isnull=False)
                  .select_related("patrol_item__patrol").order_by("-found_on", "-pk").first())
        if hazard is not None:
            announce.patrol_hazard(hazard, hazard.patrol_item)
