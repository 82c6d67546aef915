"""The record kinds the API takes, each a handler with the same shape (see base.Kind)."""
from .checks import Checks
from .hazards import Hazards
from .risks import RiskObjects

HANDLERS = {h.interface: h for h in (Hazards(), Checks(), RiskObjects())}
