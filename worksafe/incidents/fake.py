"""Accidents, investigations, penalties and sanctions for the demo (and tests), reproducible from a seed."""
import datetime
from decimal import Decimal

from worksafe.archive.models import Enterprise
from worksafe.core import demo as demo_data
from worksafe.core.fake import person
from worksafe.core.models import AccidentCategory

from .models import Accident, AccidentKind, AccidentType, Investigation, Penalty, PenaltyKind, PenaltyState

NAMES = {
    AccidentType.WORK_INJURY: ("员工搬运物料时砸伤脚部", "检修作业时手部被夹伤", "高处作业坠落致腿部骨折"),
    AccidentType.FIRE: ("配电室电缆短路起火", "仓库纸箱阴燃冒烟"),
    AccidentType.EQUIPMENT: ("行车钢丝绳断裂", "空压机储气罐安全阀失效"),
    AccidentType.OTHER: ("厂区道路叉车剐蹭", "危废暂存间少量泄漏"),
}
GB = {AccidentType.WORK_INJURY: "01", AccidentType.FIRE: "08", AccidentType.EQUIPMENT: "04", AccidentType.OTHER: "02"}


def make_ledgers(rng, e, today=None, sanction=False):
    """A few accidents over the last two years (one investigated), penalties, and an active sanction if asked."""
    today = today or datetime.date.today()
    categories = {c.code: c for c in AccidentCategory.objects.all()}
    for _ in range(rng.randrange(1, 5)):
        kind = rng.choice(list(AccidentType))
        occurred = today - datetime.timedelta(days=rng.randrange(0, 700))
        incident = rng.random() < 0.3
        a = Accident.objects.create(
            enterprise=e, occurred_on=occurred, name=rng.choice(NAMES[kind]), category=kind,
            kind=AccidentKind.INCIDENT if incident else AccidentKind.ACCIDENT, gb_category=categories.get(GB[kind]),
            minor_injuries=0 if incident else rng.randrange(0, 3), serious_injuries=0 if incident else rng.choice([0, 0, 1]),
            deaths=0, direct_loss=Decimal(rng.randrange(0, 3000)) / 100, recorded_by=person(rng),
        )
        if rng.random() < 0.5:
            Investigation.objects.create(
                accident=a, number=f"DC-{occurred:%Y%m%d}-{a.pk}", investigated_on=occurred + datetime.timedelta(days=3),
                subject=f"{e.name}{rng.choice(['生产部', '设备部', '仓储部'])}", team_lead=person(rng),
                team_members=f"{person(rng)}、{person(rng)}", course=f"{occurred:%Y年%m月%d日}，{a.name}。",
                direct_causes="作业人员未按规程操作。", indirect_causes="安全培训不到位，现场监护缺失。",
                direct_responsibility="当班作业人员", leadership_responsibility="车间主任",
                loss_description=f"直接经济损失 {a.direct_loss} 万元。", training="全员开展事故警示教育。",
                handling_opinion="对责任人通报批评并处罚款。", corrective_actions="修订操作规程，增设防护装置。",
                confirmed_by=person(rng), reviewed_by=person(rng), approved_by=person(rng), follow_up="整改措施已落实。",
            )
    for _ in range(rng.randrange(0, 3)):
        Penalty.objects.create(
            enterprise=e, imposed_on=today - datetime.timedelta(days=rng.randrange(0, 700)),
            kind=rng.choice([PenaltyKind.WARNING, PenaltyKind.FINE, PenaltyKind.FINE, PenaltyKind.SUSPENSION]),
            department=f"{e.region.name}应急管理局", reason="未按规定开展隐患排查治理。",
            state=rng.choice([PenaltyState.DONE, PenaltyState.ACTIVE]),
        )
    if sanction:
        Penalty.objects.create(enterprise=e, imposed_on=today - datetime.timedelta(days=30), kind=PenaltyKind.SANCTION,
                               department="河南省应急管理厅", reason="发生较大生产安全事故，列入联合惩戒对象名单。",
                               state=PenaltyState.ACTIVE)


def make_report(rng, e, user, closed=False):
    """A 事故快报 filed by `user` (the county's account) with a follow-up; linked to an investigation when `closed`."""
    from django.utils import timezone

    from .models import AccidentReport, FollowUp

    when = timezone.now() - datetime.timedelta(days=rng.randrange(1, 60), hours=rng.randrange(0, 24))
    unit = user.organization.name if user.organization_id else e.name
    report = AccidentReport.objects.create(
        enterprise=e, title=rng.choice(["液氨管线泄漏中毒", "检修作业高处坠落", "仓库火灾"]), occurred_at=when, place="厂区",
        summary="现场人员发现后立即报告，企业启动应急预案。", category=AccidentType.OTHER, deaths=0, serious_injuries=1,
        direct_loss=Decimal(rng.randrange(1000, 90000)) / 100, reporter=user, reporter_name=user.full_name, reporter_unit=unit,
    )
    FollowUp.objects.create(report=report, content="伤者已送医，情况稳定；现场已处置完毕。", serious_injuries=1, minor_injuries=2,
                            direct_loss=report.direct_loss, reporter=user, reporter_name=user.full_name, reporter_unit=unit)
    report.minor_injuries = 2
    if closed:
        investigation = Investigation.objects.filter(accident__enterprise=e, report__isnull=True).first()
        report.investigation = investigation
    report.save()
    return report


# ---- `worksafe demo` step (core/demo.py; registered in apps.py) ----


def demo_ledgers(demo):
    """Accident and penalty ledgers, from a stream of their own: the third demo enterprise under an active 联合惩戒,
    事故快报 filed by the county (金水, 二七 ...) for the first four, one of them closed."""
    rng = demo.stream(7)
    for n, e in enumerate(Enterprise.objects.order_by("pk").select_related("region")[: min(demo.enterprises, demo_data.EACH)]):
        make_ledgers(rng, e, sanction=n == 2)
        if n < 4:
            make_report(rng, e, demo.reviewer_for(e.region_id), closed=n == 0)
