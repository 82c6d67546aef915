"""Plausible, valid enterprises for the demo, tests and benchmarks (reproducible from a seed)."""
from decimal import Decimal

from django.db import transaction
from stdnum.cn import uscc as uscc_mod

from worksafe.core import demo as demo_data
from worksafe.core.fake import WORDS, mobile, person
from worksafe.core.models import AccidentCategory, Industry, Region, RegionLevel, Role, User

from . import perms, supervision
from .models import ArchiveReview, Enterprise, KeySupervisionItem, ReviewState, SecondaryUnit, YesNoNA

TRADES = {
    "01": "煤业", "02": "矿业", "0201": "矿业", "0202": "石料", "0203": "尾矿", "0204": "油气", "03": "化工",
    "0301": "化工", "0302": "化工贸易", "0303": "精细化工", "04": "钢铁", "05": "铝业", "06": "建材", "07": "机械",
    "08": "食品", "09": "纺织", "10": "卷烟", "11": "商贸",
}
DEPT_BY_INDUSTRY = {"01": "coal", "07": "industry", "09": "industry"}  # 主管部门 codes (core.CompetentDepartment)


def make_uscc(rng, region_code):
    """A GB 32100 code: 9 (enterprise) 1 (company), the region code, an organisation code, the check digit."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region_code[:6] + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_mod.calc_check_digit(body)


def make_enterprise(rng, region, industry, seen=None):
    """An unsaved Enterprise in `region` (county-level) and `industry`, every 表1 field filled."""
    code = make_uscc(rng, region.code)
    while seen is not None and code in seen:
        code = make_uscc(rng, region.code)
    if seen is not None:
        seen.add(code)
    staff = int(rng.lognormvariate(4, 1.2)) + 3
    head = person(rng)
    trade = TRADES.get(industry.code, "实业")
    return Enterprise(
        name=f"{region.name.rstrip('区县市')}{rng.choice(WORDS)}{trade}有限公司{rng.randrange(1, 99)}",
        uscc=code,
        legal_representative=person(rng),
        legal_representative_mobile=mobile(rng),
        address=f"河南省{region.parent.name if region.parent else ''}{region.name}{rng.choice(WORDS)}路{rng.randrange(1, 300)}号",
        founded_on=f"{rng.randrange(1985, 2024)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        business_license=code,
        industry=industry,
        competent_department_id=DEPT_BY_INDUSTRY.get(industry.code[:2], "emergency"),
        staff_count=staff,
        region=region,
        fixed_assets=Decimal(rng.randrange(50, 500000)) / 10,
        floor_area=Decimal(rng.randrange(200, 200000)),
        industry_type_note=industry.name,
        safety_office_name="安全环保部",
        safety_office_phone=f"0371-{rng.randrange(10000000, 99999999)}",
        safety_head=head,
        safety_head_mobile=mobile(rng),
        duty_phone=f"0371-{rng.randrange(10000000, 99999999)}",
        fulltime_safety_staff=max(1, staff // 100),
        parttime_safety_staff=rng.randrange(0, 6),
        has_major_hazard_source=industry.code.startswith("03") and rng.random() < 0.3,
        risk_identified=rng.random() < 0.7,
        major_hazard_filed=YesNoNA.NA if not industry.code.startswith("03") else rng.choice([YesNoNA.YES, YesNoNA.NO]),
        longitude=Decimal(f"{rng.uniform(110.4, 116.6):.6f}"),
        latitude=Decimal(f"{rng.uniform(31.4, 36.3):.6f}"),
        review_state=rng.choices(list(ReviewState.values), weights=[3, 3, 10, 1])[0],
    )


# ---- `worksafe demo` steps (core/demo.py; registered in apps.py) ----


def demo_enterprises(demo):
    """The random enterprises, the first of them in the demo counties (ENTERPRISE_COUNTIES)."""
    rng = demo.rng
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="41").select_related("parent"))
    zhengzhou = [r for r in counties if r.code.startswith("4101")]
    industries = list(Industry.objects.filter(children__isnull=True))
    seen = set(Enterprise.objects.values_list("uscc", flat=True))
    rows = []
    for i in range(demo.enterprises):
        # Half of the demo enterprises in 郑州 so the city and county accounts have plenty to see.
        region = rng.choice(zhengzhou if i % 2 else counties)
        if i < len(demo_data.ENTERPRISE_COUNTIES):
            region = next(r for r in counties if r.code == demo_data.ENTERPRISE_COUNTIES[i])
        rows.append(make_enterprise(rng, region, rng.choice(industries), seen))
    Enterprise.objects.bulk_create(rows, batch_size=500)
    # The first enterprises generated are the demo counties' (fewer when fewer enterprises were asked for).
    demo.showcase = [Enterprise.objects.get(uscc=row.uscc) for row in rows[: len(demo_data.ENTERPRISE_COUNTIES)]]


def demo_fill(demo):
    """The first enterprises, one at a time, filled in by every app's per-enterprise steps (core/demo.py add_each)."""
    demo.categories = list(AccidentCategory.objects.all())
    for e in Enterprise.objects.order_by("pk")[: min(demo.enterprises, demo_data.EACH)]:
        demo_data.fill(demo, e)


