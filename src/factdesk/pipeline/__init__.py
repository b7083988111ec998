"""The pipeline: the desk (backends built from settings), the ten stages, and the thin
wiring that runs them over one run record per check."""

from factdesk.pipeline.desk import Desk
from factdesk.pipeline.run import Observer, research_only, resume_check, run_check
from factdesk.pipeline.steps import STAGES

__all__ = ["STAGES", "Desk", "Observer", "research_only", "resume_check", "run_check"]
