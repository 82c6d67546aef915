"""The hazards module's permissions (core.permissions.register): each check in workflow.py, checks.py, public.py,
checklists.py, forms_major.py and the duty views is "the role grants P" and the rule that was there before (the
enterprise's own hazard, a regulator in scope above township level, the hazard's state), which stays as code."""
from worksafe.core.permissions import ENTERPRISE, GOVERNMENT, register

GROUP = "隐患排查治理"
REPORT = register("hazards.report", "隐患登记（企业登记、编辑、删除本企业隐患；监管人员登记检查发现的隐患）", GROUP,
                  GOVERNMENT + ENTERPRISE)
RECTIFY = register("hazards.rectify", "隐患整改（开始整改、填写整改记录、提交验收、重大隐患整改方案）", GROUP,
                   GOVERNMENT + ENTERPRISE, help="监管人员只能整改辖区内的一般隐患；重大隐患的整改方案由企业填报")
ACCEPT = register("hazards.accept", "隐患验收（验收通过、验收不通过）", GROUP, GOVERNMENT + ENTERPRISE,
                  help="重大隐患只能由县级及以上监管部门验收")
CONFIRM_MAJOR = register("hazards.confirm_major", "确认重大隐患（确认、打回为一般隐患）", GROUP, GOVERNMENT,
                         help="乡镇（街道）单位的账号不审核重大隐患，与角色无关")
SUPERVISE = register("hazards.supervise", "重大隐患挂牌督办（限期整改通知书）", GROUP, GOVERNMENT)
DECIDE_PUBLIC = register("hazards.decide_public", "核实随手拍举报（受理为隐患、不予受理）", GROUP, GOVERNMENT,
                         help="乡镇（街道）单位的账号不核实举报，与角色无关")
CHECK = register("hazards.check", "隐患排查计划和排查记录", GROUP, ENTERPRISE)
GUIDELINES = register("hazards.guidelines", "指引标准管理（导入、编辑、删除本单位发布的排查指引标准）", GROUP, GOVERNMENT)
CUSTOM = register("hazards.custom_checklists", "本企业排查标准（由指引标准派生、编辑、删除、提交审核）", GROUP, ENTERPRISE)
REVIEW_CHECKLISTS = register("hazards.review_checklists", "审核企业自定义排查标准", GROUP, GOVERNMENT)
DUTIES = register("hazards.duties", "企业查报状态管理（查报周期、暂不上报、恢复正常上报）", GROUP, GOVERNMENT)
FILE = register("hazards.file", "隐患排查情况上报（按查报周期上报本企业的排查和隐患数）", GROUP, ENTERPRISE)
