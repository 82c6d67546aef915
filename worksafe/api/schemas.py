"""The records the API takes and gives, as pydantic models (their JSON schemas are the OpenAPI document's).

Option fields take the stored code (e.g. "major") or its Chinese label ("重大隐患"); titles are the labels of
the forms and tables users know, and name the field in every error message.
"""
import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from worksafe.core.risk_levels import RiskLevel
from worksafe.hazards.models import CheckKind, HazardCheckItem, HazardStep, Kind, Level, Source, State
from worksafe.risks.models import ControlTier, FrequencyUnit, MeasureCategory, Method, ObjectKind, Tense
from worksafe.risks.models import State as EventState


def _no_nul(value):
    if "\x00" in value:  # PostgreSQL cannot store it; refused on every database alike
        raise ValueError("不能包含 NUL 字符（\\u0000）")
    return value


def Text(max_length, required=True):
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1 if required else 0, max_length=max_length),
                     AfterValidator(_no_nul)]


def Choice(choices, blank=False):
    """A choice field: the code or the label in, the code out; documented as an enum of the codes."""
    lookup = {}
    for value, label in choices.choices:
        lookup[value] = lookup[label] = value
    allowed = "、".join(f"{v}（{label}）" for v, label in choices.choices)

    def parse(value):
        if isinstance(value, str):
            key = value.strip()
            if blank and key == "":
                return ""
            if key in lookup:
                return lookup[key]
        raise ValueError(f"应为以下之一：{allowed}")

    enum = list(choices.values) + ([""] if blank else [])
    return Annotated[str, BeforeValidator(parse), WithJsonSchema({"type": "string", "enum": enum, "description": allowed})]


# Nothing in a safety ledger predates 1949; it keeps years far from the ends of the calendar, where a time in
# +08:00 is a different year in UTC and PostgreSQL and Python part ways.
EARLIEST = datetime.date(1949, 10, 1)
Day = Annotated[datetime.date, Field(ge=EARLIEST)]
Moment = Annotated[AwareDatetime, Field(ge=datetime.datetime(1949, 10, 1, tzinfo=datetime.UTC))]
Money = Annotated[Decimal | None, Field(ge=0, max_digits=12, decimal_places=2)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
Uscc = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=18, max_length=18), AfterValidator(_no_nul)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: ExternalId = Field(title="发送方记录编号",
                                    description="对接系统自己的记录编号（可见 ASCII 字符，最长 64）；同一企业内唯一，重复上传据此匹配")
    enterprise: Uscc = Field(title="统一社会信用代码", description="记录所属企业")


# Hazards (隐患排查治理台账) -----------------------------------------------------------------------------------

class HazardStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Choice(HazardStep.Action) = Field(title="操作")
    state: Choice(State) = Field(title="操作后状态")
    time: Moment = Field(title="时间", description="带时区，如 2026-11-20T09:30:00+08:00")
    actor: Text(150) = Field(title="操作人")
    organization: Text(128, required=False) = Field("", title="操作单位")
    comment: Text(500, required=False) = Field("", title="意见")


class HazardRecord(Record):
    found_on: Day = Field(title="隐患排查时间")
    name: Text(200) = Field(title="隐患名称")
    place: Text(200) = Field(title="隐患地点部位")
    content: Text(5000) = Field(title="隐患内容（主要危害）")
    category: Text(64) = Field(title="隐患类别", description="隐患类别的代码或名称：系统管理 › 参考数据 › 隐患类别中启用的值"
                                                      "（如 fire 或“现场管理-消防安全”）；已停用的类别不能用于新上传的隐患")
    level: Choice(Level) = Field(Level.GENERAL.value, title="隐患级别")
    kind: Choice(Kind, blank=True) = Field("", title="隐患类型")
    source: Choice(Source) = Field(Source.SELF_CHECK.value, title="隐患来源")
    precautions: Text(5000, False) = Field("", title="安全防范措施和应急预案")
    requirements: Text(5000, False) = Field("", title="治理的时限和要求")
    substance: Text(200, False) = Field("", title="主要危险物质")
    possible_loss: Money = Field(None, title="可能造成经济损失（万元）")
    possible_casualties: int | None = Field(None, ge=0, le=100000, title="可能造成的伤亡人数")
    possible_consequence: Text(200, False) = Field("", title="可能造成的后果")
    surroundings: Text(500, False) = Field("", title="周边环境情况")
    method: Text(5000, False) = Field("", title="治理的方法和措施")
    deadline: Day | None = Field(None, title="整改期限")
    planned_completion: Day | None = Field(None, title="计划整改完成时间")
    current_status: Text(200, False) = Field("", title="目前状况")
    planned_funds: Money = Field(None, title="预计所需资金（万元）")
    actual_funds: Money = Field(None, title="实际使用资金（万元）")
    completed_on: Day | None = Field(None, title="实际完成时间")
    evaluation: Text(5000, False) = Field("", title="隐患整改结果评估")
    responsible: Text(64, False) = Field("", title="整改责任人")
    filled_by: Text(64, False) = Field("", title="填表人")
    filled_on: Day | None = Field(None, title="填表时间")
    measures_taken: Text(5000, False) = Field("", title="已采取的整改措施")
    no_photo_reason: Text(500, False) = Field("", title="未提供整改后照片的原因")
    state: Choice(State) = Field(State.REPORTED.value, title="整改状态")
    check_id: ExternalId | None = Field(None, title="排查记录编号",
                                        description="发现该隐患的隐患排查记录的发送方记录编号（该排查记录须已上传），与 check_item 同时填写")
    check_item: int | None = Field(None, ge=1, le=500, title="检查项序号",
                                   description="该排查记录的第几个检查项（从 1 起），其检查结果须为不符合")
    history: list[HazardStepIn] = Field(default_factory=list, max_length=200, title="处理记录",
                                        description="闭环处理的每一步（上报、整改、验收……），按时间先后")