def demo_key_items(demo, e):
    rng = demo.rng
    for n in range(rng.randrange(1, 4)):
        KeySupervisionItem.objects.create(
            enterprise=e, seq=n + 1, name=rng.choice(["液氨储罐区", "反应釜", "粉尘涉爆车间", "有限空间作业", "动火作业", "配电室"]),
            area=rng.choice(["一车间", "二车间", "罐区", "仓库"]), accident_category=rng.choice(demo.categories),
            procedure=rng.choice(["", "加氢工艺", "聚合工艺"]), location="东侧", department="应急局",
            is_major_hazard_source=rng.random() < 0.2, has_emergency_plan=rng.random() < 0.8,
            monitoring="可燃气体报警、视频监控", reviewer="安全部长", responsible_contact="安环部 0371-66668888",
        )


def demo_unit(demo, e):
    if demo.rng.random() < 0.3:
        SecondaryUnit.objects.create(enterprise=e, name=f"{e.name[:6]}运输部", industry=e.industry, competent_department_id=e.competent_department_id)


def demo_accounts(demo):
    """An administrator account for each demo county's enterprise, on the documented password."""
    for e in demo.showcase:
        user = User(username=e.uscc, full_name=e.name, role=Role.ENTERPRISE_ADMIN, enterprise=e, is_demo=True)
        user.set_password(demo_data.DEMO_PASSWORD)
        user.save()


def demo_reviews(demo):
    """Approvals on record for the approved archives (the review diff starts at the last one), and the 金水 demo
    enterprise's archive approved, then edited by its administrator: back to 待审核 with a diff to review."""
    from worksafe.core import audit

    from . import review

    approved = Enterprise.objects.filter(review_state=ReviewState.APPROVED).only("pk", "region_id")
    ArchiveReview.objects.bulk_create(
        [ArchiveReview(enterprise_id=e.pk, source=ReviewState.SUBMITTED, target=ReviewState.APPROVED,
                       actor=demo.reviewer_for(e.region_id), actor_name=demo.reviewer_for(e.region_id).username)
         for e in approved], batch_size=500)
    if not demo.showcase:
        return
    e = demo.showcase[0]
    admin = User.objects.get(username=e.uscc)
    reviewer = demo.reviewer_for(e.region_id)
    if e.review_state != ReviewState.APPROVED:
        e.review_state = ReviewState.APPROVED
        e.save(update_fields=["review_state"])
        ArchiveReview.objects.create(enterprise=e, source=ReviewState.SUBMITTED, target=ReviewState.APPROVED,
                                     actor=reviewer, actor_name=reviewer.username)
    with audit.acting_as(admin), transaction.atomic():
        e.staff_count += 12
        e.safety_head_mobile = mobile(demo.rng)
        e.save()
        item = e.key_items.order_by("pk").first()
        if item is not None:
            item.monitoring = "可燃气体报警、视频监控、液位联锁"
            item.save()
        review.mark_for_review(e, admin)
