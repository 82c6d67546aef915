"""Plausible, valid enterprises for the demo, tests and benchmarks (reproducible from a seed)."""
from decimal import Decimal

from stdnum.cn import uscc as uscc_mod

from worksafe.core.fake import WORDS, mobile, person
from worksafe.core.models import CompetentDepartment

from .models import Enterprise, ReviewState, YesNoNA

TRADES = {
    "01": "煤业", "02": "矿业", "0201": "矿业", "0202": "石料", "0203": "尾矿", "0204": "油气", "03": "化工",
    "0301": "化工", "0302": "化工贸易", "0303": "精细化工", "04": "钢铁", "05": "铝业", "06": "建材", "07": "机械",
    "08": "食品", "09": "纺织", "10": "卷烟", "11": "商贸",
}
DEPT_BY_INDUSTRY = {"01": CompetentDepartment.COAL, "07": CompetentDepartment.INDUSTRY, "09": CompetentDepartment.INDUSTRY}


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
        competent_department=DEPT_BY_INDUSTRY.get(industry.code[:2], CompetentDepartment.EMERGENCY),
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
