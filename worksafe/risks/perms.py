"""The risk module's permissions (core.permissions.register)."""
from worksafe.core.permissions import ENTERPRISE, register

EDIT = register("risks.edit", "风险分级管控录入（风险清单、平面图、巡查）", "风险分级管控", ENTERPRISE)