def demo_notifications(demo):
    """A few unread notifications for the demo accounts, as the announcements would have left them: once the demo's
    transaction commits (after the hazards its past patrols raise, and their notifications, which are replaced here:
    a year of patrols would otherwise leave dozens): archives waiting for review to their reviewers, and the showcase
    enterprises' review results to them."""
    from django.db import transaction

    transaction.on_commit(lambda: _archive_notifications(demo))


def _archive_notifications(demo):
    from worksafe.core import notify
    from worksafe.core.models import Notification

    from . import announce

    Notification.objects.all().delete()
    User.objects.update(unread_notifications=0)
    for county in demo_data.ENTERPRISE_COUNTIES:  # one archive waiting for review in each demo county
        e = Enterprise.objects.filter(review_state=ReviewState.SUBMITTED, region__code__startswith=county).order_by("pk").first()
        if e is None:
            continue
        if e.reviews.filter(target=ReviewState.APPROVED).exists():  # approved, then edited (demo_reviews)
            kind, text = announce.RESUBMITTED, f"{e.name} 的企业档案已审核通过后又被修改（{e.uscc}），已重新进入待审核，请审核。"
        else:
            kind, text = announce.SUBMITTED, f"{e.name} 提交了企业档案，请审核。"
        notify.notify(supervision.owners(e, perms.REVIEW), kind, text, link=e.get_absolute_url(), obj=e)
    for e in demo.showcase:
        if e.review_state == ReviewState.RETURNED:
            notify.notify(notify.enterprise_users(e), announce.RETURNED,
                          f"企业档案被退回：{e.review_reason or '请补充完善档案信息'}。请修改后重新提交审核。", link=e.get_absolute_url(), obj=e)
        elif e.review_state == ReviewState.APPROVED:
            notify.notify(notify.enterprise_users(e), announce.APPROVED, "企业档案已审核通过。", link=e.get_absolute_url(), obj=e)


PARK_ACCOUNT = "yuanqu"  # the demo park's account (README)


def demo_parks(demo):
    """分级负责 and a park: the 郑州 enterprises with a major hazard source handed to the city (its 待办 shows their
    reviews), and 金水区化工园区, a park without a region code of its own holding three 金水 enterprises (the demo
    enterprise first), with an account that sees exactly those."""
    from worksafe.core.models import Organization, OrgKind, OrgLevel

    from .models import ParkMember

    Enterprise.objects.filter(region__code__startswith="4101", has_major_hazard_source=True).update(supervision_level=OrgLevel.CITY)
    county = Organization.objects.filter(region_id="410105", kind=OrgKind.BUREAU).first()
    members = list(Enterprise.objects.filter(region_id="410105").order_by("pk")[:3])
    if county is None or not members:
        return
    park = Organization.objects.create(name="金水区化工园区管委会", kind=OrgKind.PARK, level=county.level,
                                       region_id=county.region_id, parent=county)
    ParkMember.objects.bulk_create([ParkMember(park=park, enterprise=e) for e in members])
    user = User(username=PARK_ACCOUNT, full_name="化工园区演示账号", role=Role.REGULATOR, organization=park, is_demo=True,
                mobile=mobile(demo.stream(22)))  # a stream of its own: the other demo data stays as it was
    user.set_password(demo_data.DEMO_PASSWORD)
    user.save()


def demo_park_note():
    user = User.objects.filter(username=PARK_ACCOUNT).select_related("organization").first()
    if user is None:
        return None
    names = "、".join(user.organization.park_members.values_list("enterprise__name", flat=True))
    return "园区演示（按企业名单管辖）：", [f"{PARK_ACCOUNT:<20} 监管人员 {user.organization.name}：{names}"]