# Check records (隐患排查记录) ----------------------------------------------------------------------------------

class CheckItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: Text(5000) = Field(title="检查内容")
    result: Choice(HazardCheckItem.Result) = Field(title="检查结果")
    note: Text(500, False) = Field("", title="说明")


class CheckRecord(Record):
    checked_on: Day = Field(title="排查日期")
    kind: Choice(CheckKind) = Field(CheckKind.DAILY.value, title="排查方式")
    checker: Text(64) = Field(title="排查人")
    note: Text(500, False) = Field("", title="备注")
    items: list[CheckItemIn] = Field(min_length=1, max_length=500, title="检查项")


# Risk list (安全风险分级管控清单): one analysis object with everything below it ---------------------------------

class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    content: Text(500) = Field(title="风险管控措施")
    category: Choice(MeasureCategory) = Field(title="管控措施分类")
    tier: Choice(ControlTier) = Field(title="管控层级")
    post: Text(64, False) = Field("", title="岗位")
    person: Text(64, False) = Field("", title="责任人")
    frequency_value: int = Field(1, ge=1, le=1000, title="排查频次（数值）")
    frequency_unit: Choice(FrequencyUnit) = Field(FrequencyUnit.DAY.value, title="排查频次（单位）")


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text(200) = Field(title="安全风险", description="风险事件，如“泄漏造成火灾”")
    description: Text(5000, False) = Field("", title="危险危害表现形式描述")
    accident_category: Text(2, False) = Field("", title="事故类别代码", description="GB 6441 事故类别代码 01–20")
    consequence: Text(128, False) = Field("", title="最严重后果")
    tense: Choice(Tense) = Field(Tense.PRESENT.value, title="时态")
    state: Choice(EventState) = Field(EventState.NORMAL.value, title="状态")
    procedure: Text(128, False) = Field("", title="高危工序名称")
    method: Choice(Method) = Field(title="评价方法")
    lec_l: Decimal | None = Field(None, title="LEC L 可能性")
    lec_e: Decimal | None = Field(None, title="LEC E 暴露频繁程度")
    lec_c: Decimal | None = Field(None, title="LEC C 后果")
    ls_l: int | None = Field(None, title="LS L 可能性")
    ls_s: int | None = Field(None, title="LS S 严重性")
    level: Choice(RiskLevel, blank=True) = Field("", title="安全风险等级", description="直接判定时必填；LEC、LS 法由系统计算，填写时须与计算结果一致")
    reason: Text(500, False) = Field("", title="直接判定理由")
    key_control: bool = Field(False, title="重点管控")
    note: Text(255, False) = Field("", title="备注")
    measures: list[MeasureIn] = Field(default_factory=list, max_length=200, title="管控措施")


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text(128) = Field(title="危险源")
    events: list[EventIn] = Field(default_factory=list, max_length=200, title="安全风险")


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text(128) = Field(title="安全风险分析单元")
    sources: list[SourceIn] = Field(default_factory=list, max_length=200, title="危险源")


class RiskObjectRecord(Record):
    name: Text(128) = Field(title="安全风险分析对象")
    kind: Choice(ObjectKind, blank=True) = Field("", title="对象类型")
    department: Text(64, False) = Field("", title="责任部门")
    person: Text(64, False) = Field("", title="责任人")
    units: list[UnitIn] = Field(default_factory=list, max_length=500, title="安全风险分析单元")


# Envelopes and answers ------------------------------------------------------------------------------------------

class FieldError(BaseModel):
    field: str = Field(title="字段", description="出错字段的路径，如 history[0].time")
    message: str = Field(title="原因")


class Error(BaseModel):
    code: str = Field(title="错误代码")
    detail: str = Field(title="说明")
    errors: list[FieldError] = Field(default_factory=list, title="字段错误")


class RecordResult(BaseModel):
    index: int = Field(title="序号", description="记录在 records 中的位置，从 0 开始")
    external_id: str | None = Field(None, title="发送方记录编号")
    enterprise: str | None = Field(None, title="统一社会信用代码")
    result: Literal["created", "updated", "unchanged", "rejected", "skipped"] = Field(
        title="结果",
        description="created 新增、updated 更新、unchanged 未变化、rejected 拒收（见 errors）、skipped 未写入（整批模式下其他记录有误）")
    id: int | None = Field(None, title="平台记录 ID")
    errors: list[FieldError] = Field(default_factory=list, title="字段错误")


