"""Local mirror of Vietnamese provincial portals (five platform layouts, seeds + synthetic news,
faults on demand). See portal_mirror/README.md."""
from portal_mirror.articles import MirrorArticle
from portal_mirror.content import catalog
from portal_mirror.faults import FaultPlan, FaultPlanError
from portal_mirror.server import MirrorServer

__all__ = ["MirrorServer", "MirrorArticle", "FaultPlan", "FaultPlanError", "catalog"]