class BatchResult(BaseModel):
    applied: bool = Field(title="是否已写入", description="整批模式（all_or_nothing）下有任一记录被拒收时为 false，且不写入任何记录")
    counts: dict[str, int] = Field(title="各结果条数", description="created、updated、unchanged、rejected、skipped 各多少条；"
                                   "安全风险分析对象整单上传（complete）时另有 withdrawn：撤回了多少个不在本次清单中的对象")
    results: list[RecordResult]


class Withdrawn(BaseModel):
    result: Literal["withdrawn"] = "withdrawn"
    external_id: str
    enterprise: str


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: str = Field(min_length=1, max_length=32, pattern=r"^[\x21-\x7e]+$", title="企业标识")
    secret: str = Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$", title="授权KEY")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(title="有效秒数")
    expires_at: datetime.datetime


def batch_schema(record, options=None):
    """The request body of an upload: up to API_MAX_BATCH records of one kind, and the kind's boolean `options`
    ({name: (title, description)})."""
    from django.conf import settings

    extra = {name: {"type": "boolean", "default": False, "title": title, "description": description}
             for name, (title, description) in (options or {}).items()}
    return {
        "type": "object",
        "required": ["records"],
        "additionalProperties": False,
        "properties": {
            "all_or_nothing": {"type": "boolean", "default": False, "title": "整批模式",
                               "description": "为 true 时任一记录有误则整批不写入"},
            "records": {"type": "array", "minItems": 1, "maxItems": settings.API_MAX_BATCH,
                        "items": {"$ref": f"#/components/schemas/{record.__name__}"}},
            **extra,
        },
    }


# Read-back --------------------------------------------------------------------------------------------------------

class HazardOut(HazardRecord):
    model_config = ConfigDict(extra="ignore")

    id: int = Field(title="平台记录 ID")
    external_id: str | None = Field(None, title="发送方记录编号", description="平台上直接登记的记录为 null")
    enterprise_name: str = Field(title="企业名称")
    review: str = Field(title="重大隐患审核", description="pending 待审核、confirmed 已确认、downgraded 打回为一般隐患，一般隐患为空")
    supervision: str = Field(title="挂牌督办", description="county 县级、city 市级，未挂牌为空")
    closed_at: datetime.datetime | None = Field(None, title="销号时间")
    updated_at: datetime.datetime = Field(title="更新时间")
    history: list[HazardStepIn] = Field(default_factory=list, title="处理记录")


class CheckOut(CheckRecord):
    model_config = ConfigDict(extra="ignore")

    id: int = Field(title="平台记录 ID")
    external_id: str | None = Field(None, title="发送方记录编号")
    enterprise_name: str = Field(title="企业名称")
    items: list[CheckItemIn] = Field(default_factory=list, title="检查项")
    updated_at: datetime.datetime = Field(title="更新时间")


class RiskObjectOut(RiskObjectRecord):
    model_config = ConfigDict(extra="ignore")

    id: int = Field(title="平台记录 ID")
    external_id: str | None = Field(None, title="发送方记录编号")
    enterprise_name: str = Field(title="企业名称")
    updated_at: datetime.datetime = Field(title="更新时间")


class MapOut(BaseModel):
    enterprise: str = Field(title="统一社会信用代码")
    enterprise_name: str = Field(title="企业名称")
    has_map: bool = Field(title="是否已有四色图文件")
    content_type: str = Field(title="文件类型")
    updated_at: datetime.datetime | None = Field(None, title="更新时间")


class MapResult(BaseModel):
    enterprise: str
    result: Literal["created", "updated", "unchanged", "withdrawn"]
    content_type: str = ""


class EnterpriseOut(BaseModel):
    uscc: str = Field(title="统一社会信用代码")
    name: str = Field(title="企业名称")
    region: str = Field(title="所在县区代码")
    region_name: str = Field(title="所在县区")
    industry: str = Field(title="行业代码")
    industry_name: str = Field(title="行业")


class SubscriptionOut(BaseModel):
    key_id: str = Field(title="企业标识")
    system_name: str = Field(title="对接系统名称")
    subscriber: str = Field(title="订阅单位")
    interfaces: list[str] = Field(title="已订阅接口")
    staging: bool = Field(title="库表对接")
    enterprises: int = Field(title="覆盖企业数")


def page_of(item, name):
    """A page of `item`s: {count, page, page_size, items}."""
    from pydantic import create_model

    return create_model(name, count=(int, Field(title="总条数")), page=(int, Field(title="页码")),
                        page_size=(int, Field(title="每页条数")), items=(list[item], ...))


HazardPage = page_of(HazardOut, "HazardPage")
CheckPage = page_of(CheckOut, "CheckPage")
RiskObjectPage = page_of(RiskObjectOut, "RiskObjectPage")
MapPage = page_of(MapOut, "MapPage")
EnterprisePage = page_of(EnterpriseOut, "EnterprisePage")
